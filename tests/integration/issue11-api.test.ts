/**
 * Issue 11 through the HTTP API, against the production build and real
 * Dovecot: peek parts (never RETR), read state kept per account across
 * logins, new mail after a refresh, rules per account (proposals,
 * ?proposed=1), and the server panel's redacted transcript.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startApp, type RunningApp } from '../support/app-server';
import { HttpClient, type ApiResponse } from '../support/http-client';
import { deterministicBytes, smallMessages } from '../support/maildrop';
import { startDovecot, type DovecotServer } from '../support/servers/dovecot';
import type { z } from 'zod';
import {
  fullMessageSchema,
  messagePageSchema,
  messagePreviewSchema,
  messageSummarySchema,
  serverPanelSchema,
  sessionInfoSchema,
  type MessagePage,
  type MessagePreview,
  type RulesBody,
  type ServerPanel,
} from '../../lib/contract';

const PASSWORD = 'Pa55-Wörd=secret!';

/** A long letter first (3,000 lines), then a 1.5 MB zip: 20 lines end long before the zip's headers. */
const ZIP = deterministicBytes('issue11/holiday-photos', 1_500_000);
function longLetterWithZip(): Buffer {
  const letter = Array.from({ length: 3000 }, (_, i) => `Line ${i + 1} of a long letter about the holiday.`).join('\n');
  const zip = (ZIP.toString('base64').match(/.{1,76}/g) ?? []).join('\n');
  return Buffer.from(
    [
      'From: Traveller <traveller@example.net>',
      'To: peek@example.org',
      'Subject: Holiday photos',
      'Date: Mon, 30 Nov 2026 10:00:00 +0000',
      'Message-ID: <holiday@example.net>',
      'MIME-Version: 1.0',
      'Content-Type: multipart/mixed; boundary="outer"',
      '',
      '--outer',
      'Content-Type: text/plain; charset=us-ascii',
      '',
      letter,
      '--outer',
      'Content-Type: application/zip; name="holiday-photos.zip"',
      'Content-Transfer-Encoding: base64',
      'Content-Disposition: attachment; filename="holiday-photos.zip"',
      '',
      zip,
      '--outer--',
      '',
    ].join('\n'),
  );
}

function simple(from: string, subject: string, extra: string[] = [], body = 'Hello.'): Buffer {
  return Buffer.from([`From: ${from}`, 'To: someone@example.org', `Subject: ${subject}`, 'Date: Tue, 01 Dec 2026 09:00:00 +0000', ...extra, '', body, ''].join('\n'));
}

const rulesMail = [
  simple('Shop <offers@shop.example.com>', 'Weekly offers'),
  simple('Friend <friend@example.org>', 'Lunch?'),
  simple('List <bot@lists.example.org>', 'Digest', ['List-Id: <promo.lists.example.org>']),
  simple('Old <old@archive.example>', 'Ancient', [], 'x'.repeat(200)),
];

/** More than the login's newest 100: the older messages' headers come from the background fill. */
const many = smallMessages(260, { seed: 11 });

let dovecot: DovecotServer;
let app: RunningApp;

before(async () => {
  dovecot = await startDovecot({
    users: [
      { name: 'peek', password: PASSWORD, messages: [longLetterWithZip()] },
      { name: 'reader', password: PASSWORD, messages: smallMessages(5).map((m) => m.raw) },
      { name: 'ruler', password: PASSWORD, messages: rulesMail },
      { name: 'other', password: PASSWORD, messages: rulesMail },
      { name: 'sasl', password: PASSWORD, messages: smallMessages(2).map((m) => m.raw) },
      { name: 'many', password: PASSWORD, messages: many.map((m) => m.raw) },
    ],
  });
  app = await startApp({ POP3_ALLOWED_HOSTS: '127.0.0.1,localhost', POP3_ALLOWED_PORTS: '1024-65535', POSTERN_LOGINS_PER_CLIENT: '1000' });
});

after(async () => {
  await app?.stop();
  await dovecot?.stop();
});

async function loggedIn(user: string, auth: 'user' | 'sasl-plain' = 'user'): Promise<HttpClient> {
  const client = new HttpClient(app.url);
  await client.logIn({ port: dovecot.port, username: user, password: PASSWORD, auth });
  return client;
}

