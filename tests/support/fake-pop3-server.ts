/**
 * Two scripted POP3 peers for client tests, both offline:
 *
 * - `ReplayPeer`: an in-memory Duplex that replays a recorded transcript. It
 *   hands the client the server's bytes in chosen chunk sizes (one byte per
 *   read, random sizes, a split at one offset) and checks every byte the
 *   client writes against the transcript, in order.
 * - `startFakePop3`: a real net.Server on a loopback port, with one async
 *   script per connection. `mailbox()` is a well-behaved POP3 server whose
 *   verbs can be replaced one by one to stage a fault.
 */
import { createHash } from 'node:crypto';
import net from 'node:net';
import { Duplex } from 'node:stream';

import { seededRandom } from './seeded-random';
import { sleep } from './sleep';

const CRLF = '\r\n';

// ---- wire helpers ------------------------------------------------------------

/** LF or CRLF line ends in, CRLF out: what a POP3 server serves. */
export function toCrlf(message: Buffer): Buffer {
  const out: number[] = [];
  for (let i = 0; i < message.length; i++) {
    const byte = message[i]!;
    if (byte === 0x0a && (i === 0 || message[i - 1] !== 0x0d)) out.push(0x0d);
    out.push(byte);
  }
  return Buffer.from(out);
}

/** A message body as a multi-line reply: CRLF, dot-stuffed, terminated. The body must already use CRLF. */
export function dotStuff(body: Buffer): Buffer {
  const parts: Buffer[] = [];
  let lineStart = 0;
  while (lineStart < body.length) {
    const lf = body.indexOf(0x0a, lineStart);
    const end = lf < 0 ? body.length : lf + 1;
    if (body[lineStart] === 0x2e) parts.push(Buffer.from('.'));
    parts.push(body.subarray(lineStart, end));
    lineStart = end;
  }
  const last = body.length > 0 ? body[body.length - 1] : undefined;
  if (body.length > 0 && last !== 0x0a) parts.push(Buffer.from(CRLF));
  parts.push(Buffer.from(`.${CRLF}`));
  return Buffer.concat(parts);
}

