/**
 * Issue 10's failover target, measured: two instances of the production app on one Redis, behind the
 * shipped HAProxy configuration (deploy/haproxy.cfg), in front of GNU Mailutils with mandatory locking
 * (it refuses a second login to a maildrop with `-ERR [IN-USE]`, so a hand-over is real: the dead
 * instance's connection must be gone before the other may log in).
 *
 * A person logs in through HAProxy and marks messages for deletion. Then, `runs` times: one more mark,
 * `kill -9` of every process of the instance holding the session's POP3 connection (the primary and its
 * workers), and the person's next request (the inbox page, through HAProxy, with the same cookie) is
 * timed from the kill to its answer; the marks must be intact and nothing deleted on the server. The
 * killed instance is started again (same port) and HAProxy must see it up before the next run, so that
 * each kill is of one of two live instances. Then both are restarted (SIGTERM, then started anew): the
 * session and its marks must be intact. Then the person logs out (QUIT applies the marks) and a plain
 * POP3 look checks that exactly the marked messages are gone.
 *
 * Called by scripts/bench.ts; alone it prints its figures:
 *   node --import tsx scripts/bench/failover.ts [--runs 5] [--workers 2] [--messages 20] [--direct]
 */
import { randomBytes } from 'node:crypto';
import os from 'node:os';
import Redis from 'ioredis';
import { startApp, type RunningApp } from '../../tests/support/app-server';
import { smallMessages } from '../../tests/support/maildrop';
import { testUserName } from '../../tests/support/servers/common';
import { sleep } from '../../tests/support/sleep';
import { startHaproxy, type RunningHaproxy } from '../../tests/support/servers/haproxy';
import { startMailutils } from '../../tests/support/servers/mailutils';
import { startRedis, type RedisServer } from '../../tests/support/servers/redis';
import type { RunningServer } from '../../tests/support/servers/types';
import { idFromUid } from '../../lib/mail/ids';
import { key as redisKey } from '../../lib/session-store/redis-session-store';
import { connectPop3, isPop3Error } from '../../lib/pop3';
import { BenchClient, type BenchResponse } from './http-client';
import { connectionsTo, cpuSecondsOf, processTree } from './proc';
import { median } from './stats';

/** The target: the person's next request after the kill answered (200, marks intact) within this. */
export const FAILOVER_TARGET_MS = 2_000;
/** A bound, not a pace: how long the person keeps asking after a kill before the run counts as failed. */
const SERVE_BOUND_MS = 30_000;
/** A bound for HAProxy to see a (re)started instance up (its checks: inter 2 s, rise 2). */
const UP_BOUND_MS = 60_000;
const REQUEST_TIMEOUT_MS = 30_000;
const PASSWORD = 'Bench-Failover-Pa55';
const PAGE = 50;

export interface FailoverOptions {
  /** How many times an instance is killed (each time the one holding the session). */
  runs: number;
  /** POSTERN_WORKERS of each instance, as `npm start` runs it. */
  workers: number;
  /** Messages in the maildrop. */
  messages: number;
  /**
   * How the next request reaches the other instance: through HAProxy (the person's way, the default), or
   * straight to it with the same cookie (to tell HAProxy's part from the app's).
   */
  via?: 'haproxy' | 'direct';
  log?: (line: string) => void;
}

export interface KillRun {
  killed: string;
  /** Every process of the killed instance (primary and workers). */
  killedPids: number[];
  /** The killed instance held a TCP connection to the mail server just before (the session's). */
  heldConnection: boolean;
  /** The person's first request after the kill: its answer (HTTP status, or the client error) and when. */
  firstStatus: number | string;
  firstMs: number;
  /** From the kill to the first 200 (equal to firstMs when the first request succeeded). */
  servedMs: number;
  attempts: number;
  /** The instance that answered (HAProxy's postern_node cookie). */
  servedBy: string | undefined;
  marks: number;
  marksIntact: boolean;
  /** Messages on the server: all of them (nothing deleted that was not applied). */
  storedIntact: boolean;
  /**
   * At the kill, how much longer the lease holder's heartbeat key (`postern:instance:<id>`, INSTANCE_ALIVE_MS)
   * would still say it is alive: the wait for that is what a hand-over from a dead holder cost before it
   * was told dead by its gone Redis connection (lib/session-store/redis-session-store.ts).
   */
  heartbeatLeftMs: number;
  /** How long the killed instance took to be up again in HAProxy's eyes (not part of the target). */
  backUpMs: number;
}

