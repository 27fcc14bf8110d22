import { json, parseQuery, requireSession, route, type RequestHead } from '@/lib/http/route';
import { openFastLane } from '@/lib/http/fast-lane';
import { prepareProposals } from '@/lib/rules/rule-service';
import { listMessages, refreshSession } from '@/lib/mail/message-service';
import { listQuery } from './schema';
import type { MessagePage } from '@/lib/contract/messages';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

async function messagePage(request: RequestHead): Promise<MessagePage> {
  const query = parseQuery(listQuery, request);
  const session = await requireSession(request);
  const refreshed = query.refresh ? await refreshSession(session) : { deferredSeconds: 0 };
  if (query.proposed) await prepareProposals(session);
  const page = await listMessages(session, query);
  const body: MessagePage = { ...page, refreshDeferredSeconds: refreshed.deferredSeconds };
  if (refreshed.newCount !== undefined) body.newCount = refreshed.newCount;
  return body;
}

export const GET = route(async (request) => json(await messagePage(request)));

// The inbox's every page: answered without Next once this module is loaded (lib/http/fast-lane.ts).
openFastLane({ pattern: /^\/api\/messages$/, answer: async (request) => ({ json: await messagePage(request) }) });
