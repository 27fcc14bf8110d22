import { pinnedServer } from '@/lib/config/env';
import { json, route } from '@/lib/http/route';
import { oauthProviders } from '@/lib/oauth/config';
import { DEFAULT_PORT } from '@/lib/server/login';
import type { ServerConfig } from '@/lib/contract/session';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

export const GET = route(async () =>
  json({
    pinned: pinnedServer(),
    defaults: { port: DEFAULT_PORT },
    // One "Sign in with …" button each; nothing secret (no client ids, no endpoints). The POP3 host lets
    // the form offer the right button when a password login there is refused as "OAuth only".
    providers: oauthProviders().map(({ name, label, pop3 }) => ({ name, label, host: pop3.host })),
  } satisfies ServerConfig),
);
