/**
 * `POST /api/messages/undelete`: one mark taken back, the others kept, against real Dovecot
 * (through the recording proxy, to see the commands: POP3 has only RSET, so RSET and DELE again).
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { startApp, type RunningApp } from '../support/app-server';
import { HttpClient } from '../support/http-client';
import { smallMessages } from '../support/maildrop';
import { startProxy, type RunningProxy } from '../support/pop3-proxy';
import { startDovecot, type DovecotServer } from '../support/servers/dovecot';

const PASSWORD = 'S3cret-Pa55word!';
let dovecot: DovecotServer;
let proxy: RunningProxy;
let app: RunningApp;
let tmp: string;

type Page = { messages: Array<{ id: string; deleted: boolean }> };

before(async () => {
  dovecot = await startDovecot({ users: [{ name: 'erin', password: PASSWORD, messages: smallMessages(5).map((m) => m.raw) }] });
  proxy = await startProxy({ targetPort: dovecot.port });
  tmp = mkdtempSync(path.join(os.tmpdir(), 'postern-undelete-'));
  app = await startApp({ POP3_ALLOWED_HOSTS: '127.0.0.1,localhost', POP3_ALLOWED_PORTS: '1024-65535' });
});

after(async () => {
  await app?.stop();
  await proxy?.close();
  await dovecot?.stop();
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

test('undelete takes one mark off and keeps the others; Apply then deletes only those', async () => {
  const client = new HttpClient(app.url);
  await client.logIn({ port: proxy.port, username: 'erin', password: PASSWORD });
  const [a, b, c] = (await client.get('/api/messages')).json<Page>().messages;
  assert.equal((await client.post('/api/messages/delete', { ids: [a!.id, b!.id, c!.id] })).status, 200);

  const before = proxy.connections().map((lines) => lines.length);
  const undone = await client.post('/api/messages/undelete', { ids: [b!.id, 'u-not-marked'] });
  assert.equal(undone.status, 200, undone.body.toString());
  assert.deepEqual(undone.json(), { restored: [b!.id] });
  const sent = proxy
    .connections()
    .flatMap((lines, i) => lines.slice(before[i] ?? 0))
    .join('\n');
  // RSET first, then DELE for the two marks that stay (and none for the one taken back).
  assert.match(sent, /RSET[\s\S]*DELE \d+[\s\S]*DELE \d+/);
  assert.equal(sent.match(/DELE /g)?.length, 2);

  const listed = (await client.get('/api/messages')).json<Page>().messages;
  assert.deepEqual(listed.filter((m) => m.deleted).map((m) => m.id).sort(), [a!.id, c!.id].sort());
  const session = (await client.get('/api/session')).json<{ session: { pendingDeletion: string[] } }>();
  assert.deepEqual(session.session.pendingDeletion.sort(), [a!.id, c!.id].sort());

  const commit = await client.post('/api/session/commit');
  assert.equal(commit.status, 200, commit.body.toString());
  assert.equal(await dovecot.storedCount('erin'), 3);
  const left = (await client.get('/api/messages')).json<Page>().messages.map((m) => m.id);
  assert.ok(left.includes(b!.id));
});

test('undelete takes the same body as delete: no ids is 400 INVALID_INPUT', async () => {
  const client = new HttpClient(app.url);
  await client.logIn({ port: proxy.port, username: 'erin', password: PASSWORD });
  const response = await client.post('/api/messages/undelete', { ids: [] });
  assert.equal(response.status, 400);
  assert.equal(response.json<{ error: { code: string } }>().error.code, 'INVALID_INPUT');
});
