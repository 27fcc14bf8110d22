/**
 * "Sign in with …" providers, configured by environment and validated once:
 *
 *   POSTERN_OAUTH_PROVIDERS=google,microsoft,corp
 *   POSTERN_OAUTH_<NAME>_ISSUER            OIDC discovery (or the two endpoint URLs below)
 *   POSTERN_OAUTH_<NAME>_AUTHORIZATION_URL / _TOKEN_URL / _USERINFO_URL
 *   POSTERN_OAUTH_<NAME>_CLIENT_ID / _CLIENT_SECRET
 *   POSTERN_OAUTH_<NAME>_SCOPE / _POP3_SERVER / _MECHANISM / _LABEL / _USERNAME_CLAIM
 *
 * `google` and `microsoft` come preset: a deployer adds only the client id and secret.
 */
import { z } from 'zod';
import type { PinnedServer } from '../config/env';

export type OAuthMechanism = 'xoauth2' | 'oauthbearer';

export interface OAuthProvider {
  /** Lower-case name used in routes: /api/oauth/<name>/start. */
  name: string;
  /** Shown on the button: "Sign in with <label>". */
  label: string;
  /** OIDC discovery issuer; undefined when the endpoints are configured directly. */
  issuer?: string;
  authorizationUrl?: string;
  tokenUrl?: string;
  userinfoUrl?: string;
  clientId: string;
  clientSecret: string;
  scope: string;
  pop3: PinnedServer;
  mechanism: OAuthMechanism;
  /**
   * XOAUTH2 with the response on a line of its own after `+ ` (Microsoft
   * prescribes it for POP3) rather than on the AUTH line (Google's form).
   */
  xoauth2TwoLine: boolean;
  /** ID-token or userinfo claims tried in order for the POP3 user name. */
  usernameClaims: string[];
  /**
   * Ask with `prompt=consent`. OpenID Connect providers (oidc-provider, Google) issue a
   * refresh token only then; Microsoft issues one anyway, and forcing consent there would
   * stop work accounts whose administrator consents for them.
   */
  promptConsent: boolean;
  /** Extra parameters on the authorization request (Google needs access_type=offline for a refresh token). */
  authorizationParams: Record<string, string>;
}

type Preset = Omit<OAuthProvider, 'name' | 'clientId' | 'clientSecret'>;

const PRESETS: Record<string, Preset> = {
  google: {
    label: 'Google',
    issuer: 'https://accounts.google.com',
    scope: 'openid email https://mail.google.com/',
    pop3: { host: 'pop.gmail.com', port: 995, security: 'tls' },
    mechanism: 'xoauth2',
    xoauth2TwoLine: false,
    usernameClaims: ['email'],
    // Google issues a refresh token only for offline access, and again only when consent is asked.
    promptConsent: true,
    authorizationParams: { access_type: 'offline' },
  },
  microsoft: {
    label: 'Microsoft',
    // `common`: work, school and personal accounts; openid-client matches the tenant-specific `iss`.
    issuer: 'https://login.microsoftonline.com/common/v2.0',
    scope: 'openid email offline_access https://outlook.office.com/POP.AccessAsUser.All',
    pop3: { host: 'outlook.office365.com', port: 995, security: 'tls' },
    mechanism: 'xoauth2',
    xoauth2TwoLine: true,
    usernameClaims: ['email', 'preferred_username'],
    promptConsent: false,
    authorizationParams: {},
  },
};

const NAME = /^[a-z][a-z0-9]{0,31}$/;
const httpUrl = z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' });
const pop3Server = z
  .string()
  .regex(/^[^:\s]+:\d{1,5}:(tls|starttls|none)$/, 'must be host:port:security (tls, starttls or none)');

const providerSchema = z
  .object({
    ISSUER: httpUrl.optional(),
    AUTHORIZATION_URL: httpUrl.optional(),
    TOKEN_URL: httpUrl.optional(),
    USERINFO_URL: httpUrl.optional(),
    CLIENT_ID: z.string({ error: 'is required' }).min(1, 'is required'),
    CLIENT_SECRET: z.string({ error: 'is required (Postern is a confidential client)' }).min(1, 'is required'),
    SCOPE: z.string().trim().min(1).optional(),
    POP3_SERVER: pop3Server.optional(),
    MECHANISM: z.enum(['xoauth2', 'oauthbearer']).optional(),
    XOAUTH2_TWO_LINE: z.enum(['0', '1']).optional(),
    LABEL: z.string().trim().min(1).max(40).optional(),
    USERNAME_CLAIM: z.string().trim().min(1).optional(),
    PROMPT_CONSENT: z.enum(['0', '1']).optional(),
  })
  .refine((value) => (value.AUTHORIZATION_URL === undefined) === (value.TOKEN_URL === undefined), {
    message: 'AUTHORIZATION_URL and TOKEN_URL go together',
  });

/** Plain-HTTP endpoints only on loopback (a local test or development provider). */
export function isLoopbackUrl(url: string): boolean {
  const host = new URL(url).hostname;
  return host === 'localhost' || host === '[::1]' || /^127\.\d+\.\d+\.\d+$/.test(host);
}

function parsePop3Server(value: string): PinnedServer {
  const [host = '', port = '', security = 'tls'] = value.split(':');
  return { host, port: Number(port), security: security as PinnedServer['security'] };
}

