/**
 * Shared plumbing for the real-POP3-server harnesses (mailutils, popa3d, ...):
 * running commands, Debian packages, free ports, a self-signed certificate,
 * throw-away system users, process groups that die with the test process,
 * waiting for a `+OK` greeting (on fresh ports until they are free), and mbox
 * reading/writing.
 *
 * Everything here fails loudly: a harness that cannot do its job throws an
 * Error that says what to run or what was missing. Tests never skip.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { X509Certificate, randomBytes } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import * as net from 'node:net';
import * as path from 'node:path';
import * as tls from 'node:tls';

import { sleep } from '../sleep';
import type { RunningServer, StartOptions, TestUser } from './types';

// ---------------------------------------------------------------------------
// Named deadlines (STYLE.md §7 spirit: every wait is named and bounded).

export const COMMAND_TIMEOUT_MS = 120_000;
export const GREETING_TIMEOUT_MS = 15_000;
export const STOP_GRACE_MS = 3_000;

/** Where unpacked server packages are cached between runs. */
export const PACKAGE_CACHE_DIR = '/var/cache/postern-test-servers';
/** Prefix of every temporary directory a harness creates (owner pid follows). */
export const TEMP_DIR_PREFIX = 'postern-';
/** GECOS marker of system users created by a harness; the owner pid follows. */
export const USER_MARKER = 'postern-test-harness';

// ---------------------------------------------------------------------------
// Running commands

export interface RunResult {
  stdout: string;
  stderr: string;
}

export interface RunOptions {
  input?: string | Buffer;
  cwd?: string;
  /** Replaces the whole environment when given. */
  env?: Record<string, string | undefined>;
  timeoutMs?: number;
}

/** Error of a command that exited non-zero; keeps the status and output for callers that retry. */
export class CommandError extends Error {
  constructor(
    message: string,
    readonly status: number | null,
    readonly stdout: string,
    readonly stderr: string,
  ) {
    super(message);
    this.name = 'CommandError';
  }
}

export function run(command: string, args: readonly string[], options: RunOptions = {}): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      cwd: options.cwd,
      env: (options.env as NodeJS.ProcessEnv | undefined) ?? process.env,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    const timeoutMs = options.timeoutMs ?? COMMAND_TIMEOUT_MS;
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.stdout.on('data', (chunk: Buffer) => out.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => err.push(chunk));
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(new Error(`could not run ${command}: ${error.message}`));
    });
    child.on('close', (status, signal) => {
      clearTimeout(timer);
      const stdout = Buffer.concat(out).toString('utf8');
      const stderr = Buffer.concat(err).toString('utf8');
      if (status === 0) {
        resolve({ stdout, stderr });
        return;
      }
      const why = signal !== null ? `was killed by ${signal}` : `exited with status ${String(status)}`;
      reject(
        new CommandError(
          `${command} ${args.join(' ')} ${why}: ${stderr.trim() || stdout.trim()}`,
          status,
          stdout,
          stderr,
        ),
      );
    });
    child.stdin.on('error', () => undefined); // the command may not read its input
    child.stdin.end(options.input ?? '');
  });
}

export function isRoot(): boolean {
  return typeof process.getuid === 'function' && process.getuid() === 0;
}

export function requireRoot(server: string): void {
  if (!isRoot()) {
    throw new Error(
      `${server} harness must run as root (it creates system users and starts a daemon that switches users); ` +
        'run the integration tests as root, e.g. `sudo node --import tsx --test tests/integration/...`',
    );
  }
}

/**
 * What a harness that runs a system daemon does first: make sure it is root,
 * install the Debian packages it needs and sweep what crashed runs left.
 */
export async function prepareHarness(server: string, packages: readonly string[]): Promise<void> {
  requireRoot(server);
  await ensureDebianPackages(server, packages);
  await sweepLeftovers();
}

/** For a server (`product`) that has no session lock: `lockSession` cannot be honoured. */
export function refuseSessionLock(server: string, product: string, options: StartOptions): void {
  if (options.lockSession === true) {
    throw new Error(`${server} harness: ${product} has no session lock to switch on (a second login is always allowed)`);
  }
}

/** The users' names, each once; throws when two users share a name. */
export function distinctUserNames(server: string, users: readonly TestUser[]): Set<string> {
  const names = new Set(users.map((user) => user.name));
  if (names.size !== users.length) throw new Error(`${server} harness: duplicate user names`);
  return names;
}

