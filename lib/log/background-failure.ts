import { toAppError } from '../errors';

/**
 * One line on the server console for work nobody waits on (header prefetch,
 * background fill): the failure costs the person nothing, but a deployer
 * should see that it happens. Only the code and the error's own message are
 * printed: POP3 and app errors are written without credentials (commands
 * carrying them are redacted), and nothing else of the request is included.
 */
export function logBackgroundFailure(what: string, error: unknown): void {
  const code = toAppError(error).code;
  const message = error instanceof Error ? error.message : String(error);
  console.warn(`[postern] ${what} failed (${code}): ${message}`);
}
