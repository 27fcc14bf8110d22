/**
 * A private, throw-away Dovecot POP3 server on loopback for integration tests.
 *
 * Everything lives in one fresh temporary directory: its own dovecot.conf
 * (nothing read from /etc/dovecot), passwd-file users with {PLAIN} passwords
 * (so APOP works), one Maildir per user, a self-signed certificate, the log
 * and Dovecot's rawlog of every post-login session.
 *
 * Lifecycle: `dovecot -F` runs as a detached child (its own process group).
 * `stop()` stops it and removes the directory. A process 'exit' hook and a tiny
 * shell watchdog (which notices when this Node process dies, even by SIGKILL)
 * make sure no Dovecot outlives the test run.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import {
  accessSync,
  chmodSync,
  chownSync,
  constants as fsConstants,
  mkdirSync,
  mkdtempSync,
  openSync,
  closeSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  utimesSync,
  writeFileSync,
  renameSync,
  existsSync,
} from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { crlfLineEnds } from '../maildrop';
import { sleep } from '../sleep';
import { killGroup, onProcessExit, readGreeting, retryOnFreePorts, spawnWatchdog } from './common';
import type { RunningServer, StartOptions } from './types';

/** How long Dovecot may take to answer its first greeting. */
const START_TIMEOUT_MS = 15_000;
/** How long an orderly SIGTERM shutdown may take before SIGKILL. */
const STOP_TIMEOUT_MS = 5_000;
/** Maildir file times start here; message k of a user gets BASE + k seconds. */
const MAILDIR_BASE_SECONDS = 1_700_000_000;

export const DOVECOT_INSTALL_HINT =
  'Install it with `apt-get install dovecot-pop3d` (Debian/Ubuntu, as root), ' +
  'or run `npm test` as root, which installs missing test dependencies (scripts/ensure-test-deps.mjs).';

export interface DovecotOptions extends StartOptions {
  /** Path of the dovecot binary (default: /usr/sbin/dovecot, then $PATH). */
  dovecotBinary?: string;
  /** Dovecot's default is 10 sessions per user and IP; raise it for pool stress tests. */
  maxUserIpConnections?: number;
  /** Extra lines appended to dovecot.conf, for one-off experiments. */
  extraConfig?: string;
  /**
   * OAuth 2.0 instead of passwords: the oauth2 passdb's settings (introspection
   * URL, username_attribute, scope, …; see oidc-provider.ts). Mechanisms then
   * are PLAIN, XOAUTH2 and OAUTHBEARER; users still need a passwd-file entry
   * for their home and uid (the password there is never checked).
   */
  oauth2?: string[];
}

/** The harness's own view of the server, beyond the shared `RunningServer`. */
export interface DovecotServer extends RunningServer {
  /** The temporary directory holding config, mail, certificate and logs. */
  dir: string;
  /** PID of the Dovecot master process. */
  pid: number;
  /** The dovecot.conf that was used. */
  config: string;
}

interface MailOwner {
  uid: number;
  gid: number;
  /** Dovecot's internal and login users (names); only differ from defaults when not root. */
  internalUser?: string;
  internalGroup?: string;
  loginUser?: string;
}

// ---------------------------------------------------------------------------
// Cleanup of every server this process started, whatever happens to it.

interface Cleanup {
  pgid: number;
  watchdog?: ChildProcess;
  removeExitHook: () => void;
}

/** If this process exits without stop(): kill the group and remove the directory. */
function killOnProcessExit(pgid: number, dir: string): () => void {
  return onProcessExit(() => {
    killGroup(pgid, 'SIGKILL');
    // The watchdog sees our pipe close and removes the directory again after
    // the processes are surely gone; this is the fast path.
    rmSync(dir, { recursive: true, force: true, maxRetries: 3 });
  });
}

/**
 * A watchdog that, when this process dies, kills Dovecot's process group and
 * removes the directory.
 */
function startWatchdog(pgid: number, dir: string): ChildProcess | undefined {
  const script = 'while read -r _; do :; done; kill -9 -"$0" 2>/dev/null; sleep 1; rm -rf -- "$1"';
  try {
    return spawnWatchdog(script, [String(pgid), dir]);
  } catch {
    return undefined;
  }
}

// ---------------------------------------------------------------------------
// Discovery

function isExecutable(file: string): boolean {
  try {
    accessSync(file, fsConstants.X_OK);
    return statSync(file).isFile();
  } catch {
    return false;
  }
}