function ok<T>(response: ApiResponse): T {
  assert.equal(response.status, 200, response.body.toString().slice(0, 500));
  return response.json<T>();
}

async function clientCommands(client: HttpClient): Promise<string[]> {
  const panel = ok<ServerPanel>(await client.get('/api/session/server'));
  return panel.transcript.filter((line) => line.direction === 'client').map((line) => line.text);
}

describe('peek parts', () => {
  test('a long text part first: more lines are fetched with TOP until the attachment is named, its size estimated, never RETR', async () => {
    const client = await loggedIn('peek');
    const page = ok<MessagePage>(await client.get('/api/messages'));
    const id = page.messages[0]!.id;
    const preview = ok<MessagePreview>(await client.get(`/api/messages/${id}/preview?lines=20`));
    assert.equal(preview.text.split('\n').length <= 20, true, 'the text is still the 20 lines asked for');
    assert.deepEqual(preview.parts.map((part) => [part.contentType, part.filename, part.disposition]), [
      ['text/plain', null, null],
      ['application/zip', 'holiday-photos.zip', 'attachment'],
    ]);
    const zip = preview.parts[1]!;
    assert.equal(zip.complete, false);
    assert.ok(Math.abs(zip.estimatedSize - ZIP.length) / ZIP.length < 0.02, `estimated ${zip.estimatedSize} for ${ZIP.length}`);
    assert.equal(preview.parts[0]!.complete, true);
    // The further lines read to name the zip ended the text part; the 20 shown did not: the text is not whole.
    assert.equal(preview.textComplete, false);
    const commands = await clientCommands(client);
    assert.ok(!commands.some((line) => /^RETR/i.test(line)), commands.join('\n'));
    // `TOP 1 0` is the listing's header fetch; the peek's rounds follow.
    const tops = commands.filter((line) => /^TOP 1 [1-9]/.test(line)).map((line) => Number(line.split(' ')[2]));
    assert.equal(tops[0], 20);
    assert.ok(tops.length >= 2 && tops.length <= 6, `TOP rounds: ${tops.join(', ')}`);
    assert.ok(tops.every((lines, i) => i === 0 || lines > tops[i - 1]!), 'each round asks for more lines');
    const panel = ok<ServerPanel>(await client.get('/api/session/server'));
    const received = panel.transcript.filter((line) => /^\[\d+ bytes\]$/.test(line.text)).map((line) => Number(line.text.slice(1).split(' ')[0]));
    console.log(`# peek rounds (TOP lines): ${tops.join(', ')}; bodies received (bytes): ${received.join(', ')} of a ${page.messages[0]!.size}-byte message`);
  });
});

describe('read state', () => {
  test('seen on every listed message; a full read marks it seen; marking unread and read; kept across logins', async () => {
    let client = await loggedIn('reader');
    let page = ok<MessagePage>(await client.get('/api/messages'));
    assert.equal(page.messages.length, 5);
    assert.ok(page.messages.every((message) => message.seen === false && message.isNew === false && message.proposal === null));
    const [first, second] = page.messages;
    ok(await client.get(`/api/messages/${first!.id}`));
    page = ok<MessagePage>(await client.get('/api/messages'));
    assert.deepEqual(page.messages.filter((m) => m.seen).map((m) => m.id), [first!.id]);

    assert.deepEqual(ok(await client.post('/api/messages/seen', { ids: [first!.id], seen: false })), { ids: [first!.id], seen: false });
    assert.deepEqual(ok(await client.post('/api/messages/seen', { ids: [second!.id], seen: true })), { ids: [second!.id], seen: true });
    assert.equal((await client.post('/api/messages/seen', { ids: [second!.id], seen: 'yes' })).status, 400);
    assert.equal((await client.post('/api/messages/seen', { ids: ['../x'], seen: true })).status, 400);

    ok(await client.delete('/api/session'));
    client = await loggedIn('reader');
    page = ok<MessagePage>(await client.get('/api/messages'));
    assert.deepEqual(page.messages.filter((m) => m.seen).map((m) => m.id), [second!.id]);
  });

  test('after a refresh, messages that arrived since the previous snapshot are new, and counted', async () => {
    const client = await loggedIn('reader');
    const before = ok<MessagePage>(await client.get('/api/messages'));
    await dovecot.deliver('reader', simple('New <new@example.com>', 'Fresh mail'));
    const page = ok<MessagePage>(await client.get('/api/messages?refresh=1'));
    assert.equal(page.newCount, 1);
    assert.equal(page.messages.length, before.messages.length + 1);
    assert.equal(page.messages[0]!.subject, 'Fresh mail');
    assert.deepEqual(page.messages.map((m) => m.isNew), [true, ...before.messages.map(() => false)]);
    const again = ok<MessagePage>(await client.get('/api/messages?refresh=1'));
    assert.equal(again.newCount, 0);
    assert.ok(again.messages.every((m) => !m.isNew));
  });
});