export interface FailoverFigures {
  via: 'haproxy' | 'direct';
  mailServer: string;
  workers: number;
  messages: number;
  runs: KillRun[];
  medianMs: number;
  maxMs: number;
  restart: {
    /** From both instances up again to the person's next request answered. */
    servedMs: number;
    status: number | string;
    sessionIntact: boolean;
    marksIntact: boolean;
    storedIntact: boolean;
  };
  apply: {
    marked: number;
    /** What the logout (QUIT) reported deleted. */
    deleted: number;
    storedAfter: number;
    /** A fresh POP3 look: exactly the unmarked messages are left. */
    remainingExact: boolean;
  };
  /**
   * CPU seconds of the instances' worker processes, read just before each kill or stop: killed or stopped, their
   * primary does not reap them, so the bench's process tree loses their CPU time (the bench's "other programs"
   * meter adds it back).
   */
  orphanedCpuSeconds: number;
  /** Every run, the restart and the apply as the target says. */
  met: boolean;
  /** What missed, in words (empty when met). */
  missed: string[];
}

type Page = { total: number; messages: { id: string; deleted: boolean }[] };
type SessionBody = { session: { username: string; pendingDeletion: string[] } };

const now = () => performance.now();

/** CPU time so far of an instance's processes other than its primary (see FailoverFigures.orphanedCpuSeconds). */
function workersCpu(app: RunningApp): number {
  return cpuSecondsOf(processTree(app.pid).slice(1));
}

const sameSet = (a: readonly string[], b: readonly string[]) => a.length === b.length && [...a].sort().join('\n') === [...b].sort().join('\n');
const describe = (error: unknown) => (error instanceof Error ? (error as NodeJS.ErrnoException).code ?? error.message : String(error));

/** HAProxy's cookie naming the instance a client is pinned to. */
function node(client: BenchClient): string | undefined {
  return /postern_node=(\w+)/.exec(client.cookie)?.[1];
}

/**
 * The UIDLs the server holds right now, as the app's ids, by a login of our own. Mailutils lets one session in
 * at a time: after the app's QUIT it may still be rewriting the mbox under its lock, so `[IN-USE]` is asked again
 * until the lock is gone (and then the file is as the QUIT left it).
 */
async function plainIds(server: RunningServer, user: string): Promise<string[]> {
  const deadline = now() + SERVE_BOUND_MS;
  for (;;) {
    const client = await connectPop3({ host: '127.0.0.1', port: server.port, security: 'none', address: '127.0.0.1' });
    try {
      await client.login({ username: user, password: PASSWORD, allowInsecure: true });
      return (await client.uidl()).map((entry) => idFromUid(entry.uid));
    } catch (error) {
      if (!(isPop3Error(error) && error.code === 'IN_USE') || now() > deadline) throw error;
    } finally {
      await client.quit().catch(() => undefined);
    }
    await sleep(100);
  }
}