/** `RunningServer.stop`: runs `cleanup` once, however often it is called. */
export function stopOnce(cleanup: () => Promise<void>): () => Promise<void> {
  let stopping: Promise<void> | undefined;
  return () => (stopping ??= cleanup());
}

// ---------------------------------------------------------------------------
// Cleanup when the test process exits without calling stop()

const exitCleanups = new Set<() => void>();
let exitHookInstalled = false;

/** Registers a synchronous cleanup to run if the process exits first; returns its remover. */
export function onProcessExit(cleanup: () => void): () => void {
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    process.on('exit', () => {
      for (const fn of exitCleanups) {
        try {
          fn();
        } catch {
          // best effort: the process is going away
        }
      }
    });
  }
  exitCleanups.add(cleanup);
  return () => {
    exitCleanups.delete(cleanup);
  };
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

// ---------------------------------------------------------------------------
// Debian packages

let aptQueue: Promise<unknown> = Promise.resolve();

function serialiseApt<T>(task: () => Promise<T>): Promise<T> {
  const next = aptQueue.then(task, task);
  aptQueue = next.catch(() => undefined);
  return next;
}

async function isPackageInstalled(name: string): Promise<boolean> {
  try {
    const { stdout } = await run('dpkg-query', ['-W', '-f=${Status}', name]);
    return stdout.trim() === 'install ok installed';
  } catch {
    return false;
  }
}

const APT_INSTALL_ARGS = ['install', '-y', '--no-install-recommends', '-o', 'DPkg::Lock::Timeout=600'];

/** Installs missing Debian packages when root; otherwise throws with the command to run. */
export async function ensureDebianPackages(server: string, packages: readonly string[]): Promise<void> {
  const missing: string[] = [];
  for (const name of packages) {
    if (!(await isPackageInstalled(name))) missing.push(name);
  }
  if (missing.length === 0) return;
  const command = `apt-get ${APT_INSTALL_ARGS.join(' ')} ${missing.join(' ')}`;
  if (!isRoot()) {
    throw new Error(`${server} harness needs Debian packages ${missing.join(', ')}: run \`sudo ${command}\``);
  }
  await serialiseApt(async () => {
    try {
      await run('apt-get', [...APT_INSTALL_ARGS, ...missing], {
        env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
        timeoutMs: 900_000,
      });
    } catch (error) {
      throw new Error(`${server} harness could not install ${missing.join(', ')} (\`${command}\`): ${String(error)}`);
    }
  });
}

export interface UnpackedPackage {
  /** Root of the `dpkg -x` tree (contains usr/, etc/, ...). */
  root: string;
  version: string;
}

/**
 * `apt-get download` + `dpkg -x` a package into PACKAGE_CACHE_DIR/<name>, for
 * servers that `Conflicts: pop3-server` and so cannot be apt-installed next to
 * Dovecot. Reuses an earlier unpack.
 */
export async function unpackDebianPackage(server: string, name: string): Promise<UnpackedPackage> {
  const dest = path.join(PACKAGE_CACHE_DIR, name);
  const versionFile = path.join(dest, '.postern-version');
  if (existsSync(versionFile)) {
    return { root: dest, version: (await readFile(versionFile, 'utf8')).trim() };
  }
  if (!isRoot()) {
    throw new Error(
      `${server} harness needs ${name} unpacked in ${dest}: run the tests once as root, or ` +
        `\`cd $(mktemp -d) && apt-get download ${name} && sudo dpkg -x ${name}_*.deb ${dest} && ` +
        `dpkg-deb -f ${name}_*.deb Version | sudo tee ${versionFile}\``,
    );
  }
  return serialiseApt(async () => {
    if (existsSync(versionFile)) {
      return { root: dest, version: (await readFile(versionFile, 'utf8')).trim() };
    }
    await mkdir(PACKAGE_CACHE_DIR, { recursive: true, mode: 0o755 });
    const work = path.join(PACKAGE_CACHE_DIR, `.${name}-${process.pid}-${randomBytes(4).toString('hex')}`);
    await mkdir(path.join(work, 'tree'), { recursive: true });
    try {
      try {
        // APT::Sandbox::User=root: the download directory is root's, _apt could not write it.
        await run('apt-get', ['download', '-o', 'APT::Sandbox::User=root', name], { cwd: work });
      } catch (error) {
        throw new Error(`${server} harness could not \`apt-get download ${name}\`: ${String(error)}`);
      }
      const deb = readdirSync(work).find((file) => file.startsWith(`${name}_`) && file.endsWith('.deb'));
      if (deb === undefined) throw new Error(`${server} harness: apt-get download ${name} produced no .deb`);
      const debPath = path.join(work, deb);
      await run('dpkg', ['-x', debPath, path.join(work, 'tree')]);
      const { stdout: version } = await run('dpkg-deb', ['-f', debPath, 'Version']);
      await writeFile(path.join(work, 'tree', '.postern-version'), `${version.trim()}\n`);
      await rm(dest, { recursive: true, force: true });
      await rename(path.join(work, 'tree'), dest);
      return { root: dest, version: version.trim() };
    } finally {
      await rm(work, { recursive: true, force: true });
    }
  });
}

