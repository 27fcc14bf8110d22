/**
 * The API interoperability matrix: one production build of the app, the same
 * person-level scenarios (log in, list, preview, raw source byte-exact, delete
 * + undo, delete + commit) against every real POP3 server we can start, plus
 * `[IN-USE]` from Mailutils with its session lock. Servers with STLS are used
 * through STARTTLS with their certificate in POP3_TLS_CA_FILE (one file, all
 * the PEMs); popa3d, which has no TLS, through an explicit plain connection.
 * The outcome is written to tests/artifacts/interop-api.md (see docs/interop.md).
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';

import { connectPop3 } from '../../lib/pop3';
import { startApp, type RunningApp } from '../support/app-server';
import { HttpClient } from '../support/http-client';
import { InteropReport } from '../support/interop-report';
import { smallMessages, type MaildropMessage } from '../support/maildrop';
import { testUserName } from '../support/servers/common';
import { startCourier } from '../support/servers/courier';
import { startCyrus } from '../support/servers/cyrus';
import { startDovecot } from '../support/servers/dovecot';
import { startMailutils } from '../support/servers/mailutils';
import { startPopa3d } from '../support/servers/popa3d';
import type { RunningServer, StartOptions } from '../support/servers/types';

const PASSWORD = 'interop-Api.8';
const report = new InteropReport('API scenarios (the app against real servers)');

type Summary = { id: string; number: number; subject: string; deleted?: boolean };
type Page = { total: number; messages: Summary[] };

interface ServerCase {
  title: string;
  start(options: StartOptions): Promise<RunningServer>;
  userName(base: string): string;
}

const cases: ServerCase[] = [
  { title: 'Dovecot', start: startDovecot, userName: (base) => base },
  { title: 'GNU Mailutils', start: startMailutils, userName: testUserName },
  { title: 'popa3d', start: startPopa3d, userName: testUserName },
  { title: 'Courier', start: startCourier, userName: testUserName },
  { title: 'Cyrus', start: startCyrus, userName: testUserName },
];

interface Started {
  server: ServerCase;
  running: RunningServer;
  user: string;
  mail: MaildropMessage[];
}

let app: RunningApp;
let tmp: string;
const started = new Map<string, Started>();
let lockedMailutils: { running: RunningServer; user: string } | undefined;
/** Each API login comes from its own client address (the test acts as one trusted proxy), so the per-address login throttle never trips. */
let loginCount = 0;

function errorCode(response: { json<T>(): T }): string {
  return response.json<{ error: { code: string } }>().error.code;
}

async function login(target: { running: RunningServer; user: string }): Promise<{ client: HttpClient; status: number; code?: string }> {
  const client = new HttpClient(app.url);
  const { running } = target;
  const via = running.supports.stls
    ? { host: 'localhost', port: running.port, security: 'starttls' }
    : { host: '127.0.0.1', port: running.port, security: 'none', allowInsecure: true };
  loginCount += 1;
  const response = await client.post('/api/session', { ...via, username: target.user, password: PASSWORD }, {
    'x-forwarded-for': `198.51.100.${loginCount % 250}`,
  });
  return { client, status: response.status, code: response.status === 200 ? undefined : errorCode(response) };
}

before(async () => {
  for (const server of cases) report.describe(server.title, {}); // rows in a fixed order
  tmp = mkdtempSync(path.join(os.tmpdir(), 'postern-interop-api-'));
  const results = await Promise.allSettled(
    cases.map(async (server) => {
      const user = server.userName('erin');
      const mail = smallMessages(4, { seed: 5 });
      const running = await server.start({ users: [{ name: user, password: PASSWORD, messages: mail.map((m) => m.raw) }] });
      started.set(server.title, { server, running, user, mail });
      report.describe(server.title, { version: running.version });
    }),
  );
  const lockedUser = testUserName('frank');
  lockedMailutils = {
    running: await startMailutils({ users: [{ name: lockedUser, password: PASSWORD, messages: smallMessages(1).map((m) => m.raw) }], lockSession: true }),
    user: lockedUser,
  };
  report.describe('GNU Mailutils (lockSession)', { version: lockedMailutils.running.version });
  const caFile = path.join(tmp, 'ca.pem');
  const servers = [...[...started.values()].map((s) => s.running), lockedMailutils.running];
  writeFileSync(caFile, servers.flatMap((running) => (running.certPem ? [running.certPem] : [])).join('\n'));
  app = await startApp({
    POSTERN_TRUSTED_PROXY_HOPS: '1',
    POP3_ALLOWED_HOSTS: '127.0.0.1,localhost',
    POP3_ALLOWED_PORTS: '1024-65535',
    POP3_TLS_CA_FILE: caFile,
  });
  const failed = results.flatMap((r, i) => (r.status === 'rejected' ? [`${cases[i]?.title}: ${String(r.reason)}`] : []));
  for (const message of failed) report.record(message.split(':')[0] ?? '?', 'start', 'fail');
  assert.deepEqual(failed, [], 'every server starts');
});

