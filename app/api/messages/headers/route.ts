import { json, requireSession, route } from '@/lib/http/route';
import { fillState, startHeaderFill } from '@/lib/mail/header-fill';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

/** Starts loading every remaining header in the background (the UI asks when the filter box is focused). */
export const POST = route(async (request) => {
  const session = await requireSession(request);
  startHeaderFill(session);
  return json(fillState(session), { status: 202 });
});
