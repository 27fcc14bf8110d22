/**
 * `npm run bench` (issue 6): how fast the app is through its HTTP API at a
 * given round-trip time, against Python's poplib doing the same work one
 * command at a time, and against the round-trip floor.
 *
 * Everything runs on loopback: a private Dovecot (maildrops of 1,000 and
 * 10,000 small messages and one ~100 MB message), a proxy in its own process
 * that delays each direction (default 10 ms, so 20 ms RTT), the production
 * build of the app (as `npm start` runs it: scripts/serve.mjs with its workers), and the clients. Prints a table and writes
 * docs/benchmarks.json and docs/benchmarks.md. Bounded in time; cleans up
 * whatever it started however it ends.
 *
 *   npm run bench -- [--delay-ms 10] [--sessions 200] [--iterations 5] [--repeat 5]
 *                    [--big-mb 100] [--timeout-s 570] [--quiet-wait-s 90] [--workers <cores>] [--idle 1000] [--failover-runs 5]
 *                    [--no-write] [--skip-poplib] [--skip-failover]
 *
 * The failover phase (scripts/bench/failover.ts) starts its own two instances on one Redis behind HAProxy,
 * in front of GNU Mailutils; it runs alone too: `node --import tsx scripts/bench/failover.ts`.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { createInterface } from 'node:readline';
import { missingTestDeps, ensureTestDeps } from './ensure-test-deps.mjs';
import { cpuSecondsOf, foreignLoad, machine, machineSeconds, memory, processTree, resetPeak, rssSampler, sessionHolder } from './bench/proc';
import { median, quantile } from './bench/stats';
import { BenchClient, closeConnections, type BenchResponse } from './bench/http-client';
import { plainListing, plainRetr } from './bench/plain-socket';
import { describeFailover, FAILOVER_TARGET_MS, measureFailover, type FailoverFigures } from './bench/failover';
import { ensureBuild, startApp, type RunningApp } from '../tests/support/app-server';
import { bigMessage, smallMessages } from '../tests/support/maildrop';
import { startDovecot, type DovecotServer } from '../tests/support/servers/dovecot';
import { sleep } from '../tests/support/sleep';
import { connectPop3, DEFAULT_LIMITS } from '../lib/pop3';
import { NEWEST_FIRST } from '../lib/mail/mail-session';

const ROOT = path.resolve(__dirname, '..');
const PASSWORD = 'bench-Pa55word';
const PAGE = 50;
/** Mean pause between two pages in the paced runs (a person reading the list before paging on). */
const THINK_MS = 1000;
/** A person reading the list before paging on: a new page every ~5 s. */
const SLOW_THINK_MS = 5000;
/** Other programs' CPU use above which a phase is reported as disturbed. */
const QUIET_CPUS = 0.25;

// ---------------------------------------------------------------------------
// Options

interface Options {
  delayMs: number;
  sessions: number;
  iterations: number;
  repeat: number;
  bigMb: number;
  timeoutS: number;
  write: boolean;
  poplib: boolean;
  quietWaitS: number;
  /** POSTERN_WORKERS for the app, as `npm start` runs it (default: the number of cores). */
  workers: number;
  /** Idle sessions held at once on 1,000-message maildrops, for the memory per session. */
  idle: number;
  /** The failover phase (issue 10), and how many kill -9s it measures. */
  failover: boolean;
  failoverRuns: number;
}

function parseOptions(argv: string[]): Options {
  const options: Options = { delayMs: 10, sessions: 200, iterations: 5, repeat: 5, bigMb: 100, timeoutS: 570, write: true, poplib: true, quietWaitS: 90, workers: os.availableParallelism(), idle: 1000, failover: true, failoverRuns: 5 };
  const numeric: Record<string, keyof Options> = {
    '--delay-ms': 'delayMs',
    '--sessions': 'sessions',
    '--iterations': 'iterations',
    '--repeat': 'repeat',
    '--big-mb': 'bigMb',
    '--timeout-s': 'timeoutS',
    '--quiet-wait-s': 'quietWaitS',
    '--workers': 'workers',
    '--idle': 'idle',
    '--failover-runs': 'failoverRuns',
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? '';
    const [flag, inline] = arg.includes('=') ? [arg.slice(0, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)] : [arg, undefined];
    if (flag === '--no-write') options.write = false;
    else if (flag === '--skip-poplib') options.poplib = false;
    else if (flag === '--skip-failover') options.failover = false;
    else if (flag === '--help' || flag === '-h') {
      console.log('npm run bench -- [--delay-ms 10] [--sessions 200] [--iterations 5] [--repeat 5] [--big-mb 100] [--timeout-s 570] [--quiet-wait-s 90] [--workers <cores>] [--idle 1000] [--failover-runs 5] [--no-write] [--skip-poplib] [--skip-failover]');
      process.exit(0);
    } else if (flag !== undefined && numeric[flag]) {
      const raw = inline ?? argv[++i];
      const value = Number(raw);
      if (!Number.isFinite(value) || value < 0) throw new Error(`${flag} needs a number, got ${String(raw)}`);
      (options as unknown as Record<string, number>)[numeric[flag]] = value;
    } else throw new Error(`unknown option ${arg} (try --help)`);
  }
  options.sessions = Math.max(1, Math.floor(options.sessions));
  options.iterations = Math.max(1, Math.floor(options.iterations));
  options.repeat = Math.max(1, Math.floor(options.repeat));
  options.workers = Math.max(1, Math.floor(options.workers));
  options.idle = Math.floor(options.idle);
  options.failoverRuns = Math.max(1, Math.floor(options.failoverRuns));
  return options;
}

// ---------------------------------------------------------------------------
// Small helpers

const started = Date.now();
const log = (line: string) => console.error(`[bench ${((Date.now() - started) / 1000).toFixed(1).padStart(5)}s] ${line}`);
const now = () => performance.now();

function treeCpuSeconds(root: number): number {
  return cpuSecondsOf(processTree(root));
}

function treeRss(root: number): number {
  return processTree(root).reduce((sum, pid) => {
    try {
      return sum + memory(pid).rss;
    } catch {
      return sum;
    }
  }, 0);
}

