/**
 * Hostile mail through the HTTP API, against real Dovecot and the production
 * build (issue 12, items 7, 9 and 14): bidi and invisible characters in names,
 * UTF-7 and 8-bit encoded words, MIME trees beyond the parser's bounds, and a
 * seeded sample of random MIME trees. Nothing a sender writes may give a 500
 * or hang a request.
 *
 * The fuzz seed is printed; FUZZ_SEED=<seed> reruns the same messages.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { startApp, type RunningApp } from '../support/app-server';
import { hostileFixture, nestedMessage, openInlineMessage, wideMessage } from '../support/hostile-mail';
import { HttpClient, type ApiResponse } from '../support/http-client';
import { fuzzSeed, randomMessage } from '../support/mime-fuzz';
import { seededRandom } from '../support/seeded-random';
import { startDovecot, type DovecotServer } from '../support/servers/dovecot';
import { settledWithin } from '../support/within';

const PASSWORD = 'S3cret-Pa55word!';
const SEED = fuzzSeed();
console.log(`# hostile-mail fuzz seed: ${SEED} (rerun with FUZZ_SEED=${SEED})`);

/** Message numbers (1-based, maildrop order) of the fixed samples; the fuzz sample follows. */
const FIXED = [
  ['bidi', hostileFixture('bidi-invoice')],
  ['utf7', hostileFixture('utf7-outlook-express')],
  ['eudora', hostileFixture('eudora-8bit-encoded-words')],
  ['deep', nestedMessage(1000)],
  ['wide', wideMessage(5000)],
  ['open-inline', openInlineMessage()],
] as const;
type FixedName = (typeof FIXED)[number][0];
const fuzzRandom = seededRandom(SEED);
const FUZZ = Array.from({ length: 30 }, () => randomMessage(fuzzRandom));

/**
 * "Does not hang", not "is fast": each request must be answered within this,
 * however busy the machine.
 */
const REQUEST_DEADLINE_MS = 60_000;

let dovecot: DovecotServer;
let app: RunningApp;
let tmp: string;
let client: HttpClient;
let ids: Map<number, string>;

type Summary = { id: string; number: number; subject: string; from: { name: string; address: string } | null };

before(async () => {
  dovecot = await startDovecot({
    users: [{ name: 'mallory', password: PASSWORD, messages: [...FIXED.map(([, raw]) => raw), ...FUZZ.map((m) => m.raw)] }],
  });
  tmp = mkdtempSync(path.join(os.tmpdir(), 'postern-hostile-'));
  const caFile = path.join(tmp, 'ca.pem');
  writeFileSync(caFile, dovecot.certPem!);
  app = await startApp({ POP3_ALLOWED_HOSTS: '127.0.0.1,localhost', POP3_ALLOWED_PORTS: '1024-65535', POP3_TLS_CA_FILE: caFile });
  client = new HttpClient(app.url);
  await client.logIn({ host: 'localhost', port: dovecot.tlsPort!, security: 'tls', username: 'mallory', password: PASSWORD });
  const page = await client.get('/api/messages?limit=200');
  assert.equal(page.status, 200, page.body.toString());
  ids = new Map(page.json<{ messages: Summary[] }>().messages.map((m) => [m.number, m.id]));
});

