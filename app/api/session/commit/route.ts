import { json, requireSession, route } from '@/lib/http/route';
import type { CommitAnswer } from '@/lib/contract/session';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

export const POST = route(async (request) => json((await requireSession(request).commit()) satisfies CommitAnswer));
