/**
 * A minimal raw POP3 reader over a net/tls socket, for tests that talk to a
 * real POP3 server byte for byte without the app's client (so a harness is
 * proved by something that shares none of the code under test): status
 * lines, multi-line bodies with dot-unstuffing, and every read bounded.
 */
import assert from 'node:assert/strict';
import net from 'node:net';
import tls from 'node:tls';

/** A bound for a reply that is coming, not a wait: generous, since a busy 2-core machine may starve a server for seconds. */
const READ_TIMEOUT_MS = 30_000;

export class Wire {
  private buffer = Buffer.alloc(0);
  private wake: (() => void) | undefined;
  private closed = false;
  private readonly onData = (chunk: Buffer): void => {
    this.buffer = Buffer.concat([this.buffer, chunk]);
    this.wake?.();
  };

  constructor(readonly socket: net.Socket) {
    socket.on('data', this.onData);
    socket.on('close', () => {
      this.closed = true;
      this.wake?.();
    });
    socket.on('error', () => undefined);
  }

  static connect(port: number): Promise<Wire> {
    return new Promise((resolve, reject) => {
      const socket = net.connect({ host: '127.0.0.1', port }, () => resolve(new Wire(socket)));
      socket.once('error', reject);
    });
  }

  /** Implicit TLS, verified against `ca` for the name localhost. */
  static connectTls(port: number, ca: string): Promise<Wire> {
    return new Promise((resolve, reject) => {
      const socket = tls.connect({ host: '127.0.0.1', port, ca, servername: 'localhost' }, () => resolve(new Wire(socket)));
      socket.once('error', reject);
    });
  }

  /** Waits until `find` returns an end index, then removes buffer[0, consume(end)) and returns buffer[0, end). */
  private async take(find: (buffer: Buffer) => number, consume: (end: number) => number, timeoutMs = READ_TIMEOUT_MS): Promise<Buffer> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const end = find(this.buffer);
      if (end !== -1) {
        const taken = this.buffer.subarray(0, end);
        this.buffer = this.buffer.subarray(consume(end));
        return taken;
      }
      const left = deadline - Date.now();
      if (this.closed || left <= 0) {
        throw new Error(`${this.closed ? 'connection closed' : 'timed out'}; buffered: ${JSON.stringify(this.buffer.toString('latin1').slice(0, 300))}`);
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.wake = undefined;
    }
  }

  async line(timeoutMs?: number): Promise<string> {
    const line = await this.take((b) => b.indexOf('\r\n'), (end) => end + 2, timeoutMs);
    return line.toString('latin1');
  }

  async command(command: string, timeoutMs?: number): Promise<string> {
    this.socket.write(`${command}\r\n`);
    return this.line(timeoutMs);
  }

  /** The body of a multi-line response: terminator removed, dot-stuffing undone, CRLFs kept. */
  async multiline(): Promise<Buffer> {
    // The body ends at CRLF "." CRLF; an empty body is just "." CRLF.
    const findEnd = (b: Buffer): number => {
      if (b.subarray(0, 3).equals(Buffer.from('.\r\n'))) return 0;
      const i = b.indexOf('\r\n.\r\n');
      return i === -1 ? -1 : i + 2;
    };
    const stuffed = await this.take(findEnd, (end) => end + 3);
    const parts: Buffer[] = [];
    let lineStart = 0;
    while (lineStart < stuffed.length) {
      const next = stuffed.indexOf('\r\n', lineStart);
      const lineEnd = next === -1 ? stuffed.length : next + 2;
      const skip = stuffed[lineStart] === 0x2e ? 1 : 0; // a leading "." was added by the server
      parts.push(stuffed.subarray(lineStart + skip, lineEnd));
      lineStart = lineEnd;
    }
    return Buffer.concat(parts);
  }

  async multilineText(): Promise<string[]> {
    const body = (await this.multiline()).toString('latin1');
    return body === '' ? [] : body.replace(/\r\n$/, '').split('\r\n');
  }

  /** QUIT, then wait until the server closes the connection (UPDATE state is over). */
  async quit(): Promise<string> {
    const reply = await this.command('QUIT');
    const deadline = Date.now() + READ_TIMEOUT_MS;
    while (!this.closed && Date.now() < deadline) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, 50);
        this.wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.wake = undefined;
    }
    assert.ok(this.closed, 'the server closes the connection after QUIT');
    return reply;
  }

  /** Hands the socket over (for the TLS upgrade); nothing may be buffered. */
  private detach(): net.Socket {
    assert.equal(this.buffer.length, 0, 'bytes after the STLS +OK');
    this.socket.removeListener('data', this.onData);
    return this.socket;
  }

  /** Starts TLS on this connection (after STLS), verified against `ca`; nothing may be buffered. */
  async startTls(ca: string): Promise<Wire> {
    const secure = tls.connect({ socket: this.detach(), ca, servername: 'localhost' });
    await new Promise<void>((resolve, reject) => {
      secure.once('secureConnect', resolve);
      secure.once('error', reject);
    });
    return new Wire(secure);
  }

  close(): void {
    this.socket.destroy();
  }
}
