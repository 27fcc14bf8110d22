/**
 * A real OpenID Connect provider (npm `oidc-provider`, certified) for the
 * tests, run as its own process by oidc-provider.ts. Configuration arrives as
 * JSON in POSTERN_TEST_OIDC; the process prints `READY <port>` when listening.
 *
 * Its own in-memory adapter lets a test change token state deterministically
 * through /__test/* routes (no waiting for time to pass):
 *   POST /__test/expire?account=A   every access token of A expires now
 *   POST /__test/revoke?account=A   every grant, access and refresh token of A is gone
 *   GET  /__test/stats?account=A    refresh_token grants served and refused (of A; all without)
 */
import http from 'node:http';
import Provider from 'oidc-provider';

interface ClientConfig {
  client_id: string;
  client_secret: string;
  redirect_uris: string[];
}

interface Config {
  host: string;
  port: number;
  issuer: string;
  /** The sign-in client (Postern) and the introspection client (Dovecot). */
  client: ClientConfig;
  introspector: { client_id: string; client_secret: string };
  /** Account id → the e-mail address claim (the POP3 user name). */
  accounts: Record<string, string>;
  accessTokenTtlSeconds: number;
  /** Accounts whose access tokens live only this long (shorter than the app's refresh margin). */
  shortLived: { accounts: string[]; ttlSeconds: number };
  scopes: string[];
}

const config = JSON.parse(process.env.POSTERN_TEST_OIDC ?? '{}') as Config;

type Payload = Record<string, unknown> & { accountId?: string; grantId?: string; exp?: number; kind?: string };
const store = new Map<string, Payload>();

/** The smallest adapter oidc-provider accepts, over one Map the test routes can reach. */
class TestAdapter {
  constructor(private readonly model: string) {}
  private key(id: string): string {
    return `${this.model}:${id}`;
  }
  async upsert(id: string, payload: Payload): Promise<void> {
    store.set(this.key(id), payload);
  }
  async find(id: string): Promise<Payload | undefined> {
    return store.get(this.key(id));
  }
  async findByUid(uid: string): Promise<Payload | undefined> {
    for (const [key, payload] of store) if (key.startsWith(`${this.model}:`) && payload.uid === uid) return payload;
    return undefined;
  }
  async findByUserCode(): Promise<undefined> {
    return undefined;
  }
  async consume(id: string): Promise<void> {
    const payload = store.get(this.key(id));
    if (payload) payload.consumed = Math.floor(Date.now() / 1000);
  }
  async destroy(id: string): Promise<void> {
    store.delete(this.key(id));
  }
  async revokeByGrantId(grantId: string): Promise<void> {
    for (const [key, payload] of store) if (payload.grantId === grantId) store.delete(key);
  }
}

interface Stats {
  refreshGranted: number;
  refreshRefused: number;
  codeGranted: number;
}
/** Per account ('' when the provider could not tell whose request it was). */
const statsByAccount = new Map<string, Stats>();

function count(ctx: { oidc: { entities: { Account?: { accountId: string }; RefreshToken?: { accountId?: string } } } }, key: keyof Stats): void {
  const account = ctx.oidc.entities.Account?.accountId ?? ctx.oidc.entities.RefreshToken?.accountId ?? '';
  const stats = statsByAccount.get(account) ?? { refreshGranted: 0, refreshRefused: 0, codeGranted: 0 };
  stats[key]++;
  statsByAccount.set(account, stats);
}

function statsOf(account: string | null): Stats {
  const total = { refreshGranted: 0, refreshRefused: 0, codeGranted: 0 };
  for (const [key, stats] of statsByAccount) {
    if (account !== null && key !== account) continue;
    total.refreshGranted += stats.refreshGranted;
    total.refreshRefused += stats.refreshRefused;
    total.codeGranted += stats.codeGranted;
  }
  return total;
}

