import { json, requireSession, route } from '@/lib/http/route';
import { serverPanel } from '@/lib/http/session-view';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

/** The server in words: capabilities, policies, and this session's last 200 POP3 lines (redacted). */
export const GET = route(async (request) => json(serverPanel(await requireSession(request))));
