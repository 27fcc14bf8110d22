import { readJson } from '@/lib/http/request-guards';
import { json, parseInput, requireSession, route } from '@/lib/http/route';
import { seenBodySchema, type SeenAnswer } from '@/lib/contract/messages';
import { markSeen } from '@/lib/mail/message-service';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

/** Marks messages read or unread for this account (kept across logins; see docs/API.md): the answer lists the ids marked. */
export const POST = route(async (request) => {
  const session = await requireSession(request);
  const { ids, seen } = parseInput(seenBodySchema, await readJson(request, 1024 * 1024));
  const marked = await markSeen(session, ids, seen);
  return json({ ids: marked, seen } satisfies SeenAnswer);
});