/** Shared libraries `ldd` cannot find for a binary (empty when it can run). */
export async function missingSharedLibraries(binary: string): Promise<string[]> {
  const { stdout } = await run('ldd', [binary]);
  return stdout
    .split('\n')
    .filter((line) => line.includes('=> not found'))
    .map((line) => line.trim().split(/\s+/)[0] ?? line.trim());
}

// ---------------------------------------------------------------------------
// Temporary directories, ports, certificates

/** A private directory under /tmp named after the owning pid, so a later run can sweep it. */
export async function makeTempDir(server: string): Promise<string> {
  const dir = path.join('/tmp', `${TEMP_DIR_PREFIX}${server}-${process.pid}-${randomBytes(4).toString('hex')}`);
  await mkdir(dir, { mode: 0o700 });
  return dir;
}

/** A TCP port on 127.0.0.1 that was free a moment ago (callers retry if the server then fails to bind). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => {
        if (address !== null && typeof address === 'object') resolve(address.port);
        else reject(new Error('could not obtain a free port'));
      });
    });
  });
}

export interface SelfSignedCert {
  certPath: string;
  keyPath: string;
  certPem: string;
  /** SHA-256 of the DER certificate: hex, lowercase, no colons. */
  fingerprint256: string;
}

/** A throw-away certificate for CN=localhost with SANs 127.0.0.1 and localhost. */
export async function makeSelfSignedCert(dir: string): Promise<SelfSignedCert> {
  const certPath = path.join(dir, 'server-cert.pem');
  const keyPath = path.join(dir, 'server-key.pem');
  await run('openssl', [
    'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-sha256', '-days', '2',
    '-subj', '/CN=localhost',
    '-addext', 'subjectAltName=IP:127.0.0.1,DNS:localhost',
    '-keyout', keyPath, '-out', certPath,
  ]);
  const certPem = await readFile(certPath, 'utf8');
  const fingerprint256 = new X509Certificate(certPem).fingerprint256.replace(/:/g, '').toLowerCase();
  return { certPath, keyPath, certPem, fingerprint256 };
}

// ---------------------------------------------------------------------------
// Processes

export interface ManagedProcess {
  readonly pid: number;
  readonly child: ChildProcess;
  /** Everything the process wrote to stdout and stderr so far. */
  output(): string;
  /** Set once the process has exited. */
  exitStatus(): { code: number | null; signal: NodeJS.Signals | null } | undefined;
  /** SIGTERM the whole process group, SIGKILL what is left after a grace period. */
  stop(): Promise<void>;
}

/** Pids of live processes whose process group is `pgid` (read from /proc). */
export function processGroupMembers(pgid: number): number[] {
  const members: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let stat: string;
    try {
      stat = readFileSync(`/proc/${entry}/stat`, 'latin1');
    } catch {
      continue; // exited while we looked
    }
    // Fields after the parenthesised command name: state ppid pgrp ...
    const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    if (rest[0] !== 'Z' && Number(rest[2]) === pgid) members.push(Number(entry));
  }
  return members;
}

/** Signals every process in group `pgid`; an empty group is no error. */
export function killGroup(pgid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pgid, signal);
  } catch {
    // ESRCH: nothing left in the group
  }
}

