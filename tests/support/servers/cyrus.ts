/**
 * Cyrus IMAP's POP3 server on 127.0.0.1: a plain port with STLS and an
 * implicit-TLS port, run by Cyrus `master` with a private imapd.conf and
 * cyrus.conf. cyrus-pop3d `Conflicts: pop3-server` and cyrus-common depends on
 * an MTA, so both are `apt-get download`ed and unpacked with `dpkg -x` into
 * PACKAGE_CACHE_DIR (run with LD_LIBRARY_PATH pointing at their libcyrus*);
 * the libraries they need (libical3, libxapian30) and sasl2-bin/db-util are
 * apt-installed. `master` drops privileges to the compiled-in `cyrus` account,
 * created here if missing and left in place (as cyrus-common's postinst would).
 *
 * Users are not system users: they live in a private sasldb (plaintext
 * secrets, so APOP works with `allowapop: yes`). Mail is delivered through
 * Cyrus' own LMTP socket with `deliver`, so Cyrus stores what it serves:
 * - It adds `Return-Path`, `Received` (with the delivery time),
 *   `X-Cyrus-Session-Id` and `X-Sieve` at the top, and a `Date` at the end of
 *   the header when the message has none; line ends become CRLF (a CR already
 *   before an LF is kept as the line's CR, not doubled).
 * - expectedRetr therefore reads the stored file (`<mailbox dir>/<uid>.`) of
 *   the n-th live index record as listed by `mbexamine`; it is served byte for
 *   byte. storedCount counts those records (expunged files can stay on disk
 *   until the mailbox is next opened for writing).
 * - Duplicate suppression is off, so the same message can be delivered twice.
 * UIDL is `<uidvalidity>.<uid>`. logText() is Cyrus' per-user protocol
 * telemetry (`<configdirectory>/log/<user>/`), which starts after login.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { chmod, mkdir, rm, writeFile } from 'node:fs/promises';
import * as path from 'node:path';

import type { RunningServer, StartOptions } from './types';
import {
  distinctUserNames,
  ensureServiceAccount,
  makeSelfSignedCert,
  makeTempDir,
  prepareHarness,
  refuseSessionLock,
  run,
  startManagedProcess,
  startOnFreePorts,
  stopOnce,
  unpackDebianPackage,
  type ManagedProcess,
} from './common';

const SERVER = 'cyrus';
const PACKAGES = ['libical3', 'libxapian30', 'sasl2-bin', 'db-util', 'libsasl2-modules', 'openssl'] as const;
/** Compiled into master: the account it runs services as. */
const CYRUS_USER = 'cyrus';
const USER_NAME = /^[a-z0-9_-]{1,64}$/;
const SAFE_PASSWORD = /^[\x21-\x7e]{1,128}$/;

