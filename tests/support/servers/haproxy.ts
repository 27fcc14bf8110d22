/**
 * HAProxy (Debian `haproxy`) on a loopback high port in front of app instances, running the shipped
 * configuration deploy/haproxy.cfg unchanged (its addresses come from the environment). Started and
 * stopped by the tests; in the foreground (-db), its own process group, killed with the test process.
 */
import { existsSync } from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import { ensureDebianPackages, freePort, run, startManagedProcess, type ManagedProcess } from './common';

export const HAPROXY = '/usr/sbin/haproxy';
export const HAPROXY_CONFIG = path.resolve(__dirname, '..', '..', '..', 'deploy', 'haproxy.cfg');
export const HAPROXY_INSTALL_HINT = 'haproxy is missing: run `node scripts/ensure-test-deps.mjs` (as root) or `apt-get install haproxy`.';
/** A bound, not a pace: how long HAProxy may take to listen. */
const READY_TIMEOUT_MS = 15_000;

export interface RunningHaproxy {
  url: string;
  port: number;
  process: ManagedProcess;
  stop(): Promise<void>;
}

/** `backends`: the instances' host:port, as many as the shipped file has `server` lines (two). */
export async function startHaproxy(backends: readonly [string, string]): Promise<RunningHaproxy> {
  // Also listed in scripts/ensure-test-deps.mjs, which `npm test` runs first.
  await ensureDebianPackages('haproxy', ['haproxy']);
  if (!existsSync(HAPROXY)) throw new Error(HAPROXY_INSTALL_HINT);
  const port = await freePort();
  const env = {
    PATH: process.env.PATH,
    POSTERN_HAPROXY_BIND: `127.0.0.1:${port}`,
    // POSTERN_HAPROXY_MAXCONN unset: the shipped default must start where the descriptor limit is ordinary.
    POSTERN_APP1: backends[0],
    POSTERN_APP2: backends[1],
  };
  // A configuration HAProxy refuses fails here with its own words, not as a silent timeout.
  await run(HAPROXY, ['-c', '-q', '-f', HAPROXY_CONFIG], { env });
  const managed = startManagedProcess(HAPROXY, ['-db', '-f', HAPROXY_CONFIG], { env });
  const deadline = Date.now() + READY_TIMEOUT_MS;
  while (!(await accepts(port))) {
    const exit = managed.exitStatus();
    if (exit) throw new Error(`haproxy exited (${exit.signal ?? exit.code}):\n${managed.output()}`);
    if (Date.now() > deadline) {
      await managed.stop();
      throw new Error(`haproxy did not listen on ${port} within ${READY_TIMEOUT_MS} ms:\n${managed.output()}`);
    }
    await new Promise((resolve) => setImmediate(resolve));
  }
  return { url: `http://127.0.0.1:${port}`, port, process: managed, stop: () => managed.stop() };
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}
