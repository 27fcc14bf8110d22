/**
 * Start-up as an operator meets it: `npm start` (scripts/start.mjs) and scripts/serve.mjs refuse a setting they
 * cannot use with one line naming it and exit non-zero, never a process that prints ready and answers every
 * login 500, nor one that stays alive listening on nothing; the ready line says what the server is bound to;
 * SIGTERM to `npm start` stops every process it started; a shared store that cannot be reached is said at start.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import http from 'node:http';
import net from 'node:net';
import path from 'node:path';
import { describe, test } from 'node:test';
import { ensureBuild, startApp, watchChild } from '../support/app-server';
import { freePort } from '../support/servers/common';
import { sleep } from '../support/sleep';

const ROOT = path.resolve(__dirname, '..', '..');
/** Bounds, not paces: Next prepares in each process on a busy machine. */
const START_BOUND_MS = 60_000;
const STOP_BOUND_MS = 15_000;

/** What a refused start looks like: the child's exit code, and its one reason, no stack trace. */
function assertRefused(error: unknown, reason: RegExp): true {
  const text = error instanceof Error ? error.message : String(error);
  assert.match(text, /exited with 1/, text);
  assert.match(text, reason, text);
  assert.doesNotMatch(text, /^\s+at /m, `no stack trace: ${text}`);
  assert.doesNotMatch(text, /uncaughtException/, text);
  return true;
}

describe('a setting the app cannot use stops the start, naming it', () => {
  const cases: Array<[string, Record<string, string>, RegExp]> = [
    ['POP3_ALLOWED_PORTS', { POP3_ALLOWED_PORTS: 'abc' }, /Invalid configuration: POP3_ALLOWED_PORTS: "abc" is not a port or a range of ports/],
    ['POP3_ALLOWED_HOSTS', { POP3_ALLOWED_HOSTS: '10.0.0.0/99' }, /Invalid configuration: POP3_ALLOWED_HOSTS: "10.0.0.0\/99" has a bad prefix length/],
    ['POP3_TLS_CA_FILE', { POP3_TLS_CA_FILE: '/nonexistent/ca.pem' }, /POP3_TLS_CA_FILE: cannot read "\/nonexistent\/ca.pem" \(no such file\)/],
    ['POSTERN_FAST_LANE', { POSTERN_FAST_LANE: 'maybe' }, /cannot start: POSTERN_FAST_LANE must be on or off/],
  ];
  for (const [name, env, reason] of cases) {
    test(`${name}, in one process`, async () => {
      await assert.rejects(startApp(env), (error) => assertRefused(error, reason));
    });
  }

  test('with several workers: the worker\'s reason, then the primary\'s one line', async () => {
    await assert.rejects(startApp({ POSTERN_WORKERS: '2', POP3_ALLOWED_PORTS: 'abc' }), (error) => {
      assertRefused(error, /POP3_ALLOWED_PORTS: "abc"[\s\S]*\[postern\] cannot start: worker [12] stopped before it was ready \(its reason is above\)\s*$/);
      return true;
    });
  });

  test('POSTERN_FAST_LANE takes the usual words for off', async () => {
    const app = await startApp({ POSTERN_FAST_LANE: 'off' });
    await app.stop();
  });
});

/** Another program holding a loopback port (and answering, so start-up waits keep asking until the app exits). */
async function holdPort(): Promise<{ port: number; release(): Promise<unknown> }> {
  const other = http.createServer((_req, res) => res.writeHead(404).end());
  await new Promise<void>((resolve) => other.listen(0, '127.0.0.1', resolve));
  const { port } = other.address() as net.AddressInfo;
  return { port, release: () => new Promise((resolve) => other.close(resolve)) };
}

describe('a port that cannot be listened on ends the process, non-zero', () => {
  for (const workers of ['1', '2']) {
    test(`port in use, POSTERN_WORKERS=${workers}`, async () => {
      const held = await holdPort();
      try {
        await assert.rejects(startApp({ PORT: String(held.port), POSTERN_WORKERS: workers }), (error) =>
          assertRefused(error, new RegExp(`\\[postern\\] cannot start: 127\\.0\\.0\\.1:${held.port} is already in use`)),
        );
      } finally {
        await held.release();
      }
    });
  }

  test('through scripts/start.mjs (npm start), one process: not left alive listening on nothing', async () => {
    const held = await holdPort();
    try {
      const args = ['scripts/start.mjs', '--port', String(held.port), '--hostname', '127.0.0.1'];
      await assert.rejects(startCommand(process.execPath, args, { POSTERN_WORKERS: '1' }), (error) =>
        assertRefused(error, new RegExp(`\\[postern\\] cannot start: 127\\.0\\.0\\.1:${held.port} is already in use`)),
      );
    } finally {
      await held.release();
    }
  });
});

interface Started {
  child: ChildProcess;
  output(): string;
  stop(): Promise<void>;
}