export async function measureFailover(options: FailoverOptions): Promise<FailoverFigures> {
  const log = options.log ?? ((line: string) => console.error(`[failover] ${line}`));
  const user = testUserName('bfail');
  let redis: RedisServer | undefined;
  let mailutils: RunningServer | undefined;
  let proxy: RunningHaproxy | undefined;
  const apps = new Map<string, RunningApp>();
  let person: BenchClient | undefined;
  let probe: Redis | undefined;
  let orphanedCpuSeconds = 0;
  try {
    log(`starting Redis, GNU Mailutils (locking, ${options.messages} messages)…`);
    [redis, mailutils] = await Promise.all([
      startRedis(),
      startMailutils({ users: [{ name: user, password: PASSWORD, messages: smallMessages(options.messages).map((m) => m.raw) }], lockSession: true }),
    ]);
    const server = mailutils;
    probe = new Redis(redis.url(0), { maxRetriesPerRequest: 2 });
    const redisProbe = probe;
    /** PTTL of the heartbeat of the instance holding the (one) session's lease. */
    const heartbeatLeft = async (): Promise<number> => {
      const [leaseKey] = await redisProbe.keys(redisKey.leases);
      const holder = leaseKey ? await redisProbe.get(leaseKey) : null;
      return holder ? redisProbe.pttl(redisKey.instance(holder)) : NaN;
    };
    const original = await plainIds(server, user);
    const env: Record<string, string> = {
      POP3_ALLOWED_HOSTS: '127.0.0.1',
      POP3_ALLOWED_PORTS: '1024-65535',
      POSTERN_LOGINS_PER_CLIENT: '1000',
      POSTERN_TRUSTED_PROXY_HOPS: '1',
      POSTERN_WORKERS: String(options.workers),
      POSTERN_SESSION_STORE: redis.url(0),
      POSTERN_SESSION_KEY: randomBytes(32).toString('base64'),
    };
    log(`starting two instances (${options.workers} worker process(es) each) and HAProxy…`);
    const [app1, app2] = await Promise.all([startApp(env), startApp(env)]);
    apps.set('app1', app1);
    apps.set('app2', app2);
    proxy = await startHaproxy([`127.0.0.1:${app1.port}`, `127.0.0.1:${app2.port}`]);
    const haproxy = proxy;
    const client = new BenchClient(haproxy.url, '10.77.0.1');
    person = client;
    const call = (method: 'GET' | 'POST' | 'DELETE', path: string, body?: unknown): Promise<BenchResponse> =>
      client.request(method, path, method === 'POST' ? body ?? {} : undefined, REQUEST_TIMEOUT_MS);
    const expect200 = (response: BenchResponse, what: string) => {
      if (response.status !== 200) throw new Error(`${what}: HTTP ${response.status} ${response.text().slice(0, 300)}`);
    };
    const stored = () => server.storedCount(user);

    /** Waits until HAProxy sends a fresh client (no cookie) to `name`: it is up in HAProxy's eyes (or was never seen down). */
    const waitUp = async (name: string): Promise<number> => {
      const t0 = now();
      for (let i = 0; ; i++) {
        const fresh = new BenchClient(haproxy.url, '10.77.0.2');
        try {
          await fresh.request('GET', '/api/config', undefined, REQUEST_TIMEOUT_MS);
          if (node(fresh) === name) return now() - t0;
        } catch {
          // refused or reset while instances come and go: ask again
        } finally {
          fresh.close();
        }
        if (now() - t0 > UP_BOUND_MS) throw new Error(`HAProxy did not send anyone to ${name} within ${UP_BOUND_MS} ms:\n${haproxy.process.output().slice(-2000)}`);
        // Round robin over the up instances: with two up, every other fresh client lands on each. A pause
        // only between rounds of asking (HAProxy's checks run every 2 s, nothing to gain by asking faster).
        if (i % 2 === 1) await sleep(200);
      }
    };

    /** The inbox page and the session as the person sees them: are exactly `marks` marked? */
    const marksSeen = async (marks: readonly string[]): Promise<boolean> => {
      const page = await call('GET', `/api/messages?offset=0&limit=${PAGE}`);
      expect200(page, 'inbox page');
      const session = await call('GET', '/api/session');
      expect200(session, 'GET /api/session');
      const flagged = page.json<Page>().messages.filter((m) => m.deleted).map((m) => m.id);
      return sameSet(flagged, marks) && sameSet(session.json<SessionBody>().session.pendingDeletion, marks);
    };

    log('the person logs in through HAProxy…');
    const login = await call('POST', '/api/session', { host: '127.0.0.1', port: server.port, security: 'none', allowInsecure: true, username: user, password: PASSWORD });
    expect200(login, 'login');
    const first = await call('GET', `/api/messages?offset=0&limit=${PAGE}`);
    expect200(first, 'first page');
    const listed = first.json<Page>().messages.map((m) => m.id);
    if (!sameSet(listed, original.slice(-PAGE))) throw new Error(`the app's ids are not the server's UIDLs: ${listed.slice(0, 3).join(', ')}… vs ${original.slice(0, 3).join(', ')}…`);
    const unmarked = [...listed];
    const marks: string[] = [];

    const runs: KillRun[] = [];
    for (let run = 1; run <= options.runs; run++) {
      const holderName = node(client);
      const holder = holderName ? apps.get(holderName) : undefined;
      if (!holderName || !holder) throw new Error(`HAProxy named no instance for the person (${client.cookie})`);
      const otherName = holderName === 'app1' ? 'app2' : 'app1';
      await waitUp(otherName);

      // Mid-session: one more mark (two the first time), answered by the instance holding the connection.
      const more = unmarked.splice(0, run === 1 ? 2 : 1);
      const marked = await call('POST', '/api/messages/delete', { ids: more });
      expect200(marked, 'marking');
      marks.push(...more);
      if (node(client) !== holderName) throw new Error(`the mark was answered by ${node(client)}, not ${holderName}`);
      const tree = processTree(holder.pid);
      const heldConnection = tree.some((pid) => connectionsTo(pid, server.port) > 0);
      const heartbeatLeftMs = await heartbeatLeft();
      orphanedCpuSeconds += workersCpu(holder);

      // kill -9 of the whole instance: the primary first (so it forks no new worker), then every worker.
      for (const pid of tree) {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          // gone already
        }
      }
      const t0 = now();
      const next = options.via === 'direct' ? client.sameBrowserAt(apps.get(otherName)!.url) : client;
      let firstStatus: number | string | undefined;
      let firstMs = NaN;
      let attempts = 0;
      let servedMs = NaN;
      for (;;) {
        attempts++;
        let status: number | string;
        try {
          status = (await next.request('GET', `/api/messages?offset=0&limit=${PAGE}`, undefined, REQUEST_TIMEOUT_MS)).status;
        } catch (error) {
          status = describe(error);
        }
        if (firstStatus === undefined) {
          firstStatus = status;
          firstMs = now() - t0;
        }
        if (status === 200) {
          servedMs = now() - t0;
          break;
        }
        if (now() - t0 > SERVE_BOUND_MS) break;
        await sleep(50);
      }
      if (next !== client) next.close();
      const servedBy = options.via === 'direct' ? (Number.isFinite(servedMs) ? otherName : undefined) : node(client);
      const marksIntact = Number.isFinite(servedMs) && (await marksSeen(marks));
      const storedIntact = (await stored()) === options.messages;

      // The killed instance back on its port (HAProxy's server line names it), and seen up.
      await holder.stop(); // already dead: only lets go of its exit hook
      const restartStart = now();
      apps.set(holderName, await startApp({ ...env, PORT: String(holder.port) }));
      await waitUp(holderName);
      const backUpMs = now() - restartStart;

      const result: KillRun = {
        killed: holderName,
        killedPids: tree,
        heldConnection,
        firstStatus: firstStatus ?? 'none',
        firstMs,
        servedMs,
        attempts,
        servedBy,
        marks: marks.length,
        marksIntact,
        storedIntact,
        heartbeatLeftMs,
        backUpMs,
      };
      runs.push(result);
      log(
        `run ${run}: kill -9 of ${holderName} (pids ${tree.join(',')}, held the POP3 connection: ${heldConnection ? 'yes' : 'NO'}); ` +
          `next request ${String(result.firstStatus)} in ${firstMs.toFixed(0)} ms, served in ${servedMs.toFixed(0)} ms after ${attempts} request(s) by ${servedBy}; ` +
          `${marks.length} marks ${marksIntact ? 'intact' : 'NOT intact'}, ${storedIntact ? 'nothing deleted' : 'MESSAGES DELETED'}; ` +
          `holder's heartbeat had ${heartbeatLeftMs} ms left at the kill; ${holderName} up again after ${(backUpMs / 1000).toFixed(1)} s`,
      );
    }

    // Both restarted (a deploy): stopped gracefully, started anew on their ports.
    log('restarting both instances…');
    for (const app of apps.values()) orphanedCpuSeconds += workersCpu(app);
    await Promise.all([...apps.values()].map((app) => app.stop()));
    const storedWhileDown = await stored();
    const restarted = await Promise.all([...apps].map(async ([name, app]) => [name, await startApp({ ...env, PORT: String(app.port) })] as const));
    for (const [name, app] of restarted) apps.set(name, app);
    await waitUp('app1');
    await waitUp('app2');
    const r0 = now();
    let restartStatus: number | string;
    let sessionIntact = false;
    try {
      const seen = await call('GET', '/api/session');
      restartStatus = seen.status;
      sessionIntact = seen.status === 200 && seen.json<SessionBody>().session.username === user;
    } catch (error) {
      restartStatus = describe(error);
    }
    const restartServedMs = now() - r0;
    const restartMarksIntact = sessionIntact && (await marksSeen(marks));
    const restartStoredIntact = storedWhileDown === options.messages && (await stored()) === options.messages;
    log(
      `both restarted: the next request ${String(restartStatus)} in ${restartServedMs.toFixed(0)} ms; session ${sessionIntact ? 'intact' : 'LOST'}, ` +
        `${marks.length} marks ${restartMarksIntact ? 'intact' : 'NOT intact'}, ${restartStoredIntact ? 'nothing deleted' : 'MESSAGES DELETED'}`,
    );

    // Applied: log out (QUIT), then a look of our own.
    const logout = await call('DELETE', '/api/session');
    expect200(logout, 'logout');
    const deleted = logout.json<{ deleted: number }>().deleted;
    const remaining = await plainIds(server, user); // first: it waits for Mailutils to have let go of the maildrop
    const storedAfter = await stored();
    const remainingExact = sameSet(remaining, original.filter((id) => !marks.includes(id)));
    log(`applied (logout): ${deleted} deleted of ${marks.length} marked; ${storedAfter} of ${options.messages} left, exactly the unmarked ones: ${remainingExact ? 'yes' : 'NO'}`);

    const missed: string[] = [];
    runs.forEach((r, i) => {
      const n = `run ${i + 1}`;
      if (r.firstStatus !== 200) missed.push(`${n}: the next request answered ${String(r.firstStatus)} (served after ${r.attempts} requests, ${r.servedMs.toFixed(0)} ms)`);
      else if (!(r.servedMs < FAILOVER_TARGET_MS)) missed.push(`${n}: ${r.servedMs.toFixed(0)} ms`);
      if (r.servedBy === r.killed) missed.push(`${n}: answered by the killed instance?`);
      if (!r.heldConnection) missed.push(`${n}: the killed instance did not hold the POP3 connection`);
      if (!r.marksIntact) missed.push(`${n}: marks not intact`);
      if (!r.storedIntact) missed.push(`${n}: messages deleted that were not applied`);
    });
    if (restartStatus !== 200 || !sessionIntact) missed.push(`both restarted: session not served (${String(restartStatus)})`);
    if (!restartMarksIntact) missed.push('both restarted: marks not intact');
    if (!restartStoredIntact) missed.push('both restarted: messages deleted that were not applied');
    if (deleted !== marks.length || storedAfter !== options.messages - marks.length || !remainingExact) {
      missed.push(`applied: ${deleted} deleted of ${marks.length} marked, ${storedAfter} left, exactly the unmarked: ${remainingExact}`);
    }
    const served = runs.map((r) => r.servedMs);
    return {
      via: options.via ?? 'haproxy',
      mailServer: `GNU Mailutils ${server.version} (mandatory locking)`,
      workers: options.workers,
      messages: options.messages,
      runs,
      medianMs: median(served),
      maxMs: Math.max(...served),
      restart: { servedMs: restartServedMs, status: restartStatus, sessionIntact, marksIntact: restartMarksIntact, storedIntact: restartStoredIntact },
      apply: { marked: marks.length, deleted, storedAfter, remainingExact },
      orphanedCpuSeconds: orphanedCpuSeconds + [...apps.values()].reduce((sum, app) => sum + workersCpu(app), 0),
      met: missed.length === 0,
      missed,
    };
  } finally {
    person?.close();
    probe?.disconnect();
    await proxy?.stop().catch(() => undefined);
    await Promise.all([...apps.values()].map((app) => app.stop().catch(() => undefined)));
    await mailutils?.stop().catch(() => undefined);
    await redis?.stop().catch(() => undefined);
  }
}

