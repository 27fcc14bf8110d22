/**
 * Issue 10 item 5: opening a message and then one of its attachments RETRs the message once, and a
 * raw download arrives byte for byte through the no-copy response stream. A scripted POP3 server
 * counts the RETRs it is sent.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startApp, type RunningApp } from '../support/app-server';
import { startFakePop3, mailbox, toCrlf, type FakePop3Server } from '../support/fake-pop3-server';
import { HttpClient } from '../support/http-client';

const PASSWORD = 'correct horse';
const ATTACHMENT = Buffer.from(Array.from({ length: 3000 }, (_, i) => i % 251));
const MESSAGE = Buffer.from(
  [
    'From: a@example.test',
    'To: b@example.test',
    'Subject: with a file',
    'MIME-Version: 1.0',
    'Content-Type: multipart/mixed; boundary="b1"',
    '',
    '--b1',
    'Content-Type: text/plain; charset=utf-8',
    '',
    'see the file',
    '--b1',
    'Content-Type: application/octet-stream; name="data.bin"',
    'Content-Disposition: attachment; filename="data.bin"',
    'Content-Transfer-Encoding: base64',
    '',
    ATTACHMENT.toString('base64').replace(/.{76}/g, '$&\n'),
    '--b1--',
    '',
  ].join('\n'),
);

let app: RunningApp;
let pop3: FakePop3Server;

before(async () => {
  pop3 = await startFakePop3(mailbox({ user: 'alice', password: PASSWORD, messages: [{ data: MESSAGE }] }));
  app = await startApp({ POP3_ALLOWED_HOSTS: '127.0.0.1,localhost', POP3_ALLOWED_PORTS: '1024-65535', POSTERN_LOGINS_PER_CLIENT: '1000' });
});

after(async () => {
  await app?.stop();
  await pop3?.close();
});

function retrsSeen(): number {
  return pop3.sessions.flatMap((session) => session.lines).filter((line) => /^RETR /i.test(line)).length;
}

test('a message opened, then its attachment: one RETR; the attachment and the raw message byte for byte', async () => {
  const client = new HttpClient(app.url);
  await client.logIn({ port: pop3.port, username: 'alice', password: PASSWORD });
  const list = (await client.get('/api/messages?limit=10')).json<{ messages: { id: string }[] }>();
  const id = list.messages[0]!.id;
  const before = retrsSeen();
  const opened = await client.get(`/api/messages/${encodeURIComponent(id)}`);
  assert.equal(opened.status, 200, opened.body.toString());
  const attachments = opened.json<{ attachments: { url: string; filename: string }[] }>().attachments;
  assert.equal(attachments.length, 1);
  assert.equal(retrsSeen(), before + 1);
  const file = await client.get(attachments[0]!.url);
  assert.equal(file.status, 200, file.body.toString());
  assert.deepEqual(file.body, ATTACHMENT);
  assert.equal(retrsSeen(), before + 1, 'the attachment came from the message just read, not from a second RETR');
  const raw = await client.get(`/api/messages/${encodeURIComponent(id)}/raw`);
  assert.equal(raw.status, 200);
  assert.deepEqual(raw.body, toCrlf(MESSAGE));
});