/** Parses and validates the providers from an environment; throws one error naming every problem. */
export function parseOAuthProviders(env: Record<string, string | undefined>): OAuthProvider[] {
  const list = (env.POSTERN_OAUTH_PROVIDERS ?? '')
    .split(',')
    .map((name) => name.trim().toLowerCase())
    .filter(Boolean);
  const problems: string[] = [];
  const providers: OAuthProvider[] = [];
  for (const name of new Set(list)) {
    if (!NAME.test(name)) {
      problems.push(`POSTERN_OAUTH_PROVIDERS: "${name}" is not a valid provider name (letters and digits, starting with a letter)`);
      continue;
    }
    const prefix = `POSTERN_OAUTH_${name.toUpperCase()}_`;
    const raw = Object.fromEntries(
      Object.entries(env)
        .filter(([key]) => key.startsWith(prefix))
        .map(([key, value]) => [key.slice(prefix.length), value === '' ? undefined : value]),
    );
    const parsed = providerSchema.safeParse(raw);
    if (!parsed.success) {
      for (const issue of parsed.error.issues) problems.push(`${prefix}${issue.path.join('.') || '*'}: ${issue.message}`);
      continue;
    }
    const value = parsed.data;
    const preset = PRESETS[name];
    const issuer = value.ISSUER ?? (value.AUTHORIZATION_URL ? undefined : preset?.issuer);
    if (!issuer && !value.AUTHORIZATION_URL) problems.push(`${prefix}ISSUER (or AUTHORIZATION_URL and TOKEN_URL) is required`);
    const pop3 = value.POP3_SERVER ? parsePop3Server(value.POP3_SERVER) : preset?.pop3;
    if (!pop3) problems.push(`${prefix}POP3_SERVER is required`);
    // Named by the variable that set it; a preset's issuer is always https.
    const urls = { ISSUER: issuer, AUTHORIZATION_URL: value.AUTHORIZATION_URL, TOKEN_URL: value.TOKEN_URL, USERINFO_URL: value.USERINFO_URL };
    for (const [key, url] of Object.entries(urls)) {
      if (url && url.startsWith('http:') && !isLoopbackUrl(url)) problems.push(`${prefix}${key}: ${url} must use https (plain http only on loopback)`);
    }
    const scope = value.SCOPE ?? preset?.scope ?? 'openid email offline_access';
    const openid = scope.split(/\s+/).includes('openid');
    if (value.AUTHORIZATION_URL && openid && !value.ISSUER) {
      problems.push(`${prefix}ISSUER is required with openid in the scope (the ID token's issuer), or take openid out of ${prefix}SCOPE`);
    }
    if (!openid && !value.USERINFO_URL && !issuer) {
      problems.push(`${prefix}USERINFO_URL is required without openid in the scope (it gives the mailbox name)`);
    }
    if (!pop3 || (!issuer && !value.AUTHORIZATION_URL)) continue;
    providers.push({
      name,
      label: value.LABEL ?? preset?.label ?? name.charAt(0).toUpperCase() + name.slice(1),
      issuer,
      authorizationUrl: value.AUTHORIZATION_URL,
      tokenUrl: value.TOKEN_URL,
      userinfoUrl: value.USERINFO_URL,
      clientId: value.CLIENT_ID,
      clientSecret: value.CLIENT_SECRET,
      scope,
      pop3,
      mechanism: value.MECHANISM ?? preset?.mechanism ?? 'oauthbearer',
      xoauth2TwoLine: value.XOAUTH2_TWO_LINE ? value.XOAUTH2_TWO_LINE === '1' : (preset?.xoauth2TwoLine ?? false),
      usernameClaims: value.USERNAME_CLAIM ? [value.USERNAME_CLAIM] : (preset?.usernameClaims ?? ['email', 'preferred_username']),
      promptConsent: value.PROMPT_CONSENT ? value.PROMPT_CONSENT === '1' : (preset?.promptConsent ?? scope.split(/\s+/).includes('offline_access')),
      authorizationParams: preset?.authorizationParams ?? {},
    });
  }
  if (problems.length > 0) throw new Error(`Invalid OAuth configuration: ${problems.join('; ')}`);
  return providers;
}

let cached: OAuthProvider[] | undefined;

const publicUrlSchema = z.url({ protocol: /^https?$/, error: 'POSTERN_PUBLIC_URL must be an http(s) URL' }).optional();

/**
 * The app's public origin (POSTERN_PUBLIC_URL), for the redirect URI the
 * provider has registered. Unset: taken from each request's Host.
 */
export function publicOriginSetting(env: Record<string, string | undefined> = process.env): string | undefined {
  const parsed = publicUrlSchema.safeParse(env.POSTERN_PUBLIC_URL || undefined);
  if (!parsed.success) throw new Error(`Invalid configuration: ${parsed.error.issues[0]?.message ?? 'POSTERN_PUBLIC_URL'}`);
  return parsed.data ? new URL(parsed.data).origin : undefined;
}

/** The configured providers (validated on first use; instrumentation.ts calls it at start-up). */
export function oauthProviders(): OAuthProvider[] {
  cached ??= parseOAuthProviders(process.env);
  return cached;
}

export function oauthProvider(name: string): OAuthProvider | undefined {
  return oauthProviders().find((provider) => provider.name === name);
}

/** For tests that change the environment between cases. */
export function resetOAuthProviders(): void {
  cached = undefined;
}
