import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { startApp, type RunningApp } from '../support/app-server';
import { hostileFixture, wideMessage } from '../support/hostile-mail';
import { bigMessage, demoMaildrop, sampleMaildrop, smallMessages } from '../support/maildrop';
import { freePort } from '../support/servers/common';
import { startDovecot, type DovecotServer } from '../support/servers/dovecot';
import { dovecotOAuth2Settings, startOidcProvider, type RunningOidcProvider } from '../support/servers/oidc-provider';
import { STATE_ENV, type HarnessState } from './support/harness-state';
import { USERS } from './support/users';

const PASSWORD = 'Corr3ct-Horse-Battery';

export interface E2eRuntime {
  dovecot: DovecotServer;
  oauth: { provider: RunningOidcProvider; dovecot: DovecotServer };
  apps: RunningApp[];
  control: http.Server;
  tmp: string;
}

declare global {
  // Shared with global-teardown.ts, which runs in this same process.
  var __posternE2e: E2eRuntime | undefined;
}

/**
 * The global setup process owns the Dovecot harness; workers reach `storedCount`, `deliver`
 * and the protocol log through this tiny loopback control server.
 */
function startControlServer(dovecot: DovecotServer): Promise<http.Server> {
  const server = http.createServer((request, response) => {
    const url = new URL(request.url ?? '/', 'http://control');
    const user = url.searchParams.get('user') ?? '';
    const reply = (status: number, body: unknown) => {
      response.writeHead(status, { 'Content-Type': 'application/json' });
      response.end(JSON.stringify(body));
    };
    const handle = async () => {
      switch (url.pathname) {
        case '/stored-count':
          return reply(200, { count: await dovecot.storedCount(user) });
        case '/log':
          return reply(200, { text: await dovecot.logText() });
        case '/expected-retr':
          return reply(200, { base64: dovecot.expectedRetr(user, Number(url.searchParams.get('number'))).toString('base64') });
        case '/deliver': {
          const chunks: Buffer[] = [];
          for await (const chunk of request) chunks.push(chunk as Buffer);
          await dovecot.deliver(user, Buffer.concat(chunks));
          return reply(200, { delivered: true });
        }
        default:
          return reply(404, { error: 'unknown control route' });
      }
    };
    handle().catch((error: unknown) => reply(500, { error: String(error) }));
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

const OAUTH_ACCOUNTS = { signIn: 'oauth-person', denied: 'oauth-denier', revoked: 'oauth-revoked' };
const OAUTH_LABEL = 'Local ID';

/**
 * The "Sign in with …" stack: a provider on 127.0.0.1 and a Dovecot that checks its tokens by
 * introspection. Started beside the password Dovecot, so the other specs hardly wait for it.
 */
async function startOAuthStack(appPort: number, messages: Buffer[]): Promise<{ provider: RunningOidcProvider; dovecot: DovecotServer }> {
  const accounts = Object.values(OAUTH_ACCOUNTS);
  const provider = await startOidcProvider({
    redirectUris: [`http://localhost:${appPort}/api/oauth/local/callback`],
    accounts: Object.fromEntries(accounts.map((account) => [account, `${account}@example.test`])),
  });
  try {
    const dovecot = await startDovecot({
      users: accounts.map((account) => ({ name: `${account}@example.test`, password: 'never-checked-with-oauth2', messages })),
      oauth2: dovecotOAuth2Settings(provider),
    });
    return { provider, dovecot };
  } catch (error) {
    await provider.stop();
    throw error;
  }
}

export default async function globalSetup(): Promise<void> {
  const sample = sampleMaildrop({ big: false }).map((message) => message.raw);
  const oauthAppPort = await freePort();
  const oauthStarting = startOAuthStack(oauthAppPort, sample);
  oauthStarting.catch(() => undefined);
  const dovecot = await startDovecot({
    users: [
      { name: USERS.reader, password: PASSWORD, messages: sample },
      { name: USERS.peeker, password: PASSWORD, messages: sample },
      { name: USERS.login, password: PASSWORD, messages: sample },
      { name: USERS.undoer, password: PASSWORD, messages: sample },
      { name: USERS.applier, password: PASSWORD, messages: sample },
      { name: USERS.offline, password: PASSWORD, messages: sample },
      { name: USERS.keys, password: PASSWORD, messages: sample },
      { name: USERS.phone, password: PASSWORD, messages: sample },
      { name: USERS.demo, password: PASSWORD, messages: demoMaildrop().map((message) => message.raw) },
      { name: USERS.empty, password: PASSWORD, messages: [] },
      { name: USERS.many, password: PASSWORD, messages: smallMessages(10_000).map((message) => message.raw) },
      // The sample plus one message over the 256 KB that one click reads in full.
      { name: USERS.flow, password: PASSWORD, messages: [...sample, bigMessage(400_000).raw] },
      { name: USERS.flowPhone, password: PASSWORD, messages: [...sample, bigMessage(400_000).raw] },
      { name: USERS.hostile, password: PASSWORD, messages: [hostileFixture('bidi-invoice'), wideMessage(5000)] },
      { name: USERS.rules, password: PASSWORD, messages: sample },
      { name: USERS.rulesPhone, password: PASSWORD, messages: sample },
    ],
    // Several browsers log in as different users at once, all from 127.0.0.1.
    maxUserIpConnections: 50,
  });
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'postern-e2e-'));
  const apps: RunningApp[] = [];
  let control: http.Server | undefined;
  let oauth: { provider: RunningOidcProvider; dovecot: DovecotServer } | undefined;
  try {
    oauth = await oauthStarting;
    const caFile = path.join(tmp, 'dovecot-ca.pem');
    writeFileSync(caFile, dovecot.certPem ?? '');
    const common = {
      POP3_ALLOWED_HOSTS: '127.0.0.1,localhost',
      POP3_ALLOWED_PORTS: '1024-65535',
      POP3_TLS_CA_FILE: caFile,
      // Every browser here is 127.0.0.1: the default 30 logins per 10 minutes is less than the
      // whole suite needs now that some tests log in on purpose (a new tab, a remembered form).
      POSTERN_LOGINS_PER_CLIENT: '500',
    };
    apps.push(await startApp(common));
    apps.push(await startApp({ ...common, POP3_SERVER: `localhost:${dovecot.tlsPort}:tls` }));
    const oauthCaFile = path.join(tmp, 'oauth-dovecot-ca.pem');
    writeFileSync(oauthCaFile, oauth.dovecot.certPem ?? '');
    const oauthApp = await startApp({
      ...common,
      // As `npm start` runs on a 2-core machine: two workers, each session in one. The provider sends the
      // browser back with a cross-site navigation, which must reach the worker holding the sign-in.
      POSTERN_WORKERS: '2',
      PORT: String(oauthAppPort),
      POP3_TLS_CA_FILE: oauthCaFile,
      POSTERN_PUBLIC_URL: `http://localhost:${oauthAppPort}`,
      POSTERN_OAUTH_PROVIDERS: 'local',
      POSTERN_OAUTH_LOCAL_ISSUER: oauth.provider.issuer,
      POSTERN_OAUTH_LOCAL_CLIENT_ID: oauth.provider.client.id,
      POSTERN_OAUTH_LOCAL_CLIENT_SECRET: oauth.provider.client.secret,
      POSTERN_OAUTH_LOCAL_SCOPE: `openid email offline_access ${oauth.provider.pop3Scope}`,
      POSTERN_OAUTH_LOCAL_POP3_SERVER: `localhost:${oauth.dovecot.tlsPort}:tls`,
      POSTERN_OAUTH_LOCAL_MECHANISM: 'xoauth2',
      POSTERN_OAUTH_LOCAL_LABEL: OAUTH_LABEL,
    });
    apps.push(oauthApp);
    control = await startControlServer(dovecot);
    const [app, pinned] = apps;
    const state: HarnessState = {
      appUrl: app!.url,
      pinnedAppUrl: pinned!.url,
      controlUrl: `http://127.0.0.1:${(control.address() as AddressInfo).port}`,
      dovecot: { host: dovecot.host, port: dovecot.port, tlsPort: dovecot.tlsPort ?? 0 },
      password: PASSWORD,
      oauth: {
        appUrl: `http://localhost:${oauthAppPort}`,
        issuer: oauth.provider.issuer,
        providerLabel: OAUTH_LABEL,
        accounts: OAUTH_ACCOUNTS,
      },
    };
    const stateFile = path.join(tmp, 'state.json');
    writeFileSync(stateFile, JSON.stringify(state, null, 2));
    process.env[STATE_ENV] = stateFile;
    mkdirSync(path.resolve(__dirname, '..', 'artifacts', 'screenshots'), { recursive: true });
    globalThis.__posternE2e = { dovecot, oauth, apps, control, tmp };
  } catch (error) {
    control?.close();
    for (const app of apps) await app.stop();
    await dovecot.stop();
    const started = oauth ?? (await oauthStarting.catch(() => undefined));
    await started?.dovecot.stop();
    await started?.provider.stop();
    throw error;
  }
}