const provider = new Provider(config.issuer, {
  adapter: TestAdapter,
  clients: [
    {
      ...config.client,
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      token_endpoint_auth_method: 'client_secret_basic',
    },
    {
      ...config.introspector,
      redirect_uris: [],
      grant_types: [],
      response_types: [],
      token_endpoint_auth_method: 'client_secret_basic',
    },
  ],
  pkce: { required: () => true },
  scopes: ['openid', 'offline_access', ...config.scopes],
  claims: { openid: ['sub'], email: ['email', 'email_verified'] },
  cookies: { keys: ['postern-test-cookie-key-not-secret'] },
  ttl: {
    AccessToken: (_ctx, token) =>
      config.shortLived.accounts.includes((token as { accountId?: string }).accountId ?? '') ? config.shortLived.ttlSeconds : config.accessTokenTtlSeconds,
    AuthorizationCode: 60,
    IdToken: 3600,
    RefreshToken: 24 * 3600,
    Grant: 24 * 3600,
    Interaction: 600,
    Session: 3600,
  },
  // Every refresh rotates the refresh token, as Microsoft and most providers do.
  rotateRefreshToken: () => true,
  features: {
    devInteractions: { enabled: true },
    introspection: {
      enabled: true,
      // Dovecot introspects tokens issued to Postern.
      allowedPolicy: async (_ctx, client) => client.clientId === config.introspector.client_id || client.clientId === config.client.client_id,
    },
    revocation: { enabled: true },
  },
  // The introspection answer carries the mailbox address: Dovecot's username_attribute.
  extraTokenClaims: async (_ctx, token) => {
    const accountId = (token as { accountId?: string }).accountId;
    return accountId && config.accounts[accountId] ? { email: config.accounts[accountId] } : undefined;
  },
  findAccount: async (_ctx, id) => {
    const email = config.accounts[id];
    if (!email) return undefined;
    return { accountId: id, claims: async () => ({ sub: id, email, email_verified: true }) };
  },
  clientBasedCORS: () => false,
});

provider.on('grant.success', (ctx) => {
  const grantType = (ctx.oidc.params as { grant_type?: string } | undefined)?.grant_type;
  if (grantType === 'refresh_token') count(ctx, 'refreshGranted');
  if (grantType === 'authorization_code') count(ctx, 'codeGranted');
});
provider.on('grant.error', (ctx) => {
  if ((ctx.oidc.params as { grant_type?: string } | undefined)?.grant_type === 'refresh_token') count(ctx, 'refreshRefused');
});

function testRoute(request: http.IncomingMessage, response: http.ServerResponse): void {
  const url = new URL(request.url ?? '/', config.issuer);
  const account = url.searchParams.get('account') ?? '';
  const reply = (body: unknown) => {
    response.writeHead(200, { 'Content-Type': 'application/json' });
    response.end(JSON.stringify(body));
  };
  let changed = 0;
  switch (`${request.method} ${url.pathname}`) {
    case 'POST /__test/expire':
      for (const [key, payload] of store) {
        if (key.startsWith('AccessToken:') && payload.accountId === account) {
          payload.exp = Math.floor(Date.now() / 1000) - 10;
          changed++;
        }
      }
      return reply({ expired: changed });
    case 'POST /__test/revoke':
      for (const [key, payload] of store) {
        if (/^(AccessToken|RefreshToken|Grant|AuthorizationCode):/.test(key) && payload.accountId === account) {
          store.delete(key);
          changed++;
        }
      }
      return reply({ revoked: changed });
    case 'GET /__test/stats':
      return reply(statsOf(url.searchParams.get('account')));
    default:
      response.writeHead(404);
      response.end();
  }
}

const callback = provider.callback();
const server = http.createServer((request, response) => {
  if ((request.url ?? '').startsWith('/__test/')) testRoute(request, response);
  else void callback(request, response);
});
server.listen(config.port, config.host, () => {
  const address = server.address();
  process.stdout.write(`READY ${typeof address === 'object' && address ? address.port : config.port}\n`);
});
// The parent's pipe closing means it is gone: never outlive the test run.
process.stdin.on('end', () => process.exit(0));
process.stdin.resume();
