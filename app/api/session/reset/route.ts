import { emptyBodySchema } from '@/lib/contract/common';
import type { ResetAnswer } from '@/lib/contract/session';
import { readJson } from '@/lib/http/request-guards';
import { json, parseInput, requireSession, route } from '@/lib/http/route';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

export const POST = route(async (request) => {
  parseInput(emptyBodySchema, await readJson(request));
  return json({ restored: await (await requireSession(request)).reset() } satisfies ResetAnswer);
});