describe('rules', () => {
  const rules: RulesBody = {
    rules: [
      { name: 'shop', match: { from: 'shop.example.com' }, action: 'delete' },
      { name: 'lists', match: { header: { name: 'List-Id', contains: 'promo' } }, action: 'delete' },
      { name: 'big and ancient', match: { minSize: 100, subject: 'ancient' }, action: 'delete' },
    ],
  };

  test('PUT validates, GET returns them, listings propose, ?proposed=1 lists only those; another account sees none of it; never RETR', async () => {
    const ruler = await loggedIn('ruler');
    const other = await loggedIn('other');
    assert.deepEqual(ok(await ruler.get('/api/rules')), { rules: [] });
    for (const bad of [{ rules: [{ name: 'x', match: {}, action: 'delete' }] }, { rules: [{ name: 'x', match: { from: 'a b' }, action: 'delete' }] }, { rules: 'no' }]) {
      const response = await ruler.request('PUT', '/api/rules', { body: bad });
      assert.equal(response.status, 400);
      assert.equal(response.json<{ error: { code: string } }>().error.code, 'INVALID_INPUT');
    }
    assert.deepEqual(ok(await ruler.request('PUT', '/api/rules', { body: rules })), rules);
    assert.deepEqual(ok(await ruler.get('/api/rules')), rules);

    const page = ok<MessagePage>(await ruler.get('/api/messages'));
    const bySubject = Object.fromEntries(page.messages.map((m) => [m.subject, m.proposal]));
    assert.deepEqual(bySubject, {
      'Weekly offers': { rule: 'shop', reason: 'from shop.example.com' },
      'Lunch?': null,
      Digest: { rule: 'lists', reason: 'List-Id contains “promo”' },
      Ancient: { rule: 'big and ancient', reason: 'subject contains “ancient”, larger than 100 bytes' },
    });
    const proposed = ok<MessagePage>(await ruler.get('/api/messages?proposed=1'));
    assert.deepEqual(proposed.messages.map((m) => m.subject).sort(), ['Ancient', 'Digest', 'Weekly offers']);
    assert.equal(proposed.total, 3);
    const ids = ok<{ ids: string[] }>(await ruler.get('/api/messages/ids?proposed=1'));
    assert.deepEqual(ids.ids.sort(), proposed.messages.map((m) => m.id).sort());
    assert.ok(!(await clientCommands(ruler)).some((line) => /^RETR/i.test(line)));

    assert.deepEqual(ok(await other.get('/api/rules')), { rules: [] });
    const otherPage = ok<MessagePage>(await other.get('/api/messages?proposed=1'));
    assert.equal(otherPage.messages.length, 0);
    assert.ok(ok<MessagePage>(await other.get('/api/messages')).messages.every((m) => m.proposal === null));
  });

  test('?proposed=1 on a maildrop larger than the first page: every header is loaded by the fill, old messages are proposed too', async () => {
    const client = await loggedIn('many');
    ok(await client.request('PUT', '/api/rules', { body: { rules: [{ name: 'org', match: { from: 'example.org' }, action: 'delete' }] } }));
    const expected = many.filter((m) => m.fromAddress.endsWith('@example.org'));
    assert.ok(expected.length > 20, `${expected.length} messages from example.org`);
    const proposed = ok<MessagePage>(await client.get('/api/messages?proposed=1&limit=200'));
    assert.equal(proposed.total, expected.length);
    const ids = ok<{ ids: string[] }>(await client.get('/api/messages/ids?proposed=1'));
    assert.equal(ids.ids.length, expected.length);
    assert.deepEqual(new Set(proposed.messages.map((m) => m.subject)), new Set(expected.slice(-200).map((m) => m.subject)));
    assert.ok(proposed.messages.every((m) => m.proposal?.rule === 'org' && m.proposal.reason === 'from example.org'));
    const commands = await clientCommands(client);
    assert.ok(!commands.some((line) => /^RETR/i.test(line)));
  });

  test('rules without a session: 401', async () => {
    const anonymous = new HttpClient(app.url);
    assert.equal((await anonymous.get('/api/rules')).status, 401);
    assert.equal((await anonymous.request('PUT', '/api/rules', { body: { rules: [] } })).status, 401);
  });
});

