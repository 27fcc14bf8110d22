import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { AppError } from '../../../lib/errors';
import { assertSameOrigin, clientAddress, isHttps, readBounded, readJson } from '../../../lib/http/request-guards';

function post(url: string, headers: Record<string, string>, body?: BodyInit): Request {
  return new Request(url, { method: 'POST', headers, body, duplex: 'half' } as RequestInit);
}

function refused(run: () => unknown, code: string): void {
  assert.throws(run, (error: unknown) => error instanceof AppError && error.code === code);
}

describe('assertSameOrigin', () => {
  const served = { host: 'mail.example:3000', 'x-postern-proto': 'http' };

  test('the whole origin must match: scheme, host and port', () => {
    assertSameOrigin(post('http://mail.example:3000/api/x', { ...served, origin: 'http://mail.example:3000' }));
    assertSameOrigin(post('http://mail.example:3000/api/x', { ...served, origin: 'HTTP://MAIL.EXAMPLE:3000' }));
    for (const origin of ['https://mail.example:3000', 'http://mail.example:3001', 'http://mail.example', 'http://evil.example:3000', 'null', 'garbage']) {
      refused(() => assertSameOrigin(post('http://mail.example:3000/api/x', { ...served, origin })), 'CSRF_REJECTED');
    }
  });

  test('default ports are the same origin written either way', () => {
    assertSameOrigin(post('http://mail.example/api/x', { host: 'mail.example:80', 'x-postern-proto': 'http', origin: 'http://mail.example' }));
  });

  test('X-Forwarded-Proto and -Host count only behind trusted proxies', () => {
    const forged = { ...served, origin: 'https://evil.example', 'x-forwarded-proto': 'https', 'x-forwarded-host': 'evil.example' };
    refused(() => assertSameOrigin(post('http://mail.example:3000/api/x', forged), 0), 'CSRF_REJECTED');
    const proxied = { host: 'internal:3000', 'x-postern-proto': 'http', origin: 'https://mail.example', 'x-forwarded-proto': 'https', 'x-forwarded-host': 'mail.example' };
    assertSameOrigin(post('http://internal:3000/api/x', proxied), 1);
    refused(() => assertSameOrigin(post('http://internal:3000/api/x', { ...proxied, origin: 'http://mail.example' }), 1), 'CSRF_REJECTED');
  });

  test('without an Origin (not a browser) and for GET there is nothing to compare; a cross-site fetch is refused', () => {
    assertSameOrigin(post('http://mail.example:3000/api/x', served));
    assertSameOrigin(new Request('http://mail.example:3000/api/x', { headers: { origin: 'http://evil.example' } }));
    refused(() => assertSameOrigin(post('http://mail.example:3000/api/x', { ...served, 'sec-fetch-site': 'cross-site' })), 'CSRF_REJECTED');
  });

  test('isHttps believes X-Forwarded-Proto only behind a trusted proxy', () => {
    const request = new Request('http://mail.example/', { headers: { host: 'mail.example', 'x-postern-proto': 'http', 'x-forwarded-proto': 'https' } });
    assert.equal(isHttps(request, 0), false);
    assert.equal(isHttps(request, 1), true);
  });
});

describe('clientAddress', () => {
  const request = (headers: Record<string, string>) => new Request('http://app/', { headers });

  test('with no trusted proxy it is the connection peer, whatever X-Forwarded-For says', () => {
    assert.equal(clientAddress(request({ 'x-postern-peer': '192.0.2.7', 'x-forwarded-for': '203.0.113.1' }), 0), '192.0.2.7');
    assert.equal(clientAddress(request({ 'x-postern-peer': '192.0.2.7' }), 0), '192.0.2.7');
  });

  test('behind N trusted proxies it is the entry N from the right of X-Forwarded-For + peer', () => {
    const headers = { 'x-postern-peer': '10.0.0.2', 'x-forwarded-for': 'forged, 198.51.100.9, 10.0.0.1' };
    assert.equal(clientAddress(request(headers), 1), '10.0.0.1');
    assert.equal(clientAddress(request(headers), 2), '198.51.100.9');
    // More hops than entries: the leftmost there is (never out of range).
    assert.equal(clientAddress(request(headers), 9), 'forged');
  });

  test('an IPv6 client is its /64: another address in it is no new client', () => {
    const a = clientAddress(request({ 'x-postern-peer': '2001:db8:5:6::1' }), 0);
    const b = clientAddress(request({ 'x-postern-peer': '2001:db8:5:6:a:b:c:d' }), 0);
    assert.equal(a, '2001:db8:5:6::/64');
    assert.equal(b, a);
    assert.notEqual(clientAddress(request({ 'x-postern-peer': '2001:db8:5:7::1' }), 0), a);
  });
});

describe('readJson and readBounded', () => {
  test('a stream longer than the bound is refused after at most one chunk past it, and not read further', async () => {
    let pulled = 0;
    const endless = new ReadableStream<Uint8Array>(
      {
        pull(controller) {
          pulled += 1;
          controller.enqueue(new Uint8Array(16 * 1024));
        },
      },
      { highWaterMark: 0 },
    );
    await assert.rejects(readBounded(endless, 64 * 1024), (error: unknown) => error instanceof AppError && error.code === 'PAYLOAD_TOO_LARGE');
    assert.ok(pulled <= 6, `pulled ${pulled} chunks of 16 KiB for a 64 KiB bound`);
    const settled = pulled;
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(pulled, settled, 'kept reading after the refusal');
  });

  test('a chunked body without Content-Length is bounded too', async () => {
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        for (let i = 0; i < 10; i++) controller.enqueue(new TextEncoder().encode(' '.repeat(10_000)));
        controller.close();
      },
    });
    await assert.rejects(readJson(post('http://app/', { 'content-type': 'application/json' }, body), 64 * 1024), /too large/);
  });

  test('a declared Content-Length over the bound is refused; JSON within it parses; bad JSON is INVALID_INPUT', async () => {
    await assert.rejects(readJson(post('http://app/', { 'content-length': '999999' }, '{}'), 1024), /too large/);
    assert.deepEqual(await readJson(post('http://app/', {}, '{"a":"é"}')), { a: 'é' });
    assert.deepEqual(await readJson(post('http://app/', {})), {});
    await assert.rejects(readJson(post('http://app/', {}, '{nope')), (error: unknown) => error instanceof AppError && error.code === 'INVALID_INPUT');
  });
});