export async function startCyrus(options: StartOptions): Promise<RunningServer> {
  await prepareHarness(SERVER, PACKAGES);
  refuseSessionLock(SERVER, 'Cyrus', options);
  for (const user of options.users) {
    // A dot would be a mailbox hierarchy separator; Cyrus downcases LMTP recipients.
    if (!USER_NAME.test(user.name)) throw new Error(`${SERVER} harness: user name ${JSON.stringify(user.name)} must match ${String(USER_NAME)}`);
    if (!SAFE_PASSWORD.test(user.password)) throw new Error(`${SERVER} harness: password for ${user.name} must be printable ASCII without spaces`);
  }
  distinctUserNames(SERVER, options.users);

  const common = await unpackDebianPackage(SERVER, 'cyrus-common');
  const pop3 = await unpackDebianPackage(SERVER, 'cyrus-pop3d');
  const bin = (root: string, name: string): string => path.join(root, 'usr/lib/cyrus/bin', name);
  const libraryPath = path.join(common.root, 'usr/lib/x86_64-linux-gnu');
  const env: Record<string, string> = { PATH: '/usr/bin:/bin:/usr/sbin:/sbin', LD_LIBRARY_PATH: libraryPath };
  const tools = {
    master: bin(common.root, 'master'),
    ctlCyrusdb: bin(common.root, 'ctl_cyrusdb'),
    lmtpd: bin(common.root, 'lmtpd'),
    deliver: bin(common.root, 'deliver'),
    mbexamine: bin(common.root, 'mbexamine'),
    pop3d: bin(pop3.root, 'pop3d'),
  };
  for (const binary of Object.values(tools)) {
    const { stdout } = await run('ldd', [binary], { env: { ...process.env, LD_LIBRARY_PATH: libraryPath } });
    const missing = stdout.split('\n').filter((line) => line.includes('not found')).map((line) => line.trim());
    if (missing.length > 0) throw new Error(`${SERVER} harness: ${binary} cannot load ${missing.join(', ')} (apt-get install the packages providing them)`);
  }
  const version = /^(?:\d+:)?([^-+]+)/.exec(pop3.version)?.[1] ?? pop3.version;
  const cyrus = await ensureServiceAccount(CYRUS_USER, '/var/lib/cyrus', 'Cyrus IMAP (postern test harness)');

  const dir = await makeTempDir(SERVER);
  let daemon: ManagedProcess | undefined;
  const cleanup = async (): Promise<void> => {
    await daemon?.stop();
    await rm(dir, { recursive: true, force: true });
  };

  try {
    await chmod(dir, 0o711);
    const config = path.join(dir, 'imapd.conf');
    const configDir = path.join(dir, 'config');
    const runDir = path.join(dir, 'run');
    for (const sub of ['config', 'spool', 'run', 'run/proc', 'run/lock', 'run/socket', 'config/log']) {
      await mkdir(path.join(dir, sub), { recursive: true, mode: 0o750 });
    }
    for (const user of options.users) await mkdir(path.join(configDir, 'log', user.name), { mode: 0o750 });
    const cert = await makeSelfSignedCert(dir);
    const sasldb = path.join(dir, 'sasldb2');
    for (const user of options.users) {
      await run('saslpasswd2', ['-f', sasldb, '-c', '-p', '-u', 'localhost', user.name], { input: `${user.password}\n` });
    }

    await writeFile(
      config,
      [
        `configdirectory: ${configDir}`,
        'defaultpartition: default',
        `partition-default: ${path.join(dir, 'spool')}`,
        `proc_path: ${path.join(runDir, 'proc')}`,
        `mboxname_lockpath: ${path.join(runDir, 'lock')}`,
        `lmtpsocket: ${path.join(runDir, 'socket/lmtp')}`,
        `idlesocket: ${path.join(runDir, 'socket/idle')}`,
        `notifysocket: ${path.join(runDir, 'socket/notify')}`,
        'servername: localhost',
        'sasl_pwcheck_method: auxprop',
        'sasl_auxprop_plugin: sasldb',
        `sasl_sasldb_path: ${sasldb}`,
        'sasl_mech_list: PLAIN LOGIN CRAM-MD5',
        'allowplaintext: yes',
        'allowapop: yes',
        'autocreate_post: yes',
        'autocreate_quota: 0',
        'duplicatesuppression: no',
        'popminpoll: 0',
        'lmtp_downcase_rcpt: yes',
        'expunge_mode: immediate',
        'delete_mode: immediate',
        'umask: 077',
        `tls_server_cert: ${cert.certPath}`,
        `tls_server_key: ${cert.keyPath}`,
        `syslog_prefix: postern-cyrus-${path.basename(dir)}`,
        '',
      ].join('\n'),
    );
    await run('chown', ['-R', `${CYRUS_USER}:${cyrus.gid}`, configDir, path.join(dir, 'spool'), runDir, sasldb, cert.certPath, cert.keyPath]);

    const mailboxDir = (user: string): { path: string; uids: number[] } => {
      // `mbexamine` reads the index under Cyrus' own locks: the live records, in POP3 order.
      const result = spawnSync(tools.mbexamine, ['-C', config, `user/${user}`], {
        env: env as NodeJS.ProcessEnv,
        encoding: 'latin1',
      });
      if (result.status !== 0) throw new Error(`${SERVER}: mbexamine ${user} failed: ${result.stderr}`);
      // No output at all: the mailbox does not exist yet (Cyrus creates it at the first delivery or login).
      if (result.stdout.trim() === '') return { path: '', uids: [] };
      const where = /Path to mailbox: (.+)/.exec(result.stdout)?.[1]?.trim();
      if (where === undefined) throw new Error(`${SERVER}: mbexamine ${user} printed no mailbox path: ${result.stdout.slice(0, 300)}`);
      const uids: number[] = [];
      for (const record of result.stdout.split(/\n(?=\d{6}> UID:)/).slice(1)) {
        const uid = /^\d{6}> UID:(\d+)/.exec(record)?.[1];
        const internal = /INTERNALFLAGS:([^\n>]*)/.exec(record)?.[1] ?? '';
        if (uid !== undefined && !/EXPUNGED/.test(internal)) uids.push(Number(uid));
      }
      return { path: where, uids };
    };
    const known = (user: string): void => {
      if (!options.users.some((candidate) => candidate.name === user)) {
        throw new Error(`${SERVER} harness: no test user ${JSON.stringify(user)}`);
      }
    };
    const deliver = async (user: string, message: Buffer): Promise<void> => {
      await run(tools.deliver, ['-C', config, user], { input: message, env });
    };

    const { plainDaemon: running, endpoints } = await startOnFreePorts(SERVER, cert, /in use/i, async (port, tlsPort) => {
      await writeFile(
        path.join(dir, 'cyrus.conf'),
        [
          'START {',
          `  recover cmd="${tools.ctlCyrusdb} -C ${config} -r"`,
          '}',
          'SERVICES {',
          `  pop3 cmd="${tools.pop3d} -C ${config}" listen="127.0.0.1:${port}" prefork=0`,
          `  pop3s cmd="${tools.pop3d} -C ${config} -s" listen="127.0.0.1:${tlsPort}" prefork=0`,
          `  lmtpunix cmd="${tools.lmtpd} -C ${config}" listen="${path.join(runDir, 'socket/lmtp')}" prefork=0`,
          '}',
          'EVENTS {',
          '}',
          '',
        ].join('\n'),
      );
      const master = startManagedProcess(
        tools.master,
        ['-C', config, '-M', path.join(dir, 'cyrus.conf'), '-p', path.join(dir, 'master.pid')],
        { env },
      );
      return { plainDaemon: master, tlsDaemon: master };
    });
    daemon = running;
    for (const user of options.users) {
      for (const message of user.messages) await deliver(user.name, message);
    }

    return {
      name: SERVER,
      version,
      ...endpoints,
      supports: { stls: true, implicitTls: true, apop: true, saslPlain: true, user: true, capa: true },
      expectedRetr(user, number) {
        known(user);
        const mailbox = mailboxDir(user);
        const uid = mailbox.uids[number - 1];
        if (uid === undefined) throw new RangeError(`${SERVER}: ${user} has no message ${number}`);
        return readFileSync(path.join(mailbox.path, `${uid}.`));
      },
      async deliver(user, message) {
        known(user);
        await deliver(user, message);
      },
      async storedCount(user) {
        known(user);
        return mailboxDir(user).uids.length;
      },
      async logText() {
        const lines: string[] = [running.output().trim()];
        for (const user of options.users) {
          const userLog = path.join(configDir, 'log', user.name);
          if (!existsSync(userLog)) continue;
          for (const file of readdirSync(userLog).sort()) {
            lines.push(`--- telemetry ${user.name}/${file}`, readFileSync(path.join(userLog, file), 'latin1'));
          }
        }
        return `${lines.join('\n')}\n`;
      },
      stop: stopOnce(cleanup),
    };
  } catch (error) {
    await cleanup();
    throw error;
  }
}
