import type { Readable } from 'node:stream';

/**
 * The bytes of messages a person just opened, so that opening one of its attachments next does not
 * RETR the whole message again (issue 10). Bounded three ways: a message larger than
 * MAX_MESSAGE_BYTES is never kept, a session keeps its PER_SESSION newest, and all sessions together
 * keep at most TOTAL_BYTES (least recently used first out). An entry names its session weakly, so a
 * session that ends leaves only bytes the total bound will push out. A POP3 unique id names the same
 * content for as long as the message exists, so an entry is never stale.
 */
export const MAX_MESSAGE_BYTES = 8 * 1024 * 1024;
const PER_SESSION = 2;
const TOTAL_BYTES = 64 * 1024 * 1024;

interface Entry {
  owner: WeakRef<object>;
  bytes: Buffer;
}

/** Insertion order is use order: a hit is deleted and set again. */
const entries = new Map<string, Entry>();
const serials = new WeakMap<object, number>();
let nextSerial = 1;
let totalBytes = 0;

function keyOf(session: object, id: string): string {
  let serial = serials.get(session);
  if (serial === undefined) {
    serial = nextSerial++;
    serials.set(session, serial);
  }
  return `${serial}\u0000${id}`;
}

function drop(key: string): void {
  const entry = entries.get(key);
  if (!entry) return;
  entries.delete(key);
  totalBytes -= entry.bytes.length;
}

export function cachedMessage(session: object, id: string): Buffer | undefined {
  const key = keyOf(session, id);
  const entry = entries.get(key);
  if (!entry || entry.owner.deref() !== session) return undefined;
  entries.delete(key);
  entries.set(key, entry);
  return entry.bytes;
}

export function rememberMessage(session: object, id: string, bytes: Buffer): void {
  if (bytes.length > MAX_MESSAGE_BYTES) return;
  const key = keyOf(session, id);
  drop(key);
  const prefix = key.slice(0, key.indexOf('\u0000') + 1);
  const mine = [...entries.keys()].filter((k) => k.startsWith(prefix));
  for (const old of mine.slice(0, Math.max(0, mine.length - (PER_SESSION - 1)))) drop(old);
  entries.set(key, { owner: new WeakRef(session), bytes });
  totalBytes += bytes.length;
  for (const oldest of entries.keys()) {
    if (totalBytes <= TOTAL_BYTES) break;
    drop(oldest);
  }
}

/**
 * Watches a RETR stream as its reader consumes it and calls `done` with the whole message once it
 * ended, if it stayed within MAX_MESSAGE_BYTES. The pieces are the stream's own chunks (no copy while
 * reading); one copy joins them at the end.
 */
export function collectWhileRead(stream: Readable, done: (bytes: Buffer) => void): void {
  let pieces: Buffer[] | null = [];
  let size = 0;
  stream.on('data', (piece: Buffer) => {
    if (pieces === null) return;
    size += piece.length;
    if (size > MAX_MESSAGE_BYTES) pieces = null;
    else pieces.push(piece);
  });
  stream.once('end', () => {
    if (pieces !== null) done(Buffer.concat(pieces, size));
    pieces = null;
  });
}

/** For tests: what the cache holds now. */
export function messageCacheStats(): { entries: number; bytes: number } {
  return { entries: entries.size, bytes: totalBytes };
}
