import { ApiError, login, type LoginRequest, type SessionInfo, type Security } from './api-client';

export interface LoginAttempt {
  security: Security;
  port: number;
}

/** "Auto" tries implicit TLS on 995 first, then STARTTLS on 110. Never plain. */
export const AUTO_ATTEMPTS: readonly LoginAttempt[] = [
  { security: 'tls', port: 995 },
  { security: 'starttls', port: 110 },
];

/**
 * Errors after which the next attempt may still work: the first way in could not even be
 * reached or secured. Anything else (a refused password, a busy mailbox, a rate limit) would
 * fail the same way again, so it is reported at once and no password is sent twice.
 */
function worthTryingNext(error: ApiError): boolean {
  switch (error.code) {
    case 'CONNECT_FAILED':
    case 'TLS_FAILED':
    case 'TIMEOUT':
    case 'PROTOCOL_ERROR':
    case 'UNSUPPORTED':
    case 'HOST_NOT_ALLOWED':
      return true;
    default:
      return false;
  }
}

/** Most useful error to show when every attempt failed: the first one that is not "port refused". */
function preferredError(errors: ApiError[]): ApiError {
  const informative = errors.find((error) => error.code !== 'CONNECT_FAILED' && error.code !== 'HOST_NOT_ALLOWED');
  return informative ?? errors[errors.length - 1] ?? new ApiError('CONNECT_FAILED', 'No attempt was made.', 0);
}

export async function autoLogin(
  base: Omit<LoginRequest, 'security' | 'port' | 'allowInsecure'>,
  onAttempt: (attempt: LoginAttempt) => void,
  signal?: AbortSignal,
): Promise<SessionInfo> {
  const errors: ApiError[] = [];
  for (const attempt of AUTO_ATTEMPTS) {
    onAttempt(attempt);
    try {
      return await login({ ...base, security: attempt.security, port: attempt.port }, signal);
    } catch (error) {
      if (!(error instanceof ApiError)) throw error;
      errors.push(error);
      if (!worthTryingNext(error)) throw error;
    }
  }
  throw preferredError(errors);
}
