import type { MailSession, MaildropEntry } from './mail-session';
import { ensureSummaries } from './message-service';
import { Semaphore } from './mutex';
import { logBackgroundFailure } from '../log/background-failure';

/** `TOP n 0` per turn of the session lock: a person's request waits for one chunk at most. */
export const FILL_CHUNK = 200;
/** Fill chunks running at once in this process; the rest wait their turn (a filter request never does). */
const fillSlots = new Semaphore(2);
const filling = new WeakMap<MailSession, Promise<void>>();

export interface FillState {
  /** Messages in the snapshot. */
  total: number;
  /** Of those, how many have their headers in the cache. */
  cached: number;
  filling: boolean;
}

export function fillState(session: MailSession): FillState {
  let cached = 0;
  for (const entry of session.known) if (session.summaries.has(entry.id)) cached++;
  return { total: session.count, cached, filling: filling.has(session) };
}

/**
 * Loads every remaining header into the session's cache in the background,
 * newest first, so the filter box has them all (the person asked for it by
 * going to the filter). Chunked behind the session lock: anything the person
 * asks meanwhile goes ahead of the next chunk. Joining a running fill is free;
 * a failed fill costs nothing (a filter fetches whatever is missing).
 */
export function startHeaderFill(session: MailSession): void {
  if (filling.has(session) || session.ended) return;
  const { total, cached } = fillState(session);
  if (cached === total && session.known.length === total) return; // nothing left to fetch
  // Without TOP a header costs a whole RETR: only a filter the person typed may ask for that.
  if (session.lacksTop) return;
  const run = fillAll(session)
    .catch((error: unknown) => logBackgroundFailure('background header fill', error))
    .finally(() => filling.delete(session));
  filling.set(session, run);
}

/**
 * Every header in the cache, fetched by the background fill (chunked, so the
 * person's other requests go between chunks): for a view that needs all of
 * them (the rules' proposals). Resolves when the fill has finished, whether or
 * not it succeeded; callers fetch whatever is still missing themselves.
 */
export async function allHeadersFilled(session: MailSession): Promise<void> {
  startHeaderFill(session);
  await whenFilled(session);
}

/** Resolves when the session's fill (if any) has finished. */
export function whenFilled(session: MailSession): Promise<void> {
  return filling.get(session) ?? Promise.resolve();
}

async function fillAll(session: MailSession): Promise<void> {
  let cursor = Number.POSITIVE_INFINITY; // message numbers below this are still to be looked at
  for (;;) {
    if (session.ended) return;
    // A slot per chunk, not per fill: a session busy with a long download holds up only its own fill.
    const more = await fillSlots.run(() =>
      session.runBackground(async (client) => {
        const chunk = nextMissing(session, cursor);
        if (chunk.length === 0) return false;
        await ensureSummaries(session, client, chunk);
        cursor = chunk[chunk.length - 1]!.number; // only once fetched: a retry after a reconnect does this chunk again
        return true;
      }),
    );
    if (!more) return;
    // Let whatever the person queued meanwhile take the lock first.
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
}

/** Up to FILL_CHUNK entries without a cached summary, newest first, numbered below `cursor`. */
function nextMissing(session: MailSession, cursor: number): MaildropEntry[] {
  const entries = session.snapshot;
  const chunk: MaildropEntry[] = [];
  for (let i = entries.length - 1; i >= 0 && chunk.length < FILL_CHUNK; i--) {
    const entry = entries[i]!;
    if (entry.number < cursor && !session.summaries.has(entry.id)) chunk.push(entry);
  }
  return chunk;
}