describe('server panel', () => {
  for (const auth of ['user', 'sasl-plain'] as const) {
    test(`capabilities, policies and the transcript of this session; the password never appears (${auth})`, async () => {
      const client = await loggedIn(auth === 'user' ? 'reader' : 'sasl', auth);
      ok(await client.get('/api/messages'));
      const response = await client.get('/api/session/server');
      const panel = ok<ServerPanel>(response);
      assert.equal(response.headers.get('cache-control'), 'no-store');
      assert.ok(panel.capabilities.includes('TOP'));
      assert.deepEqual({ pipelining: panel.policies.pipelining, top: panel.policies.top, uidl: panel.policies.uidl }, { pipelining: true, top: true, uidl: true });
      assert.ok(panel.transcript.length > 0 && panel.transcript.length <= 200);
      assert.ok(panel.transcript.every((line) => !Number.isNaN(Date.parse(line.at))));
      const text = panel.transcript.map((line) => line.text).join('\n');
      const user = auth === 'user' ? 'reader' : 'sasl';
      const plain = Buffer.from(`\0${user}\0${PASSWORD}`).toString('base64');
      for (const secret of [PASSWORD, Buffer.from(PASSWORD).toString('base64'), plain, plain.slice(8, 30)]) {
        assert.ok(!response.body.toString().includes(secret), `the panel carries ${secret}`);
      }
      if (auth === 'user') assert.match(text, /^USER reader$/m, 'the user name is kept');
      else assert.match(text, /^AUTH PLAIN/m);
      assert.match(text, /^STAT$/m);
    });
  }

  test('the transcript keeps only the last 200 lines', async () => {
    const client = await loggedIn('reader');
    const page = ok<MessagePage>(await client.get('/api/messages'));
    for (let i = 0; i < 60; i++) ok(await client.get(`/api/messages/${page.messages[i % page.messages.length]!.id}/preview?lines=1`));
    const panel = ok<ServerPanel>(await client.get('/api/session/server'));
    assert.equal(panel.transcript.length, 200);
    assert.match(panel.transcript[panel.transcript.length - 1]!.text, /^\+OK|^\[/, 'the newest line is the last reply');
  });
});

describe('the contract', () => {
  /** Parses with the contract's schema and checks the answer has exactly the schema's keys (no drift either way). */
  function conforms(schema: z.ZodObject, value: unknown, what: string): void {
    schema.parse(value);
    assert.deepEqual(Object.keys(value as object).sort(), Object.keys(schema.shape).filter((key) => (value as Record<string, unknown>)[key] !== undefined).sort(), what);
    assert.ok(
      Object.entries(schema.shape).every(([key, field]) => (field as z.ZodType).safeParse(undefined).success || key in (value as object)),
      `${what}: a required key is missing`,
    );
  }

  test('the server answers exactly the shapes lib/contract names (list, summary, preview, full read, session, server panel)', async () => {
    const client = await loggedIn('ruler');
    const page = ok<MessagePage>(await client.get('/api/messages'));
    conforms(messagePageSchema, page, 'page');
    for (const message of page.messages) conforms(messageSummarySchema, message, 'summary');
    const id = page.messages[0]!.id;
    conforms(messagePreviewSchema, ok(await client.get(`/api/messages/${id}/preview?lines=5`)), 'preview');
    conforms(fullMessageSchema, ok(await client.get(`/api/messages/${id}`)), 'full message');
    conforms(sessionInfoSchema, ok<{ session: unknown }>(await client.get('/api/session')).session, 'session');
    conforms(serverPanelSchema, ok(await client.get('/api/session/server')), 'server panel');
  });
});
