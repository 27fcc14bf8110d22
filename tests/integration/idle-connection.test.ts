/**
 * A session its person leaves alone lets go of its POP3 connection (POSTERN_POP3_IDLE_CLOSE_MINUTES), and
 * its next request logs in again with the marks intact: against real Dovecot, through the recording proxy,
 * which shows the connections open and close and what each one sent.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startApp, type RunningApp } from '../support/app-server';
import { HttpClient } from '../support/http-client';
import { smallMessages } from '../support/maildrop';
import { startProxy, type RunningProxy } from '../support/pop3-proxy';
import { startDovecot, type DovecotServer } from '../support/servers/dovecot';
import { within } from '../support/within';

const PASSWORD = 'S3cret-Pa55word!';
/** 6 s: long enough that the test's own requests, one after the other, do not count as leaving the session alone. */
const IDLE_CLOSE_MINUTES = '0.1';
let dovecot: DovecotServer;
let proxy: RunningProxy;
let app: RunningApp;

type Page = { messages: Array<{ id: string; deleted: boolean }> };

before(async () => {
  dovecot = await startDovecot({ users: [{ name: 'frank', password: PASSWORD, messages: smallMessages(5).map((m) => m.raw) }] });
  proxy = await startProxy({ targetPort: dovecot.port });
  app = await startApp({ POP3_ALLOWED_HOSTS: '127.0.0.1,localhost', POP3_ALLOWED_PORTS: '1024-65535', POSTERN_POP3_IDLE_CLOSE_MINUTES: IDLE_CLOSE_MINUTES });
});

after(async () => {
  await app?.stop();
  await proxy?.close();
  await dovecot?.stop();
});

test('an idle session lets go of its connection without QUIT; its next request logs in again and sends the marks again', async () => {
  const client = new HttpClient(app.url);
  await client.logIn({ port: proxy.port, username: 'frank', password: PASSWORD });
  const [marked] = (await client.get('/api/messages')).json<Page>().messages;
  assert.equal((await client.post('/api/messages/delete', { ids: [marked!.id] })).status, 200);

  // Nobody uses the session now: the connection goes, the session stays.
  assert.notEqual(await within(proxy.untilOpen(0), 60_000), 'pending', 'the idle connection was never closed');
  const released = proxy.connections().length;
  assert.ok(!proxy.transcript().includes('QUIT'), 'letting go of a connection must not QUIT (that would delete the marked message)');
  assert.equal(await dovecot.storedCount('frank'), 5);

  const page = await client.get('/api/messages');
  assert.equal(page.status, 200, page.body.toString());
  assert.deepEqual(page.json<Page>().messages.filter((m) => m.deleted).map((m) => m.id), [marked!.id]);
  const connections = proxy.connections();
  assert.equal(connections.length, released + 1, 'the next request logs in again, once');
  assert.match(connections.at(-1)!.join('\n'), /^DELE \d+$/m, 'the mark is sent again on the new connection');

  const commit = await client.post('/api/session/commit');
  assert.equal(commit.status, 200, commit.body.toString());
  assert.equal(await dovecot.storedCount('frank'), 4);
  const left = (await client.get('/api/messages')).json<Page>().messages.map((m) => m.id);
  assert.ok(!left.includes(marked!.id));
});
