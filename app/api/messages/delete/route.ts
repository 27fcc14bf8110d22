import { readJson } from '@/lib/http/request-guards';
import { json, parseInput, requireSession, route } from '@/lib/http/route';
import { deleteBody } from '../schema';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

export const POST = route(async (request) => {
  const body = parseInput(deleteBody, await readJson(request, 1024 * 1024));
  return json({ deleted: await (await requireSession(request)).mark(body.ids) });
});
