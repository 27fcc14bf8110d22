/**
 * Courier POP3 (`courierpop3login` + `courierpop3d`) on 127.0.0.1: a plain
 * port with STLS and an implicit-TLS port, both served by `couriertcpd`.
 * The Debian package courier-pop `Conflicts: pop3-server` (and ships its own
 * /usr/sbin/pop3d), so it is `apt-get download`ed and unpacked with `dpkg -x`
 * into PACKAGE_CACHE_DIR/courier-pop; its helpers (courier-base for
 * couriertcpd/couriertls, courier-authdaemon/-authlib) are apt-installed.
 *
 * Authentication goes through Courier's `authdaemond`, whose configuration
 * (/etc/courier/authdaemonrc: `authmodulelist="authpam"`) and socket
 * (/run/courier/authdaemon/socket) are compiled-in and system-wide. The harness
 * starts authdaemond when nothing answers on that socket and stops it with the
 * last Courier server of this process; an authdaemond someone else runs is
 * used and left alone. Users are system users (PAM) whose home is in the
 * harness's directory, with `~/Maildir`.
 *
 * What RETR serves, determined by running it (Courier 1.0.16): the Maildir
 * file with LF -> CRLF (a CR before an LF becomes CR CR LF), headers and body
 * untouched. Messages are numbered in file-name order (the harness names files
 * `<1700000000+k>.M<k>P1Q<k>.postern` and sets their mtime to match). After a
 * session Courier moves files from new/ to cur/ with a `:2,S` suffix and keeps
 * UIDs (`UID<k>-<uidvalidity>`) in Maildir/courierpop3dsizelist.
 * No APOP (no timestamp in the greeting). The log (couriertcpd's stderr)
 * records logins and logouts, not commands.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { chmod, chown, mkdir, rename, rm, utimes, writeFile } from 'node:fs/promises';
import * as net from 'node:net';
import * as path from 'node:path';

import type { RunningServer, StartOptions } from './types';
import {
  GREETING_TIMEOUT_MS,
  createSystemUsers,
  distinctUserNames,
  lfToCrlf,
  makeSelfSignedCert,
  makeTempDir,
  missingSharedLibraries,
  prepareHarness,
  refuseSessionLock,
  run,
  startManagedProcess,
  startOnFreePorts,
  stopOnce,
  unpackDebianPackage,
  type ManagedProcess,
  type SystemUsers,
} from './common';
import { sleep } from '../sleep';

const SERVER = 'courier';
const PACKAGES = [
  'courier-base',
  'courier-authdaemon',
  'courier-authlib',
  'courier-authlib-userdb',
  'libcourier-unicode4',
  'libidn12',
  'openssl',
] as const;
const COURIERTCPD = '/usr/sbin/couriertcpd';
const COURIERTLS = '/usr/bin/couriertls';
const AUTHDAEMOND = '/usr/lib/courier/courier-authlib/authdaemond';
const AUTHDAEMON_DIR = '/run/courier/authdaemon';
const AUTHDAEMON_SOCKET = path.join(AUTHDAEMON_DIR, 'socket');
const DH_PARAMS = '/etc/courier/dhparams.pem';
/** Maildir file times (and names) start here; message k gets BASE + k seconds. */
const MAILDIR_BASE_SECONDS = 1_700_000_000;

// ---------------------------------------------------------------------------
// authdaemond, shared by every Courier harness of this process

let authdaemon: { daemon: ManagedProcess | undefined; users: number } | undefined;
let authdaemonLock: Promise<unknown> = Promise.resolve();

function socketAnswers(socketPath: string): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ path: socketPath });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

function withAuthdaemonLock<T>(task: () => Promise<T>): Promise<T> {
  const next = authdaemonLock.then(task, task);
  authdaemonLock = next.catch(() => undefined);
  return next;
}

