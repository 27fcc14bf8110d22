import { pinnedServer } from '@/lib/config/env';
import { json, route } from '@/lib/http/route';
import { DEFAULT_PORT } from '@/lib/server/login';
import type { ServerConfig } from '@/lib/contract/session';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

export const GET = route(async () => json({ pinned: pinnedServer(), defaults: { port: DEFAULT_PORT } } satisfies ServerConfig));
