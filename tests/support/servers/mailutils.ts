/**
 * GNU Mailutils `pop3d` (Debian package mailutils-pop3d, co-installable with
 * Dovecot) on 127.0.0.1: a plain port with STLS and an implicit-TLS port,
 * system users (its PAM/shadow authentication), one mbox per user in a
 * private directory, APOP through a private `popauth` database.
 *
 * What RETR serves, determined by running it (Mailutils 3.15):
 * - mbox `>From ` quoting is undone (mboxrd: `>From ` -> `From `,
 *   `>>From ` -> `>From `), so the harness stores mboxrd and the body comes
 *   back as given.
 * - Header lines are re-emitted as `Name: value`: whitespace before the colon
 *   is dropped and the whitespace after it becomes exactly one space
 *   (`X-A:v` -> `X-A: v`, `X-B:\tv` -> `X-B: v`, `X-C:` -> `X-C: `).
 *   Continuation lines and trailing whitespace are kept.
 * - Mailutils keeps its bookkeeping in headers and serves them. Left alone it
 *   invents `X-UIDL: <md5>.<unix time>.<n>` when a mailbox is first opened
 *   and on QUIT rewrites the file adding `X-IMAPbase`, `X-UID` and `Status`,
 *   so what RETR returns would depend on the clock and on earlier sessions.
 *   The harness therefore writes each message in Mailutils' own steady state:
 *   `X-UIDL: <seq>.<sha256 prefix>`, `X-IMAPbase: <validity> 1000000` (first
 *   message of the file only), `X-UID: <seq>`, `Status: OR`, appended at the
 *   end of the header. A session that only reads then leaves the file
 *   byte-identical; UIDL answers are the X-UIDL values.
 * - After a session deletes messages Mailutils rewrites the file (moving
 *   X-IMAPbase to the new first message, padded with spaces). expectedRetr
 *   reads the mbox at call time, so it follows such rewrites; call it when no
 *   other session is about to QUIT.
 * - Lines end CRLF; a CR already before an LF is served as CR CR LF.
 * Messages therefore may not carry their own X-UIDL, X-UID, X-IMAPbase or
 * Status headers (Mailutils would interpret them); the harness throws.
 */
import { chmod, chown, appendFile, rm, writeFile } from 'node:fs/promises';
import { createHash } from 'node:crypto';
import * as path from 'node:path';

import type { RunningServer, StartOptions, TestUser } from './types';
import {
  createSystemUsers,
  distinctUserNames,
  headerNames,
  lfToCrlf,
  makeSelfSignedCert,
  makeTempDir,
  mboxEntry,
  mboxFromLine,
  prepareHarness,
  quoteFromLines,
  readMbox,
  run,
  startManagedProcess,
  startOnFreePorts,
  stopOnce,
  storedMboxMessage,
  unquoteMboxrd,
  validateMboxMessage,
  type ManagedProcess,
  type SystemUsers,
} from './common';

const SERVER = 'mailutils';
const POP3D = '/usr/sbin/pop3d';
const PACKAGES = ['mailutils-pop3d', 'openssl'] as const;
/** Mailutils would rewrite the file (and reset UIDVALIDITY) if an X-UID reached this. */
const UID_NEXT = 1_000_000;
const MANAGED_HEADERS = ['x-uidl', 'x-uid', 'x-imapbase', 'status'];

/** The bytes Mailutils serves for a message as stored in its mbox (see the file comment). */
export function mailutilsServedForm(stored: Buffer): Buffer {
  const text = unquoteMboxrd(stored).toString('latin1');
  const headerEnd = text.indexOf('\n\n');
  const header = headerEnd < 0 ? text : text.slice(0, headerEnd);
  const normalised = header
    .split('\n')
    .map((line) => {
      const colon = line.indexOf(':');
      if (/^[ \t]/.test(line) || colon < 0) return line;
      return `${line.slice(0, colon).replace(/[ \t]+$/, '')}: ${line.slice(colon + 1).replace(/^[ \t]+/, '')}`;
    })
    .join('\n');
  return lfToCrlf(Buffer.from(normalised + (headerEnd < 0 ? '' : text.slice(headerEnd)), 'latin1'));
}

function sha256Prefix(message: Buffer): string {
  return createHash('sha256').update(message).digest('hex').slice(0, 16);
}

/** The message with Mailutils' bookkeeping headers added at the end of its header. */
function withBookkeeping(message: Buffer, uid: number, uidValidity: number, firstInFile: boolean): Buffer {
  const text = message.toString('latin1');
  const headerEnd = text.indexOf('\n\n') + 1; // after the last header line's LF
  const extra =
    `X-UIDL: ${uid}.${sha256Prefix(message)}\n` +
    (firstInFile ? `X-IMAPbase: ${uidValidity} ${UID_NEXT}\n` : '') +
    `X-UID: ${uid}\n` +
    'Status: OR\n';
  return Buffer.from(text.slice(0, headerEnd) + extra + text.slice(headerEnd), 'latin1');
}

function validateMessage(message: Buffer, what: string): void {
  validateMboxMessage(SERVER, message, what);
  const managed = headerNames(message).filter((name) => MANAGED_HEADERS.includes(name));
  if (managed.length > 0) {
    throw new Error(`${SERVER} harness: ${what} has header(s) ${managed.join(', ')}, which Mailutils manages itself`);
  }
}

