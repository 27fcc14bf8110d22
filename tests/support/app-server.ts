/**
 * The production app (`next build` when the sources changed, then the app's
 * own server, scripts/serve.mjs, exactly as `npm start` runs it) on a free
 * loopback port, for API and browser tests. Started and stopped by the tests.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { ensureBuild as buildIfStale } from '../../scripts/build-stamp.mjs';
import { freePort, onProcessExit } from './servers/common';
import { sleep } from './sleep';

const ROOT = path.resolve(__dirname, '..', '..');
const SERVE = path.join(ROOT, 'scripts', 'serve.mjs');
const READY_TIMEOUT_MS = 60_000;
/** How long a stopped child may take to exit after SIGTERM before it gets SIGKILL. */
const STOP_TIMEOUT_MS = 5_000;

export interface RunningApp {
  url: string;
  port: number;
  pid: number;
  /** Everything the app printed, for assertions that nothing secret was logged. */
  output(): string;
  stop(): Promise<void>;
}

/** Builds unless the build was made from today's sources (scripts/build-stamp.mjs); POSTERN_FORCE_BUILD=1 always builds. */
export function ensureBuild(): void {
  buildIfStale(ROOT, { force: process.env.POSTERN_FORCE_BUILD === '1' });
}

export interface WatchedChild {
  /** Everything the child printed on stdout and stderr so far. */
  output(): string;
  /** SIGTERM, then SIGKILL after STOP_TIMEOUT_MS; resolves once the child has exited. */
  stop(): Promise<void>;
}

/** Collects a spawned child's output and kills it if this process exits first, until stop(). */
export function watchChild(child: ChildProcess): WatchedChild {
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const removeExitHook = onProcessExit(() => child.kill('SIGKILL'));
  return {
    output: () => output,
    stop: async () => {
      removeExitHook();
      // Already gone (exited, or killed by a test with SIGKILL): 'exit' has fired and will not again.
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS);
      await exited;
      clearTimeout(timer);
    },
  };
}

export async function startApp(env: Record<string, string>): Promise<RunningApp> {
  ensureBuild();
  // A fixed PORT for the demo; a free one for tests.
  const port = env.PORT ? Number(env.PORT) : await freePort();
  const child: ChildProcess = spawn(process.execPath, [SERVE, '--port', String(port), '--hostname', '127.0.0.1'], {
    cwd: ROOT,
    // One process unless a test asks for workers (POSTERN_WORKERS): pids and logs stay those of one process.
    env: { POSTERN_WORKERS: '1', ...process.env, NEXT_TELEMETRY_DISABLED: '1', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const { output, stop } = watchChild(child);
  // After 'exit' its output may still be on the way: 'close' comes once the pipes are read to their end.
  const closed = new Promise((resolve) => child.once('close', resolve));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + READY_TIMEOUT_MS;
  for (;;) {
    if (child.exitCode !== null) {
      await closed;
      throw new Error(`the app server exited with ${child.exitCode}:\n${output()}`);
    }
    try {
      const response = await fetch(`${url}/api/config`);
      if (response.ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`the app server did not answer within ${READY_TIMEOUT_MS} ms:\n${output()}`);
    }
    await sleep(200);
  }
  return {
    url,
    port,
    pid: child.pid!,
    output,
    stop,
  };
}