/** One line for the bench's table and target. */
export function describeFailover(f: FailoverFigures): string {
  return (
    `next request after kill -9: median ${f.medianMs.toFixed(0)} ms, max ${f.maxMs.toFixed(0)} ms over ${f.runs.length} runs ` +
    `(${f.runs.map((r) => `${r.servedMs.toFixed(0)}${r.firstStatus === 200 ? '' : `, first ${String(r.firstStatus)}`}`).join(' / ')} ms); ` +
    `marks intact ${f.runs.filter((r) => r.marksIntact).length}/${f.runs.length}; both restarted: session ${f.restart.sessionIntact ? 'intact' : 'LOST'}, marks ${f.restart.marksIntact ? 'intact' : 'NOT intact'}; ` +
    `applied: ${f.apply.deleted} of ${f.apply.marked} marked deleted, the rest untouched: ${f.apply.remainingExact ? 'yes' : 'NO'}`
  );
}

if (require.main === module) {
  const argv = process.argv.slice(2);
  const number = (flag: string, fallback: number) => {
    const i = argv.indexOf(flag);
    const value = i >= 0 ? Number(argv[i + 1]) : fallback;
    if (!Number.isInteger(value) || value < 1) throw new Error(`${flag} needs a whole number`);
    return value;
  };
  measureFailover({
    runs: number('--runs', 5),
    workers: number('--workers', os.availableParallelism()),
    messages: number('--messages', 20),
    via: argv.includes('--direct') ? 'direct' : 'haproxy',
  })
    .then((figures) => {
      console.log(JSON.stringify(figures, null, 2));
      console.log(`${figures.met ? 'met' : 'MISSED'}: ${describeFailover(figures)}${figures.missed.length ? `\n  ${figures.missed.join('\n  ')}` : ''}`);
      process.exit(0);
    })
    .catch((error: unknown) => {
      console.error(error instanceof Error ? error.stack ?? error.message : error);
      process.exit(1);
    });
}
