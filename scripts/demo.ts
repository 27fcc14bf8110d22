/**
 * `npm run demo`: a private Dovecot with a realistic sample mailbox, and the
 * app (production build) pinned to it. Prints the URL and the demo login;
 * Ctrl-C stops both.
 */
import { writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ensureTestDeps } from './ensure-test-deps.mjs';
import { startApp } from '../tests/support/app-server';
import { demoMaildrop } from '../tests/support/maildrop';
import { startDovecot } from '../tests/support/servers/dovecot';

const USER = 'demo';
const PASSWORD = 'demo-password';

async function main(): Promise<void> {
  ensureTestDeps();
  const dovecot = await startDovecot({ users: [{ name: USER, password: PASSWORD, messages: demoMaildrop().map((m) => m.raw) }] });
  const dir = mkdtempSync(path.join(os.tmpdir(), 'postern-demo-'));
  const caFile = path.join(dir, 'dovecot-cert.pem');
  writeFileSync(caFile, dovecot.certPem ?? '');
  const pinned = process.env.DEMO_PIN !== '0';
  console.log('Building and starting the app (the first build takes a minute)…');
  const app = await startApp({
    PORT: process.env.PORT ?? '3000',
    POP3_ALLOWED_HOSTS: '127.0.0.1,localhost',
    POP3_ALLOWED_PORTS: `${dovecot.port},${dovecot.tlsPort}`,
    POP3_TLS_CA_FILE: caFile,
    ...(pinned ? { POP3_SERVER: `localhost:${dovecot.tlsPort}:tls` } : {}),
  });
  console.log(`
  Postern demo is running.

    open      ${app.url}
    user      ${USER}
    password  ${PASSWORD}
  ${pinned ? '' : `  server    localhost, port ${dovecot.tlsPort} (TLS) or ${dovecot.port} (STARTTLS)\n`}
  Dovecot ${dovecot.version} serves ${demoMaildrop().length} messages. Ctrl-C stops everything.
`);
  const stop = async () => {
    await app.stop();
    await dovecot.stop();
    rmSync(dir, { recursive: true, force: true });
    process.exit(0);
  };
  process.on('SIGINT', () => void stop());
  process.on('SIGTERM', () => void stop());
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