/** Rejects when `work` takes longer than `ms`: every phase is bounded. */
async function within<T>(ms: number, what: string, work: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} took longer than ${Math.round(ms / 1000)} s`)), ms);
  });
  try {
    return await Promise.race([work, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** Runs `work` over `items` with at most `parallel` at once. */
async function pool<T, R>(items: readonly T[], parallel: number, work: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const workers = Array.from({ length: Math.min(parallel, items.length) }, async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await work(items[index]!, index);
    }
  });
  await Promise.all(workers);
  return results;
}

/** Each simulated person gets an address of their own, as the login throttle counts per client address. */
let personCounter = 0;
function person(): BenchClient {
  personCounter++;
  return new BenchClient(app().url, `10.${(personCounter >> 16) & 255}.${(personCounter >> 8) & 255}.${personCounter & 255}`);
}

const REQUEST_TIMEOUT_MS = 60_000;
/** Logins to one account at once: the app lets 8 per account be in flight (lib/server/login.ts), each worker its share without a shared store. */
const LOGIN_PARALLEL = 6;
/** Logins refused for the moment (429, Retry-After) are tried again this often. */
const LOGIN_RETRIES = 5;

function call(client: BenchClient, method: 'GET' | 'POST' | 'DELETE', urlPath: string, body?: unknown): Promise<BenchResponse> {
  return client.request(method, urlPath, method === 'POST' ? body ?? {} : undefined, REQUEST_TIMEOUT_MS);
}

function expectOk(response: BenchResponse, what: string): void {
  if (response.status !== 200) throw new Error(`${what}: HTTP ${response.status} ${response.text().slice(0, 300)}`);
}

// ---------------------------------------------------------------------------
// What runs, and its cleanup

let dovecot: DovecotServer | undefined;
let proxyChild: ChildProcess | undefined;
let runningApp: RunningApp | undefined;
const children = new Set<ChildProcess>();
let cleaning: Promise<void> | undefined;

function app(): RunningApp {
  if (!runningApp) throw new Error('the app is not running');
  return runningApp;
}

function cleanup(): Promise<void> {
  cleaning ??= (async () => {
    for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
    if (proxyChild && proxyChild.exitCode === null) proxyChild.kill('SIGTERM');
    await runningApp?.stop().catch(() => undefined);
    await dovecot?.stop().catch(() => undefined);
  })();
  return cleaning;
}

async function startProxyProcess(targetPort: number, delayMs: number): Promise<number> {
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(__dirname, 'bench', 'proxy-process.ts'), String(targetPort), String(delayMs)], {
    cwd: ROOT,
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  proxyChild = child;
  const lines = createInterface({ input: child.stdout! });
  const port = await within(
    30_000,
    'starting the proxy',
    new Promise<number>((resolve, reject) => {
      child.once('exit', (code) => reject(new Error(`the proxy exited with ${code}`)));
      lines.once('line', (line) => resolve((JSON.parse(line) as { port: number }).port));
    }),
  );
  return port;
}


// ---------------------------------------------------------------------------
// Other programs on the machine

/** CPUs' worth of other programs' work, per phase: a busy machine makes every figure worse. */
const phaseLoad = new Map<string, { seconds: number; foreignCpus: number; stolenCpus: number }>();
let currentPhase: { name: string; meter: ReturnType<typeof foreignLoad> } | undefined;

/**
 * SHA-256 throughput of this process at the start of each phase: a shared host can slow the whole
 * machine down without any process of its own showing up as busy (seen here: ±30 % between runs).
 */
const phaseSpeed = new Map<string, number>();
const SPEED_SAMPLE = Buffer.alloc(16 * 1024 * 1024, 0x5a);

function cpuSpeedMBps(): number {
  let best = 0;
  for (let i = 0; i < 3; i++) {
    const t0 = now();
    createHash('sha256').update(SPEED_SAMPLE).digest();
    best = Math.max(best, SPEED_SAMPLE.length / 1e6 / ((now() - t0) / 1000));
  }
  return best;
}

/** `oursGone`: CPU seconds of our own processes that left the process tree unreaped during the phase ending (failover.ts). */
function phase(name: string | undefined, oursGone = 0): void {
  if (currentPhase) phaseLoad.set(currentPhase.name, currentPhase.meter.stop(oursGone));
  if (name !== undefined) phaseSpeed.set(name, cpuSpeedMBps());
  currentPhase = name === undefined ? undefined : { name, meter: foreignLoad(process.pid) };
}

/** Before measuring, waits (up to `maxSeconds`) for a 3 s window in which other programs use < 0.25 CPU. */
async function waitForQuiet(maxSeconds: number): Promise<void> {
  const deadline = Date.now() + maxSeconds * 1000;
  for (;;) {
    const meter = foreignLoad(process.pid);
    await sleep(3000);
    const { foreignCpus } = meter.stop();
    if (foreignCpus < QUIET_CPUS) return;
    if (Date.now() >= deadline) {
      log(`other programs still use ${foreignCpus.toFixed(2)} CPUs: measuring anyway (see "other load" in the output)`);
      return;
    }
    log(`other programs use ${foreignCpus.toFixed(2)} CPUs: waiting for a quieter moment…`);
  }
}

// ---------------------------------------------------------------------------
// poplib

type PoplibResult = { name: string; ok: boolean; error?: string; seconds?: number; samples?: number[]; bytes?: number; rows?: number; count?: number };

async function runPoplib(tasks: Record<string, unknown>[], timeoutMs: number): Promise<Map<string, PoplibResult>> {
  const child = spawn('python3', [path.join(__dirname, 'bench', 'poplib_client.py')], { stdio: ['pipe', 'pipe', 'inherit'] });
  children.add(child);
  const results = new Map<string, PoplibResult>();
  const lines = createInterface({ input: child.stdout! });
  lines.on('line', (line) => {
    const result = JSON.parse(line) as PoplibResult;
    results.set(result.name, result);
    log(`poplib ${result.name}: ${result.ok ? describePoplib(result) : `FAILED ${result.error}`}`);
  });
  child.stdin!.end(JSON.stringify({ tasks }));
  try {
    await within(
      timeoutMs,
      'poplib',
      new Promise<void>((resolve, reject) => {
        child.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`poplib_client.py exited with ${code}`))));
        child.once('error', reject);
      }),
    );
  } finally {
    if (child.exitCode === null) child.kill('SIGKILL');
    children.delete(child);
  }
  return results;
}

function describePoplib(result: PoplibResult): string {
  if (result.seconds !== undefined) return `${(result.seconds * 1000).toFixed(0)} ms`;
  if (result.samples) return `median ${(median(result.samples) * 1000).toFixed(1)} ms of ${result.samples.length}`;
  return 'done';
}

// ---------------------------------------------------------------------------
// The app through its API

interface Target {
  port: number;
}

async function login(client: BenchClient, user: string, target: Target): Promise<{ count: number }> {
  const body = { host: '127.0.0.1', port: target.port, security: 'none', allowInsecure: true, username: user, password: PASSWORD };
  let response = await call(client, 'POST', '/api/session', body);
  // Many sessions of one account logging in at once meet the per-account limit on logins in flight (it is
  // shared by the workers: each has its share). A client is told when to try again, and does, as the UI does.
  for (let retry = 0; response.status === 429 && retry < LOGIN_RETRIES; retry++) {
    await sleep(1000 * Number(response.headers['retry-after'] ?? 1));
    response = await call(client, 'POST', '/api/session', body);
  }
  expectOk(response, `login ${user}`);
  return { count: response.json<{ session: { count: number } }>().session.count };
}

type Page = { total: number; count: number; messages: { id: string; subject: string }[] };

async function listPage(client: BenchClient, query: string): Promise<Page> {
  const response = await call(client, 'GET', `/api/messages?${query}`);
  expectOk(response, `GET /api/messages?${query}`);
  return response.json<Page>();
}

async function logout(client: BenchClient): Promise<void> {
  await call(client, 'DELETE', '/api/session').catch(() => undefined);
  client.close();
}

/** Time to first inbox: log in, then the first page of 50, as the browser does. */
async function firstInbox(user: string, target: Target): Promise<number> {
  const client = person();
  const t0 = now();
  const { count } = await login(client, user, target);
  const page = await listPage(client, `offset=0&limit=${PAGE}`);
  const elapsed = now() - t0;
  if (page.messages.length !== Math.min(PAGE, count)) throw new Error(`first page of ${user} has ${page.messages.length} rows`);
  await logout(client);
  return elapsed;
}

/** Every header of the maildrop: the filter box's request (a `q` makes the app fetch all headers). */
async function allHeadersByFilter(user: string, target: Target, expected: number): Promise<number> {
  const client = person();
  await login(client, user, target);
  const t0 = now();
  const page = await listPage(client, `offset=0&limit=${PAGE}&q=${encodeURIComponent('@')}`);
  const elapsed = now() - t0;
  if (page.total !== expected) throw new Error(`filter matched ${page.total} of ${expected}`);
  await logout(client);
  return elapsed;
}

/** Every header by paging: limit=200, one page after the other. */
async function allHeadersByPaging(user: string, target: Target, expected: number): Promise<number> {
  const client = person();
  await login(client, user, target);
  const t0 = now();
  let seen = 0;
  for (let offset = 0; offset < expected; offset += 200) seen += (await listPage(client, `offset=${offset}&limit=200`)).messages.length;
  const elapsed = now() - t0;
  if (seen !== expected) throw new Error(`paging saw ${seen} of ${expected}`);
  await logout(client);
  return elapsed;
}

/** `TOP n 20` through the preview route, for a few messages the session has listed. */
async function previews(user: string, target: Target, count: number): Promise<number[]> {
  const client = person();
  await login(client, user, target);
  const page = await listPage(client, `offset=0&limit=${PAGE}`);
  const times: number[] = [];
  for (const message of page.messages.slice(10, 10 + count)) {
    const t0 = now();
    const response = await call(client, 'GET', `/api/messages/${encodeURIComponent(message.id)}/preview?lines=20`);
    times.push(now() - t0);
    expectOk(response, 'preview');
  }
  await logout(client);
  return times;
}

/** What a browser sends; Next compresses responses for it unless told not to. */
const BROWSER_ACCEPT_ENCODING = 'gzip, deflate, br, zstd';

interface RawDownload {
  acceptEncoding: string;
  contentEncoding: string | null;
  /** Bytes of the message (what the person gets), and bytes on the wire (compressed or not). */
  bytes: number;
  wireBytes: number;
  seconds: number;
  rssBefore: number;
  rssPeak: number;
  growth: number;
  hwmReset: boolean;
  pid: number;
}

/** GET with node:http, counting the body as it arrives (no decompression on our side). */
function countingGet(url: string, headers: Record<string, string>, timeoutMs: number): Promise<{ status: number; encoding: string | null; bytes: number }> {
  return new Promise((resolve, reject) => {
    const request = http.get(url, { headers, agent: false }, (response) => {  // a connection of its own: routed by its cookie
      let bytes = 0;
      response.on('data', (chunk: Buffer) => (bytes += chunk.length));
      response.on('end', () => {
        clearTimeout(timer);
        resolve({ status: response.statusCode ?? 0, encoding: response.headers['content-encoding'] ?? null, bytes });
      });
      response.on('error', reject);
    });
    const timer = setTimeout(() => request.destroy(new Error(`GET ${url} took longer than ${timeoutMs} ms`)), timeoutMs);
    request.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
  });
}

/** The raw route, streamed and counted; the session-holding process's RSS sampled all along. */
async function rawDownload(user: string, target: Target, holderPorts: number[], expectedBytes: number, acceptEncoding: string): Promise<RawDownload> {
  const client = person();
  await login(client, user, target);
  const page = await listPage(client, `offset=0&limit=${PAGE}`);
  const id = page.messages[0]?.id;
  if (!id) throw new Error('the big maildrop is empty');
  const { pid } = sessionHolder(app().pid, holderPorts);
  await sleep(300); // let the login settle before taking the baseline
  const rssBefore = memory(pid).rss;
  const hwmReset = resetPeak(pid);
  const sampler = rssSampler(pid, 5);
  const t0 = now();
  const response = await countingGet(
    `${app().url}/api/messages/${encodeURIComponent(id)}/raw`,
    { cookie: client.cookie, 'x-forwarded-for': client.forwardedFor, 'accept-encoding': acceptEncoding },
    REQUEST_TIMEOUT_MS * 2,
  );
  const seconds = (now() - t0) / 1000;
  const { peak } = sampler.stop();
  if (response.status !== 200) throw new Error(`raw download: HTTP ${response.status}`);
  if (response.encoding === null && response.bytes !== expectedBytes) throw new Error(`raw download gave ${response.bytes} bytes, expected ${expectedBytes}`);
  await logout(client);
  return {
    acceptEncoding,
    contentEncoding: response.encoding,
    bytes: expectedBytes,
    wireBytes: response.bytes,
    seconds,
    rssBefore,
    rssPeak: peak,
    growth: Math.max(0, peak - rssBefore),
    hwmReset,
    pid,
  };
}

interface LoadResult {
  latencies: number[];
  /** Latencies by the request's place in each person's loop (first page, second, …). */
  byIteration: number[][];
  errors: number;
  errorSamples: string[];
  wallSeconds: number;
  /** CPU seconds the session-holding process spent during the run. */
  appCpuSeconds: number;
  /** Busy CPU seconds of the whole machine meanwhile (the app, this load generator, the proxy, Dovecot, anything else). */
  machineCpuSeconds: number;
  /** CPU seconds of this process, the load generator: one thread reads every person's answers. */
  generatorCpuSeconds: number;
  /**
   * How late this process's event loop ran (ms): an answer that arrives while the generator works through
   * others waits this long unread, and the person's latency counts it.
   */
  generatorLoopDelay?: { p50: number; p99: number; max: number };
}

/**
 * Each session pages through its inbox: `iterations` requests of 50, offsets
 * `startPage`×50, then the next pages (pages not seen yet, so each costs POP3
 * work unless the background prefetch got there first). All sessions at once;
 * with `thinkMs`, each person pauses a random 0.5–1.5 × thinkMs before each
 * request, as people do between clicks.
 */
async function pagingLoad(
  clients: BenchClient[],
  options: { iterations: number; startPage: number; thinkMs: number; appPid: number },
): Promise<LoadResult> {
  const latencies: number[] = [];
  const byIteration: number[][] = Array.from({ length: options.iterations }, () => []);
  const errorSamples: string[] = [];
  let errors = 0;
  // Every process of the app (the primary and its workers): CPU per request is the whole app's.
  const cpu0 = treeCpuSeconds(app().pid);
  const machine0 = machineSeconds().busy;
  const generator0 = process.cpuUsage();
  // Only where no one pauses: its timer wakes this process every 10 ms, which the paced runs' download
  // (read by this process too) need not share.
  const loopDelay = monitorEventLoopDelay({ resolution: 10 });
  if (options.thinkMs === 0) loopDelay.enable();
  const t0 = now();
  await Promise.all(
    clients.map(async (client) => {
      for (let i = 0; i < options.iterations; i++) {
        if (options.thinkMs > 0) await sleep(options.thinkMs * (0.5 + Math.random()));
        const offset = (options.startPage + i) * PAGE;
        const start = now();
        try {
          const response = await call(client, 'GET', `/api/messages?offset=${offset}&limit=${PAGE}`);
          latencies.push(now() - start);
          byIteration[i]!.push(now() - start);
          if (response.status !== 200 || response.json<Page>().messages.length !== PAGE) {
            errors++;
            if (errorSamples.length < 5) errorSamples.push(`HTTP ${response.status} ${response.text().slice(0, 200)}`);
          }
        } catch (error) {
          latencies.push(now() - start);
          errors++;
          if (errorSamples.length < 5) errorSamples.push(error instanceof Error ? error.message : String(error));
        }
      }
    }),
  );
  loopDelay.disable();
  const generator = process.cpuUsage(generator0);
  return {
    latencies,
    byIteration,
    errors,
    errorSamples,
    wallSeconds: (now() - t0) / 1000,
    appCpuSeconds: treeCpuSeconds(app().pid) - cpu0,
    machineCpuSeconds: machineSeconds().busy - machine0,
    generatorCpuSeconds: (generator.user + generator.system) / 1e6,
    generatorLoopDelay:
      options.thinkMs === 0 ? { p50: loopDelay.percentile(50) / 1e6, p99: loopDelay.percentile(99) / 1e6, max: loopDelay.max / 1e6 } : undefined,
  };
}

function summarizeLoad(result: LoadResult): Record<string, unknown> {
  const { latencies, byIteration, ...rest } = result;
  return {
    ...rest,
    byIteration: byIteration.map((list) => ({ p50: median(list), p95: quantile(list, 0.95), max: Math.max(...list) })),
    requests: latencies.length, p50: median(latencies), p95: quantile(latencies, 0.95), p99: quantile(latencies, 0.99), max: Math.max(...latencies) };
}

function describeIterations(result: LoadResult): string {
  return result.byIteration.map((list, i) => `#${i + 1} p50 ${median(list).toFixed(0)}/p95 ${quantile(list, 0.95).toFixed(0)}`).join(', ');
}

