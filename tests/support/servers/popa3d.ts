/**
 * popa3d (Openwall) on 127.0.0.1. The Debian package `Conflicts: pop3-server`
 * (so it cannot be installed next to Dovecot): the harness `apt-get download`s
 * it and unpacks it with `dpkg -x` into PACKAGE_CACHE_DIR/popa3d, reused
 * across runs. popa3d is inetd-style (one session on stdin/stdout), so a
 * loopback listener in this process spawns one popa3d per connection and
 * relays the bytes unchanged, recording the client's commands (popa3d itself
 * logs only to syslog) for logText().
 *
 * It authenticates system users through PAM (service `popa3d`, which falls
 * back to /etc/pam.d/other on Debian) and reads the mbox at the compiled-in
 * /var/mail/<user>; it drops privileges to the compiled-in `popa3d` account
 * and chroots to /var/lib/popa3d, both created here if missing and left in
 * place afterwards (as the package's postinst would).
 *
 * What RETR serves, determined by running it (popa3d 1.0.3):
 * - The stored bytes with LF -> CRLF (a CR before an LF becomes CR CR LF);
 *   the mbox separator's empty line is not part of the message.
 * - No mbox unquoting: a body line `From x` must be stored as `>From x` and
 *   is served as `>From x`; `>From x` is stored and served unchanged
 *   (the harness uses mboxo quoting, which changes only `From ` lines).
 * - Headers are served verbatim.
 * - UIDL is a digest of the Message-ID, Date, Received and X-Delivery-ID
 *   headers only: messages without any of them all get the same UIDL.
 * - Replies are bare `+OK` / `-ERR` without text; CAPA is `-ERR`; no APOP
 *   (no timestamp in the greeting), no STLS, no SASL.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { existsSync } from 'node:fs';
import { appendFile, chmod, chown, mkdir, rm, writeFile } from 'node:fs/promises';
import * as net from 'node:net';
import * as path from 'node:path';

import type { RunningServer, StartOptions } from './types';
import {
  STOP_GRACE_MS,
  createSystemUsers,
  distinctUserNames,
  ensureServiceAccount,
  lfToCrlf,
  mboxEntry,
  mboxFromLine,
  missingSharedLibraries,
  onProcessExit,
  prepareHarness,
  quoteFromLines,
  readMbox,
  refuseSessionLock,
  run,
  stopOnce,
  storedMboxMessage,
  unpackDebianPackage,
  validateMboxMessage,
  waitForGreeting,
  type SystemUsers,
} from './common';
import { sleep } from '../sleep';

const SERVER = 'popa3d';
/** Compiled into popa3d: where mail is read from, who it runs as, where it chroots. */
const SPOOL_DIR = '/var/mail';
const PRIVSEP_USER = 'popa3d';
const CHROOT_DIR = '/var/lib/popa3d';
/** Libraries the unpacked binary links against, plus pam_unix for the default PAM stack. */
const PACKAGES = ['libpam0g', 'libpam-modules', 'libpam-runtime'] as const;
/** One line of client input longer than this is not a POP3 command; the transcript cuts it. */
const TRANSCRIPT_LINE_MAX = 512;

function maskSecrets(line: string): string {
  return line.replace(/^(PASS|APOP\s+\S+)\s.*$/i, '$1 ***');
}