/** /usr/sbin is often missing from a non-root $PATH, so look there first. */
function findBinary(name: string, explicit?: string): string | undefined {
  if (explicit !== undefined) return isExecutable(explicit) ? explicit : undefined;
  const dirs = ['/usr/sbin', '/usr/bin', '/sbin', '/bin', ...(process.env.PATH ?? '').split(path.delimiter)];
  for (const dir of dirs) {
    if (dir === '') continue;
    const candidate = path.join(dir, name);
    if (isExecutable(candidate)) return candidate;
  }
  return undefined;
}

const versionCache = new Map<string, string>();

function dovecotVersion(binary: string): string {
  const cached = versionCache.get(binary);
  if (cached !== undefined) return cached;
  const result = spawnSync(binary, ['--version'], { encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`\`${binary} --version\` failed: ${result.stderr || result.error?.message}`);
  // "2.3.19.1 (9b53102964)" → "2.3.19.1"
  const version = result.stdout.trim().split(/\s+/)[0] ?? result.stdout.trim();
  versionCache.set(binary, version);
  return version;
}

function userByName(name: string): { uid: number; gid: number } | undefined {
  const result = spawnSync('getent', ['passwd', name], { encoding: 'utf8' });
  if (result.status !== 0) return undefined;
  const fields = result.stdout.trim().split(':');
  const uid = Number(fields[2]);
  const gid = Number(fields[3]);
  return Number.isInteger(uid) && Number.isInteger(gid) ? { uid, gid } : undefined;
}

/**
 * As root: mail belongs to `postern-mail` when that system user exists (create
 * it with `useradd --system --user-group postern-mail` if you prefer), else to
 * `nobody`; a throw-away maildir needs no dedicated account. Not root: Dovecot
 * runs entirely as the current user.
 */
function mailOwner(): MailOwner {
  const uid = process.getuid?.() ?? 0;
  const gid = process.getgid?.() ?? 0;
  if (uid !== 0) {
    const me = os.userInfo().username;
    const group = spawnSync('id', ['-gn'], { encoding: 'utf8' }).stdout.trim() || me;
    return { uid, gid, internalUser: me, internalGroup: group, loginUser: me };
  }
  const owner = userByName('postern-mail') ?? userByName('nobody');
  if (!owner) throw new Error('Neither a `postern-mail` nor a `nobody` user exists to own the test maildirs.');
  return owner;
}

// ---------------------------------------------------------------------------
// Small helpers

function run(command: string, args: string[]): string {
  const result = spawnSync(command, args, { encoding: 'utf8' });
  if (result.error) throw new Error(`${command} could not run: ${result.error.message}`);
  if (result.status !== 0) throw new Error(`${command} ${args.join(' ')} failed (${result.status}):\n${result.stderr}`);
  return result.stdout;
}

function validateUsers(options: StartOptions): void {
  const seen = new Set<string>();
  for (const user of options.users) {
    if (!/^[A-Za-z0-9._-]+(@[A-Za-z0-9.-]+)?$/.test(user.name)) {
      throw new Error(`Test user name ${JSON.stringify(user.name)}: use letters, digits, . _ - and an optional @domain.`);
    }
    if (/[:\r\n\0]/.test(user.password) || user.password === '') {
      throw new Error(`Test user ${user.name}: the password must be non-empty and free of ':', CR, LF, NUL (passwd-file format).`);
    }
    if (seen.has(user.name)) throw new Error(`Test user ${user.name} is listed twice.`);
    seen.add(user.name);
  }
}

// ---------------------------------------------------------------------------
// Maildir

/** Parses the "<seconds>." prefix of our Maildir names; Dovecot numbers new mail by it. */
function filenameSeconds(name: string): number {
  const match = /^(\d+)\./.exec(name);
  return match?.[1] === undefined ? Number.MAX_SAFE_INTEGER : Number(match[1]);
}

/**
 * Dovecot gives new Maildir files UIDs in order of the number that starts
 * their name (2.3 compares only that number), so every message gets its own
 * second: message k is "<BASE+k>.M<k>P1Q<k>.postern". The name has no PID or
 * host in it, so UIDLs (`%g` = base filename) are the same on every run.
 */
function maildirName(sequence: number): string {
  return `${MAILDIR_BASE_SECONDS + sequence}.M${sequence}P1Q${sequence}.postern`;
}

class Maildir {
  /** Next sequence number per user (1 = first message ever delivered). */
  private readonly sequence = new Map<string, number>();

  constructor(
    private readonly homeRoot: string,
    private readonly owner: MailOwner,
  ) {}

  home(user: string): string {
    return path.join(this.homeRoot, user);
  }

  private dir(user: string, sub: 'new' | 'cur' | 'tmp'): string {
    return path.join(this.home(user), 'Maildir', sub);
  }

  create(user: string): void {
    const home = this.home(user);
    for (const dir of [home, path.join(home, 'Maildir'), this.dir(user, 'new'), this.dir(user, 'cur'), this.dir(user, 'tmp')]) {
      mkdirSync(dir, { mode: 0o700 });
      chownSync(dir, this.owner.uid, this.owner.gid);
    }
    this.sequence.set(user, 1);
  }

  /** Atomic delivery: write into tmp/, fix owner and times, rename into new/. */
  deliver(user: string, message: Buffer): void {
    const sequence = this.sequence.get(user);
    if (sequence === undefined) throw new Error(`No such test user: ${user}`);
    this.sequence.set(user, sequence + 1);
    const name = maildirName(sequence);
    const temporary = path.join(this.dir(user, 'tmp'), name);
    writeFileSync(temporary, message, { mode: 0o600 });
    chownSync(temporary, this.owner.uid, this.owner.gid);
    const seconds = MAILDIR_BASE_SECONDS + sequence;
    utimesSync(temporary, seconds, seconds);
    renameSync(temporary, path.join(this.dir(user, 'new'), name));
  }

  /** Stored files in Dovecot's numbering order (new/ and cur/ together). */
  files(user: string): string[] {
    if (!this.sequence.has(user)) throw new Error(`No such test user: ${user}`);
    // By base name (before ":2,"): a file Dovecot moves from new/ to cur/ between the two readdirs
    // would otherwise be listed twice, shifting every number after it.
    const byBase = new Map<string, { name: string; file: string }>();
    for (const sub of ['new', 'cur'] as const) {
      for (const name of readdirSync(this.dir(user, sub))) {
        if (!name.startsWith('.')) byBase.set(name.split(':')[0]!, { name, file: path.join(this.dir(user, sub), name) });
      }
    }
    const entries = [...byBase.values()];
    entries.sort((a, b) => filenameSeconds(a.name) - filenameSeconds(b.name) || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    return entries.map((entry) => entry.file);
  }
}

// ---------------------------------------------------------------------------
// Configuration

interface ConfigInput {
  dir: string;
  plainPort: number;
  tlsPort: number;
  owner: MailOwner;
  lockSession: boolean;
  maxUserIpConnections?: number;
  extraConfig?: string;
  oauth2?: string[];
}

function dovecotConfig(input: ConfigInput): string {
  const { dir, owner } = input;
  const lines = [
    '# Generated by tests/support/servers/dovecot.ts: a private test instance.',
    `base_dir = ${dir}/run`,
    `state_dir = ${dir}/state`,
    `instance_name = ${path.basename(dir)}`,
    `log_path = ${dir}/dovecot.log`,
    'mail_log_prefix = "%s(%u)<%{pid}><%{session}>: "',
    'protocols = pop3',
    'listen = 127.0.0.1',
    '',
    '# The tests log in with USER/PASS on the plain port on purpose.',
    'disable_plaintext_auth = no',
    input.oauth2 ? 'auth_mechanisms = plain xoauth2 oauthbearer' : 'auth_mechanisms = plain login apop cram-md5',
    'auth_verbose = yes',
    '# Wrong-password tests must be fast: no 2 s failure delay ...',
    'auth_failure_delay = 0',
    '',
    'ssl = yes',
    `ssl_cert = <${dir}/cert.pem`,
    `ssl_key = <${dir}/key.pem`,
    'ssl_min_protocol = TLSv1.2',
    '',
    'first_valid_uid = 1',
    'first_valid_gid = 1',
    ...(owner.internalUser !== undefined
      ? [
          `default_internal_user = ${owner.internalUser}`,
          `default_internal_group = ${owner.internalGroup ?? owner.internalUser}`,
          `default_login_user = ${owner.loginUser ?? owner.internalUser}`,
        ]
      : []),
    'mail_location = maildir:~/Maildir',
    '# Every post-login session writes <time>.<pid>.<n>.in/.out here (logText() reads the .in).',
    `rawlog_dir = ${dir}/rawlog/%u`,
    '',
    '# %g is the Maildir base filename: stable across restarts and runs.',
    'pop3_uidl_format = %g',
    `pop3_lock_session = ${input.lockSession ? 'yes' : 'no'}`,
    ...(input.maxUserIpConnections !== undefined
      ? ['protocol pop3 {', `  mail_max_userip_connections = ${input.maxUserIpConnections}`, '}']
      : []),
    '',
    'passdb {',
    ...(input.oauth2
      ? ['  driver = oauth2', `  args = ${dir}/dovecot-oauth2.conf.ext`]
      : ['  driver = passwd-file', `  args = scheme=PLAIN username_format=%u ${dir}/passwd`]),
    '}',
    'userdb {',
    '  driver = passwd-file',
    `  args = username_format=%u ${dir}/passwd`,
    '}',
    '',
    'service pop3-login {',
    // chroot needs root; a non-root instance runs without it.
    ...(owner.internalUser !== undefined ? ['  chroot ='] : []),
    '  inet_listener pop3 {',
    '    address = 127.0.0.1',
    `    port = ${input.plainPort}`,
    '  }',
    '  inet_listener pop3s {',
    '    address = 127.0.0.1',
    `    port = ${input.tlsPort}`,
    '    ssl = yes',
    '  }',
    '}',
    '# ... and no growing per-IP penalty (up to 15 s) after repeated failures:',
    '# without this listener the auth process skips the anvil penalty lookup.',
    'service anvil {',
    ...(owner.internalUser !== undefined ? ['  chroot ='] : []),
    '  unix_listener anvil-auth-penalty {',
    '    mode = 0',
    '  }',
    '}',
    ...(input.extraConfig !== undefined ? ['', input.extraConfig] : []),
    '',
  ];
  return lines.join('\n');
}

// ---------------------------------------------------------------------------
// Start

/** Starts a private Dovecot. Throws with install instructions when Dovecot is missing. */
export async function startDovecot(options: DovecotOptions): Promise<DovecotServer> {
  const binary = findBinary('dovecot', options.dovecotBinary);
  if (binary === undefined) {
    throw new Error(
      `Dovecot is not installed: no executable ${options.dovecotBinary ?? '`dovecot` in /usr/sbin or $PATH'}. ${DOVECOT_INSTALL_HINT}`,
    );
  }
  const doveconf = findBinary('doveconf', options.dovecotBinary === undefined ? undefined : path.join(path.dirname(options.dovecotBinary), 'doveconf')) ?? findBinary('doveconf');
  const openssl = findBinary('openssl');
  if (openssl === undefined) throw new Error('openssl is not installed. Install it with `apt-get install openssl`.');
  validateUsers(options);
  const version = dovecotVersion(binary);
  const owner = mailOwner();

  // Dovecot's unprivileged processes must be able to walk into the directory.
  const tmpRoot = (statSync(os.tmpdir()).mode & 0o001) !== 0 ? os.tmpdir() : '/tmp';
  const dir = mkdtempSync(path.join(tmpRoot, 'postern-dovecot-'));
  let cleanupNeeded = true;
  try {
    chmodSync(dir, 0o755);
    mkdirSync(path.join(dir, 'run'), { mode: 0o755 });
    mkdirSync(path.join(dir, 'state'), { mode: 0o750 });
    mkdirSync(path.join(dir, 'home'), { mode: 0o755 });
    mkdirSync(path.join(dir, 'rawlog'), { mode: 0o755 });

    run(openssl, [
      'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '30',
      '-subj', '/CN=localhost',
      '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1',
      '-keyout', path.join(dir, 'key.pem'),
      '-out', path.join(dir, 'cert.pem'),
    ]);
    const certPem = readFileSync(path.join(dir, 'cert.pem'), 'utf8');
    const certFingerprint256 = new X509Certificate(certPem).fingerprint256.replace(/:/g, '').toLowerCase();

    // passwd-file: user:{PLAIN}password:uid:gid::home:: (readable by the auth process).
    const maildir = new Maildir(path.join(dir, 'home'), owner);
    const passwd = options.users
      .map((user) => `${user.name}:{PLAIN}${user.password}:${owner.uid}:${owner.gid}::${maildir.home(user.name)}::`)
      .join('\n');
    writeFileSync(path.join(dir, 'passwd'), `${passwd}\n`, { mode: 0o644 });

    for (const user of options.users) {
      maildir.create(user.name);
      for (const message of user.messages) maildir.deliver(user.name, message);
      const rawlog = path.join(dir, 'rawlog', user.name);
      mkdirSync(rawlog, { mode: 0o700 });
      chownSync(rawlog, owner.uid, owner.gid);
    }

    const server = await retryOnFreePorts(async (plainPort, tlsPort) => {
      const config = dovecotConfig({
        dir,
        plainPort,
        tlsPort,
        owner,
        lockSession: options.lockSession ?? false,
        maxUserIpConnections: options.maxUserIpConnections,
        extraConfig: options.extraConfig,
        oauth2: options.oauth2,
      });
      if (options.oauth2) writeFileSync(path.join(dir, 'dovecot-oauth2.conf.ext'), `${options.oauth2.join('\n')}\n`, { mode: 0o644 });
      const configFile = path.join(dir, 'dovecot.conf');
      writeFileSync(configFile, config, { mode: 0o644 });
      if (doveconf !== undefined) {
        const check = spawnSync(doveconf, ['-c', configFile, '-n'], { encoding: 'utf8' });
        if (check.status !== 0) throw new Error(`doveconf rejected the generated config:\n${check.stderr}\n--- ${configFile} ---\n${config}`);
      }
      // launch() stops a Dovecot that did not come up; another process may have taken a port first.
      const running = await launch({ binary, configFile, config, dir, plainPort, tlsPort });
      return finish({ running, version, dir, plainPort, tlsPort, certPem, certFingerprint256, maildir, config });
    }, (error) => error instanceof Error && /Address already in use/.test(error.message));
    cleanupNeeded = false;
    return server;
  } finally {
    if (cleanupNeeded) rmSync(dir, { recursive: true, force: true });
  }
}

interface Launched {
  child: ChildProcess;
  cleanup: Cleanup;
}

async function launch(input: { binary: string; configFile: string; config: string; dir: string; plainPort: number; tlsPort: number }): Promise<Launched> {
  const stderrFile = path.join(input.dir, 'dovecot.stderr');
  const stderrFd = openSync(stderrFile, 'a');
  let child: ChildProcess;
  try {
    // detached: its own process group, so one kill reaches every Dovecot process.
    child = spawn(input.binary, ['-F', '-c', input.configFile], { detached: true, stdio: ['ignore', stderrFd, stderrFd] });
  } finally {
    closeSync(stderrFd);
  }
  const pid = child.pid;
  if (pid === undefined) {
    const error = await new Promise<Error>((resolve) => child.once('error', resolve));
    throw new Error(`could not run ${input.binary}: ${error.message}`);
  }
  child.unref();
  const cleanup: Cleanup = { pgid: pid, watchdog: startWatchdog(pid, input.dir), removeExitHook: killOnProcessExit(pid, input.dir) };

  let exited: string | undefined;
  child.once('exit', (code, signal) => {
    exited = `exited with ${signal ?? `code ${code}`}`;
  });

  const log = (): string => {
    const parts: string[] = [];
    for (const file of [stderrFile, path.join(input.dir, 'dovecot.log')]) {
      if (existsSync(file)) parts.push(readFileSync(file, 'utf8').trim());
    }
    return parts.filter((p) => p !== '').join('\n');
  };

  const deadline = Date.now() + START_TIMEOUT_MS;
  let lastProblem = 'no connection yet';
  while (Date.now() < deadline) {
    if (exited !== undefined) {
      await stopLaunched({ child, cleanup });
      throw new Error(`Dovecot ${exited} during startup.\n--- log ---\n${log()}`);
    }
    // A fatal startup error (bad setting, chroot refused, port taken) will not fix itself.
    const fatal = /^.* Fatal: .*$/m.exec(log());
    if (fatal !== null) {
      await stopLaunched({ child, cleanup });
      throw new Error(`Dovecot failed to start: ${fatal[0]}\n--- log ---\n${log()}`);
    }
    try {
      const greeting = await readGreeting(input.plainPort, 2_000);
      if (greeting.startsWith('+OK')) return { child, cleanup };
      lastProblem = `unexpected greeting ${JSON.stringify(greeting)}`;
    } catch (error) {
      lastProblem = error instanceof Error ? error.message : String(error);
    }
    await sleep(50);
  }
  await stopLaunched({ child, cleanup });
  throw new Error(
    `Dovecot did not greet with +OK on 127.0.0.1:${input.plainPort} within ${START_TIMEOUT_MS / 1000} s (${lastProblem}).\n` +
      `--- log ---\n${log()}\n--- ${input.configFile} ---\n${input.config}`,
  );
}

/** SIGTERM to the master (it stops its children), SIGKILL to the group if that takes too long. */
async function stopLaunched({ child, cleanup }: Launched): Promise<void> {
  cleanup.watchdog?.kill('SIGKILL');
  if (child.exitCode === null && child.signalCode === null) {
    child.ref();
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    try {
      process.kill(cleanup.pgid, 'SIGTERM');
    } catch {
      // already gone
    }
    const timer = setTimeout(() => killGroup(cleanup.pgid, 'SIGKILL'), STOP_TIMEOUT_MS);
    await exited;
    clearTimeout(timer);
  }
  // Anything left in the group (a login process mid-handshake) goes too.
  killGroup(cleanup.pgid, 'SIGKILL');
  cleanup.removeExitHook();
}

function finish(input: {
  running: Launched;
  version: string;
  dir: string;
  plainPort: number;
  tlsPort: number;
  certPem: string;
  certFingerprint256: string;
  maildir: Maildir;
  config: string;
}): DovecotServer {
  const { running, dir, maildir } = input;
  let stopped: Promise<void> | undefined;

  const logText = async (): Promise<string> => {
    const main = await readFile(path.join(dir, 'dovecot.log'), 'utf8').catch(() => '');
    // rawlog/<user>/<yyyymmdd-hhmmss>.<pid>.<n>.in: "<epoch.usec> COMMAND" per line.
    const commands: { time: number; line: string }[] = [];
    const users = await readdir(path.join(dir, 'rawlog')).catch(() => []);
    for (const user of users) {
      const files = await readdir(path.join(dir, 'rawlog', user)).catch(() => []);
      for (const file of files.filter((f) => f.endsWith('.in'))) {
        const pid = file.split('.')[1] ?? '?';
        const text = await readFile(path.join(dir, 'rawlog', user, file), 'latin1').catch(() => '');
        for (const raw of text.split('\n')) {
          const match = /^(\d+\.\d+) (.*)$/.exec(raw.replace(/\r$/, ''));
          if (match?.[1] !== undefined && match[2] !== undefined) {
            commands.push({ time: Number(match[1]), line: `pop3(${user})<${pid}> C: ${match[2]}` });
          }
        }
      }
    }
    commands.sort((a, b) => a.time - b.time);
    return `${main}--- commands after login (rawlog) ---\n${commands.map((c) => `${c.line}\n`).join('')}`;
  };

  return {
    name: 'dovecot',
    version: input.version,
    host: '127.0.0.1',
    port: input.plainPort,
    tlsPort: input.tlsPort,
    certPem: input.certPem,
    certFingerprint256: input.certFingerprint256,
    supports: { stls: true, implicitTls: true, apop: true, saslPlain: true, user: true, capa: true },
    dir,
    pid: running.cleanup.pgid,
    config: input.config,
    expectedRetr(user: string, number: number): Buffer {
      // Dovecot moves files from new/ to cur/ (renaming them) when a session opens the maildrop:
      // a file listed a moment ago may be gone, so list again and retry.
      for (let attempt = 1; ; attempt++) {
        const files = maildir.files(user);
        const file = files[number - 1];
        if (file === undefined) throw new Error(`${user} has ${files.length} stored messages; there is no message ${number}.`);
        try {
          return crlfLineEnds(readFileSync(file));
        } catch (error) {
          if ((error as NodeJS.ErrnoException).code !== 'ENOENT' || attempt >= 20) throw error;
          Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 10);
        }
      }
    },
    async deliver(user: string, message: Buffer): Promise<void> {
      maildir.deliver(user, message);
    },
    async storedCount(user: string): Promise<number> {
      return maildir.files(user).length;
    },
    logText,
    stop(): Promise<void> {
      stopped ??= (async () => {
        await stopLaunched(running);
        rmSync(dir, { recursive: true, force: true, maxRetries: 5, retryDelay: 50 });
      })();
      return stopped;
    },
  };
}
