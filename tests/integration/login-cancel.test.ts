/**
 * A login cancelled in the browser (the fetch aborted) must not leave a session behind on the
 * server: nobody will ever hold its cookie, yet it would keep a POP3 connection and the password
 * until idle eviction. A scripted server holds its greeting until the HTTP request is gone, then
 * lets the login succeed; the app must then close that connection at once.
 */
import assert from 'node:assert/strict';
import http from 'node:http';
import { after, before, test } from 'node:test';
import { startApp, type RunningApp } from '../support/app-server';
import { mailbox, startFakePop3, type FakePop3Server } from '../support/fake-pop3-server';
import { settledWithin } from '../support/within';

const PASSWORD = 'correct horse';
const MESSAGE = Buffer.from('From: a@example.test\nTo: b@example.test\nSubject: hello\n\nbody\n');

let app: RunningApp;
let server: FakePop3Server;
let releaseGreeting: () => void = () => undefined;
const greetingReleased = new Promise<void>((resolve) => {
  releaseGreeting = resolve;
});

before(async () => {
  app = await startApp({ POP3_ALLOWED_HOSTS: '127.0.0.1,localhost', POP3_ALLOWED_PORTS: '1024-65535' });
  server = await startFakePop3(
    mailbox({
      user: 'alice',
      password: PASSWORD,
      messages: [{ data: MESSAGE }],
      beforeGreeting: async () => {
        await greetingReleased;
      },
    }),
  );
});

after(async () => {
  await app?.stop();
  await server?.close();
});

/** USER/PASS, APOP or SASL PLAIN, whichever the app chose. */
const sentCredential = (line: string) => /^(PASS|APOP|AUTH PLAIN) /.test(line);

/** A bound for a hang, not a pace: the session must go long before idle eviction (minutes). */
const HANG_MS = 30_000;

test('a login whose request was aborted leaves no session: the connection it opened is closed once the login completes', async () => {
  const target = new URL('/api/session', app.url);
  const body = JSON.stringify({ host: '127.0.0.1', port: server.port, security: 'none', allowInsecure: true, username: 'alice', password: PASSWORD });
  const request = http.request({
    host: target.hostname,
    port: target.port,
    path: target.pathname,
    method: 'POST',
    headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), origin: app.url },
  });
  let answered = false;
  request.on('response', () => {
    answered = true;
  });
  request.on('error', () => undefined);
  request.end(body);

  // The app has connected and waits for the greeting: now the person presses Cancel.
  const session = await server.nextSession();
  request.destroy();
  await new Promise<void>((resolve) => request.once('close', () => resolve()));
  releaseGreeting();

  // The login itself completes (the password was accepted)…
  await settledWithin(
    (async () => {
      while (!session.lines.some(sentCredential) && !session.isClosed) await session.waitForLines(session.lines.length + 1);
    })(),
    HANG_MS,
    'the app never sent the password after the greeting',
  );
  // …and then the session is dropped at once rather than kept for a cookie nobody received.
  await settledWithin(session.closed, HANG_MS, 'the cancelled login left its POP3 connection open');
  assert.equal(answered, false);
  assert.ok(session.lines.some(sentCredential), `the login went as far as the password: ${session.lines.map((line) => line.split(' ')[0]).join(' ')}`);
});
