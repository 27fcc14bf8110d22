import { ApiError } from './api-client';

export function asApiError(cause: unknown): ApiError {
  return cause instanceof ApiError ? cause : new ApiError('BAD_RESPONSE', String(cause), 0);
}

export function plural(count: number, word: string): string {
  return `${count.toLocaleString()} ${word}${count === 1 ? '' : 's'}`;
}
