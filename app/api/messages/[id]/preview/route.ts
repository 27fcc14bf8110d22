import { json, parseInput, parseQuery, requireSession, route } from '@/lib/http/route';
import { previewMessage } from '@/lib/mail/message-service';
import { messageParams, previewQuery } from '../schema';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

export const GET = route(async (request, context: { params: Promise<{ id: string }> }) => {
  const { id } = parseInput(messageParams, await context.params);
  const { lines } = parseQuery(previewQuery, request);
  return json(await previewMessage(await requireSession(request), id, lines));
});