/**
 * A detached `sh -c script` (`args` are its $0, $1, ...) whose stdin is a pipe
 * from this process. A script that reads stdin to its end goes on only when
 * this process dies, for any reason (even SIGKILL), and can then kill what it
 * left behind. Neither the shell nor the pipe keeps this process alive.
 */
export function spawnWatchdog(script: string, args: readonly string[]): ChildProcess {
  const watchdog = spawn('/bin/sh', ['-c', script, ...args], {
    detached: true,
    stdio: ['pipe', 'ignore', 'ignore'],
  });
  watchdog.on('error', () => undefined);
  watchdog.unref();
  if (watchdog.stdin instanceof net.Socket) watchdog.stdin.unref();
  return watchdog;
}

/**
 * A watchdog that SIGKILLs the daemon's process group when this process dies.
 * (PR_SET_PDEATHSIG is no substitute: it is cleared when a daemon changes its
 * effective uid, as pop3d does.)
 */
function startWatchdog(pgid: number): ChildProcess {
  return spawnWatchdog('read -r _; kill -9 -"$0" 2>/dev/null', [String(pgid)]);
}

/** Starts a daemon in its own process group, watched so it dies with the test process. */
export function startManagedProcess(
  command: string,
  args: readonly string[],
  options: { cwd?: string; env?: Record<string, string | undefined> } = {},
): ManagedProcess {
  const child = spawn(command, args, {
    cwd: options.cwd,
    // An explicit environment replaces ours entirely (env -i), as daemons' init scripts do.
    env: (options.env as NodeJS.ProcessEnv | undefined) ?? process.env,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const pid = child.pid;
  if (pid === undefined) throw new Error(`could not start ${command}`);
  const watchdog = startWatchdog(pid);
  const chunks: Buffer[] = [];
  let exit: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  child.stdout?.on('data', (chunk: Buffer) => chunks.push(chunk));
  child.stderr?.on('data', (chunk: Buffer) => chunks.push(chunk));
  const exited = new Promise<void>((resolve) => {
    child.on('exit', (code, signal) => {
      exit = { code, signal };
      resolve();
    });
  });
  const removeExitHook = onProcessExit(() => killGroup(pid, 'SIGKILL'));
  let stopping: Promise<void> | undefined;
  return {
    pid,
    child,
    output: () => Buffer.concat(chunks).toString('utf8'),
    exitStatus: () => exit,
    stop() {
      stopping ??= (async () => {
        killGroup(pid, 'SIGTERM');
        const deadline = Date.now() + STOP_GRACE_MS;
        while (Date.now() < deadline && (exit === undefined || processGroupMembers(pid).length > 0)) {
          await sleep(50);
        }
        // Session children of the daemon share its group; none may outlive stop().
        killGroup(pid, 'SIGKILL');
        await Promise.race([exited, sleep(STOP_GRACE_MS)]);
        // On a loaded machine SIGKILLed members can take a moment to disappear.
        const gone = Date.now() + STOP_GRACE_MS;
        while (Date.now() < gone && processGroupMembers(pid).length > 0) await sleep(50);
        // The group is gone: the watchdog must not fire later at a reused id.
        watchdog.kill('SIGKILL');
        removeExitHook();
      })();
      return stopping;
    },
  };
}

// ---------------------------------------------------------------------------
// Waiting for a greeting

/** Connects until the server says `+OK ...`; returns the greeting line without CRLF. */
export async function waitForGreeting(
  port: number,
  server: string,
  daemon?: ManagedProcess,
  options: { timeoutMs?: number; tlsCaPem?: string } = {},
): Promise<string> {
  const timeoutMs = options.timeoutMs ?? GREETING_TIMEOUT_MS;
  const deadline = Date.now() + timeoutMs;
  let lastError = 'no attempt made';
  while (Date.now() < deadline) {
    const status = daemon?.exitStatus();
    if (status !== undefined) {
      throw new Error(
        `${server} exited before greeting (code ${String(status.code)}, signal ${String(status.signal)}): ` +
          (daemon?.output().trim() ?? ''),
      );
    }
    try {
      const line = await readGreeting(port, Math.min(3_000, Math.max(100, deadline - Date.now())), options.tlsCaPem);
      if (line.startsWith('+OK')) return line;
      lastError = `unexpected greeting ${JSON.stringify(line)}`;
    } catch (error) {
      lastError = error instanceof Error ? error.message : String(error);
    }
    await sleep(100);
  }
  throw new Error(
    `${server} did not greet on 127.0.0.1:${port} within ${timeoutMs} ms (${lastError})` +
      (daemon === undefined ? '' : `; its output: ${daemon.output().trim()}`),
  );
}

/**
 * One connection attempt: the first line the server sends, without CRLF; with
 * `tlsCaPem`, over implicit TLS verified against that certificate.
 */
export function readGreeting(port: number, timeoutMs: number, tlsCaPem?: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket =
      tlsCaPem === undefined
        ? net.connect({ host: '127.0.0.1', port })
        : tls.connect({ host: '127.0.0.1', port, ca: tlsCaPem, servername: 'localhost' });
    let buffered = Buffer.alloc(0);
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error('timed out waiting for the greeting'));
    }, timeoutMs);
    const finish = (error: Error | undefined, line?: string): void => {
      clearTimeout(timer);
      socket.destroy();
      if (error !== undefined) reject(error);
      else resolve(line ?? '');
    };
    socket.on('data', (chunk: Buffer) => {
      buffered = Buffer.concat([buffered, chunk]);
      const end = buffered.indexOf('\r\n');
      if (end >= 0) {
        // Say goodbye politely so the server does not log an aborted session.
        socket.write('QUIT\r\n');
        finish(undefined, buffered.subarray(0, end).toString('latin1'));
      }
    });
    socket.on('error', (error) => finish(error));
    socket.on('close', () => finish(new Error('connection closed before a greeting')));
  });
}

