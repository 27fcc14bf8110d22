/**
 * A private, throw-away Redis on a loopback high port for tests (session
 * store, failover, several app instances).
 *
 * Everything lives in one fresh temporary directory: the config (nothing read
 * from /etc/redis), the append-only file and the log. The server runs in its
 * own process group, watched so that it dies with the test process even on
 * SIGKILL (common.ts `startManagedProcess`). `stop()` stops it and removes the
 * directory; `restart()` stops and starts it on the same port and directory,
 * so what was written survives as it would a real restart.
 */
import { rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import { freePort, makeTempDir, startManagedProcess, type ManagedProcess } from './common';
import { existsSync } from 'node:fs';

/** How long redis-server may take before it answers PING. */
const START_TIMEOUT_MS = 15_000;

export const REDIS_INSTALL_HINT =
  'Install it with `apt-get install redis-server` (Debian/Ubuntu, as root), ' +
  'or run `npm test` as root, which installs missing test dependencies (scripts/ensure-test-deps.mjs).';

export interface RedisServer {
  host: string;
  port: number;
  /** `redis://127.0.0.1:port/db` for POSTERN_SESSION_STORE. */
  url(db?: number): string;
  dir: string;
  /** Stops and starts the same server (same port, same data). */
  restart(): Promise<void>;
  /** Stops the server and keeps its data: an outage, until resume(). */
  pause(): Promise<void>;
  /** Starts the paused server again (same port, same data). */
  resume(): Promise<void>;
  stop(): Promise<void>;
}

export function redisBinary(): string {
  for (const candidate of ['/usr/bin/redis-server', '/usr/sbin/redis-server', '/usr/local/bin/redis-server']) {
    if (existsSync(candidate)) return candidate;
  }
  throw new Error(`redis-server was not found. ${REDIS_INSTALL_HINT}`);
}

/** Starts a fresh Redis; throws with the install command when the binary is missing. */
export async function startRedis(): Promise<RedisServer> {
  const binary = redisBinary();
  const dir = await makeTempDir('redis');
  const port = await freePort();
  const config = path.join(dir, 'redis.conf');
  await writeFile(
    config,
    [
      `port ${port}`,
      'bind 127.0.0.1',
      'protected-mode yes',
      `dir ${dir}`,
      `logfile ${path.join(dir, 'redis.log')}`,
      'daemonize no',
      // Durable across restart(): every write is in the append-only file before it is answered.
      'appendonly yes',
      'appendfsync always',
      'save ""',
      'databases 16',
      '',
    ].join('\n'),
  );
  let daemon: ManagedProcess = await launch(binary, config, port);
  return {
    host: '127.0.0.1',
    port,
    url: (db = 0) => `redis://127.0.0.1:${port}/${db}`,
    dir,
    async restart() {
      await daemon.stop();
      daemon = await launch(binary, config, port);
    },
    async pause() {
      await daemon.stop();
    },
    async resume() {
      daemon = await launch(binary, config, port);
    },
    async stop() {
      await daemon.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

async function launch(binary: string, config: string, port: number): Promise<ManagedProcess> {
  // As root Redis runs as root: harmless here (a private config on loopback), and no user to create.
  const daemon = startManagedProcess(binary, [config]);
  const deadline = Date.now() + START_TIMEOUT_MS;
  for (;;) {
    const status = daemon.exitStatus();
    if (status) throw new Error(`redis-server exited (${status.code ?? status.signal}) before answering:\n${daemon.output()}`);
    if (await pings(port)) return daemon;
    if (Date.now() > deadline) {
      await daemon.stop();
      throw new Error(`redis-server did not answer PING on port ${port} within ${START_TIMEOUT_MS} ms:\n${daemon.output()}`);
    }
    await new Promise<void>((resolve) => setTimeout(resolve, 50)); // polling a state (a PONG), with a deadline
  }
}

/** True when a PING on the port is answered with +PONG (a loading Redis answers -LOADING). */
function pings(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    let reply = '';
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(1_000, () => done(false));
    socket.on('error', () => done(false));
    socket.on('connect', () => socket.write('PING\r\n'));
    socket.on('data', (chunk: Buffer) => {
      reply += chunk.toString('latin1');
      if (reply.includes('\r\n')) done(reply.startsWith('+PONG'));
    });
  });
}
