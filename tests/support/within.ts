import assert from 'node:assert/strict';

/**
 * Resolves with 'pending' when `promise` has not settled within `ms`: a deadline on a state the test waits
 * for (the answer arrived), so a regression that makes it wait forever fails with a message, not a hang.
 */
export function within<T>(promise: Promise<T>, ms: number): Promise<T | 'pending'> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<'pending'>((resolve) => (timer = setTimeout(() => resolve('pending'), ms)));
  return Promise.race([promise, deadline]).finally(() => clearTimeout(timer));
}

/** `promise`'s outcome, or an assertion failure naming `what` when it has not settled within `ms`. */
export async function settledWithin<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  const outcome = await within(promise, ms);
  if (outcome === 'pending') assert.fail(`${what}: not settled within ${ms} ms`);
  return outcome;
}