// ---------------------------------------------------------------------------
// Starting a daemon on a plain and an implicit-TLS port

/** How many pairs of free ports a daemon is started on when another process took one of them first. */
const START_ATTEMPTS = 3;

/** Where a server with a plain and an implicit-TLS port listens, and the certificate it proves itself with. */
type TlsEndpoints = Pick<RunningServer, 'host' | 'port' | 'tlsPort' | 'certPem' | 'certFingerprint256'>;

/** The daemon serving the plain port and the one serving the TLS port (the same one when it serves both). */
export interface PortDaemons {
  plainDaemon: ManagedProcess;
  tlsDaemon: ManagedProcess;
}

/**
 * Runs `start` on a pair of free ports. A port can be taken between freePort()
 * and the daemon's bind: when `start` fails and `portTaken(error)` says that is
 * why, it runs again on a new pair, up to START_ATTEMPTS times. Any other
 * failure, and the last one, is thrown as it is. `start` stops what it started
 * before it throws.
 */
export async function retryOnFreePorts<T>(
  start: (port: number, tlsPort: number) => Promise<T>,
  portTaken: (error: unknown) => boolean,
): Promise<T> {
  for (let attempt = 1; ; attempt += 1) {
    const port = await freePort();
    const tlsPort = await freePort();
    try {
      return await start(port, tlsPort);
    } catch (error) {
      if (attempt >= START_ATTEMPTS || !portTaken(error)) throw error;
    }
  }
}

/**
 * Starts a daemon on two free ports and waits until both greet, the TLS one
 * with `cert`. A failed start stops the daemons; when their output matches
 * `portTaken`, they are started again on a new pair (retryOnFreePorts).
 */
export function startOnFreePorts(
  server: string,
  cert: SelfSignedCert,
  portTaken: RegExp,
  start: (port: number, tlsPort: number) => Promise<PortDaemons>,
): Promise<PortDaemons & { endpoints: TlsEndpoints }> {
  // The output of the daemons of the attempt that just failed (none when `start` itself threw).
  let failedOutput: string | undefined;
  const attempt = async (port: number, tlsPort: number): Promise<PortDaemons & { endpoints: TlsEndpoints }> => {
    failedOutput = undefined;
    const { plainDaemon, tlsDaemon } = await start(port, tlsPort);
    try {
      await waitForGreeting(port, server, plainDaemon);
      await waitForGreeting(tlsPort, server, tlsDaemon, { tlsCaPem: cert.certPem });
      const endpoints: TlsEndpoints = {
        host: '127.0.0.1',
        port,
        tlsPort,
        certPem: cert.certPem,
        certFingerprint256: cert.fingerprint256,
      };
      return { plainDaemon, tlsDaemon, endpoints };
    } catch (error) {
      const daemons = [...new Set([plainDaemon, tlsDaemon])];
      for (const daemon of daemons) await daemon.stop();
      failedOutput = daemons.map((daemon) => daemon.output()).join(' ');
      throw error;
    }
  };
  return retryOnFreePorts(attempt, () => failedOutput !== undefined && portTaken.test(failedOutput));
}