after(async () => {
  await app?.stop();
  await dovecot?.stop();
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

const idOf = (name: FixedName) => ids.get(FIXED.findIndex(([n]) => n === name) + 1)!;

function get(path: string, headers?: Record<string, string>): Promise<ApiResponse> {
  return settledWithin(client.get(path, headers), REQUEST_DEADLINE_MS, `GET ${path} (seed ${SEED})`);
}

describe('names, headers and titles show what they are', () => {
  test('bidi and invisible characters reach no field of the listing, the peek, the read or the download', async () => {
    const id = idOf('bidi');
    const listed = (await get('/api/messages?limit=200')).json<{ messages: Summary[] }>().messages.find((m) => m.id === id)!;
    assert.equal(listed.subject, 'Your invoice is ready');
    assert.deepEqual(listed.from, { name: 'Payroll Dept', address: 'payroll@example.com' });

    const preview = (await get(`/api/messages/${id}/preview`)).json<{ headers: Record<string, string> }>();
    assert.equal(preview.headers.subject, 'Your invoice is ready');
    assert.equal(preview.headers.from, 'Payroll Dept <payroll@example.com>');

    const read = await get(`/api/messages/${id}`);
    assert.equal(read.status, 200, read.body.toString());
    const message = read.json<{ subject: string; from: { name: string }; attachments: { filename: string; url: string }[]; headerList: { value: string }[] }>();
    assert.equal(message.subject, 'Your invoice is ready');
    assert.equal(message.from.name, 'Payroll Dept');
    assert.deepEqual(message.attachments.map((a) => a.filename), ['invoicefdp.exe']);
    assert.doesNotMatch(read.body.toString('utf8'), /[\u202A-\u202E\u2066-\u2069\u200B\u200E\u200F\u061C\uFEFF]/);

    const download = await get(message.attachments[0]!.url);
    assert.equal(download.status, 200);
    const disposition = download.headers.get('content-disposition') ?? '';
    assert.match(disposition, /filename="invoicefdp\.exe"; filename\*=UTF-8''invoicefdp\.exe$/);
  });
});

describe('charsets as real mail has them', () => {
  test('UTF-7 headers and bodies decode; its HTML is sanitized after decoding', async () => {
    const id = idOf('utf7');
    const listed = (await get('/api/messages?limit=200')).json<{ messages: Summary[] }>().messages.find((m) => m.id === id)!;
    assert.equal(listed.subject, 'Frösche im Teich');
    assert.equal(listed.from?.name, 'Jürgen Müller');
    const message = (await get(`/api/messages/${id}`)).json<{ subject: string; text: string; html: string }>();
    assert.equal(message.subject, 'Frösche im Teich');
    assert.match(message.text, /Ärger über die Frösche/);
    assert.match(message.html, /Ärger über die Frösche/);
    assert.doesNotMatch(message.html, /script|alert|javascript|\+AD/i);
  });

  test('raw 8-bit bytes inside encoded words read as the charset they name', async () => {
    const id = idOf('eudora');
    const listed = (await get('/api/messages?limit=200')).json<{ messages: Summary[] }>().messages.find((m) => m.id === id)!;
    assert.equal(listed.subject, 'Frösche und Mäuse');
    assert.equal(listed.from?.name, 'Renée Dupré');
    const message = (await get(`/api/messages/${id}`)).json<{ subject: string; from: { name: string }; attachments: { filename: string }[] }>();
    assert.equal(message.subject, 'Frösche und Mäuse');
    assert.equal(message.from.name, 'Renée Dupré');
    assert.deepEqual(message.attachments.map((a) => a.filename), ['Mäuse.txt']);
  });
});

describe('MIME trees beyond the bounds', () => {
  test('1,000 levels deep: 422 MESSAGE_TOO_COMPLEX, as JSON and as a progress stream; source and peek still work', async () => {
    const id = idOf('deep');
    const read = await get(`/api/messages/${id}`);
    assert.equal(read.status, 422, read.body.toString());
    assert.equal(read.json<{ error: { code: string } }>().error.code, 'MESSAGE_TOO_COMPLEX');

    const streamed = await get(`/api/messages/${id}`, { accept: 'application/x-ndjson' });
    const last = JSON.parse(streamed.body.toString().trim().split('\n').at(-1)!) as { type: string; error?: { code: string } };
    assert.deepEqual([last.type, last.error?.code], ['error', 'MESSAGE_TOO_COMPLEX']);

    const raw = await get(`/api/messages/${id}/raw`);
    assert.equal(raw.status, 200);
    assert.ok(raw.body.equals(dovecot.expectedRetr('mallory', FIXED.findIndex(([n]) => n === 'deep') + 1)));
    const preview = await get(`/api/messages/${id}/preview?lines=100`);
    assert.equal(preview.status, 200, preview.body.toString());

    // The connection was left in order: the next read works.
    assert.equal((await get(`/api/messages/${idOf('utf7')}`)).status, 200);
  });

  test('5,000 parts wide: 422, and the peek still shows the text that came first', async () => {
    const id = idOf('wide');
    const read = await get(`/api/messages/${id}`);
    assert.equal(read.status, 422, read.body.toString());
    const preview = await get(`/api/messages/${id}/preview?lines=1000`);
    assert.equal(preview.status, 200);
    assert.equal(preview.json<{ text: string }>().text, 'the text comes first');
  });

  test('an inline forwarded message left open reads (it used to hang the parser and the session)', async () => {
    const read = await get(`/api/messages/${idOf('open-inline')}`);
    assert.equal(read.status, 200, read.body.toString());
    assert.equal(read.json<{ subject: string }>().subject, 'forward left open');
  });
});

describe('random MIME trees through the API', () => {
  test(`${FUZZ.length} random messages: listed, peeked, read and downloaded without a 5xx`, async () => {
    const listing = await get('/api/messages?limit=200');
    assert.equal(listing.status, 200);
    for (const [index, message] of FUZZ.entries()) {
      const number = FIXED.length + index + 1;
      const id = ids.get(number)!;
      const what = `seed ${SEED}, message ${index} (${message.notes.slice(0, 6).join(' | ')})`;
      for (const path of [`/api/messages/${id}/preview`, `/api/messages/${id}`, `/api/messages/${id}/attachments/a1`, `/api/messages/${id}/raw`]) {
        const response = await get(path);
        assert.ok(response.status < 500, `${what}: ${path} answered ${response.status} ${response.body.toString().slice(0, 300)}`);
        if (response.status >= 400) assert.match(response.json<{ error: { code: string } }>().error.code, /^[A-Z_]+$/, what);
      }
    }
    assert.doesNotMatch(app.output(), /internal error/i);
  });
});