function configText(dir: string, port: number, tlsPort: number, certPath: string, keyPath: string, lock: boolean): string {
  // ${user} is expanded by Mailutils, not by us.
  const tls = `tls { ssl-certificate-file "${certPath}"; ssl-key-file "${keyPath}"; };`;
  return [
    'logging { syslog false; };',
    'tcp-wrappers { enable false; };',
    // The key sits in a root-only 0700 file inside a 0711 directory; the default checks reject the directory.
    'tls-file-checks { key-file none; cert-file none; ca-file none; };',
    `mailbox { mailbox-type mbox; mailbox-pattern "mbox://${dir}/mail/\${user}"; };`,
    `apop-database-file "${dir}/apop.db";`,
    // Mandatory locking of an mbox takes a dot-lock beside it: mail/ is 1777 so the user can create it.
    `mandatory-locking { enable ${lock ? 'true' : 'false'}; lock-directory "${dir}/locks"; };`,
    `pidfile "${dir}/pop3d.pid";`,
    'max-children 50;',
    'timeout 600;',
    `server 127.0.0.1:${port} { tls-mode stls; transcript true; ${tls} };`,
    `server 127.0.0.1:${tlsPort} { tls-mode connection; transcript true; ${tls} };`,
    '',
  ].join('\n');
}

export async function startMailutils(options: StartOptions): Promise<RunningServer> {
  await prepareHarness(SERVER, PACKAGES);
  options.users.forEach((user) =>
    user.messages.forEach((message, index) => validateMessage(message, `message ${index + 1} of ${user.name}`)),
  );
  distinctUserNames(SERVER, options.users);

  const dir = await makeTempDir(SERVER);
  let accounts: SystemUsers | undefined;
  let daemon: ManagedProcess | undefined;
  const cleanup = async (): Promise<void> => {
    await daemon?.stop();
    await accounts?.remove();
    await rm(dir, { recursive: true, force: true });
  };

  try {
    await chmod(dir, 0o711); // users must reach their mbox after pop3d switches to them
    await run('mkdir', ['-m', '1777', path.join(dir, 'mail'), path.join(dir, 'locks')]);
    const cert = await makeSelfSignedCert(dir);
    accounts = await createSystemUsers(SERVER, options.users);
    const { account } = accounts;
    const uidValidity = Math.floor(Date.now() / 1000);
    const nextUid = new Map<string, number>();
    const mboxPath = (name: string): string => path.join(dir, 'mail', name);
    const entryFor = (name: string, message: Buffer, firstInFile: boolean): Buffer => {
      const uid = nextUid.get(name) ?? 1;
      nextUid.set(name, uid + 1);
      const stored = quoteFromLines(withBookkeeping(message, uid, uidValidity, firstInFile), 'mboxrd');
      return mboxEntry(mboxFromLine(new Date()), stored);
    };

    for (const user of options.users) {
      const { uid, gid } = account(user.name);
      const file = mboxPath(user.name);
      await writeFile(file, Buffer.concat(user.messages.map((message, index) => entryFor(user.name, message, index === 0))), {
        mode: 0o600,
      });
      await chown(file, uid, gid);
    }

    // APOP secrets: popauth builds the DBM from "user password" lines (it must not default to /etc/apop.db).
    const apopText = path.join(dir, 'apop.txt');
    await writeFile(apopText, options.users.map((user: TestUser) => `${user.name} ${user.password}\n`).join(''), { mode: 0o600 });
    await run('popauth', ['--create', `--file=${apopText}`, `--output=${path.join(dir, 'apop.db')}`]);
    await rm(apopText);

    const { stdout: versionText } = await run(POP3D, ['--version']);
    const version = /GNU Mailutils\)\s+(\S+)/.exec(versionText)?.[1] ?? versionText.split('\n')[0] ?? 'unknown';

    const configPath = path.join(dir, 'pop3d.conf');
    const { plainDaemon: running, endpoints } = await startOnFreePorts(SERVER, cert, /in use|bind/i, async (port, tlsPort) => {
      await writeFile(configPath, configText(dir, port, tlsPort, cert.certPath, cert.keyPath, options.lockSession === true));
      await run(POP3D, [`--config-file=${configPath}`, '--config-lint']);
      const pop3d = startManagedProcess(POP3D, [`--config-file=${configPath}`, '--daemon', '--foreground']);
      return { plainDaemon: pop3d, tlsDaemon: pop3d };
    });
    daemon = running;

    const server: RunningServer = {
      name: SERVER,
      version,
      ...endpoints,
      supports: { stls: true, implicitTls: true, apop: true, saslPlain: false, user: true, capa: true },
      expectedRetr(user, number) {
        account(user);
        return mailutilsServedForm(storedMboxMessage(SERVER, user, mboxPath(user), number));
      },
      async deliver(user, message) {
        const { uid, gid } = account(user);
        validateMessage(message, `delivered message for ${user}`);
        const file = mboxPath(user);
        const firstInFile = (await readMbox(file)).length === 0;
        await appendFile(file, entryFor(user, message, firstInFile), { mode: 0o600 });
        await chown(file, uid, gid);
      },
      async storedCount(user) {
        account(user);
        return (await readMbox(mboxPath(user))).length;
      },
      logText: () => Promise.resolve(running.output()),
      stop: stopOnce(cleanup),
    };
    return server;
  } catch (error) {
    await cleanup();
    throw error;
  }
}