// ---------------------------------------------------------------------------
// System users (PAM / shadow authenticated servers)

export interface SystemUser {
  name: string;
  uid: number;
  gid: number;
}

const USER_NAME = /^[a-z_][a-z0-9_-]{0,31}$/;

/** A name unlikely to clash with a real account: `pt-<label>-<6 hex>`. */
export function testUserName(label = 'u'): string {
  const name = `pt-${label.toLowerCase().replace(/[^a-z0-9]/g, '')}-${randomBytes(3).toString('hex')}`;
  if (!USER_NAME.test(name)) throw new Error(`test user label too long: ${label}`);
  return name;
}

/** Passwords that chpasswd, popauth's text format and every POP3 server here all take verbatim. */
const SAFE_PASSWORD = /^[\x21-\x7e]{1,128}$/;

export function validateCredentials(server: string, name: string, password: string): void {
  if (!USER_NAME.test(name)) {
    throw new Error(`${server} harness: user name ${JSON.stringify(name)} is not a valid system user name (use testUserName())`);
  }
  if (!SAFE_PASSWORD.test(password)) {
    throw new Error(`${server} harness: password for ${name} must be 1-128 printable ASCII characters without spaces`);
  }
}

function passwdEntry(name: string): SystemUser | undefined {
  const result = spawnSync('getent', ['passwd', name], { encoding: 'utf8' });
  if (result.status !== 0) return undefined;
  const fields = result.stdout.trim().split(':');
  return { name, uid: Number(fields[2]), gid: Number(fields[3]) };
}

export function systemUserExists(name: string): boolean {
  return passwdEntry(name) !== undefined;
}

let userQueue: Promise<unknown> = Promise.resolve();

/** useradd/userdel take /etc/passwd locks; serialise ours and retry when someone else holds them. */
function withUserDb<T>(task: () => Promise<T>): Promise<T> {
  const next = userQueue.then(task, task);
  userQueue = next.catch(() => undefined);
  return next;
}

async function runWithLockRetry(command: string, args: readonly string[], input?: string): Promise<void> {
  for (let attempt = 0; ; attempt += 1) {
    try {
      await run(command, args, { input });
      return;
    } catch (error) {
      const lockBusy = error instanceof CommandError && /lock/i.test(error.stderr);
      if (!lockBusy || attempt >= 40) throw error;
      await sleep(250);
    }
  }
}

function deleteUserSync(name: string): void {
  spawnSync('userdel', ['--force', name], { stdio: 'ignore' });
}

/**
 * Creates system users (home not created, nologin shell, group `users`) with the given
 * passwords. Refuses names that already exist: a harness never changes an
 * account it did not create. The GECOS field records the owner pid so a later
 * run can remove users left behind by a crashed one.
 */
export interface SystemUsers {
  /** The system user created for a test user; throws for any other name. */
  account(name: string): SystemUser;
  /** Deletes every user created. */
  remove(): Promise<void>;
}

export async function createSystemUsers(
  server: string,
  users: readonly { name: string; password: string }[],
  options: { home?: (name: string) => string } = {},
): Promise<SystemUsers> {
  const created: string[] = [];
  const removeExitHook = onProcessExit(() => created.forEach(deleteUserSync));
  const remove = (): Promise<void> =>
    withUserDb(async () => {
      for (const name of created.splice(0)) {
        if (systemUserExists(name)) await runWithLockRetry('userdel', ['--force', name]);
      }
      removeExitHook();
    });
  const result = new Map<string, SystemUser>();
  try {
    await withUserDb(async () => {
      for (const { name, password } of users) {
        validateCredentials(server, name, password);
        if (systemUserExists(name)) {
          throw new Error(`${server} harness: system user ${name} already exists; pick a fresh name (testUserName())`);
        }
        await runWithLockRetry('useradd', [
          '--no-create-home', '--home-dir', options.home?.(name) ?? '/nonexistent', '--shell', '/usr/sbin/nologin',
          '--no-user-group', '--gid', 'users',
          '--comment', `${USER_MARKER} pid=${process.pid}`,
          name,
        ]);
        created.push(name);
        await runWithLockRetry('chpasswd', [], `${name}:${password}\n`);
        const entry = passwdEntry(name);
        if (entry === undefined) throw new Error(`${server} harness: ${name} vanished right after useradd`);
        result.set(name, entry);
      }
    });
  } catch (error) {
    await remove();
    throw error;
  }
  const account = (name: string): SystemUser => {
    const found = result.get(name);
    if (found === undefined) throw new Error(`${server} harness: no test user ${JSON.stringify(name)}`);
    return found;
  };
  return { account, remove };
}

