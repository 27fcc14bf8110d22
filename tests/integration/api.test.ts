/**
 * The HTTP API (docs/API.md) end to end: production build of the app, real
 * Dovecot on loopback, a cookie-keeping client. Dovecot is reached through a
 * recording proxy so the tests can assert which POP3 commands were sent and
 * drop connections to prove transparent reconnects.
 */
import assert from 'node:assert/strict';
import { writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { startApp, type RunningApp } from '../support/app-server';
import { HttpClient } from '../support/http-client';
import { sampleAttachments, sampleMaildrop, smallMessages } from '../support/maildrop';
import { startProxy, type RunningProxy } from '../support/pop3-proxy';
import { startDovecot, type DovecotServer } from '../support/servers/dovecot';

const PASSWORD = 'S3cret-Pa55word!';
const samples = sampleMaildrop({ big: true });

let dovecot: DovecotServer;
let proxy: RunningProxy;
let app: RunningApp;
let tmp: string;

type Summary = { id: string; number: number; size: number; subject: string; from: { name: string; address: string } | null; date: string | null; deleted: boolean };
type Page = { total: number; size: number; count: number; offset: number; messages: Summary[] };

before(async () => {
  dovecot = await startDovecot({
    users: [
      { name: 'alice', password: PASSWORD, messages: samples.map((m) => m.raw) },
      { name: 'bob', password: PASSWORD, messages: smallMessages(120).map((m) => m.raw) },
      { name: 'carol', password: PASSWORD, messages: smallMessages(6).map((m) => m.raw) },
      { name: 'dave', password: PASSWORD, messages: smallMessages(4).map((m) => m.raw) },
    ],
  });
  proxy = await startProxy({ targetPort: dovecot.port });
  tmp = mkdtempSync(path.join(os.tmpdir(), 'postern-api-'));
  const caFile = path.join(tmp, 'ca.pem');
  writeFileSync(caFile, dovecot.certPem!);
  app = await startApp({
    POP3_ALLOWED_HOSTS: '127.0.0.1,localhost',
    POP3_ALLOWED_PORTS: '1024-65535',
    POP3_TLS_CA_FILE: caFile,
    // Every request here comes from 127.0.0.1: room for all of this file's logins from one address.
    POSTERN_LOGINS_PER_CLIENT: '1000',
  });
});

after(async () => {
  await app?.stop();
  await proxy?.close();
  await dovecot?.stop();
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

async function loggedIn(user: string, options: { via?: 'proxy' | 'tls' | 'starttls' } = {}): Promise<HttpClient> {
  const client = new HttpClient(app.url);
  const via = options.via ?? 'proxy';
  const target =
    via === 'tls'
      ? ({ host: 'localhost', port: dovecot.tlsPort!, security: 'tls' } as const)
      : via === 'starttls'
        ? ({ host: 'localhost', port: dovecot.port, security: 'starttls' } as const)
        : { port: proxy.port };
  await client.logIn({ ...target, username: user, password: PASSWORD });
  return client;
}

/** Marks the proxy's transcript; `since()` gives the client lines sent on any connection after the mark. */
function markTranscript(): { since(): string } {
  const lengths = proxy.connections().map((lines) => lines.length);
  return { since: () => proxy.connections().flatMap((lines, i) => lines.slice(lengths[i] ?? 0)).join('\n') };
}

function errorCode(response: { json<T>(): T }): string {
  return response.json<{ error: { code: string } }>().error.code;
}

describe('login', () => {
  test('TLS login returns the session and an HttpOnly, SameSite cookie holding only an id', async () => {
    const client = new HttpClient(app.url);
    const response = await client.request('POST', '/api/session', {
      body: { host: 'localhost', port: dovecot.tlsPort, security: 'tls', username: 'alice', password: PASSWORD },
    });
    assert.equal(response.status, 200, response.body.toString());
    const { session } = response.json<{
      session: { count: number; size: number; capabilities: string[]; username: string; policies: { expireDays: number | null; loginDelaySeconds: number | null } };
    }>();
    assert.equal(session.count, samples.length);
    // Dovecot states neither EXPIRE nor LOGIN-DELAY.
    assert.deepEqual(session.policies, { expireDays: null, loginDelaySeconds: null });
    assert.equal(session.username, 'alice');
    assert.ok(session.capabilities.includes('UIDL'));
    const cookie = response.headers.get('set-cookie') ?? '';
    assert.match(cookie, /^postern_session=[A-Za-z0-9_-]{40,};/);
    assert.match(cookie, /HttpOnly/);
    assert.match(cookie, /SameSite=Strict/);
    assert.ok(!cookie.includes(PASSWORD) && !response.body.toString().includes(PASSWORD));
    const again = await client.get('/api/session');
    assert.deepEqual(again.json<{ session: { pendingDeletion: string[] } }>().session.pendingDeletion, []);
  });

  test('STARTTLS login works and a new login issues a new session id', async () => {
    const client = await loggedIn('carol', { via: 'starttls' });
    const first = client.cookie;
    const second = await client.post('/api/session', { host: 'localhost', port: dovecot.port, security: 'starttls', username: 'carol', password: PASSWORD });
    assert.equal(second.status, 200);
    assert.notEqual(client.cookie, first);
  });

  test('a wrong password is AUTH_FAILED (401)', async () => {
    const response = await new HttpClient(app.url).post('/api/session', {
      host: 'localhost', port: dovecot.tlsPort, security: 'tls', username: 'alice', password: 'wrong',
    });
    assert.equal(response.status, 401);
    assert.equal(errorCode(response), 'AUTH_FAILED');
  });

  test('plain connections need an explicit allowInsecure', async () => {
    const response = await new HttpClient(app.url).post('/api/session', {
      host: '127.0.0.1', port: dovecot.port, security: 'none', username: 'alice', password: PASSWORD,
    });
    assert.equal(response.status, 400);
    assert.equal(errorCode(response), 'INSECURE_AUTH');
  });

  test('bad input is INVALID_INPUT before anything is sent', async () => {
    const before = proxy.connections().length;
    for (const body of [
      { host: '127.0.0.1', port: proxy.port, security: 'bogus', username: 'a', password: 'b' },
      { host: '127.0.0.1', port: proxy.port, security: 'none', allowInsecure: true, username: '', password: 'b' },
      { host: '127.0.0.1', port: 70000, security: 'tls', username: 'a', password: 'b' },
      { host: 'bad host name', port: 995, security: 'tls', username: 'a', password: 'b' },
    ]) {
      const response = await new HttpClient(app.url).post('/api/session', body);
      assert.equal(response.status, 400, JSON.stringify(body));
      assert.equal(errorCode(response), 'INVALID_INPUT');
    }
    const broken = await new HttpClient(app.url).request('POST', '/api/session', { headers: { 'content-type': 'application/json' } });
    assert.equal(broken.status, 400);
    assert.equal(proxy.connections().length, before);
  });

  test('a user name with CR/LF never reaches the server as a second command', async () => {
    const before = proxy.connections().length;
    const response = await new HttpClient(app.url).post('/api/session', {
      host: '127.0.0.1', port: proxy.port, security: 'none', allowInsecure: true, username: 'alice\r\nDELE 1', password: PASSWORD,
    });
    assert.equal(response.status, 400);
    const sent = proxy.connections().slice(before).flat();
    assert.ok(!sent.some((line) => line.startsWith('DELE')), sent.join('|'));
  });

  test('private, link-local and odd spellings of addresses are refused alike', async () => {
    for (const host of ['10.0.0.1', '169.254.169.254', '192.168.1.1', '::ffff:10.0.0.1', '0x0a000001', '167772161', '[fd00::1]']) {
      // A port the policy allows, so that it is the address that is refused.
      const response = await new HttpClient(app.url).post('/api/session', { host, port: 1995, security: 'tls', username: 'a', password: 'b' });
      assert.equal(response.status, 403, host);
      const body = response.json<{ error: { code: string; message: string } }>();
      assert.equal(body.error.code, 'HOST_NOT_ALLOWED');
      assert.equal(body.error.message, 'This server is not allowed here.');
    }
  });

  test('a port outside POP3_ALLOWED_PORTS is refused', async () => {
    const response = await new HttpClient(app.url).post('/api/session', { host: '127.0.0.1', port: 22, security: 'tls', username: 'a', password: 'b' });
    assert.equal(response.status, 403);
    assert.equal(errorCode(response), 'HOST_NOT_ALLOWED');
    // The port is named with the allowed ones: configuration, decided before any connection.
    assert.match(response.json<{ error: { message: string } }>().error.message, /^Port 22 is not allowed here; allowed: .+\.$/);
  });

  test('repeated failures against one account are RATE_LIMITED with Retry-After', async () => {
    const attempt = (n: number) =>
      new HttpClient(app.url).post(
        '/api/session',
        { host: 'localhost', port: dovecot.tlsPort, security: 'tls', username: 'mallory', password: `guess-${n}` },
      );
    for (let n = 1; n <= 8; n++) assert.equal((await attempt(n)).status, 401);
    const limited = await attempt(9);
    assert.equal(limited.status, 429);
    assert.equal(errorCode(limited), 'RATE_LIMITED');
    assert.ok(Number(limited.headers.get('retry-after')) > 0);
  });

  test('requests without a session are NO_SESSION', async () => {
    const response = await new HttpClient(app.url).get('/api/messages');
    assert.equal(response.status, 401);
    assert.equal(errorCode(response), 'NO_SESSION');
  });

  test('cross-origin state changes are CSRF_REJECTED', async () => {
    const client = await loggedIn('carol');
    const response = await client.post('/api/session/reset', {}, { origin: 'http://evil.example' });
    assert.equal(response.status, 403);
    assert.equal(errorCode(response), 'CSRF_REJECTED');
    const sameOrigin = await client.post('/api/session/reset', {}, { origin: app.url });
    assert.equal(sameOrigin.status, 200);
  });
});

describe('reading', () => {
  let client: HttpClient;
  let page: Page;
  const byName = (name: string) => {
    const index = samples.findIndex((m) => m.name === name);
    return page.messages.find((m) => m.number === index + 1)!;
  };

  before(async () => {
    client = await loggedIn('alice');
    const response = await client.get('/api/messages?limit=200');
    assert.equal(response.status, 200, response.body.toString());
    page = response.json<Page>();
  });

  test('the inbox lists every message newest first with decoded headers and exact sizes', () => {
    assert.equal(page.total, samples.length);
    assert.deepEqual(page.messages.map((m) => m.number), samples.map((_, i) => samples.length - i));
    for (const message of page.messages) {
      const sample = samples[message.number - 1]!;
      assert.equal(message.subject, sample.subject, sample.name);
      assert.equal(message.from?.address, sample.fromAddress, sample.name);
      assert.equal(message.from?.name, sample.fromName, sample.name);
      assert.equal(message.size, dovecot.expectedRetr('alice', message.number).length, sample.name);
      assert.equal(message.date, sample.date.toISOString(), sample.name);
      assert.match(message.id, /^[uc][A-Za-z0-9_-]+$/);
    }
    assert.equal(page.size, page.messages.reduce((sum, m) => sum + m.size, 0));
  });

  test('listing sends no RETR, and ids are the same in a second session', async () => {
    const other = await loggedIn('alice');
    const again = (await other.get('/api/messages?limit=200')).json<Page>();
    assert.deepEqual(again.messages.map((m) => m.id), page.messages.map((m) => m.id));
    assert.ok(!proxy.transcript().split('\n').some((line) => line.startsWith('RETR')), 'no RETR while listing');
  });

  test('paging, limits and filters', async () => {
    const second = (await client.get('/api/messages?offset=2&limit=3')).json<Page>();
    assert.deepEqual(second.messages.map((m) => m.id), page.messages.slice(2, 5).map((m) => m.id));
    const tooMany = await client.get('/api/messages?limit=201');
    assert.equal(tooMany.status, 400);
    assert.equal(errorCode(tooMany), 'INVALID_INPUT');
    const filtered = (await client.get('/api/messages?q=spring')).json<Page>();
    assert.deepEqual(filtered.messages.map((m) => m.subject), ['Spring offers: 20% off everything']);
    const large = (await client.get('/api/messages?minSize=1000000')).json<Page>();
    assert.deepEqual(large.messages.map((m) => m.number), [samples.length]);
    const ids = (await client.get('/api/messages/ids?q=spring')).json<{ ids: string[] }>();
    assert.deepEqual(ids.ids, filtered.messages.map((m) => m.id));
  });

  test('preview shows headers and the first lines, with TOP and without RETR', async () => {
    const plain = byName('plain');
    const mark = markTranscript();
    const response = await client.get(`/api/messages/${plain.id}/preview?lines=3`);
    assert.equal(response.status, 200, response.body.toString());
    const preview = response.json<{ text: string; truncated: boolean; headers: Record<string, string> }>();
    assert.equal(preview.headers.subject, 'Lunch on Thursday?');
    assert.match(preview.text, /are we still on for lunch/);
    assert.doesNotMatch(preview.text, /Bring the printouts/);
    assert.equal(preview.truncated, true);
    const sent = mark.since();
    assert.match(sent, new RegExp(`TOP ${plain.number} 3`));
    assert.doesNotMatch(sent, /RETR/);
    const tooMany = await client.get(`/api/messages/${plain.id}/preview?lines=1001`);
    assert.equal(tooMany.status, 400);
  });

  test('a big message previews without downloading it', async () => {
    const big = byName('big');
    const response = await client.get(`/api/messages/${big.id}/preview?lines=5`);
    assert.equal(response.status, 200);
    assert.equal(response.json<{ truncated: boolean }>().truncated, true);
    assert.ok(response.body.length < 64 * 1024);
  });

  test('HTML is sanitized: no script, handlers, javascript: links, frames or remote images', async () => {
    const html = byName('html');
    const response = await client.get(`/api/messages/${html.id}`, { 'accept-encoding': 'gzip, deflate, br' });
    assert.equal(response.status, 200, response.body.toString());
    assert.equal(response.headers.get('cache-control'), 'no-store');
    assert.equal(response.headers.get('content-encoding'), null, 'no gzip in the app (CPU per request): a reverse proxy compresses');
    const message = response.json<{ html: string; htmlHasRemoteContent: boolean; attachments: { id: string; url: string }[] }>();
    assert.doesNotMatch(message.html, /<script|onclick|onmouseover|javascript:|<iframe|tracker\.example|<style/i);
    assert.match(message.html, /Spring offers/);
    assert.equal(message.htmlHasRemoteContent, true);
    // The cid: logo is embedded: the sandboxed frame cannot send our cookie to the attachment route.
    const logo = sampleAttachments.find((a) => a.filename === 'logo.png')!;
    assert.ok(message.html.includes(`src="data:image/png;base64,${logo.bytes.toString('base64')}"`));
    const withImages = (await client.get(`/api/messages/${html.id}?remoteImages=1`)).json<{ html: string }>();
    assert.match(withImages.html, /http:\/\/tracker\.example\/pixel\.gif/);
    assert.doesNotMatch(withImages.html, /<script|onclick/i);
  });

  test('8-bit and encoded-word messages decode', async () => {
    const message = (await client.get(`/api/messages/${byName('8bit-latin1').id}`)).json<{ text: string; from: { name: string } }>();
    assert.equal(message.from.name, 'Jürgen Weiß');
    assert.match(message.text, /[äöüß]/);
  });

  test('attachments download byte for byte, as attachments, with nosniff', async () => {
    const carrier = byName('attachments');
    const message = (await client.get(`/api/messages/${carrier.id}`)).json<{ attachments: { id: string; filename: string; size: number; url: string }[] }>();
    const expected = sampleAttachments.filter((a) => a.messageName === 'attachments');
    assert.deepEqual(message.attachments.map((a) => a.filename).sort(), expected.map((a) => a.filename).sort());
    for (const attachment of message.attachments) {
      const want = expected.find((a) => a.filename === attachment.filename)!;
      assert.equal(attachment.size, want.bytes.length);
      const download = await client.get(attachment.url);
      assert.equal(download.status, 200);
      assert.ok(download.body.equals(want.bytes), attachment.filename);
      assert.match(download.headers.get('content-disposition') ?? '', /^attachment; filename="/);
      assert.equal(download.headers.get('x-content-type-options'), 'nosniff');
    }
    const missing = await client.get(`/api/messages/${carrier.id}/attachments/a99`);
    assert.equal(missing.status, 404);
    assert.equal(errorCode(missing), 'ATTACHMENT_NOT_FOUND');
  });

  test('raw source is byte-exact for every message, the 20 MB one included', async () => {
    for (const message of page.messages) {
      const response = await client.get(`/api/messages/${message.id}/raw`);
      assert.equal(response.status, 200);
      assert.equal(response.headers.get('content-type'), 'message/rfc822');
      assert.match(response.headers.get('content-disposition') ?? '', /^attachment;/);
      assert.ok(response.body.equals(dovecot.expectedRetr('alice', message.number)), samples[message.number - 1]!.name);
    }
  });

  test('the 20 MB message parses, with progress lines when asked', async () => {
    const big = byName('big');
    const response = await client.get(`/api/messages/${big.id}`, { accept: 'application/x-ndjson' });
    assert.equal(response.status, 200);
    const lines = response.body.toString().trim().split('\n').map((line) => JSON.parse(line) as { type: string; message?: { attachments: { size: number }[] } });
    assert.ok(lines.some((line) => line.type === 'progress'));
    const last = lines.at(-1)!;
    assert.equal(last.type, 'message');
    assert.ok(last.message!.attachments[0]!.size > 10_000_000);
  });

  test('unknown ids are MESSAGE_NOT_FOUND and malformed ids INVALID_INPUT', async () => {
    const unknown = await client.get('/api/messages/uZm9yZWlnbg/preview');
    assert.equal(unknown.status, 404);
    assert.equal(errorCode(unknown), 'MESSAGE_NOT_FOUND');
    const malformed = await client.get('/api/messages/..%2F..%2Fetc/raw');
    assert.equal(malformed.status, 400);
  });
});

describe('background header fill', () => {
  test('POST /api/messages/headers loads the rest of the headers in the background (202), idempotently', async () => {
    const anonymous = await new HttpClient(app.url).post('/api/messages/headers');
    assert.equal(anonymous.status, 401);
    assert.equal(errorCode(anonymous), 'NO_SESSION');

    const client = await loggedIn('bob');
    type Fill = { total: number; cached: number; filling: boolean };
    // The first page (50) and its prefetched next page (50) are among the newest 100 the login fetched.
    const firstPage = (await client.get('/api/messages?limit=50')).json<Page>();
    assert.equal(firstPage.messages.length, 50);
    const started = await client.post('/api/messages/headers');
    assert.equal(started.status, 202, started.body.toString());
    assert.deepEqual(started.json<Fill>(), { total: 120, cached: 100, filling: true });
    let state = started.json<Fill>();
    // Poll the state until the fill is done; the bound is for a hang, not a pace (a busy machine is slow).
    const deadline = Date.now() + 60_000;
    while (Date.now() < deadline && (state.filling || state.cached < state.total)) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      state = (await client.post('/api/messages/headers')).json<Fill>();
    }
    assert.deepEqual(state, { total: 120, cached: 120, filling: false });
    const oldest = (await client.get('/api/messages?offset=119&limit=1')).json<Page>();
    assert.equal(oldest.messages[0]!.number, 1);
  });
});

describe('deleting', () => {
  test('mark, undo with RSET: nothing is deleted', async () => {
    const client = await loggedIn('bob');
    const page = (await client.get('/api/messages?limit=5')).json<Page>();
    const target = page.messages[0]!;
    const marked = await client.delete(`/api/messages/${target.id}`);
    assert.deepEqual(marked.json(), { id: target.id, deleted: true });
    const listed = (await client.get('/api/messages?limit=5')).json<Page>();
    assert.equal(listed.messages[0]!.deleted, true);
    const session = (await client.get('/api/session')).json<{ session: { pendingDeletion: string[] } }>();
    assert.deepEqual(session.session.pendingDeletion, [target.id]);
    const reset = await client.post('/api/session/reset');
    assert.deepEqual(reset.json(), { restored: 1 });
    assert.equal(await dovecot.storedCount('bob'), 120);
  });

  test('marks survive a dropped connection and a refresh, and are applied only by commit', async () => {
    const client = await loggedIn('carol');
    const page = (await client.get('/api/messages')).json<Page>();
    const [first, second] = page.messages;
    const marked = await client.post('/api/messages/delete', { ids: [first!.id, second!.id] });
    assert.deepEqual(marked.json<{ deleted: string[] }>().deleted, [first!.id, second!.id]);

    // The server drops us: the next request reconnects and re-applies the marks.
    await proxy.dropConnections();
    const after = (await client.get('/api/messages')).json<Page>();
    assert.deepEqual(after.messages.filter((m) => m.deleted).map((m) => m.id), [first!.id, second!.id]);

    // New mail arrives; a refresh shows it, keeps the marks, applies nothing.
    await dovecot.deliver('carol', smallMessages(7)[6]!.raw);
    const refreshed = (await client.get('/api/messages?refresh=1')).json<Page>();
    assert.equal(refreshed.count, 7);
    assert.deepEqual(refreshed.messages.filter((m) => m.deleted).map((m) => m.id).sort(), [first!.id, second!.id].sort());
    assert.equal(await dovecot.storedCount('carol'), 7);

    const commit = await client.post('/api/session/commit');
    assert.equal(commit.status, 200, commit.body.toString());
    assert.deepEqual(commit.json(), { deleted: 2, count: 5, size: commit.json<{ size: number }>().size, reconnected: true });
    assert.equal(await dovecot.storedCount('carol'), 5);
    const ids = (await client.get('/api/messages')).json<Page>().messages.map((m) => m.id);
    assert.ok(!ids.includes(first!.id) && !ids.includes(second!.id));
  });

  test('an unknown id deletes nothing at all', async () => {
    const client = await loggedIn('dave');
    const page = (await client.get('/api/messages')).json<Page>();
    const response = await client.post('/api/messages/delete', { ids: [page.messages[0]!.id, 'uZ2hvc3Q'] });
    assert.equal(response.status, 404);
    const session = (await client.get('/api/session')).json<{ session: { pendingDeletion: string[] } }>();
    assert.deepEqual(session.session.pendingDeletion, []);
  });

  test('logout applies the marks with QUIT and ends the session', async () => {
    const client = await loggedIn('dave');
    const page = (await client.get('/api/messages')).json<Page>();
    await client.delete(`/api/messages/${page.messages[0]!.id}`);
    const logout = await client.delete('/api/session');
    assert.deepEqual(logout.json(), { deleted: 1, applied: true });
    assert.match(logout.headers.get('set-cookie') ?? '', /Max-Age=0/);
    assert.equal(await dovecot.storedCount('dave'), 3);
    const gone = await client.get('/api/session');
    assert.equal(gone.status, 401);
  });
});

describe('hygiene', () => {
  test('security headers on pages and API responses', async () => {
    for (const url of ['/', '/api/config']) {
      const response = await fetch(`${app.url}${url}`);
      const csp = response.headers.get('content-security-policy') ?? '';
      assert.match(csp, /frame-ancestors 'none'/, url);
      assert.match(csp, /object-src 'none'/, url);
      assert.equal(response.headers.get('x-content-type-options'), 'nosniff', url);
      assert.equal(response.headers.get('referrer-policy'), 'no-referrer', url);
    }
  });

  test('the password never appears in what the app printed', () => {
    assert.ok(!app.output().includes(PASSWORD));
  });
});
