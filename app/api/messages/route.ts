import { json, parseInput, requireSession, route, searchParams } from '@/lib/http/route';
import { listMessages } from '@/lib/mail/message-service';
import { listQuery } from './schema';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

export const GET = route(async (request) => {
  const query = parseInput(listQuery, searchParams(request));
  const session = await requireSession(request);
  const refreshed = query.refresh ? await session.refresh() : { deferredSeconds: 0 };
  const page = await listMessages(session, query);
  return json({ ...page, refreshDeferredSeconds: refreshed.deferredSeconds });
});