/** Runs `command` in a process group of its own and waits for its ready line (or its exit). */
async function startCommand(command: string, args: string[], env: Record<string, string>): Promise<Started> {
  ensureBuild();
  const child = spawn(command, args, {
    cwd: ROOT,
    env: { ...process.env, NEXT_TELEMETRY_DISABLED: '1', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  const watched = watchChild(child);
  const ready = new Promise<void>((resolve, reject) => {
    const check = () => {
      if (/\[postern\] ready on .*\n/.test(watched.output())) resolve();
    };
    child.stdout?.on('data', check);
    // 'close', not 'exit': its last words are read by then.
    child.once('close', (code, signal) => reject(new Error(`${command} exited with ${code ?? signal} before it was ready:\n${watched.output()}`)));
  });
  const timer = setTimeout(() => child.kill('SIGKILL'), START_BOUND_MS);
  try {
    await ready;
  } finally {
    clearTimeout(timer);
  }
  return { child, output: watched.output, stop: watched.stop };
}

/** Whether a TCP connection to `host`:`port` is accepted. */
function accepts(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(port, host);
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/** Whether any process of the group `pgid` is still alive. */
function groupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('where it listens, said and chosen', () => {
  test('by default on all interfaces, said so; with trusted proxy hops, a warning', async () => {
    const port = await freePort();
    const app = await startCommand(process.execPath, ['scripts/start.mjs', '--port', String(port)], {
      POSTERN_WORKERS: '1',
      POSTERN_TRUSTED_PROXY_HOPS: '1',
    });
    try {
      assert.match(app.output(), new RegExp(`\\[postern\\] ready on http://localhost:${port}, listening on all interfaces \\((::|0\\.0\\.0\\.0)\\)\\n`));
      assert.match(app.output(), /\[postern\] warning: POSTERN_TRUSTED_PROXY_HOPS=1 believes X-Forwarded-For, and this port is open on all interfaces/);
      // Another loopback address reaches it: it is not bound to 127.0.0.1 alone.
      assert.equal(await accepts('127.0.0.2', port), true);
    } finally {
      await app.stop();
    }
  });

  test('POSTERN_HOSTNAME=127.0.0.1: loopback only, said so, no warning', async () => {
    const port = await freePort();
    const app = await startCommand(process.execPath, ['scripts/start.mjs', '--port', String(port)], {
      POSTERN_WORKERS: '1',
      POSTERN_TRUSTED_PROXY_HOPS: '1',
      POSTERN_HOSTNAME: '127.0.0.1',
    });
    try {
      assert.match(app.output(), new RegExp(`\\[postern\\] ready on http://127\\.0\\.0\\.1:${port}, listening on 127\\.0\\.0\\.1 only\\n`));
      assert.doesNotMatch(app.output(), /warning/);
      assert.equal(await accepts('127.0.0.1', port), true);
      assert.equal(await accepts('127.0.0.2', port), false, 'bound to 127.0.0.1, not to every loopback address');
    } finally {
      await app.stop();
    }
  });
});

describe('npm start under a supervisor', () => {
  test('SIGTERM to `npm start -- --hostname 127.0.0.1` stops the primary and its workers, and frees the port', async () => {
    const port = await freePort();
    const app = await startCommand('npm', ['start', '--', '--hostname', '127.0.0.1', '--port', String(port)], { POSTERN_WORKERS: '2' });
    const pgid = app.child.pid!;
    try {
      assert.match(app.output(), new RegExp(`ready on http://127\\.0\\.0\\.1:${port}, listening on 127\\.0\\.0\\.1 only, 2 worker processes`));
      process.kill(pgid, 'SIGTERM'); // npm itself, as a supervisor signals the process it started
      const deadline = Date.now() + STOP_BOUND_MS;
      while (groupAlive(pgid) && Date.now() < deadline) await sleep(100);
      assert.equal(groupAlive(pgid), false, `every process npm start ran has exited:\n${app.output()}`);
      assert.equal(await accepts('127.0.0.1', port), false, 'the port is free');
    } finally {
      if (groupAlive(pgid)) process.kill(-pgid, 'SIGKILL');
      await app.stop();
    }
  });
});

describe('a shared session store that stops answering', () => {
  test('a Redis that takes the connection and never answers: the request is 503 STORE_UNAVAILABLE, not a hang', { timeout: 60_000 }, async () => {
    const sockets = new Set<net.Socket>();
    const silent = net.createServer((socket) => {
      sockets.add(socket);
      socket.on('error', () => undefined);
      socket.resume(); // reads every command, answers none
    });
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const { port } = silent.address() as net.AddressInfo;
    const app = await startApp({ POSTERN_SESSION_STORE: `redis://127.0.0.1:${port}/0`, POSTERN_SESSION_KEY: randomBytes(32).toString('base64') });
    try {
      const used = await fetch(`${app.url}/api/session`, { headers: { cookie: `postern_session=${randomBytes(32).toString('base64url')}` } });
      assert.equal(used.status, 503);
      assert.equal(((await used.json()) as { error: { code: string } }).error.code, 'STORE_UNAVAILABLE');
      assert.ok(sockets.size > 0, 'the app did connect to the silent server');
    } finally {
      await app.stop();
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => silent.close(() => resolve()));
    }
  });
});

describe('a shared session store that cannot be reached', () => {
  test('the instance starts (Redis may come later) and says so in one line at start', async () => {
    const closed = await freePort();
    const app = await startApp({
      POSTERN_SESSION_STORE: `redis://127.0.0.1:${closed}/0`,
      POSTERN_SESSION_KEY: randomBytes(32).toString('base64'),
    });
    try {
      const line = new RegExp(`\\[postern\\] the session store redis://127\\.0\\.0\\.1:${closed}/0 cannot be reached \\(connect ECONNREFUSED[^)]*\\): starting all the same`);
      const deadline = Date.now() + START_BOUND_MS;
      while (!line.test(app.output()) && Date.now() < deadline) await sleep(100);
      assert.match(app.output(), line);
      // Used, it answers as documented; then, every process stopped (all they wrote is in), the line was said once.
      const used = await fetch(`${app.url}/api/session`, { headers: { cookie: `postern_session=${randomBytes(32).toString('base64url')}` } });
      assert.equal(used.status, 503);
      assert.equal(((await used.json()) as { error: { code: string } }).error.code, 'STORE_UNAVAILABLE');
    } finally {
      await app.stop();
    }
    assert.equal(app.output().match(/the session store .* cannot be reached/g)?.length, 1);
  });
});
