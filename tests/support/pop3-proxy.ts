/**
 * A loopback TCP proxy to put between a POP3 client and a real server:
 * forwards bytes both ways, optionally late by `delayMs` (order kept), and
 * records what the client sent, line by line, so a test can assert which
 * commands the server saw (e.g. no RETR during a header-only peek).
 *
 * After STLS the bytes are TLS records: recording stops for that connection
 * and a "[tls]" marker line is recorded instead.
 */
import net from 'node:net';

export interface ProxyOptions {
  targetPort: number;
  /** Default 127.0.0.1. */
  targetHost?: string;
  /** Each chunk in either direction is forwarded this many ms after it arrived. */
  delayMs?: number;
}

export interface RunningProxy {
  port: number;
  /** Client→server lines of every connection so far (CRLF removed), joined with "\n". */
  transcript(): string;
  /** The same lines, one array per connection, in connection order. */
  connections(): string[][];
  /** Resolves once exactly `count` client connections are open (they open and close as the app logs in and lets go). */
  untilOpen(count: number): Promise<void>;
  /** Drops every open connection (as a server that restarts or times clients out), but keeps listening. */
  dropConnections(): Promise<void>;
  close(): Promise<void>;
}

const TLS_HANDSHAKE = 0x16;

/** Splits the client's bytes into lines; stops at the first TLS record. */
class LineRecorder {
  readonly lines: string[] = [];
  private partial = '';
  private tls = false;

  push(chunk: Buffer): void {
    if (this.tls) return;
    let start = 0;
    if (this.partial === '' && chunk[0] === TLS_HANDSHAKE) {
      this.tls = true;
      this.lines.push('[tls]');
      return;
    }
    for (let i = chunk.indexOf(0x0a); i !== -1; i = chunk.indexOf(0x0a, start)) {
      const line = this.partial + chunk.subarray(start, i).toString('latin1');
      this.lines.push(line.endsWith('\r') ? line.slice(0, -1) : line);
      this.partial = '';
      start = i + 1;
      if (chunk[start] === TLS_HANDSHAKE) {
        this.tls = true;
        this.lines.push('[tls]');
        return;
      }
    }
    this.partial += chunk.subarray(start).toString('latin1');
  }

  /** An unterminated last line still counts once the connection ends. */
  flush(): void {
    if (this.partial !== '') this.lines.push(this.partial);
    this.partial = '';
  }
}

/** Forwards `from` → `to`, each chunk `delayMs` late, in order, with backpressure. */
function pipeDelayed(from: net.Socket, to: net.Socket, delayMs: number, timers: Set<NodeJS.Timeout>, onData?: (chunk: Buffer) => void): void {
  const queue: { at: number; chunk: Buffer | null }[] = [];
  let timer: NodeJS.Timeout | undefined;

  const pump = (): void => {
    timer = undefined;
    while (queue.length > 0) {
      const head = queue[0];
      if (head === undefined) break;
      const wait = head.at - Date.now();
      if (wait > 0) {
        timer = setTimeout(() => {
          if (timer !== undefined) timers.delete(timer);
          pump();
        }, wait);
        timers.add(timer);
        return;
      }
      queue.shift();
      if (to.destroyed) continue;
      if (head.chunk === null) to.end();
      else if (!to.write(head.chunk)) {
        from.pause();
        to.once('drain', () => from.resume());
      }
    }
  };

  const enqueue = (chunk: Buffer | null): void => {
    if (delayMs <= 0) {
      if (to.destroyed) return;
      if (chunk === null) to.end();
      else if (!to.write(chunk)) {
        from.pause();
        to.once('drain', () => from.resume());
      }
      return;
    }
    queue.push({ at: Date.now() + delayMs, chunk });
    if (timer === undefined) pump();
  };

  from.on('data', (chunk: Buffer) => {
    onData?.(chunk);
    enqueue(chunk);
  });
  from.on('end', () => enqueue(null));
}

export async function startProxy(options: ProxyOptions): Promise<RunningProxy> {
  const targetHost = options.targetHost ?? '127.0.0.1';
  const delayMs = options.delayMs ?? 0;
  const sockets = new Set<net.Socket>();
  const timers = new Set<NodeJS.Timeout>();
  const recorders: LineRecorder[] = [];
  const clients = new Set<net.Socket>();
  const openWaiters = new Set<() => void>();
  const openChanged = () => {
    for (const check of [...openWaiters]) check();
  };

  // Half-open allowed: a client may send QUIT and half-close, and still read the reply.
  const server = net.createServer({ allowHalfOpen: true }, (client) => {
    const recorder = new LineRecorder();
    recorders.push(recorder);
    clients.add(client);
    client.on('close', () => {
      clients.delete(client);
      openChanged();
    });
    openChanged();
    const upstream = net.connect({ host: targetHost, port: options.targetPort, allowHalfOpen: true });
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.setNoDelay(true);
      socket.on('close', () => sockets.delete(socket));
    }
    // A reset or error on one side ends the other side at once.
    client.on('error', () => upstream.destroy());
    upstream.on('error', () => client.destroy());
    client.on('close', () => {
      recorder.flush();
      if (delayMs <= 0) upstream.destroy();
    });
    upstream.on('close', () => {
      if (delayMs <= 0) client.destroy();
    });
    pipeDelayed(client, upstream, delayMs, timers, (chunk) => recorder.push(chunk));
    pipeDelayed(upstream, client, delayMs, timers);
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('proxy has no port');

  let closed: Promise<void> | undefined;
  return {
    port: address.port,
    transcript: () => recorders.flatMap((r) => r.lines).join('\n'),
    connections: () => recorders.map((r) => [...r.lines]),
    untilOpen: (count) =>
      new Promise<void>((resolve) => {
        const check = () => {
          if (clients.size !== count) return;
          openWaiters.delete(check);
          resolve();
        };
        openWaiters.add(check);
        check();
      }),
    async dropConnections(): Promise<void> {
      const open = [...sockets];
      await Promise.all(
        open.map((socket) => new Promise<void>((resolve) => {
          if (socket.destroyed) return resolve();
          socket.once('close', () => resolve());
          socket.destroy();
        })),
      );
    },
    close(): Promise<void> {
      closed ??= new Promise<void>((resolve) => {
        for (const timer of timers) clearTimeout(timer);
        timers.clear();
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      });
      return closed;
    },
  };
}
