import { Readable } from 'node:stream';
import { Pop3Error } from './errors';

/** Where the client pours a multi-line reply's unstuffed bytes. */
export interface BodySink {
  /** Returns false to ask the client to stop reading the socket until `onDrain` fires. */
  write(piece: Buffer): boolean;
  end(): void;
  fail(error: Pop3Error): void;
  /** Registers the callback that lets the client read again after backpressure. */
  onDrain(callback: () => void): void;
}

export interface BodyProgress {
  received: number;
  /** Size the server gave in LIST, when known. */
  expected?: number;
}

/**
 * A RETR or TOP body as a byte stream. Memory is bounded by the stream's
 * high-water mark: when the consumer is slow, the client stops reading the
 * socket. Destroying the stream early abandons the body: the client keeps
 * reading to stay in step with the server but discards the bytes.
 */
/**
 * A body read as fast as the server sends it stops the socket this often and goes on after one turn
 * of the event loop (setImmediate): everyone else's timers and sockets get that turn. Without it, a
 * server faster than the reader's thread fills every turn with this one download.
 */
export const YIELD_EVERY_BYTES = 1024 * 1024;

export class BodyStream extends Readable implements BodySink {
  received = 0;
  private sinceYield = 0;
  private yieldDue = false;
  readonly expected?: number;
  private drainCallback: (() => void) | undefined;
  private abandoned = false;
  private readonly onProgress?: (progress: BodyProgress) => void;

  constructor(options: { expected?: number; onProgress?: (progress: BodyProgress) => void; highWaterMark?: number }) {
    super({ highWaterMark: options.highWaterMark ?? 256 * 1024 });
    this.expected = options.expected;
    this.onProgress = options.onProgress;
  }

  override _read(): void {
    const callback = this.drainCallback;
    this.drainCallback = undefined;
    callback?.();
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    this.abandoned = true;
    const resume = this.drainCallback;
    this.drainCallback = undefined;
    resume?.();
    callback(error);
  }

  write(piece: Buffer): boolean {
    this.received += piece.length;
    this.onProgress?.({ received: this.received, expected: this.expected });
    if (this.abandoned || this.destroyed) return true;
    const room = this.push(piece);
    this.sinceYield += piece.length;
    if (this.sinceYield < YIELD_EVERY_BYTES) return room;
    this.sinceYield = 0;
    // Stop the socket either way; with room left the reader is not what we wait for, the loop's turn is.
    if (room) this.yieldDue = true;
    return false;
  }

  end(): void {
    if (!this.abandoned && !this.destroyed) this.push(null);
  }

  fail(error: Pop3Error): void {
    if (this.destroyed) return;
    // The stream reaches its caller through a promise, and a fatal error in the same chunk as the +OK
    // arrives (nextTick) before the caller's continuation runs. With nobody listening yet, an 'error'
    // event would crash the process; the error stays on `errored`, and for-await, pipeline() and
    // finished() still report it to whoever reads the stream later.
    if (this.listenerCount('error') === 0) this.once('error', () => undefined);
    this.destroy(error);
  }

  onDrain(callback: () => void): void {
    if (this.abandoned || this.destroyed) callback();
    else if (this.yieldDue) {
      this.yieldDue = false;
      setImmediate(callback);
    } else this.drainCallback = callback;
  }
}

/**
 * Collects a bounded reply in memory and reports once, through `settle`:
 * the bytes, or the error that ended the reply. `overflow: 'fatal'` makes a
 * breach a LIMIT_EXCEEDED (listings); `'truncate'` keeps the first `limit`
 * bytes and discards the rest (headers from TOP n 0).
 */
export class BufferSink implements BodySink {
  private chunks: Buffer[] = [];
  private bytes = 0;
  truncated = false;

  constructor(
    private readonly limit: number,
    private readonly overflow: 'fatal' | 'truncate',
    private readonly settle: (error: Pop3Error | null, data: Buffer) => void,
  ) {}

  write(piece: Buffer): boolean {
    const room = this.limit - this.bytes;
    if (piece.length > room) {
      if (this.overflow === 'fatal') {
        throw new Pop3Error('LIMIT_EXCEEDED', `The server's reply is larger than ${this.limit} bytes.`);
      }
      this.truncated = true;
      if (room > 0) this.keep(piece.subarray(0, room));
      return true;
    }
    this.keep(piece);
    return true;
  }

  private keep(piece: Buffer): void {
    // Pieces are views of socket chunks; they are held only until `end` copies them into one buffer.
    this.chunks.push(piece);
    this.bytes += piece.length;
  }

  end(): void {
    const data = Buffer.concat(this.chunks, this.bytes);
    this.chunks = [];
    this.settle(null, data);
  }

  fail(error: Pop3Error): void {
    this.chunks = [];
    this.settle(error, EMPTY_BUFFER);
  }

  onDrain(callback: () => void): void {
    callback();
  }
}

const EMPTY_BUFFER = Buffer.alloc(0);

/** A BufferSink whose outcome is a promise (`done`). */
export class CollectSink extends BufferSink {
  readonly done: Promise<Buffer>;

  constructor(limit: number, overflow: 'fatal' | 'truncate') {
    let settle!: (error: Pop3Error | null, data: Buffer) => void;
    const done = new Promise<Buffer>((resolve, reject) => {
      settle = (error, data) => (error ? reject(error) : resolve(data));
    });
    // A rejection is always observed by whoever awaits `done`; avoid an unhandled warning before they do.
    done.catch(() => undefined);
    super(limit, overflow, (error, data) => settle(error, data));
    this.done = done;
  }
}