function describeLoad(result: LoadResult): string {
  const n = result.latencies.length;
  return (
    `p50 ${median(result.latencies).toFixed(0)} ms, p95 ${quantile(result.latencies, 0.95).toFixed(0)} ms, ${result.errors} errors; ` +
    `${n} requests in ${result.wallSeconds.toFixed(1)} s (${(n / result.wallSeconds).toFixed(0)}/s), app CPU ${((result.appCpuSeconds * 1000) / n).toFixed(1)} ms per request, ` +
    `${((result.appCpuSeconds / result.wallSeconds) * 100).toFixed(0)} % of one CPU; load generator ${((result.generatorCpuSeconds * 1000) / n).toFixed(2)} ms of CPU per request` +
    (result.generatorLoopDelay ? `, its event loop late by p99 ${result.generatorLoopDelay.p99.toFixed(0)} ms` : '')
  );
}

// ---------------------------------------------------------------------------
// Report

interface Row {
  key: string;
  label: string;
  unit: 'ms' | 'MB/s' | 'MiB';
  app: number;
  poplib?: number;
  /** Round trips the protocol needs at the least, and what that costs at this RTT. */
  floorRoundTrips?: number;
  floorMs?: number;
  reference?: { label: string; value: number };
  note?: string;
}

interface TargetCheck {
  name: string;
  met: boolean;
  detail: string;
}

const fmt = (value: number | undefined, unit: Row['unit']): string => {
  if (value === undefined || Number.isNaN(value)) return '–';
  if (unit === 'ms') return value >= 1000 ? `${(value / 1000).toFixed(2)} s` : `${value.toFixed(value < 10 ? 1 : 0)} ms`;
  if (unit === 'MB/s') return `${value.toFixed(0)} MB/s`;
  return `${value.toFixed(1)} MiB`;
};

/** × faster than poplib (times: poplib/app; throughput: app/poplib). */
function vsPoplib(row: Row): number | undefined {
  if (row.poplib === undefined) return undefined;
  return row.unit === 'MB/s' ? row.app / row.poplib : row.poplib / row.app;
}

function describeRatio(row: Row, ratio: number | undefined): string {
  if (ratio === undefined || Number.isNaN(ratio)) return '–';
  if (row.unit === 'MB/s') return `${ratio.toFixed(2)}× poplib's throughput`;
  return ratio >= 1 ? `${ratio.toFixed(ratio < 10 ? 1 : 0)}× faster` : `${(1 / ratio).toFixed(2)}× slower`;
}

function tableLines(rows: Row[]): string[] {
  const header = ['measure', 'app', 'poplib', 'app vs poplib', 'RTT floor', 'app / floor', 'reference'];
  const body = rows.map((row) => {
    const ratio = vsPoplib(row);
    return [
      row.label,
      fmt(row.app, row.unit),
      fmt(row.poplib, row.unit),
      describeRatio(row, ratio),
      row.floorMs === undefined ? '–' : `${row.floorRoundTrips} RTT = ${fmt(row.floorMs, 'ms')}`,
      row.floorMs === undefined ? '–' : `${(row.app / row.floorMs).toFixed(2)}×`,
      row.reference ? `${row.reference.label}: ${fmt(row.reference.value, row.unit)}` : row.note ?? '',
    ];
  });
  return [header, ...body].map((cells) => `| ${cells.join(' | ')} |`).flatMap((line, i) => (i === 0 ? [line, `|${header.map(() => ' --- ').join('|')}|`] : [line]));
}

// ---------------------------------------------------------------------------
// Main

