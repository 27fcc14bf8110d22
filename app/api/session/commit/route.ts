import { json, requireSession, route } from '@/lib/http/route';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

export const POST = route(async (request) => json(await (await requireSession(request)).commit()));
