import { json, parseQuery, requireSession, route } from '@/lib/http/route';
import { filterQuery } from '@/lib/http/schemas';
import { prepareProposals } from '@/lib/rules/rule-service';
import { listIds } from '@/lib/mail/message-service';
import type { IdsAnswer } from '@/lib/contract/messages';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

export const GET = route(async (request) => {
  const query = parseQuery(filterQuery, request);
  const session = await requireSession(request);
  if (query.proposed) await prepareProposals(session);
  return json({ ids: await listIds(session, query) } satisfies IdsAnswer);
});