async function main(): Promise<void> {
  const options = parseOptions(process.argv.slice(2));
  const rtt = options.delayMs * 2;
  const hardStop = setTimeout(() => {
    log(`time limit of ${options.timeoutS} s reached: stopping`);
    void cleanup().finally(() => process.exit(2));
  }, options.timeoutS * 1000);
  hardStop.unref();

  const needed = missingTestDeps().filter((d) => ['dovecot', 'openssl', 'python3', ...(options.failover ? ['redis-server', 'haproxy'] : [])].includes(d.name));
  if (needed.length > 0) ensureTestDeps({ log });

  log('building the app if needed (next build)…');
  const buildStart = now();
  ensureBuild();
  const buildSeconds = (now() - buildStart) / 1000;

  log('generating maildrops…');
  const k1 = smallMessages(1000).map((m) => m.raw);
  const k10 = smallMessages(10000).map((m) => m.raw);
  const big = bigMessage(options.bigMb * 1024 * 1024).raw;
  log(`starting Dovecot (${k1.length + k10.length + 1} messages, ${(big.length / 1e6).toFixed(0)} MB big one)…`);
  dovecot = await within(
    120_000,
    'starting Dovecot',
    startDovecot({
      users: [
        { name: 'k1', password: PASSWORD, messages: k1 },
        { name: 'k10', password: PASSWORD, messages: k10 },
        { name: 'big', password: PASSWORD, messages: [big] },
      ],
      maxUserIpConnections: Math.max(options.sessions, options.idle) + 64,
      // No per-session protocol log (it would write the 100 MB download to disk too); room for every session.
      extraConfig: ['rawlog_dir =', `default_process_limit = ${Math.max(options.sessions, options.idle) + 200}`, `default_client_limit = ${4 * Math.max(options.sessions, options.idle) + 1000}`].join('\n'),
    }),
  );
  const server = dovecot;

  // Warm Dovecot's index and cache for every maildrop, so nobody measured pays for the first scan.
  log('warming Dovecot (LIST, UIDL, TOP of every message, once)…');
  for (const user of ['k1', 'k10', 'big']) {
    const client = await connectPop3({ host: '127.0.0.1', port: server.port, security: 'none', address: '127.0.0.1' });
    await client.login({ username: user, password: PASSWORD, allowInsecure: true });
    const listing = await client.list();
    await client.uidl();
    await within(120_000, 'warming', client.topMany(listing.map((e) => e.number), 0));
    await client.quit();
  }
  const expectedBig = server.expectedRetr('big', 1).length;

  log(`starting the delaying proxy (${options.delayMs} ms each way)…`);
  const proxyPort = await startProxyProcess(server.port, options.delayMs);
  const viaProxy: Target = { port: proxyPort };
  const direct: Target = { port: server.port };

  log('starting the app (scripts/serve.mjs, as npm start runs it)…');
  runningApp = await startApp({
    // The bench's clients each name their own address, as a trusted proxy in front would.
    POSTERN_TRUSTED_PROXY_HOPS: '1',
    POP3_ALLOWED_HOSTS: '127.0.0.1,localhost',
    POP3_ALLOWED_PORTS: '1024-65535',
    POSTERN_MAX_SESSIONS: String(Math.max(options.sessions, options.idle) + 100),
    POSTERN_WORKERS: String(options.workers),
  });

  // Warm the app: every route used below is loaded once before anything is timed.
  log('warming the app…');
  await firstInbox('k1', viaProxy);
  await previews('k1', viaProxy, 1);
  await allHeadersByFilter('k1', direct, k1.length);
  const holder = sessionHolder(app().pid, [proxyPort, server.port]);
  log(`app pid ${app().pid}; process tree ${holder.tree.join(',')}`);

  await waitForQuiet(options.quietWaitS);

  // 1. Time to first inbox, 1,000 and 10,000, interleaved so drift hits both alike.
  phase('firstPage');
  const serverListing = { k1: [] as { listMs: number; uidlMs: number }[], k10: [] as { listMs: number; uidlMs: number }[] };
  for (let i = 0; i < 3; i++) {
    for (const user of ['k1', 'k10'] as const) serverListing[user].push(await plainListing({ port: server.port, user, password: PASSWORD, timeoutMs: 30_000 }));
  }
  const serverListingMs = (user: 'k1' | 'k10') => median(serverListing[user].map((r) => r.listMs + r.uidlMs));
  log(`Dovecot's own LIST + UIDL (plain socket, no proxy): 1,000 ${serverListingMs('k1').toFixed(1)} ms, 10,000 ${serverListingMs('k10').toFixed(1)} ms`);
  log(`login + first page, ${options.repeat}× each for 1,000 and 10,000…`);
  const first1k: number[] = [];
  const first10k: number[] = [];
  for (let i = 0; i < options.repeat; i++) {
    first1k.push(await firstInbox('k1', viaProxy));
    first10k.push(await firstInbox('k10', viaProxy));
  }
  log(`  1,000: median ${median(first1k).toFixed(0)} ms (${first1k.map((t) => t.toFixed(0)).join(', ')})`);
  log(`  10,000: median ${median(first10k).toFixed(0)} ms (${first10k.map((t) => t.toFixed(0)).join(', ')})`);

  // 2. All headers of 1,000.
  phase('allHeaders');
  log('all headers of 1,000…');
  const allFilter: number[] = [];
  const allPaged: number[] = [];
  for (let i = 0; i < Math.min(3, options.repeat); i++) {
    allFilter.push(await allHeadersByFilter('k1', viaProxy, k1.length));
    allPaged.push(await allHeadersByPaging('k1', viaProxy, k1.length));
  }
  log(`  filter: median ${median(allFilter).toFixed(0)} ms; paged 5×200: median ${median(allPaged).toFixed(0)} ms`);
  const allFilter10k = await allHeadersByFilter('k10', viaProxy, k10.length);
  log(`  all headers of 10,000 (filter): ${allFilter10k.toFixed(0)} ms`);

  // 3. Preview.
  phase('preview');
  log('previews (TOP n 20)…');
  const previewTimes = await previews('k1', viaProxy, options.repeat);
  log(`  median ${median(previewTimes).toFixed(1)} ms`);

  // 4. 100 MB raw: plain socket first (the reference), then the app, direct and through the proxy.
  phase('raw');
  log(`raw download of the ${(expectedBig / 1e6).toFixed(0)} MB message…`);
  const plainDirect: { bytes: number; seconds: number }[] = [];
  for (let i = 0; i < 3; i++) plainDirect.push(await plainRetr({ port: server.port, user: 'big', password: PASSWORD, number: 1, timeoutMs: 120_000 }));
  const plainProxy = await plainRetr({ port: proxyPort, user: 'big', password: PASSWORD, number: 1, timeoutMs: 120_000 });
  // The app's first large download also grows its heap and buffer pools: counted for RSS, not timed
  // (the plain socket reads above are the best of 3; the app's figures are the best of 2 after it).
  // Each worker process's first one: sessions are spread over the workers, and each grows its own heap.
  const rawWarm: RawDownload[] = [];
  for (let tries = 0; new Set(rawWarm.map((r) => r.pid)).size < options.workers && tries < 3 * options.workers; tries++) {
    rawWarm.push(await rawDownload('big', direct, [server.port], expectedBig, BROWSER_ACCEPT_ENCODING));
  }
  const rawFirst = rawWarm.reduce((a, b) => (b.growth > a.growth ? b : a));
  const rawBrowserRuns: RawDownload[] = [];
  const rawIdentity: RawDownload[] = [];
  for (let i = 0; i < 2; i++) {
    rawBrowserRuns.push(await rawDownload('big', direct, [server.port], expectedBig, BROWSER_ACCEPT_ENCODING));
    rawIdentity.push(await rawDownload('big', direct, [server.port], expectedBig, 'identity'));
  }
  const rawProxy = await rawDownload('big', viaProxy, [proxyPort], expectedBig, BROWSER_ACCEPT_ENCODING);
  const rawProxyIdentity = await rawDownload('big', viaProxy, [proxyPort], expectedBig, 'identity');
  const mbps = (r: { bytes: number; seconds: number }) => r.bytes / 1e6 / r.seconds;
  const plainBest = Math.max(...plainDirect.map(mbps));
  const identityBest = rawIdentity.reduce((a, b) => (mbps(b) > mbps(a) ? b : a));
  const rawBrowser = rawBrowserRuns.reduce((a, b) => (mbps(b) > mbps(a) ? b : a));
  const describeRaw = (r: RawDownload) =>
    `${mbps(r).toFixed(0)} MB/s (${r.contentEncoding ?? 'identity'}, ${(r.wireBytes / 1e6).toFixed(0)} MB on the wire), RSS +${(r.growth / 2 ** 20).toFixed(1)} MiB`;
  log(`  plain socket ${plainBest.toFixed(0)} MB/s direct, ${mbps(plainProxy).toFixed(0)} MB/s via proxy`);
  for (const r of rawWarm) log(`  app, first large download of worker pid ${r.pid} (not timed): ${describeRaw(r)} direct`);
  for (const r of rawBrowserRuns) log(`  app, browser's Accept-Encoding: ${describeRaw(r)} direct`);
  log(`  app, browser's Accept-Encoding: ${describeRaw(rawProxy)} via proxy`);
  for (const r of rawIdentity) log(`  app, Accept-Encoding identity: ${describeRaw(r)} direct`);
  log(`  app, Accept-Encoding identity: ${describeRaw(rawProxyIdentity)} via proxy`);
  log(`  session holder pid ${rawBrowser.pid}, VmHWM reset: ${rawBrowser.hwmReset}`);
  const rawWorstGrowth = Math.max(rawFirst.growth, rawProxy.growth, rawProxyIdentity.growth, ...rawBrowserRuns.map((r) => r.growth), ...rawIdentity.map((r) => r.growth));

  // 5. Many sessions at once.
  phase('sessions');
  log(`logging in ${options.sessions} sessions…`);
  const loginStart = now();
  const crowd = await within(
    180_000,
    'logging in the sessions',
    pool(Array.from({ length: options.sessions }), LOGIN_PARALLEL, async () => {
      const client = person();
      await login(client, 'k1', viaProxy);
      return client;
    }),
  );
  const loginSeconds = (now() - loginStart) / 1000;
  const crowdHolder = sessionHolder(app().pid, [proxyPort]);
  log(`  ${crowd.length} sessions in ${loginSeconds.toFixed(1)} s; pid ${crowdHolder.pid} RSS ${(memory(crowdHolder.pid).rss / 2 ** 20).toFixed(0)} MiB`);
  const appPid = crowdHolder.pid;
  log('single-user latency of GET /api/messages…');
  const single: number[] = [];
  for (let i = 0; i < 3; i++) {
    const client = person();
    await login(client, 'k1', viaProxy);
    const result = await pagingLoad([client], { iterations: options.iterations, startPage: 0, thinkMs: 0, appPid });
    if (result.errors > 0) throw new Error(`single-user run failed: ${result.errorSamples.join('; ')}`);
    single.push(...result.latencies);
    await logout(client);
  }
  log(`  p50 ${median(single).toFixed(1)} ms, p95 ${quantile(single, 0.95).toFixed(1)} ms`);
  log(`single-user latency, pausing ~${THINK_MS} ms between pages as the crowd below does…`);
  const singlePaced: number[] = [];
  for (let i = 0; i < 2; i++) {
    const client = person();
    await login(client, 'k1', viaProxy);
    const result = await pagingLoad([client], { iterations: options.iterations, startPage: 0, thinkMs: THINK_MS, appPid });
    if (result.errors > 0) throw new Error(`single-user paced run failed: ${result.errorSamples.join('; ')}`);
    singlePaced.push(...result.latencies);
    await logout(client);
  }
  log(`  p50 ${median(singlePaced).toFixed(1)} ms, p95 ${quantile(singlePaced, 0.95).toFixed(1)} ms`);
  log(`${options.sessions} sessions × ${options.iterations} pages at once, no pause between requests…`);
  const load = await within(300_000, 'the concurrent run', pagingLoad(crowd, { iterations: options.iterations, startPage: 0, thinkMs: 0, appPid }));
  const loadRss = memory(appPid).rss;
  log(`  ${describeLoad(load)}`);
  log(`  by place in the loop: ${describeIterations(load)} ms`);
  log(`${options.sessions} sessions × ${options.iterations} pages, each person pausing ~${THINK_MS} ms between pages…`);
  const paced = await within(300_000, 'the paced run', pagingLoad(crowd, { iterations: options.iterations, startPage: options.iterations, thinkMs: THINK_MS, appPid }));
  log(`  ${describeLoad(paced)}`);
  log(`  by place in the loop: ${describeIterations(paced)} ms`);
  log(`the same, while someone downloads the ${(expectedBig / 1e6).toFixed(0)} MB message (browser's Accept-Encoding)…`);
  const downloadStart = now();
  const download = sleep(THINK_MS).then(() => rawDownload('big', direct, [server.port], expectedBig, BROWSER_ACCEPT_ENCODING));
  const pacedWithDownload = await within(
    300_000,
    'the paced run with a download',
    pagingLoad(crowd, { iterations: options.iterations, startPage: 2 * options.iterations, thinkMs: THINK_MS, appPid }),
  );
  const downloadDone = await within(120_000, 'the download', download);
  log(`  ${describeLoad(pacedWithDownload)}; the download took ${downloadDone.seconds.toFixed(1)} s of the ${((now() - downloadStart) / 1000).toFixed(1)} s`);
  log(`${options.sessions} sessions × ${options.iterations} pages, each person pausing ~${SLOW_THINK_MS} ms between pages…`);
  const slow = await within(
    300_000,
    'the slow-reader run',
    pagingLoad(crowd, { iterations: options.iterations, startPage: 3 * options.iterations, thinkMs: SLOW_THINK_MS, appPid }),
  );
  log(`  ${describeLoad(slow)}`);
  await pool(crowd, 25, logout);

  // 5b. Memory per idle session: `options.idle` people logged in on 1,000-message maildrops, first page
  // seen, then nothing. The whole app's RSS (every process) before and after, over the count.
  phase('idle');
  let idleResult: { sessions: number; perSessionBytes: number; rssBefore: number; rssAfter: number; seconds: number } | undefined;
  if (options.idle > 0) {
    log(`${options.idle} idle sessions on 1,000-message maildrops (login + first page each, direct)…`);
    const rssBefore = treeRss(app().pid);
    const idleStart = now();
    const idlers = await within(
      300_000,
      'logging in the idle sessions',
      pool(Array.from({ length: options.idle }), LOGIN_PARALLEL, async () => {
        const client = person();
        await login(client, 'k1', direct);
        await listPage(client, `offset=0&limit=${PAGE}`);
        return client;
      }),
    );
    // Let the prefetches and the login's header batches finish: wait for the state "RSS stopped growing".
    let rssAfter = treeRss(app().pid);
    for (let settled = 0; settled < 3; ) {
      await sleep(500);
      const next = treeRss(app().pid);
      settled = next <= rssAfter * 1.01 ? settled + 1 : 0;
      rssAfter = Math.max(rssAfter, next);
    }
    idleResult = { sessions: idlers.length, perSessionBytes: (rssAfter - rssBefore) / idlers.length, rssBefore, rssAfter, seconds: (now() - idleStart) / 1000 };
    log(
      `  ${idlers.length} sessions in ${idleResult.seconds.toFixed(1)} s; app RSS ${(rssBefore / 2 ** 20).toFixed(0)} → ${(rssAfter / 2 ** 20).toFixed(0)} MiB: ` +
        `${(idleResult.perSessionBytes / 1024).toFixed(0)} KiB per session`,
    );
    await pool(idlers, 25, logout);
  }

  // 6. poplib: the same work, sequentially, through the same proxy.
  // Without poplib the phase would last no time, and its share of the CPU would be noise.
  phase(options.poplib ? 'poplib' : undefined);
  const popTasks = (): Record<string, unknown>[] => {
    const base = { host: '127.0.0.1', port: proxyPort, password: PASSWORD };
    const tasks: Record<string, unknown>[] = [];
    for (let i = 0; i < Math.min(3, options.repeat); i++) {
      tasks.push({ ...base, kind: 'first_page', name: `first1k-${i}`, user: 'k1', limit: PAGE });
      tasks.push({ ...base, kind: 'first_page', name: `first10k-${i}`, user: 'k10', limit: PAGE });
    }
    tasks.push({ ...base, kind: 'all_headers', name: 'all1k', user: 'k1' });
    tasks.push({ ...base, kind: 'page', name: 'page', user: 'k1', limit: PAGE, pages: 2 });
    tasks.push({ ...base, kind: 'preview', name: 'preview', user: 'k1', lines: 20, numbers: [990, 980, 970, 960, 950].slice(0, options.repeat) });
    tasks.push({ ...base, kind: 'retr', name: 'retr', user: 'big', number: 1 });
    return tasks;
  };
  let pop = new Map<string, PoplibResult>();
  if (options.poplib) {
    log('poplib, sequentially, through the same proxy…');
    pop = await runPoplib(popTasks(), 240_000);
  }
  const popSeconds = (names: string[]) => names.map((n) => pop.get(n)).filter((r): r is PoplibResult => !!r?.ok && r.seconds !== undefined).map((r) => r.seconds! * 1000);
  const popFirst1k = median(popSeconds([0, 1, 2].map((i) => `first1k-${i}`)));
  const popFirst10k = median(popSeconds([0, 1, 2].map((i) => `first10k-${i}`)));
  const popAll = popSeconds(['all1k'])[0];
  const popPage = pop.get('page')?.samples?.map((s) => s * 1000);
  const popPreview = pop.get('preview')?.samples?.map((s) => s * 1000);
  const popRetr = pop.get('retr');

  // 7. Failover (issue 10): two instances of their own on one Redis behind HAProxy, Mailutils refusing a
  // second login; kill -9 of the one holding a person's session (scripts/bench/failover.ts).
  let failover: FailoverFigures | undefined;
  let failoverError: string | undefined;
  if (options.failover) {
    phase('failover');
    log(`failover: ${options.failoverRuns} × kill -9 of the instance holding a session, then both restarted…`);
    try {
      failover = await within(
        300_000,
        'the failover phase',
        measureFailover({ runs: options.failoverRuns, workers: options.workers, messages: 20, log: (line) => log(`  ${line}`) }),
      );
    } catch (error) {
      // Its own servers failed (a missing package, a harness error): the other figures still stand.
      failoverError = error instanceof Error ? error.message.split('\n')[0] : String(error);
      log(`  failover phase failed: ${failoverError}`);
    }
  }

  phase(undefined, failover?.orphanedCpuSeconds);

  // ---- the table ----------------------------------------------------------
  const rows: Row[] = [
    {
      key: 'firstPage1k',
      label: 'login + first page of 50, 1,000 messages',
      unit: 'ms',
      app: median(first1k),
      poplib: popFirst1k,
      floorRoundTrips: 3.5,
      floorMs: 3.5 * rtt,
    },
    {
      key: 'firstPage10k',
      label: 'login + first page of 50, 10,000 messages',
      unit: 'ms',
      app: median(first10k),
      poplib: popFirst10k,
      floorRoundTrips: 3.5,
      floorMs: 3.5 * rtt,
    },
    {
      key: 'allHeaders1k',
      label: 'all headers of 1,000 (filter request)',
      unit: 'ms',
      app: median(allFilter),
      poplib: popAll,
      floorRoundTrips: 1,
      floorMs: rtt,
    },
    {
      key: 'allHeaders1kPaged',
      label: 'all headers of 1,000 (5 pages of 200)',
      unit: 'ms',
      app: median(allPaged),
      poplib: popAll,
      floorRoundTrips: 1,
      floorMs: rtt,
    },
    {
      key: 'allHeaders10k',
      label: 'all headers of 10,000 (filter request, once)',
      unit: 'ms',
      app: allFilter10k,
      floorRoundTrips: 1,
      floorMs: rtt,
      note: 'poplib not run (it would take about 10,000 round trips)',
    },
    {
      key: 'preview',
      label: 'preview (TOP n 20)',
      unit: 'ms',
      app: median(previewTimes),
      poplib: popPreview ? median(popPreview) : undefined,
      floorRoundTrips: 1,
      floorMs: rtt,
    },
    {
      key: 'raw100Browser',
      label: `raw ${(expectedBig / 1e6).toFixed(0)} MB direct, browser's Accept-Encoding`,
      unit: 'MB/s',
      app: mbps(rawBrowser),
      reference: { label: 'plain socket', value: plainBest },
    },
    {
      key: 'raw100Identity',
      label: `raw ${(expectedBig / 1e6).toFixed(0)} MB direct, Accept-Encoding: identity`,
      unit: 'MB/s',
      app: mbps(identityBest),
      reference: { label: 'plain socket', value: plainBest },
    },
    {
      key: 'raw100Proxy',
      label: `raw ${(expectedBig / 1e6).toFixed(0)} MB through the proxy, browser's Accept-Encoding`,
      unit: 'MB/s',
      app: mbps(rawProxy),
      poplib: popRetr?.ok && popRetr.seconds ? (popRetr.bytes ?? 0) / 1e6 / popRetr.seconds : undefined,
      reference: { label: 'plain socket', value: mbps(plainProxy) },
    },
    {
      key: 'raw100ProxyIdentity',
      label: `raw ${(expectedBig / 1e6).toFixed(0)} MB through the proxy, Accept-Encoding: identity`,
      unit: 'MB/s',
      app: mbps(rawProxyIdentity),
      poplib: popRetr?.ok && popRetr.seconds ? (popRetr.bytes ?? 0) / 1e6 / popRetr.seconds : undefined,
      reference: { label: 'plain socket', value: mbps(plainProxy) },
    },
    {
      key: 'rawRssGrowth',
      label: `app RSS growth during a raw download (worst)`,
      unit: 'MiB',
      app: rawWorstGrowth / 2 ** 20,
      note: `first download (worst of the workers') ${(rawFirst.growth / 2 ** 20).toFixed(1)}, browser ${rawBrowserRuns.map((r) => (r.growth / 2 ** 20).toFixed(1)).join(' / ')}, identity ${rawIdentity.map((r) => (r.growth / 2 ** 20).toFixed(1)).join(' / ')}, proxy ${(rawProxy.growth / 2 ** 20).toFixed(1)} / ${(rawProxyIdentity.growth / 2 ** 20).toFixed(1)} MiB`,
    },
    {
      key: 'pageSingleP50',
      label: 'GET /api/messages (new page of 50), 1 session, p50',
      unit: 'ms',
      app: median(single),
      poplib: popPage ? median(popPage) : undefined,
      floorRoundTrips: 1,
      floorMs: rtt,
    },
    {
      key: 'pageSinglePacedP50',
      label: `GET /api/messages, 1 session pausing ~${THINK_MS / 1000} s, p50`,
      unit: 'ms',
      app: median(singlePaced),
      floorRoundTrips: 1,
      floorMs: rtt,
      note: `p95 ${quantile(singlePaced, 0.95).toFixed(0)} ms; the page asked for was prefetched during the pause`,
    },
    {
      key: 'pageLoadP50',
      label: `GET /api/messages, ${options.sessions} sessions, no pauses, p50`,
      unit: 'ms',
      app: median(load.latencies),
      floorRoundTrips: 1,
      floorMs: rtt,
      note: `${load.latencies.length} requests, ${load.errors} errors, ${((load.appCpuSeconds * 1000) / load.latencies.length).toFixed(1)} ms app CPU each`,
    },
    {
      key: 'pageLoadP95',
      label: `GET /api/messages, ${options.sessions} sessions, no pauses, p95`,
      unit: 'ms',
      app: quantile(load.latencies, 0.95),
      floorRoundTrips: 1,
      floorMs: rtt,
      note: `${(quantile(load.latencies, 0.95) / median(single)).toFixed(1)}× single-user p50`,
    },
    {
      key: 'pageLoadSteadyP95',
      label: `… the same after each person's first page, p95`,
      unit: 'ms',
      app: quantile(load.byIteration.slice(1).flat(), 0.95),
      floorRoundTrips: 1,
      floorMs: rtt,
      note: `${(quantile(load.byIteration.slice(1).flat(), 0.95) / median(single)).toFixed(1)}× single-user p50; first pages: p50 ${median(load.byIteration[0] ?? []).toFixed(0)} ms`,
    },
    {
      key: 'pagePacedP95',
      label: `GET /api/messages, ${options.sessions} sessions pausing ~${THINK_MS / 1000} s, p95`,
      unit: 'ms',
      app: quantile(paced.latencies, 0.95),
      floorRoundTrips: 1,
      floorMs: rtt,
      note: `p50 ${median(paced.latencies).toFixed(0)} ms, ${paced.errors} errors, ${(quantile(paced.latencies, 0.95) / median(singlePaced)).toFixed(1)}× single-user p50 (pausing alike); app ${((paced.appCpuSeconds / paced.wallSeconds) * 100).toFixed(0)} % of a CPU`,
    },
    {
      key: 'pageSlowP95',
      label: `GET /api/messages, ${options.sessions} sessions pausing ~${SLOW_THINK_MS / 1000} s, p95`,
      unit: 'ms',
      app: quantile(slow.latencies, 0.95),
      floorRoundTrips: 1,
      floorMs: rtt,
      note: `p50 ${median(slow.latencies).toFixed(0)} ms, ${slow.errors} errors, ${(quantile(slow.latencies, 0.95) / median(singlePaced)).toFixed(1)}× single-user p50 (pausing); app ${((slow.appCpuSeconds / slow.wallSeconds) * 100).toFixed(0)} % of a CPU`,
    },
    {
      key: 'pagePacedDownloadP95',
      label: `GET /api/messages, ${options.sessions} sessions pausing ~${THINK_MS / 1000} s while a ${(expectedBig / 1e6).toFixed(0)} MB download runs, p95`,
      unit: 'ms',
      app: quantile(pacedWithDownload.latencies, 0.95),
      floorRoundTrips: 1,
      floorMs: rtt,
      note: `p50 ${median(pacedWithDownload.latencies).toFixed(0)} ms, ${pacedWithDownload.errors} errors; download ${mbps(downloadDone).toFixed(0)} MB/s (${downloadDone.contentEncoding ?? 'identity'})`,
    },
    ...(idleResult
      ? [
          {
            key: 'idleMemory',
            label: `memory per idle session (${idleResult.sessions} sessions, 1,000-message maildrops)`,
            unit: 'MiB' as const,
            app: idleResult.perSessionBytes / 2 ** 20,
            note: `app RSS, all ${options.workers} worker(s) and the primary: ${(idleResult.rssBefore / 2 ** 20).toFixed(0)} → ${(idleResult.rssAfter / 2 ** 20).toFixed(0)} MiB; logged in (with first page) in ${idleResult.seconds.toFixed(1)} s`,
          },
        ]
      : []),
    ...(failover
      ? [
          {
            key: 'failover',
            label: `failover: the next request after kill -9 of the instance holding the session, max of ${failover.runs.length}`,
            unit: 'ms' as const,
            app: failover.maxMs,
            note: `median ${failover.medianMs.toFixed(0)} ms; two instances × ${failover.workers} worker(s), Redis, HAProxy, ${failover.mailServer}; both restarted: next request ${failover.restart.servedMs.toFixed(0)} ms`,
          },
        ]
      : []),
  ];

  const ratio = (row: Row | undefined) => (row ? vsPoplib(row) ?? NaN : NaN);
  const byKey = (key: string) => rows.find((r) => r.key === key);
  const targets: TargetCheck[] = [
    {
      name: 'login + first page: ≥ 8× faster than poplib',
      met: ratio(byKey('firstPage1k')) >= 8,
      detail: `${ratio(byKey('firstPage1k')).toFixed(1)}×`,
    },
    {
      name: 'login + first page: within 2× of the RTT floor',
      met: median(first1k) <= 2 * 3.5 * rtt,
      detail: `${(median(first1k) / (3.5 * rtt)).toFixed(2)}× of ${3.5 * rtt} ms`,
    },
    {
      name: 'all headers of 1,000: ≥ 50× faster than poplib',
      met: ratio(byKey('allHeaders1k')) >= 50,
      detail: `${ratio(byKey('allHeaders1k')).toFixed(1)}× (filter), ${ratio(byKey('allHeaders1kPaged')).toFixed(1)}× (paged)`,
    },
    {
      name: 'first page 1,000 vs 10,000 within 20 %',
      met: Math.abs(median(first10k) / median(first1k) - 1) <= 0.2,
      detail: `10,000 takes ${((median(first10k) / median(first1k) - 1) * 100).toFixed(1)} % ${median(first10k) >= median(first1k) ? 'longer' : 'less'}`,
    },
    {
      name: '100 MB raw: RSS growth < 64 MiB',
      met: rawWorstGrowth < 64 * 2 ** 20,
      detail: `${(rawWorstGrowth / 2 ** 20).toFixed(1)} MiB at most`,
    },
    {
      name: '100 MB raw: ≥ half a plain socket read (as a browser asks for it)',
      met: mbps(rawBrowser) >= plainBest / 2,
      detail: `${((mbps(rawBrowser) / plainBest) * 100).toFixed(0)} % of ${plainBest.toFixed(0)} MB/s (${rawBrowser.contentEncoding ?? 'identity'}); with Accept-Encoding: identity ${((mbps(identityBest) / plainBest) * 100).toFixed(0)} %`,
    },
    {
      name: `${options.sessions} sessions: p95 < 10× single-user latency, no errors (people pausing ~${THINK_MS / 1000} s between pages, against one person pausing alike)`,
      met: quantile(paced.latencies, 0.95) < 10 * median(singlePaced) && paced.errors === 0,
      detail: `p95 ${quantile(paced.latencies, 0.95).toFixed(0)} ms = ${(quantile(paced.latencies, 0.95) / median(singlePaced)).toFixed(1)}× of ${median(singlePaced).toFixed(1)} ms, ${paced.errors} errors`,
    },
    {
      name: `${options.sessions} sessions pausing ~${THINK_MS / 1000} s while someone downloads ${(expectedBig / 1e6).toFixed(0)} MB at full speed: p95 < 10× single-user latency, no errors`,
      met: quantile(pacedWithDownload.latencies, 0.95) < 10 * median(singlePaced) && pacedWithDownload.errors === 0,
      detail: `p95 ${quantile(pacedWithDownload.latencies, 0.95).toFixed(0)} ms = ${(quantile(pacedWithDownload.latencies, 0.95) / median(singlePaced)).toFixed(1)}× of ${median(singlePaced).toFixed(1)} ms (p50 ${median(pacedWithDownload.latencies).toFixed(0)} ms), ${pacedWithDownload.errors} errors`,
    },
    {
      name: `${options.sessions} sessions: p95 < 10× single-user latency, no errors (people pausing ~${SLOW_THINK_MS / 1000} s between pages, against one person pausing)`,
      met: quantile(slow.latencies, 0.95) < 10 * median(singlePaced) && slow.errors === 0,
      detail: `p95 ${quantile(slow.latencies, 0.95).toFixed(0)} ms = ${(quantile(slow.latencies, 0.95) / median(singlePaced)).toFixed(1)}× of ${median(singlePaced).toFixed(1)} ms, ${slow.errors} errors`,
    },
    {
      name: `${options.sessions} sessions: p95 < 10× single-user latency, no errors (stress: requests back to back, against one person back to back)`,
      met: quantile(load.latencies, 0.95) < 10 * median(single) && load.errors === 0,
      detail: `p95 ${quantile(load.latencies, 0.95).toFixed(0)} ms = ${(quantile(load.latencies, 0.95) / median(single)).toFixed(1)}× of ${median(single).toFixed(1)} ms, ${load.errors} errors`,
    },
    // Issue 10's targets, in its own words (the rows above hold the same figures).
    {
      name: `issue 10: raw download as a browser asks ≥ 70 % of a plain socket read, RSS growth < 64 MiB`,
      met: mbps(rawBrowser) >= 0.7 * plainBest && rawWorstGrowth < 64 * 2 ** 20,
      detail: `${((mbps(rawBrowser) / plainBest) * 100).toFixed(0)} % of ${plainBest.toFixed(0)} MB/s, RSS +${(rawWorstGrowth / 2 ** 20).toFixed(1)} MiB at most`,
    },
    ...(idleResult
      ? [
          {
            name: `issue 10: ${idleResult.sessions} idle sessions on 1,000-message maildrops, < 1 MiB each`,
            met: idleResult.perSessionBytes < 2 ** 20,
            detail: `${(idleResult.perSessionBytes / 1024).toFixed(0)} KiB per session`,
          },
        ]
      : []),
    {
      name: `issue 10: failover (kill -9 of one of two instances → the next request succeeds on the other within ${FAILOVER_TARGET_MS / 1000} s, marks intact; both restarted → session and marks intact; nothing deleted that was not applied)`,
      met: failover?.met === true,
      detail: failover
        ? `${describeFailover(failover)}${failover.missed.length > 0 ? `; missed: ${failover.missed.join('; ')}` : ''}`
        : options.failover
          ? `not measured: ${failoverError ?? 'the phase did not run'}`
          : 'not measured in this run (--skip-failover)',
    },
  ];

  // ---- why, from the figures themselves ----------------------------------
  const notes: string[] = [];
  const extra10k = median(first10k) - median(first1k);
  notes.push(
    `First page, 10,000 vs 1,000: ${extra10k.toFixed(0)} ms more. The login does not wait for the listing: STAT goes with the credentials, then UIDL n, LIST n and TOP n 0 ` +
      `for the newest ${NEWEST_FIRST} in one flight, and the full LIST + UIDL (Dovecot alone: ${serverListingMs('k10').toFixed(0)} ms for 10,000, ${serverListingMs('k1').toFixed(0)} ms for 1,000) ` +
      `only behind those headers. What is left grows with Dovecot's own work at login on a larger maildrop (its STAT and LIST n answers come later).`,
  );
  const depth = DEFAULT_LIMITS.maxPipelineDepth;
  notes.push(
    `All headers: at most ${depth} commands are in flight (maxPipelineDepth), so 1,000 TOPs take at least ${Math.ceil(1000 / depth)} round trips ` +
      `(${Math.ceil(1000 / depth) * rtt} ms at this RTT), not the 1 of the floor.`,
  );
  if (rawBrowser.contentEncoding) {
    notes.push(
      `Raw download: the response is compressed (Content-Encoding: ${rawBrowser.contentEncoding}) for a client that accepts it, on the app's one thread: ` +
        `${mbps(rawBrowser).toFixed(0)} MB/s, against ${mbps(identityBest).toFixed(0)} MB/s uncompressed (${((mbps(identityBest) / plainBest) * 100).toFixed(0)} % of a plain socket).`,
    );
  }
  const cpuPerRequest = (load.appCpuSeconds * 1000) / load.latencies.length;
  const machinePerRequest = (load.machineCpuSeconds * 1000) / load.latencies.length;
  const cores = os.availableParallelism();
  // With everyone's next request outstanding, each request shares the machine with all the others'.
  const ceilingPerSecond = (1000 * cores) / machinePerRequest;
  const roundMs = (options.sessions * machinePerRequest) / cores;
  notes.push(
    `${options.sessions} sessions without pauses (a stress test, not people): everyone's next request is always outstanding, so each shares the machine with ` +
      `the ${options.sessions - 1} others. Per request the app spent ${cpuPerRequest.toFixed(1)} ms of CPU and the whole machine ${machinePerRequest.toFixed(1)} ms ` +
      `(the load generator, the delaying proxy and Dovecot run on the same ${cores} cores: ${(machinePerRequest - cpuPerRequest).toFixed(1)} ms of it): ` +
      `one round of everyone's requests is ${options.sessions} × ${machinePerRequest.toFixed(1)} ms = ${((options.sessions * machinePerRequest) / 1000).toFixed(2)} s of CPU, ` +
      `${roundMs.toFixed(0)} ms on ${cores} cores (at most ${ceilingPerSecond.toFixed(0)} requests a second; measured ${(load.latencies.length / load.wallSeconds).toFixed(0)}), ` +
      `and a request waits for most of a round: Little's law gives ${roundMs.toFixed(0)} ms on average while all ${options.sessions} are waiting ` +
      `(the run's mean, ${(load.latencies.reduce((a, b) => a + b, 0) / load.latencies.length).toFixed(0)} ms, includes the last pages, asked with fewer others in flight), ` +
      `against a target of 10× the single-user ${median(single).toFixed(1)} ms = ${(10 * median(single)).toFixed(0)} ms for the p95. ` +
      `First pages (all ${options.sessions} asked at the same instant): p50 ${median(load.byIteration[0] ?? []).toFixed(0)} ms; after them, p95 ${quantile(load.byIteration.slice(1).flat(), 0.95).toFixed(0)} ms. ` +
      `The load generator is this one process, one thread reading all ${options.sessions} people's answers: ${((load.generatorCpuSeconds * 1000) / load.latencies.length).toFixed(2)} ms of CPU a request ` +
      `(${((load.generatorCpuSeconds / load.wallSeconds) * 100).toFixed(0)} % of a CPU), and its event loop ran late by ${load.generatorLoopDelay?.p50.toFixed(0)} ms (p50), ` +
      `${load.generatorLoopDelay?.p99.toFixed(0)} ms (p99), ${load.generatorLoopDelay?.max.toFixed(0)} ms at most: an answer that arrives while it works through a batch of others ` +
      `waits that long unread, and its person's latency counts the wait. ` +
      `With people pausing ~${THINK_MS / 1000} s (still a fast reader: a new page every second) the app was ${((paced.appCpuSeconds / paced.wallSeconds) * 100).toFixed(0)} % busy and p95 was ` +
      `${quantile(paced.latencies, 0.95).toFixed(0)} ms, against ${median(singlePaced).toFixed(0)} ms for one person pausing alike (each page was prefetched during the pause; ` +
      `${(((paced.appCpuSeconds * 1000) / paced.latencies.length) || 0).toFixed(1)} ms of app CPU each). ` +
      `People pausing ~${SLOW_THINK_MS / 1000} s: app ${((slow.appCpuSeconds / slow.wallSeconds) * 100).toFixed(0)} % busy, p95 ${quantile(slow.latencies, 0.95).toFixed(0)} ms.`,
  );
  notes.push(
    `A ${(expectedBig / 1e6).toFixed(0)} MB download read as fast as loopback allows shares the app's one thread with everyone's pages ` +
      `(about half of its CPU is the kernel's socket writes, most of the rest the POP3 dot-decoding; it stops every 1 MiB for one turn of the event loop): while it ran (${downloadDone.seconds.toFixed(1)} s, ` +
      `${mbps(downloadDone).toFixed(0)} MB/s) the pausing crowd's p50 went from ${median(paced.latencies).toFixed(0)} to ${median(pacedWithDownload.latencies).toFixed(0)} ms ` +
      `and p95 from ${quantile(paced.latencies, 0.95).toFixed(0)} to ${quantile(pacedWithDownload.latencies, 0.95).toFixed(0)} ms. A browser on a real network reads slower, which spreads the same work out.`,
  );

  if (failover) {
    const left = failover.runs.map((r) => r.heartbeatLeftMs).filter(Number.isFinite);
    notes.push(
      `Failover: each kill -9 takes every process of the instance holding the person's POP3 connection; the person's next request goes through HAProxy ` +
        `(refused by the dead instance, redispatched to the other at once: \`option redispatch 1\`), which takes the session's lease from the dead holder, logs in to Mailutils ` +
        `and sends the marks again: median ${failover.medianMs.toFixed(0)} ms, max ${failover.maxMs.toFixed(0)} ms, most of it the Mailutils login (the restarted pair's first request, ` +
        `a login without hand-over: ${failover.restart.servedMs.toFixed(0)} ms). The dead holder's heartbeat would still have said "alive" for ` +
        `${left.length ? `${Math.min(...left)}–${Math.max(...left)}` : '?'} ms at the kills; it is known dead at once because its Redis connections closed with it ` +
        `(lib/session-store/redis-session-store.ts, \`alive\`). Waiting for the heartbeat instead cost up to 1.5 s, and plain \`option redispatch\` another 1 s.`,
    );
  }

  console.log(notes.map((note) => `* ${note}`).join('\n'));

  const m = machine();
  const info = {
    date: new Date().toISOString(),
    machine: {
      ...m,
      nproc: Number(spawnSync('nproc', { encoding: 'utf8' }).stdout.trim()) || os.availableParallelism(),
      node: process.version,
      python: spawnSync('python3', ['--version'], { encoding: 'utf8' }).stdout.trim(),
      dovecot: server.version,
      next: (require('next/package.json') as { version: string }).version,
    },
    config: { delayMsEachWay: options.delayMs, rttMs: rtt, sessions: options.sessions, iterations: options.iterations, repeat: options.repeat, bigBytes: expectedBig },
  };
  const durationSeconds = (Date.now() - started) / 1000;
  const lines = tableLines(rows);
  const targetLines = targets.map((t) => `- ${t.met ? 'met' : 'MISSED'}: ${t.name} — ${t.detail}`);
  console.log(`\nPostern benchmark, ${info.date}, ${info.machine.nproc} × ${info.machine.cpu}, Node ${process.version}, RTT ${rtt} ms, app with ${options.workers} worker process(es)\n`);
  console.log(lines.join('\n'));
  console.log(`\n${targetLines.join('\n')}\n`);
  const loadLine = `other programs' CPU use while measuring, the hypervisor's steal included: ${[...phaseLoad]
    .map(([name, load]) => `${name} ${load.foreignCpus.toFixed(2)}${load.stolenCpus >= 0.01 ? ` (steal ${load.stolenCpus.toFixed(2)})` : ''}${load.foreignCpus >= QUIET_CPUS ? ' (disturbed)' : ''}`)
    .join(', ')} CPUs`;
  console.log(loadLine);
  const speedLine = `this process's SHA-256 speed at the start of each phase (the same machine can run faster or slower from one run to the next): ${[...phaseSpeed]
    .map(([name, mbps]) => `${name} ${mbps.toFixed(0)}`)
    .join(', ')} MB/s`;
  console.log(speedLine);
  console.log(`took ${durationSeconds.toFixed(0)} s (build check ${buildSeconds.toFixed(0)} s)`);

  if (options.write) {
    const json = {
      ...info,
      durationSeconds: Math.round(durationSeconds),
      buildSeconds: Math.round(buildSeconds),
      floors: {
        firstPage: '3.5 RTT: greeting ½, CAPA 1, USER+PASS+CAPA+STAT pipelined 1, UIDL n+LIST n+TOP n 0 of the newest pipelined 1 (TCP connect to the loopback proxy is not delayed)',
        allHeaders: '1 RTT: every TOP n 0 pipelined in one flight, login not counted',
        preview: '1 RTT: TOP n 20',
        page: '1 RTT: TOP×50 pipelined',
      },
      otherLoadCpus: Object.fromEntries(phaseLoad),
      sha256MBpsByPhase: Object.fromEntries(phaseSpeed),
      rows: rows.map((row) => ({ ...row, vsPoplib: vsPoplib(row), vsFloor: row.floorMs ? row.app / row.floorMs : undefined })),
      targets,
      notes,
      raw: {
        serverListing,
        firstPage1kMs: first1k,
        firstPage10kMs: first10k,
        allHeadersFilterMs: allFilter,
        allHeadersPagedMs: allPaged,
        allHeaders10kFilterMs: allFilter10k,
        previewMs: previewTimes,
        plainDirect,
        plainProxy,
        rawBrowser,
        rawIdentity,
        rawProxy,
        rawProxyIdentity,
        singleUserMs: single,
        load: summarizeLoad(load),
        paced: summarizeLoad(paced),
        pacedWithDownload: { ...summarizeLoad(pacedWithDownload), download: downloadDone },
        sessionsLoginSeconds: loginSeconds,
        appRssWithSessionsBytes: loadRss,
        poplib: Object.fromEntries(pop),
        failover: failover ?? (failoverError ? { error: failoverError } : undefined),
      },
    };
    writeFileSync(path.join(ROOT, 'docs', 'benchmarks.json'), `${JSON.stringify(json, null, 2)}\n`);
    writeFileSync(path.join(ROOT, 'docs', 'benchmarks.md'), markdown(info, lines, targetLines, notes, `${loadLine}.\n\n${speedLine}`, rtt, durationSeconds, options));
    log('wrote docs/benchmarks.json and docs/benchmarks.md');
  }
  clearTimeout(hardStop);
}

