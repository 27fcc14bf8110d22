import { json, parseInput, requireSession, route, searchParams } from '@/lib/http/route';
import { listMessages, refreshSession } from '@/lib/mail/message-service';
import { listQuery } from './schema';
import type { MessagePage } from '@/lib/contract/messages';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

export const GET = route(async (request) => {
  const query = parseInput(listQuery, searchParams(request));
  const session = await requireSession(request);
  const refreshed = query.refresh ? await refreshSession(session) : { deferredSeconds: 0 };
  const page = await listMessages(session, query);
  const body: MessagePage = { ...page, refreshDeferredSeconds: refreshed.deferredSeconds };
  if (refreshed.newCount !== undefined) body.newCount = refreshed.newCount;
  return json(body);
});
