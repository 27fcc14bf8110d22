import assert from 'node:assert/strict';
import type { IncomingMessage } from 'node:http';
import { describe, test } from 'node:test';
import { refusedBeforeNext, stampConnection } from '../../../scripts/serve.mjs';

describe('serve.mjs', () => {
  test('the connection headers are the server\'s own: whatever a client sent under those names is replaced', () => {
    const req = {
      headers: { 'x-postern-peer': '203.0.113.9', 'x-postern-proto': 'https', 'x-postern-other': 'x', 'x-forwarded-for': '198.51.100.1' },
      socket: { remoteAddress: '192.0.2.4' },
    } as unknown as IncomingMessage;
    stampConnection(req);
    assert.deepEqual(req.headers, { 'x-forwarded-for': '198.51.100.1', 'x-postern-peer': '192.0.2.4', 'x-postern-proto': 'http' });
  });

  test('bodies reach Next only on API paths, however the path is spelled', () => {
    const refused = (method: string, url: string) => refusedBeforeNext({ method, url });
    assert.equal(refused('GET', '/'), false);
    assert.equal(refused('HEAD', '/anything'), false);
    assert.equal(refused('POST', '/api/session'), false);
    assert.equal(refused('DELETE', '/api/messages/abc'), false);
    for (const url of ['/', '/inbox', '/api', '/API/session', '/api/../', '/api/%2e%2e/', '/api/%2E./', '/api\\..\\', '/_next/static/x', '/api%2f..']) {
      assert.equal(refused('POST', url), true, url);
    }
  });
});