/**
 * Makes sure a daemon's own unprivileged account exists (what its Debian
 * postinst would create). Such accounts are left in place, like a package's.
 */
export async function ensureServiceAccount(name: string, home: string, comment: string): Promise<SystemUser> {
  await withUserDb(async () => {
    if (systemUserExists(name)) return;
    await runWithLockRetry('useradd', [
      '--system', '--no-create-home', '--home-dir', home, '--shell', '/usr/sbin/nologin',
      '--user-group', '--comment', comment, name,
    ]);
  });
  const entry = passwdEntry(name);
  if (entry === undefined) throw new Error(`could not create service account ${name}`);
  return entry;
}

/**
 * Removes what crashed earlier runs left: system users carrying USER_MARKER
 * (and their /var/mail spool file) and /tmp/postern-* directories, both only
 * when the recorded owner pid is gone.
 */
export async function sweepLeftovers(): Promise<void> {
  const stale: string[] = [];
  for (const line of readFileSync('/etc/passwd', 'utf8').split('\n')) {
    const fields = line.split(':');
    const name = fields[0];
    const gecos = fields[4] ?? '';
    const match = new RegExp(`^${USER_MARKER} pid=(\\d+)$`).exec(gecos);
    if (name !== undefined && match?.[1] !== undefined && !processAlive(Number(match[1]))) stale.push(name);
  }
  if (stale.length > 0) {
    await withUserDb(async () => {
      for (const name of stale) {
        const entry = passwdEntry(name);
        const spool = `/var/mail/${name}`;
        if (entry !== undefined && existsSync(spool) && statSync(spool).uid === entry.uid) rmSync(spool, { force: true });
        await runWithLockRetry('userdel', ['--force', name]).catch(() => undefined);
      }
    });
  }
  for (const entry of readdirSync('/tmp')) {
    const match = new RegExp(`^${TEMP_DIR_PREFIX}[a-z0-9]+-(\\d+)-[0-9a-f]{8}$`).exec(entry);
    if (match?.[1] !== undefined && !processAlive(Number(match[1]))) {
      rmSync(path.join('/tmp', entry), { recursive: true, force: true });
    }
  }
}

// ---------------------------------------------------------------------------
// mbox

// mbox handling works on latin1 strings: latin1 maps each byte to one UTF-16
// unit and back, so it is byte-exact for any content (8-bit mail included).
function bytesToText(buffer: Buffer): string {
  return buffer.toString('latin1');
}

function textToBytes(text: string): Buffer {
  return Buffer.from(text, 'latin1');
}

/**
 * Checks a test message is something an mbox server can store without
 * reinterpreting it: LF line ends (a CR before LF is allowed but will be
 * served as CR CR LF), a final LF, at least one header line, every header
 * line either a continuation or `name: value`, and an empty line ending the
 * header. Servers then differ only in the documented ways.
 */
export function validateMboxMessage(server: string, message: Buffer, what: string): void {
  const text = bytesToText(message);
  const fail = (why: string): never => {
    throw new Error(`${server} harness: ${what} ${why}`);
  };
  if (!text.endsWith('\n')) fail('must end with LF');
  const headerEnd = text.indexOf('\n\n');
  if (headerEnd < 0) fail('needs an empty line after its header (mbox servers misparse header-only messages)');
  if (text.startsWith('\n')) fail('needs at least one header line');
  const headerLines = text.slice(0, headerEnd).split('\n');
  headerLines.forEach((line, index) => {
    if (/^[ \t]/.test(line)) {
      if (index === 0) fail('starts with a continuation line');
      return;
    }
    if (!line.includes(':')) fail(`has a header line without a colon: ${JSON.stringify(line.slice(0, 60))}`);
  });
}