export function sha256(data: Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

// ---- replayed transcripts -----------------------------------------------------

export type ReplayStep =
  /** Bytes the client must write next. */
  | { client: string }
  /** Bytes the server sends. */
  | { server: string | Buffer }
  /** The server closes its side. */
  | { close: true };

export type Chunking =
  | { kind: 'whole' }
  | { kind: 'byte' }
  | { kind: 'random'; seed: number; max: number }
  /** Split the server's byte stream at this offset (counted over all server bytes). */
  | { kind: 'split'; at: number };

/**
 * A scripted server as a Duplex. Each contiguous run of server steps is
 * released once every client step before it has been written, cut into chunks
 * by `chunking`, and pushed one chunk per read. A client byte that differs
 * from the transcript stops the replay with an error, so a test fails fast.
 */
export class ReplayPeer extends Duplex {
  mismatch: string | undefined;
  private readonly steps: ReplayStep[];
  private readonly chunking: Chunking;
  private readonly random: () => number;
  private stepIndex = 0;
  private written: Buffer = Buffer.alloc(0);
  private matched = 0;
  private serverOffset = 0;
  /** Chunks waiting to be read; `outgoingHead` avoids Array#shift, which is O(n) on long queues. */
  private outgoing: Array<Buffer | null> = [];
  private outgoingHead = 0;
  private wantsData = false;

  constructor(steps: ReplayStep[], chunking: Chunking = { kind: 'whole' }) {
    super();
    this.steps = steps;
    this.chunking = chunking;
    this.random = seededRandom(chunking.kind === 'random' ? chunking.seed : 1);
    this.advance();
  }

  /** Everything the client wrote, as latin1 text. */
  writtenText(): string {
    return this.written.toString('latin1');
  }

  /** The client side of the transcript, concatenated: what the client must have written. */
  static expectedClientText(steps: ReplayStep[]): string {
    return steps.map((step) => ('client' in step ? step.client : '')).join('');
  }

  /** The server side of the transcript, concatenated. */
  static serverBytes(steps: ReplayStep[]): Buffer {
    return Buffer.concat(steps.map((step) => ('server' in step ? Buffer.from(step.server) : Buffer.alloc(0))));
  }

  /** True when every step has been played and every expected client byte was written. */
  get finished(): boolean {
    return this.stepIndex >= this.steps.length && this.mismatch === undefined;
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    this.written = Buffer.concat([this.written, chunk]);
    this.advance();
    callback();
  }

  override _read(): void {
    this.wantsData = true;
    this.flush();
  }

  private advance(): void {
    let run: Buffer[] = [];
    const release = () => {
      if (run.length > 0) this.enqueue(Buffer.concat(run));
      run = [];
    };
    while (this.stepIndex < this.steps.length && this.mismatch === undefined) {
      const step = this.steps[this.stepIndex]!;
      if ('client' in step) {
        release();
        const expected = Buffer.from(step.client, 'latin1');
        const available = this.written.subarray(this.matched);
        const comparable = Math.min(available.length, expected.length);
        if (!available.subarray(0, comparable).equals(expected.subarray(0, comparable))) {
          this.mismatch = `expected client to write ${JSON.stringify(step.client)}, got ${JSON.stringify(available.toString('latin1'))}`;
          this.destroy(new Error(this.mismatch));
          return;
        }
        if (available.length < expected.length) break;
        this.matched += expected.length;
      } else if ('server' in step) {
        run.push(Buffer.from(step.server));
      } else {
        release();
        this.outgoing.push(null);
      }
      this.stepIndex++;
    }
    release();
    // Anything written beyond the transcript is a mismatch too.
    if (this.stepIndex >= this.steps.length && this.written.length > this.matched && this.mismatch === undefined) {
      this.mismatch = `client wrote past the transcript: ${JSON.stringify(this.written.subarray(this.matched).toString('latin1'))}`;
      this.destroy(new Error(this.mismatch));
      return;
    }
    this.flush();
  }

  private enqueue(bytes: Buffer): void {
    let offset = 0;
    while (offset < bytes.length) {
      const size = this.nextChunkSize(bytes.length - offset);
      this.outgoing.push(bytes.subarray(offset, offset + size));
      offset += size;
      this.serverOffset += size;
    }
  }

  private nextChunkSize(left: number): number {
    switch (this.chunking.kind) {
      case 'whole':
        return left;
      case 'byte':
        return 1;
      case 'random':
        return Math.min(left, 1 + Math.floor(this.random() * this.chunking.max));
      case 'split': {
        const toSplit = this.chunking.at - this.serverOffset;
        return toSplit > 0 && toSplit < left ? toSplit : left;
      }
    }
  }

  /** One chunk per read, so every chunk boundary reaches the client as its own 'data' event. */
  private flush(): void {
    if (!this.wantsData || this.outgoingHead >= this.outgoing.length || this.destroyed) return;
    this.wantsData = false;
    const chunk = this.outgoing[this.outgoingHead++] ?? null;
    if (this.outgoingHead === this.outgoing.length) {
      this.outgoing = [];
      this.outgoingHead = 0;
    }
    this.push(chunk);
  }
}

export const ALL_CHUNKINGS: Chunking[] = [
  { kind: 'whole' },
  { kind: 'byte' },
  { kind: 'random', seed: 1, max: 7 },
  { kind: 'random', seed: 2, max: 64 },
  { kind: 'random', seed: 3, max: 1500 },
];

export function describeChunking(chunking: Chunking): string {
  switch (chunking.kind) {
    case 'whole':
      return 'whole replies';
    case 'byte':
      return 'one byte per read';
    case 'random':
      return `random chunks ≤${chunking.max} (seed ${chunking.seed})`;
    case 'split':
      return `split at ${chunking.at}`;
  }
}

// ---- a fake server on a loopback port -------------------------------------------

/** One accepted connection, seen from the server side. */
export class FakeSession {
  readonly socket: net.Socket;
  /** Every complete line the client sent, without its line end, in order. */
  readonly lines: string[] = [];
  /** Resolves when the socket has closed. */
  readonly closed: Promise<void>;
  isClosed = false;
  private readonly chunks: Buffer[] = [];
  private partial = '';
  private consumed = 0;
  private lineWaiters: Array<() => void> = [];

  constructor(socket: net.Socket) {
    this.socket = socket;
    socket.setNoDelay(true);
    // The client is expected to destroy sockets abruptly; that is not a test failure.
    socket.on('error', () => undefined);
    socket.on('data', (chunk: Buffer) => {
      this.chunks.push(chunk);
      const text = this.partial + chunk.toString('latin1');
      const parts = text.split('\n');
      this.partial = parts.pop() ?? '';
      for (const part of parts) this.lines.push(part.replace(/\r$/, ''));
      this.wake();
    });
    this.closed = new Promise((resolve) => {
      socket.on('close', () => {
        this.isClosed = true;
        this.wake();
        resolve();
      });
    });
  }

  /** Every byte received from the client. */
  received(): Buffer {
    return Buffer.concat(this.chunks);
  }

  receivedText(): string {
    return this.received().toString('latin1');
  }

  /** Lines received but not yet taken with `nextLine()`: commands the client wrote ahead of our replies. */
  get unreadLines(): number {
    return this.lines.length - this.consumed;
  }

  /** The next command line from the client, or undefined once the connection has closed. */
  async nextLine(): Promise<string | undefined> {
    while (this.consumed >= this.lines.length) {
      if (this.isClosed) return undefined;
      await new Promise<void>((resolve) => this.lineWaiters.push(resolve));
    }
    return this.lines[this.consumed++];
  }

  /** Waits until at least `count` lines have arrived in total (or the socket closed). */
  async waitForLines(count: number): Promise<void> {
    while (this.lines.length < count && !this.isClosed) {
      await new Promise<void>((resolve) => this.lineWaiters.push(resolve));
    }
  }

  /** Writes and waits for the socket to take the bytes (backpressure); never rejects. */
  send(data: string | Buffer): Promise<void> {
    if (this.isClosed || !this.socket.writable) return Promise.resolve();
    return new Promise((resolve) => {
      // Resolve from the I/O phase: a loop of writes whose callbacks all run on nextTick would
      // starve the client (and this socket's own 'close') in the same process.
      const done = () => setImmediate(resolve);
      const flushed = this.socket.write(typeof data === 'string' ? Buffer.from(data, 'latin1') : data, done);
      if (!flushed) this.socket.once('drain', done);
    });
  }

  /** Sends one byte at a time, `intervalMs` apart, until done or the client hangs up. */
  async drip(data: string | Buffer, intervalMs: number): Promise<void> {
    const bytes = typeof data === 'string' ? Buffer.from(data, 'latin1') : data;
    for (let i = 0; i < bytes.length && !this.isClosed; i++) {
      await this.send(bytes.subarray(i, i + 1));
      await sleep(intervalMs);
    }
  }

  /** Half-closes politely (FIN). */
  end(): void {
    this.socket.end();
  }

  /** Drops the connection at once. */
  destroy(): void {
    this.socket.destroy();
  }

  private wake(): void {
    const waiters = this.lineWaiters;
    this.lineWaiters = [];
    for (const waiter of waiters) waiter();
  }
}

export type SessionScript = (session: FakeSession) => Promise<void> | void;

export interface FakePop3Server {
  host: '127.0.0.1';
  port: number;
  /** Sessions in the order they connected. */
  readonly sessions: FakeSession[];
  /** Resolves with the next session to connect (or the first one not yet taken). */
  nextSession(): Promise<FakeSession>;
  /** A plain TCP connection to the server, resolved once connected. */
  connect(): Promise<net.Socket>;
  close(): Promise<void>;
}

/** Starts a fake POP3 server on an ephemeral loopback port; `script` runs once per connection. */
export async function startFakePop3(script: SessionScript): Promise<FakePop3Server> {
  const sessions: FakeSession[] = [];
  let taken = 0;
  let waiters: Array<() => void> = [];
  const server = net.createServer((socket) => {
    const session = new FakeSession(socket);
    sessions.push(session);
    for (const waiter of waiters.splice(0)) waiter();
    Promise.resolve()
      .then(() => script(session))
      .catch(() => session.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('fake server has no port');
  const port = address.port;

  return {
    host: '127.0.0.1',
    port,
    sessions,
    async nextSession() {
      while (sessions.length <= taken) await new Promise<void>((resolve) => waiters.push(resolve));
      return sessions[taken++]!;
    },
    connect() {
      return new Promise((resolve, reject) => {
        const socket = net.connect({ host: '127.0.0.1', port });
        // As connectPop3 does: without it Nagle holds a pipelined command back until the first is ACKed.
        socket.setNoDelay(true);
        socket.once('error', reject);
        socket.once('connect', () => {
          socket.off('error', reject);
          resolve(socket);
        });
      });
    },
    async close() {
      for (const session of sessions) session.destroy();
      waiters = [];
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

// ---- a well-behaved POP3 maildrop, verb by verb replaceable --------------------------

export interface MailboxMessage {
  /** As stored; served with CRLF line ends. */
  data: Buffer;
  uid?: string;
}

export interface MailboxState {
  options: Required<Pick<MailboxOptions, 'user' | 'password' | 'greeting'>> & MailboxOptions;
  messages: Array<{ served: Buffer; uid: string; deleted: boolean }>;
  authenticated: boolean;
  pendingUser: string | undefined;
}

/** A replacement for one verb. Return 'default' to fall through to the normal behaviour. */
export type VerbHandler = (args: string[], session: FakeSession, state: MailboxState) => Promise<void | 'default'> | void | 'default';

export interface MailboxOptions {
  user?: string;
  password?: string;
  /** Whole greeting line without CRLF. Default: `+OK fake POP3 ready <1234.5678@fake.test>`. */
  greeting?: string;
  /** CAPA lines; `null` makes CAPA answer -ERR (an RFC 1939-only server). */
  capabilities?: string[] | null;
  messages?: MailboxMessage[];
  /** Replacement handlers by upper-case verb. */
  handlers?: Record<string, VerbHandler>;
  /** Runs before the greeting; return false to send no greeting at all. */
  beforeGreeting?: (session: FakeSession) => Promise<boolean | void> | boolean | void;
}

export const DEFAULT_CAPABILITIES = ['TOP', 'UIDL', 'RESP-CODES', 'PIPELINING', 'AUTH-RESP-CODE', 'USER', 'SASL PLAIN'];

function apopTimestampOf(greeting: string): string | undefined {
  return /<[^<>]*>/.exec(greeting)?.[0];
}

/** A script for `startFakePop3` that behaves like a small, correct POP3 server (RFC 1939, 2449, 5034). */
export function mailbox(options: MailboxOptions = {}): SessionScript {
  return async (session) => {
    const state: MailboxState = {
      options: { user: 'alice', password: 'correct horse', greeting: '+OK fake POP3 ready <1234.5678@fake.test>', ...options },
      messages: (options.messages ?? []).map((message, index) => ({
        served: toCrlf(message.data),
        uid: message.uid ?? `uid-${index + 1}`,
        deleted: false,
      })),
      authenticated: false,
      pendingUser: undefined,
    };
    if (options.beforeGreeting && (await options.beforeGreeting(session)) === false) return;
    await session.send(`${state.options.greeting}${CRLF}`);
    for (;;) {
      const line = await session.nextLine();
      if (line === undefined) return;
      const [rawVerb = '', ...args] = line.split(' ');
      const verb = rawVerb.toUpperCase();
      const handler = options.handlers?.[verb];
      if (handler && (await handler(args, session, state)) !== 'default') continue;
      const stop = await standardVerb(verb, args, session, state);
      if (stop) return;
    }
  };
}

function live(state: MailboxState, token: string | undefined) {
  if (token === undefined || !/^[0-9]+$/.test(token)) return undefined;
  const number = Number(token);
  const message = state.messages[number - 1];
  return message && !message.deleted ? { number, message } : undefined;
}

function multilineReply(status: string, body: Buffer): Buffer {
  return Buffer.concat([Buffer.from(`${status}${CRLF}`), dotStuff(body)]);
}

/** Headers plus the first `lines` body lines of a CRLF message. */
export function topOf(served: Buffer, lines: number): Buffer {
  const split = served.indexOf('\r\n\r\n');
  if (split < 0) return served;
  let end = split + 4;
  for (let i = 0; i < lines && end < served.length; i++) {
    const lf = served.indexOf(0x0a, end);
    end = lf < 0 ? served.length : lf + 1;
  }
  return served.subarray(0, end);
}

async function standardVerb(verb: string, args: string[], session: FakeSession, state: MailboxState): Promise<boolean> {
  const { options } = state;
  const ok = (text = '') => session.send(`+OK${text ? ` ${text}` : ''}${CRLF}`);
  const err = (text: string) => session.send(`-ERR ${text}${CRLF}`);
  const needAuth = async () => {
    if (!state.authenticated) await err('Unknown command.');
    return state.authenticated;
  };
  switch (verb) {
    case 'CAPA':
      if (options.capabilities === null) await err('Unknown command.');
      else await session.send(`+OK${CRLF}${(options.capabilities ?? DEFAULT_CAPABILITIES).map((c) => `${c}${CRLF}`).join('')}.${CRLF}`);
      return false;
    case 'USER':
      state.pendingUser = args.join(' ');
      await ok();
      return false;
    case 'PASS':
      if (state.pendingUser === options.user && args.join(' ') === options.password) {
        state.authenticated = true;
        await ok('Logged in.');
      } else {
        await err('[AUTH] Authentication failed.');
      }
      return false;
    case 'APOP': {
      const stamp = apopTimestampOf(options.greeting);
      const digest = stamp ? createHash('md5').update(stamp + options.password).digest('hex') : undefined;
      if (args[0] === options.user && digest !== undefined && args[1] === digest) {
        state.authenticated = true;
        await ok('Logged in.');
      } else {
        await err('[AUTH] Authentication failed.');
      }
      return false;
    }
    case 'AUTH': {
      if ((args[0] ?? '').toUpperCase() !== 'PLAIN') {
        await err('Unsupported authentication mechanism.');
        return false;
      }
      let response = args[1];
      if (response === undefined) {
        await session.send(`+ ${CRLF}`);
        response = await session.nextLine();
      }
      if (response === '*') {
        await err('Authentication aborted.');
        return false;
      }
      const [, authcid, passwd] = Buffer.from(response ?? '', 'base64').toString('utf8').split('\0');
      if (authcid === options.user && passwd === options.password) {
        state.authenticated = true;
        await ok('Logged in.');
      } else {
        await err('[AUTH] Authentication failed.');
      }
      return false;
    }
    case 'STAT': {
      if (!(await needAuth())) return false;
      const alive = state.messages.filter((m) => !m.deleted);
      await ok(`${alive.length} ${alive.reduce((sum, m) => sum + m.served.length, 0)}`);
      return false;
    }
    case 'LIST':
    case 'UIDL': {
      if (!(await needAuth())) return false;
      const value = (number: number, m: { served: Buffer; uid: string }) => (verb === 'LIST' ? String(m.served.length) : m.uid);
      if (args[0] !== undefined) {
        const found = live(state, args[0]);
        if (found) await ok(`${found.number} ${value(found.number, found.message)}`);
        else await err('No such message.');
        return false;
      }
      const lines = state.messages.flatMap((m, i) => (m.deleted ? [] : [`${i + 1} ${value(i + 1, m)}${CRLF}`]));
      await session.send(`+OK${CRLF}${lines.join('')}.${CRLF}`);
      return false;
    }
    case 'RETR':
    case 'TOP': {
      if (!(await needAuth())) return false;
      const found = live(state, args[0]);
      if (!found) {
        await err('No such message.');
        return false;
      }
      const body = verb === 'RETR' ? found.message.served : topOf(found.message.served, Number(args[1] ?? '0'));
      await session.send(multilineReply(`+OK ${found.message.served.length} octets`, body));
      return false;
    }
    case 'DELE': {
      if (!(await needAuth())) return false;
      const found = live(state, args[0]);
      if (!found) {
        await err('No such message.');
        return false;
      }
      found.message.deleted = true;
      await ok('Marked to be deleted.');
      return false;
    }
    case 'RSET':
      if (!(await needAuth())) return false;
      for (const m of state.messages) m.deleted = false;
      await ok();
      return false;
    case 'NOOP':
      if (!(await needAuth())) return false;
      await ok();
      return false;
    case 'QUIT':
      await ok('Logging out.');
      session.end();
      return true;
    default:
      await err('Unknown command.');
      return false;
  }
}
