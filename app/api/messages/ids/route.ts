import { json, parseInput, requireSession, route, searchParams } from '@/lib/http/route';
import { filterQuery } from '@/lib/http/schemas';
import { listIds } from '@/lib/mail/message-service';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

export const GET = route(async (request) => {
  const query = parseInput(filterQuery, searchParams(request));
  return json({ ids: await listIds(await requireSession(request), query) });
});
