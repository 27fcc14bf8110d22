import { AppError } from '@/lib/errors';
import { clientAddress, isHttps, readJson } from '@/lib/http/request-guards';
import { clearedSessionCookie, json, parseInput, requireSession, route, sessionCookie, sessionToken } from '@/lib/http/route';
import { sessionView } from '@/lib/http/session-view';
import { appEnv, pinnedServer } from '@/lib/config/env';
import { serverContext } from '@/lib/server/context';
import { login } from '@/lib/server/login';
import { loginBody } from './schema';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

export const POST = route(async (request) => {
  const body = parseInput(loginBody, await readJson(request));
  if (!pinnedServer() && (!body.host || !body.security)) {
    throw new AppError('INVALID_INPUT', 'host and security are required.');
  }
  // A new login replaces any session this browser had (and a new id is issued).
  const previous = sessionToken(request);
  const session = await login(body, clientAddress(request, appEnv().POSTERN_TRUSTED_PROXY_HOPS));
  if (previous) serverContext().pool.remove(previous);
  return json({ session: sessionView(session) }, { headers: { 'Set-Cookie': sessionCookie(session.token, isHttps(request)) } });
});

export const GET = route(async (request) => json({ session: sessionView(requireSession(request)) }));

export const DELETE = route(async (request) => {
  const session = requireSession(request);
  const deleted = await session.logout();
  serverContext().pool.remove(session.token);
  return json({ deleted }, { headers: { 'Set-Cookie': clearedSessionCookie(isHttps(request)) } });
});