export async function startPopa3d(options: StartOptions): Promise<RunningServer> {
  await prepareHarness(SERVER, PACKAGES);
  refuseSessionLock(SERVER, 'popa3d', options);
  options.users.forEach((user) =>
    user.messages.forEach((message, index) =>
      validateMboxMessage(SERVER, message, `message ${index + 1} of ${user.name}`),
    ),
  );
  for (const name of distinctUserNames(SERVER, options.users)) {
    if (existsSync(path.join(SPOOL_DIR, name))) {
      throw new Error(`${SERVER} harness: ${path.join(SPOOL_DIR, name)} already exists; pick a fresh user name`);
    }
  }

  const unpacked = await unpackDebianPackage(SERVER, 'popa3d');
  const binary = path.join(unpacked.root, 'usr/sbin/popa3d');
  const missing = await missingSharedLibraries(binary);
  if (missing.length > 0) {
    throw new Error(`${SERVER} harness: ${binary} cannot load ${missing.join(', ')} (apt-get install the packages providing them)`);
  }
  const { stdout: versionText } = await run(binary, ['-V']);
  const version = /version\s+(\S+)/.exec(versionText)?.[1] ?? versionText.trim();
  await ensureServiceAccount(PRIVSEP_USER, CHROOT_DIR, 'popa3d privilege separation (postern test harness)');
  await mkdir(CHROOT_DIR, { recursive: true, mode: 0o755 });
  await mkdir(SPOOL_DIR, { recursive: true, mode: 0o2775 });

  const sessions = new Set<ChildProcessWithoutNullStreams>();
  const sockets = new Set<net.Socket>();
  const transcript: string[] = [];
  const spoolFiles: string[] = [];
  let accounts: SystemUsers | undefined;
  let listener: net.Server | undefined;
  const removeExitHook = onProcessExit(() => {
    for (const child of sessions) child.kill('SIGKILL');
  });

  const cleanup = async (): Promise<void> => {
    if (listener !== undefined) {
      const closed = new Promise<void>((resolve) => listener?.close(() => resolve()));
      for (const socket of sockets) socket.destroy();
      for (const child of sessions) child.kill('SIGTERM');
      const deadline = Date.now() + STOP_GRACE_MS;
      while (sessions.size > 0 && Date.now() < deadline) await sleep(25);
      for (const child of sessions) child.kill('SIGKILL');
      await closed;
    }
    removeExitHook();
    for (const file of spoolFiles.splice(0)) await rm(file, { force: true });
    await accounts?.remove();
  };

  try {
    accounts = await createSystemUsers(SERVER, options.users);
    const { account } = accounts;
    const spoolPath = (name: string): string => path.join(SPOOL_DIR, name);
    const entryFor = (message: Buffer): Buffer => mboxEntry(mboxFromLine(new Date()), quoteFromLines(message, 'mboxo'));

    for (const user of options.users) {
      const { uid, gid } = account(user.name);
      const file = spoolPath(user.name);
      await writeFile(file, Buffer.concat(user.messages.map(entryFor)), { mode: 0o600, flag: 'wx' });
      spoolFiles.push(file);
      await chown(file, uid, gid);
      await chmod(file, 0o600);
    }

    let sessionCount = 0;
    listener = net.createServer((socket) => {
      sessionCount += 1;
      const id = sessionCount;
      sockets.add(socket);
      transcript.push(`[${id}] connect`);
      const child = spawn(binary, [], { stdio: ['pipe', 'pipe', 'pipe'] });
      sessions.add(child);
      let pending = '';
      socket.on('data', (chunk: Buffer) => {
        pending += chunk.toString('latin1');
        for (let end = pending.indexOf('\n'); end >= 0; end = pending.indexOf('\n')) {
          transcript.push(`[${id}] C: ${maskSecrets(pending.slice(0, end).replace(/\r$/, ''))}`);
          pending = pending.slice(end + 1);
        }
        if (pending.length > TRANSCRIPT_LINE_MAX) pending = pending.slice(0, TRANSCRIPT_LINE_MAX);
      });
      socket.pipe(child.stdin);
      child.stdout.pipe(socket);
      child.stderr.on('data', (chunk: Buffer) => transcript.push(`[${id}] popa3d: ${chunk.toString('utf8').trimEnd()}`));
      child.stdin.on('error', () => undefined); // popa3d exited first (QUIT): nothing to deliver
      socket.on('error', () => child.kill('SIGTERM'));
      socket.on('close', () => {
        sockets.delete(socket);
        child.stdin.end();
      });
      child.on('exit', (code, signal) => {
        sessions.delete(child);
        transcript.push(`[${id}] exit ${signal ?? String(code)}`);
      });
    });
    const server = listener;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
    const address = server.address();
    if (address === null || typeof address !== 'object') throw new Error(`${SERVER} harness: listener has no port`);
    const port = address.port;
    try {
      await waitForGreeting(port, SERVER);
    } catch (error) {
      throw new Error(`${String(error)}; popa3d transcript: ${transcript.join(' | ')}`);
    }

    return {
      name: SERVER,
      version,
      host: '127.0.0.1',
      port,
      supports: { stls: false, implicitTls: false, apop: false, saslPlain: false, user: true, capa: false },
      expectedRetr(user, number) {
        account(user);
        return lfToCrlf(storedMboxMessage(SERVER, user, spoolPath(user), number));
      },
      async deliver(user, message) {
        const { uid, gid } = account(user);
        validateMboxMessage(SERVER, message, `delivered message for ${user}`);
        const file = spoolPath(user);
        await appendFile(file, entryFor(message), { mode: 0o600 });
        await chown(file, uid, gid);
      },
      async storedCount(user) {
        account(user);
        return (await readMbox(spoolPath(user))).length;
      },
      logText: () => Promise.resolve(`${transcript.join('\n')}\n`),
      stop: stopOnce(cleanup),
    };
  } catch (error) {
    await cleanup();
    throw error;
  }
}