/** Makes sure authdaemond answers; returns the release to call at stop(). */
function acquireAuthdaemon(): Promise<() => Promise<void>> {
  return withAuthdaemonLock(async () => {
    const release = (): Promise<void> =>
      withAuthdaemonLock(async () => {
        if (authdaemon === undefined) return;
        authdaemon.users -= 1;
        if (authdaemon.users > 0) return;
        const { daemon } = authdaemon;
        authdaemon = undefined;
        await daemon?.stop();
      });
    if (authdaemon !== undefined) {
      authdaemon.users += 1;
      return release;
    }
    if (await socketAnswers(AUTHDAEMON_SOCKET)) {
      authdaemon = { daemon: undefined, users: 1 }; // someone else's: use it, never stop it
      return release;
    }
    await mkdir(AUTHDAEMON_DIR, { recursive: true });
    await run('chown', ['courier:courier', AUTHDAEMON_DIR]);
    await chmod(AUTHDAEMON_DIR, 0o750);
    const daemon = startManagedProcess(AUTHDAEMOND, []);
    const deadline = Date.now() + GREETING_TIMEOUT_MS;
    while (!(await socketAnswers(AUTHDAEMON_SOCKET))) {
      const status = daemon.exitStatus();
      if (status !== undefined || Date.now() > deadline) {
        await daemon.stop();
        throw new Error(
          `${SERVER} harness: authdaemond did not open ${AUTHDAEMON_SOCKET} ` +
            `(${status === undefined ? 'timed out' : `exited ${String(status.code ?? status.signal)}`}): ${daemon.output().trim()}`,
        );
      }
      await sleep(50);
    }
    authdaemon = { daemon, users: 1 };
    return release;
  });
}

// ---------------------------------------------------------------------------
// Maildir

function maildirName(sequence: number): string {
  return `${MAILDIR_BASE_SECONDS + sequence}.M${sequence}P1Q${sequence}.postern`;
}

function sequenceOf(file: string): number {
  const match = /^(\d+)\./.exec(path.basename(file));
  return match?.[1] === undefined ? Number.MAX_SAFE_INTEGER : Number(match[1]);
}

/**
 * Stored message files in Courier's numbering order (new/ and cur/ together), one per message: Courier
 * moves a file from new/ to cur/ as it reads it, so a message read between the two listings is seen in
 * both; its name before the flags (":2,…") is the same in either place.
 */
function maildirFiles(maildir: string): string[] {
  const byMessage = new Map<string, string>();
  for (const sub of ['new', 'cur']) {
    const dir = path.join(maildir, sub);
    if (!existsSync(dir)) continue;
    for (const name of readdirSync(dir)) if (!name.startsWith('.')) byMessage.set(name.split(':')[0]!, path.join(dir, name));
  }
  return [...byMessage.values()].sort((a, b) => sequenceOf(a) - sequenceOf(b) || (a < b ? -1 : a > b ? 1 : 0));
}

function validateMessage(message: Buffer, what: string): void {
  if (message.length > 0 && message[message.length - 1] !== 0x0a) {
    throw new Error(`${SERVER} harness: ${what} must end with LF`);
  }
}

// ---------------------------------------------------------------------------