function markdown(
  info: {
    date: string;
    machine: { nproc: number; cpu: string; memoryGiB: number; kernel: string; node: string; python: string; dovecot: string; next: string };
    config: { bigBytes: number };
  },
  table: string[],
  targets: string[],
  notes: string[],
  loadLine: string,
  rtt: number,
  seconds: number,
  options: Options,
): string {
  const m = info.machine;
  return `# Benchmarks

Produced by \`npm run bench\` (scripts/bench.ts) on ${info.date.slice(0, 10)}: ${m.nproc} × ${m.cpu}, ${m.memoryGiB} GiB,
Linux ${m.kernel}, Node ${m.node}, Next ${m.next}, ${m.python}, Dovecot ${m.dovecot}. The run took ${seconds.toFixed(0)} s.

Everything on loopback: a private Dovecot with maildrops of 1,000 and 10,000 small messages and one
of ${(info.config.bigBytes / 1e6).toFixed(0)} MB (as served, CRLF line ends); a proxy (its own process) that delays each direction by ${options.delayMs} ms,
so **${rtt} ms round-trip time**; the production build, served as \`npm start\` serves it (scripts/serve.mjs, ${options.workers} worker process(es) behind one port), measured through its HTTP API
with a cookie-keeping client; Python's \`poplib\` doing the same work one command at a time through
the same proxy in the same run. Medians of ${options.repeat} runs unless a row says otherwise.

${table.join('\n')}

${targets.join('\n')}

${loadLine}.

## What the figures say

${notes.map((note) => `- ${note}`).join('\n')}

## How to read it

- **app vs poplib**: how many times faster the app is (for throughput: the ratio of throughputs).
- **RTT floor**: round trips the protocol needs at the least, times the RTT:
  - login + first page: **3.5 RTT** — greeting ½ (the server speaks first), \`CAPA\` 1 (PIPELINING is
    not known before it), \`USER\`+\`PASS\`+\`CAPA\`+\`STAT\` pipelined 1, then \`UIDL n\`+\`LIST n\`+\`TOP n 0\` of the
    newest messages pipelined 1 (the app sends the maildrop's full \`LIST\` and \`UIDL\` only behind those).
    The TCP handshake with the loopback proxy is not delayed, so it is not counted.
  - all headers: **1 RTT** — every \`TOP n 0\` in one flight (the login before it is not timed).
  - preview: **1 RTT** (\`TOP n 20\`); a new page of 50: **1 RTT**.
- **all headers**: "filter request" is \`GET /api/messages?q=@\` right after login (a filter makes the
  app fetch every header); "5 pages of 200" pages through with \`limit=200\`.
- **raw 100 MB**: \`GET /api/messages/:id/raw\` counted by the client as it arrives (node:http, nothing
  decompressed). "browser's Accept-Encoding" sends \`gzip, deflate, br, zstd\` as browsers do; "identity" asks
  for no compression. Throughput is the message's bytes over the time. "direct" logs the app in to Dovecot
  without the proxy, to compare with a plain socket doing \`RETR\` over loopback (no parsing, only the
  terminator watched; best of 3). Each app worker process's first 100 MB download after start is not timed (it grows the
  heap and buffer pools; its RSS growth counts); its direct figures are the best of 2 after that. RSS is \`VmRSS\`/\`VmHWM\` of the process that holds the POP3 connections
  (found through /proc), sampled every 5 ms; growth = peak − RSS just before.
- **sessions**: ${options.sessions} people logged in at once (each with its own POP3 connection through the proxy),
  each paging through its inbox (${options.iterations} pages of 50 not seen before). "no pauses": all at once, each next
  request as soon as the last answered (a stress test: ${options.sessions} requests always in flight). "pausing": each
  person waits 0.5–1.5 s before each page (a fast reader: a page a second), or 2.5–7.5 s (reading the list first). "single-user" is the
  same loop with one session: back to back (3 runs) for the no-pause rows, pausing alike (2 runs) for the pausing
  rows. The target is checked on the pausing runs, people being what "concurrent sessions" are; the no-pause run is
  a stress test whose latency is bounded by CPU per request × ${options.sessions} (Little's law), shown as such. Each simulated person sends its own \`X-Forwarded-For\`, as the login throttle counts per client address.
- **other programs' CPU use**: busy time of the machine's CPUs minus the benchmark's own processes (the app,
  Dovecot, the proxy, Python, the clients), plus the time the hypervisor gave to other guests ("steal"), per phase. Above ${QUIET_CPUS} CPU a phase is marked disturbed: on ${m.nproc} CPUs
  anything else running slows every figure.
- **failover**: two more instances of the production build (${options.workers} worker process(es) each, as \`npm start\`), one Redis, the
  shipped HAProxy configuration in front, GNU Mailutils with mandatory locking behind (it refuses a second login, so the
  dead instance's connection must be gone before the other logs in). A person logs in through HAProxy and marks messages; then
  ${options.failoverRuns} times: one more mark, \`kill -9\` of every process of the instance holding the session, and the next inbox page
  through HAProxy timed from the kill to its answer (the killed instance is started again before the next run); then both
  instances restarted; then logout (QUIT) and a POP3 look of our own: exactly the marked messages are gone.
`;
}

main()
  .then(() => closeConnections())
  .then(() => cleanup())
  .then(() => process.exit(0))
  .catch(async (error: unknown) => {
    if (!interrupted) console.error(error instanceof Error ? error.stack ?? error.message : error);
    await cleanup();
    process.exit(1);
  });

let interrupted = false;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    interrupted = true;
    log(`${signal}: stopping`);
    void cleanup().finally(() => process.exit(130));
  });
}
