/**
 * Audit findings 1 and 4, against the production build and a scripted POP3 server: a maildrop whose every
 * message has a 200 KiB Subject (sizes honest in LIST) gives capped summaries when every header is loaded
 * (the background fill and a filter), and read state keeps only ids the maildrop has.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { idFromUid } from '../../lib/mail/ids';
import { CUT_MARK, SUMMARY_CAPS } from '../../lib/mail/header-summary';
import { startApp, type RunningApp } from '../support/app-server';
import { mailbox, startFakePop3, type FakePop3Server, type MailboxMessage } from '../support/fake-pop3-server';
import { HttpClient } from '../support/http-client';

const PASSWORD = 'correct horse';
const COUNT = 300;
const SUBJECT_BYTES = 200 * 1024;

const hugeMessage = (n: number) =>
  Buffer.from(
    [
      `From: "${'N'.repeat(4000)}" <sender${n}@example.test>`,
      `To: ${Array.from({ length: 200 }, (_, i) => `r${i}@example.test`).join(', ')}`,
      `Subject: ${String(n).padStart(6, '0')}${'S'.repeat(SUBJECT_BYTES)}`,
      '',
      'body',
      '',
    ].join('\n'),
  );

const messages: MailboxMessage[] = Array.from({ length: COUNT }, (_, i) => ({ data: hugeMessage(i + 1), uid: `big-${i + 1}` }));
let app: RunningApp;
let pop3: FakePop3Server;

before(async () => {
  pop3 = await startFakePop3(mailbox({ user: 'alice', password: PASSWORD, messages }));
  app = await startApp({ POP3_ALLOWED_HOSTS: '127.0.0.1,localhost', POP3_ALLOWED_PORTS: '1024-65535', POSTERN_LOGINS_PER_CLIENT: '1000' });
});

after(async () => {
  await app?.stop();
  await pop3?.close();
});

type Row = { id: string; number: number; subject: string; from: { name: string; address: string } | null; to: unknown[]; seen: boolean };
type Page = { total: number; messages: Row[] };
type Fill = { total: number; cached: number; filling: boolean };

function assertCapped(row: Row): void {
  assert.equal(row.subject.length, SUMMARY_CAPS.subject + 1, `message ${row.number}`);
  assert.ok(row.subject.startsWith(String(row.number).padStart(6, '0')) && row.subject.endsWith(CUT_MARK));
  assert.equal(row.from!.name.length, SUMMARY_CAPS.name + 1);
  assert.equal(row.from!.address, `sender${row.number}@example.test`);
  assert.equal(row.to.length, SUMMARY_CAPS.addresses);
}

test('every header of 300 messages with 200 KiB subjects loaded: each summary capped, the filter still finds by subject', async () => {
  const client = new HttpClient(app.url);
  await client.logIn({ port: pop3.port, username: 'alice', password: PASSWORD });
  const fill = await client.post('/api/messages/headers');
  assert.equal(fill.status, 202, fill.body.toString());
  // A filter needs every header: it answers once all are in the cache (the fill's chunks and its own fetch).
  const found = await client.get('/api/messages?q=000007&limit=200');
  assert.equal(found.status, 200, found.body.toString());
  const matches = found.json<Page>().messages;
  assert.deepEqual(matches.map((m) => m.number), [7]);
  assertCapped(matches[0]!);
  const state = (await client.post('/api/messages/headers')).json<Fill>();
  assert.equal(state.cached, COUNT);
  for (const offset of [0, 200]) {
    const page = (await client.get(`/api/messages?offset=${offset}&limit=200`)).json<Page>();
    for (const row of page.messages) assertCapped(row);
  }
  const message = await client.get(`/api/messages/${matches[0]!.id}`);
  assert.equal(message.status, 200, message.body.toString());
  assert.equal(message.json<{ subject: string }>().subject.length, 6 + SUBJECT_BYTES, 'the full read shows the whole subject');
});

test('read state keeps only ids the maildrop has: others are ignored and not echoed, even once such a message arrives', async () => {
  const client = new HttpClient(app.url);
  await client.logIn({ port: pop3.port, username: 'alice', password: PASSWORD });
  const newest = (await client.get('/api/messages?limit=1')).json<Page>().messages[0]!;
  const later = idFromUid('arrives-later');
  const marked = await client.post('/api/messages/seen', { ids: [later, newest.id, idFromUid('never'), newest.id], seen: true });
  assert.equal(marked.status, 200, marked.body.toString());
  assert.deepEqual(marked.json(), { ids: [newest.id], seen: true });
  // The id marked before its message existed was not kept: once it arrives, it is unread.
  messages.push({ data: Buffer.from('From: a@example.test\nSubject: arrived\n\nhi\n'), uid: 'arrives-later' });
  const refreshed = (await client.get('/api/messages?refresh=1&limit=2')).json<Page>().messages;
  assert.deepEqual(
    refreshed.map((m) => [m.id, m.seen]),
    [
      [later, false],
      [newest.id, true],
    ],
  );
});
