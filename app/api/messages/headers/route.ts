import { emptyBodySchema } from '@/lib/contract/common';
import { readJson } from '@/lib/http/request-guards';
import { json, parseInput, requireSession, route } from '@/lib/http/route';
import { fillState, startHeaderFill } from '@/lib/mail/header-fill';
import type { HeaderFill } from '@/lib/contract/messages';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

/** Starts loading every remaining header in the background (the UI asks when the filter box is focused). */
export const POST = route(async (request) => {
  parseInput(emptyBodySchema, await readJson(request));
  const session = await requireSession(request);
  startHeaderFill(session);
  return json(fillState(session) satisfies HeaderFill, { status: 202 });
});
