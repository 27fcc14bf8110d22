import { AppError, toAppError } from '@/lib/errors';
import { clientAddress, isHttps, readJson } from '@/lib/http/request-guards';
import { clearedSessionCookie, json, parseInput, requireSession, route, sessionCookie, sessionToken } from '@/lib/http/route';
import { sessionView } from '@/lib/http/session-view';
import { appEnv, pinnedServer } from '@/lib/config/env';
import { serverContext } from '@/lib/server/context';
import { login } from '@/lib/server/login';
import { loginBody } from './schema';
import type { LoginAnswer, LogoutAnswer } from '@/lib/contract/session';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

export const POST = route(async (request) => {
  const body = parseInput(loginBody, await readJson(request));
  if (!pinnedServer() && (!body.host || !body.security)) {
    throw new AppError('INVALID_INPUT', 'host and security are required.');
  }
  const hops = appEnv().POSTERN_TRUSTED_PROXY_HOPS;
  // A new login replaces any session this browser had (and a new id is issued).
  const previous = sessionToken(request);
  const session = await login(body, clientAddress(request, hops));
  if (request.signal.aborted) {
    // The person cancelled (or left) while the login ran: nobody will receive this cookie, so the
    // session must not outlive the request holding a connection and the password (here or in the store).
    await serverContext().sessions.end(session.token);
    throw new AppError('INVALID_INPUT', 'The login was cancelled.');
  }
  if (previous && previous !== session.token) await serverContext().sessions.end(previous);
  return json({ session: sessionView(session) } satisfies LoginAnswer, { headers: { 'Set-Cookie': sessionCookie(session.token, isHttps(request, hops)) } });
});

export const GET = route(async (request) => json({ session: sessionView(await requireSession(request)) }));

/**
 * Log out. The store forgets the session first: from then on no request can
 * resume it, so the answer (logged out) is true whatever the mail server does,
 * and a store that cannot be reached stops the logout before anything changed
 * (503 STORE_UNAVAILABLE, the cookie kept). Then QUIT applies the marks, the
 * connection and the credentials leave this process, and the cookie is
 * cleared. Whether QUIT applied the marks is said in the answer.
 */
export const DELETE = route(async (request) => {
  const session = await requireSession(request);
  const sessions = serverContext().sessions;
  await sessions.forget(session.token);
  let deleted = 0;
  let applied = true;
  try {
    deleted = await session.logout();
  } catch (error) {
    applied = false;
    console.warn(`[postern] logout: QUIT failed, the session ends without applying its marks (${describeError(error)})`);
  } finally {
    sessions.drop(session.token);
  }
  const body: LogoutAnswer = { deleted, applied };
  if (!applied) {
    body.warning = 'You are logged out, but the mail server did not confirm it: messages marked for deletion were not deleted.';
  }
  return json(body, { headers: { 'Set-Cookie': clearedSessionCookie(isHttps(request, appEnv().POSTERN_TRUSTED_PROXY_HOPS)) } });
});

function describeError(error: unknown): string {
  // Pop3Error and AppError messages never carry credentials.
  const appError = toAppError(error);
  return `${appError.code}: ${error instanceof Error ? error.message : String(error)}`;
}