after(async () => {
  report.write('interop-api');
  await app?.stop();
  await Promise.all([...started.values()].map((s) => s.running.stop()));
  await lockedMailutils?.running.stop();
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

describe('interop matrix: API', { timeout: 150_000 }, () => {
  for (const server of cases) {
    it(server.title, async (t) => {
      const target = started.get(server.title);
      assert.ok(target !== undefined, `${server.title} did not start`);
      const { running, mail } = target;
      const step = (name: string, work: () => Promise<void>) => t.test(name, () => report.scenario(server.title, name, work));
      let client!: HttpClient;
      let page!: Page;

      await step('login', async () => {
        const result = await login(target);
        assert.equal(result.status, 200, result.code);
        client = result.client;
        const session = (await client.get('/api/session')).json<{ session: { mechanism: string | null } }>();
        report.mechanism(server.title, `${running.supports.stls ? 'STARTTLS' : 'plain'}+${session.session.mechanism ?? '?'}`);
      });

      await step('list', async () => {
        const response = await client.get('/api/messages?limit=50');
        assert.equal(response.status, 200, response.body.toString());
        page = response.json<Page>();
        assert.equal(page.total, mail.length);
        // Newest first or oldest first, the set of subjects is what was stored.
        assert.deepEqual(page.messages.map((m) => m.subject).sort(), mail.map((m) => m.subject).sort());
      });

      const byNumber = (n: number): Summary => {
        const found = page.messages.find((m) => m.number === n);
        assert.ok(found !== undefined, `message ${n} is listed`);
        return found;
      };

      await step('preview', async () => {
        const first = byNumber(1);
        const response = await client.get(`/api/messages/${first.id}/preview?lines=3`);
        assert.equal(response.status, 200, response.body.toString());
        const preview = response.json<{ text: string; truncated: boolean; headers: Record<string, string> }>();
        assert.equal(preview.headers.subject, mail[0]?.subject);
        assert.equal(preview.truncated, true);
        assert.ok(preview.text.length > 0 && preview.text.split('\n').length <= 4, JSON.stringify(preview.text));
      });

      await step('raw byte-exact', async () => {
        for (let n = 1; n <= mail.length; n++) {
          const response = await client.get(`/api/messages/${byNumber(n).id}/raw`);
          assert.equal(response.status, 200);
          assert.ok(response.body.equals(running.expectedRetr(target.user, n)), `message ${n}`);
        }
      });

      await step('delete+reset', async () => {
        const victim = byNumber(1);
        assert.equal((await client.delete(`/api/messages/${victim.id}`)).status, 200);
        const listed = (await client.get('/api/messages?limit=50')).json<Page>();
        assert.notEqual(listed.messages.find((m) => m.id === victim.id)?.deleted, false, 'shown as deleted or left out');
        assert.equal((await client.post('/api/session/reset')).status, 200);
        const after = (await client.get('/api/messages?limit=50')).json<Page>();
        assert.equal(after.total, mail.length);
        assert.equal(await running.storedCount(target.user), mail.length);
      });

      await step('delete+commit', async () => {
        const victim = byNumber(1);
        assert.equal((await client.delete(`/api/messages/${victim.id}`)).status, 200);
        const commit = await client.post('/api/session/commit');
        assert.equal(commit.status, 200, commit.body.toString());
        const deadline = Date.now() + 30_000;
        while ((await running.storedCount(target.user)) !== mail.length - 1) {
          assert.ok(Date.now() < deadline, 'the deletion reaches the disk');
          await new Promise((resolve) => setTimeout(resolve, 100));
        }
        const after = (await client.get('/api/messages?limit=50')).json<Page>();
        assert.equal(after.total, mail.length - 1);
        assert.ok(!after.messages.some((m) => m.id === victim.id));
        // Ids are stable: the survivors keep theirs.
        for (const survivor of page.messages.filter((m) => m.id !== victim.id)) {
          assert.ok(after.messages.some((m) => m.id === survivor.id), `${survivor.subject} keeps its id`);
        }
      });
    });
  }

  it('GNU Mailutils with a session lock: a held mailbox is 423 MAILBOX_IN_USE', async () => {
    assert.ok(lockedMailutils !== undefined);
    const { running, user } = lockedMailutils;
    const holder = await connectPop3({ host: '127.0.0.1', port: running.port, security: 'none' });
    await holder.login({ username: user, password: PASSWORD, mechanism: 'user', allowInsecure: true });
    try {
      const refused = await login(lockedMailutils);
      assert.equal(refused.status, 423);
      assert.equal(refused.code, 'MAILBOX_IN_USE');
      report.record('GNU Mailutils (lockSession)', '[IN-USE] → 423', 'pass');
    } catch (error) {
      report.record('GNU Mailutils (lockSession)', '[IN-USE] → 423', 'fail');
      throw error;
    } finally {
      await holder.quit();
    }
    const again = await login(lockedMailutils);
    assert.equal(again.status, 200, 'the mailbox opens once the holder has quit');
  });
});