/** Header field names (lowercase) found in a message's header. */
export function headerNames(message: Buffer): string[] {
  const text = bytesToText(message);
  const end = text.indexOf('\n\n');
  return text
    .slice(0, end < 0 ? text.length : end)
    .split('\n')
    .filter((line) => line.length > 0 && !/^[ \t]/.test(line))
    .map((line) => line.slice(0, line.indexOf(':')).trim().toLowerCase());
}

const CTIME_DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'] as const;
const CTIME_MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'] as const;

/** `From sender Mon Jan  1 00:00:00 2024` in ctime(3) format, UTC. */
export function mboxFromLine(date: Date, sender = 'postern-test@localhost'): string {
  const pad = (n: number): string => String(n).padStart(2, '0');
  const day = CTIME_DAYS[date.getUTCDay()] ?? 'Mon';
  const month = CTIME_MONTHS[date.getUTCMonth()] ?? 'Jan';
  const mday = String(date.getUTCDate()).padStart(2, ' ');
  const time = `${pad(date.getUTCHours())}:${pad(date.getUTCMinutes())}:${pad(date.getUTCSeconds())}`;
  return `From ${sender} ${day} ${month} ${mday} ${time} ${date.getUTCFullYear()}`;
}

/**
 * Quotes lines that a reader could take for a message separator.
 * - `mboxrd`: every `>*From ` line gains one `>` (reversible; Mailutils removes it again).
 * - `mboxo`: only `From ` lines gain a `>` (what readers that never unquote expect).
 */
export function quoteFromLines(message: Buffer, style: 'mboxrd' | 'mboxo'): Buffer {
  const pattern = style === 'mboxrd' ? /^(>*From )/gm : /^(From )/gm;
  return textToBytes(bytesToText(message).replace(pattern, '>$1'));
}

/** Undoes mboxrd quoting: `>From ` -> `From `, `>>From ` -> `>From `. */
export function unquoteMboxrd(message: Buffer): Buffer {
  return textToBytes(bytesToText(message).replace(/^>(>*From )/gm, '$1'));
}

/** One mbox entry: the From_ line, the stored message, and the separating empty line. */
export function mboxEntry(fromLine: string, storedMessage: Buffer): Buffer {
  return Buffer.concat([textToBytes(`${fromLine}\n`), storedMessage, textToBytes('\n')]);
}

/**
 * Splits an mbox file into its messages as stored (From_ line removed, the
 * separating empty line before the next From_ line removed). A `From ` line
 * starts a message only at the start of the file or after an empty line,
 * which is how both Mailutils and popa3d read it.
 */
export function parseMbox(file: Buffer): Buffer[] {
  const text = bytesToText(file);
  if (text.length === 0) return [];
  const starts: number[] = [];
  if (text.startsWith('From ')) starts.push(0);
  for (let at = text.indexOf('\n\nFrom '); at >= 0; at = text.indexOf('\n\nFrom ', at + 1)) starts.push(at + 2);
  const messages: Buffer[] = [];
  starts.forEach((start, index) => {
    const end = starts[index + 1] ?? text.length;
    const entry = text.slice(start, end);
    const bodyStart = entry.indexOf('\n');
    let stored = bodyStart < 0 ? '' : entry.slice(bodyStart + 1);
    if (stored.endsWith('\n\n')) stored = stored.slice(0, -1);
    messages.push(textToBytes(stored));
  });
  return messages;
}

/** The messages of an mbox file as stored; none when the file cannot be read (not written yet). */
export async function readMbox(file: string): Promise<Buffer[]> {
  return parseMbox(await readFile(file).catch(() => Buffer.alloc(0)));
}

/** Message `number` (1-based) of a user's mbox file as stored right now; a RangeError when there is none. */
export function storedMboxMessage(server: string, user: string, file: string, number: number): Buffer {
  const stored = parseMbox(readFileSync(file))[number - 1];
  if (stored === undefined) throw new RangeError(`${server}: ${user} has no message ${number} on disk`);
  return stored;
}

/** LF -> CRLF, byte for byte the way the mbox servers here do it (a CR before LF stays: CR CR LF). */
export function lfToCrlf(message: Buffer): Buffer {
  return textToBytes(bytesToText(message).replace(/\n/g, '\r\n'));
}