export async function startCourier(options: StartOptions): Promise<RunningServer> {
  await prepareHarness(SERVER, PACKAGES);
  refuseSessionLock(SERVER, 'Courier', options);
  options.users.forEach((user) =>
    user.messages.forEach((message, index) => validateMessage(message, `message ${index + 1} of ${user.name}`)),
  );
  distinctUserNames(SERVER, options.users);

  const unpacked = await unpackDebianPackage(SERVER, 'courier-pop');
  const login = path.join(unpacked.root, 'usr/lib/courier/courier/courierpop3login');
  const pop3d = path.join(unpacked.root, 'usr/lib/courier/courier/courierpop3d');
  for (const binary of [login, pop3d, COURIERTCPD, COURIERTLS]) {
    const missing = await missingSharedLibraries(binary);
    if (missing.length > 0) throw new Error(`${SERVER} harness: ${binary} cannot load ${missing.join(', ')}`);
  }
  if (!existsSync(DH_PARAMS)) {
    throw new Error(`${SERVER} harness: ${DH_PARAMS} is missing (courier-base's postinst makes it; run \`mkdhparams\`)`);
  }
  const version = /^(?:\d+:)?([^-+]+)/.exec(unpacked.version)?.[1] ?? unpacked.version;

  const dir = await makeTempDir(SERVER);
  let accounts: SystemUsers | undefined;
  let releaseAuthdaemon: (() => Promise<void>) | undefined;
  const daemons: ManagedProcess[] = [];
  const cleanup = async (): Promise<void> => {
    for (const daemon of daemons.splice(0)) await daemon.stop();
    await releaseAuthdaemon?.();
    releaseAuthdaemon = undefined;
    await accounts?.remove();
    await rm(dir, { recursive: true, force: true });
  };

  try {
    await chmod(dir, 0o711); // users must reach their home after courierpop3login switches to them
    await mkdir(path.join(dir, 'home'), { mode: 0o711 });
    await chmod(path.join(dir, 'home'), 0o711);
    const cert = await makeSelfSignedCert(dir);
    const pem = path.join(dir, 'pop3d.pem'); // couriertls wants key and certificate in one file
    await writeFile(pem, `${readFileSync(cert.keyPath, 'utf8')}${cert.certPem}`, { mode: 0o600 });
    // For STLS couriertls runs as the `courier` account (as Debian's /etc/courier/pop3d.pem is owned).
    await run('chown', ['courier', pem]);

    const home = (name: string): string => path.join(dir, 'home', name);
    accounts = await createSystemUsers(SERVER, options.users, { home });
    const { account } = accounts;
    const maildir = (name: string): string => path.join(home(name), 'Maildir');
    const nextSequence = new Map<string, number>();
    const deliverFile = async (name: string, message: Buffer): Promise<void> => {
      const { uid, gid } = account(name);
      const sequence = nextSequence.get(name) ?? 1;
      nextSequence.set(name, sequence + 1);
      const temporary = path.join(maildir(name), 'tmp', maildirName(sequence));
      await writeFile(temporary, message, { mode: 0o600 });
      await chown(temporary, uid, gid);
      await utimes(temporary, MAILDIR_BASE_SECONDS + sequence, MAILDIR_BASE_SECONDS + sequence);
      await rename(temporary, path.join(maildir(name), 'new', maildirName(sequence)));
    };
    for (const user of options.users) {
      const { uid, gid } = account(user.name);
      for (const sub of ['', 'Maildir', 'Maildir/new', 'Maildir/cur', 'Maildir/tmp']) {
        const target = path.join(home(user.name), sub);
        await mkdir(target, { mode: 0o700 });
        await chown(target, uid, gid);
      }
      for (const message of user.messages) await deliverFile(user.name, message);
    }

    releaseAuthdaemon = await acquireAuthdaemon();
    for (const user of options.users) {
      try {
        await run('authtest', [user.name, user.password]);
      } catch (error) {
        throw new Error(
          `${SERVER} harness: authdaemond refused ${user.name} (check authmodulelist in /etc/courier/authdaemonrc includes authpam): ${String(error)}`,
        );
      }
    }

    const logFile = path.join(dir, 'courier.log');
    const environment: Record<string, string> = {
      PATH: '/usr/bin:/bin:/usr/sbin:/sbin',
      SHELL: '/bin/sh',
      POP3AUTH: 'PLAIN LOGIN',
      POP3AUTH_TLS: 'PLAIN LOGIN',
      POP3_STARTTLS: 'YES',
      POP3_TLS_REQUIRED: '0',
      COURIERTLS,
      TLS_CERTFILE: pem,
      TLS_DHPARAMS: DH_PARAMS,
      TLS_VERIFYPEER: 'NONE',
      TLS_TRUSTCERTS: '/etc/ssl/certs/ca-certificates.crt',
    };
    const tcpd = (port: number, implicitTls: boolean): ManagedProcess =>
      startManagedProcess(
        COURIERTCPD,
        [
          '-address=127.0.0.1', '-maxprocs=40', '-maxperip=40', '-nodnslookup', '-noidentlookup',
          `-stderr=${logFile}`,
          String(port),
          ...(implicitTls ? [COURIERTLS, '-server', '-tcpd'] : []),
          login, pop3d, 'Maildir',
        ],
        { env: environment },
      );

    const { plainDaemon, tlsDaemon, endpoints } = await startOnFreePorts(SERVER, cert, /in use/i, async (port, tlsPort) => ({
      plainDaemon: tcpd(port, false),
      tlsDaemon: tcpd(tlsPort, true),
    }));
    daemons.push(plainDaemon, tlsDaemon);

    return {
      name: SERVER,
      version,
      ...endpoints,
      supports: { stls: true, implicitTls: true, apop: false, saslPlain: true, user: true, capa: true },
      expectedRetr(user, number) {
        account(user);
        // Courier renames a message's file as it reads it (the Seen flag after ":2,"): listed under one name, it may
        // be gone by the time it is opened. The rename is atomic, so listing again finds it under the new one.
        for (let attempt = 0; ; attempt++) {
          const file = maildirFiles(maildir(user))[number - 1];
          if (file === undefined) throw new RangeError(`${SERVER}: ${user} has no message ${number} on disk`);
          try {
            return lfToCrlf(readFileSync(file));
          } catch (error) {
            if ((error as NodeJS.ErrnoException).code !== 'ENOENT' || attempt >= 10) throw error;
          }
        }
      },
      async deliver(user, message) {
        validateMessage(message, `delivered message for ${user}`);
        await deliverFile(user, message);
      },
      async storedCount(user) {
        account(user);
        return maildirFiles(maildir(user)).length;
      },
      logText: async () => (existsSync(logFile) ? readFileSync(logFile, 'utf8') : ''),
      stop: stopOnce(cleanup),
    };
  } catch (error) {
    await cleanup();
    throw error;
  }
}
