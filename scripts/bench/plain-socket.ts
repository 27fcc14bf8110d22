/**
 * The throughput reference: a RETR read over a bare TCP socket with no
 * parsing at all, only a watch for the CRLF.CRLF terminator.
 */
import net from 'node:net';

const TERMINATOR = Buffer.from('\r\n.\r\n');

export interface PlainRead {
  bytes: number;
  seconds: number;
}

/** Logs in with USER/PASS, times `RETR number` from the command to the terminator, then QUITs. */
export function plainRetr(options: { port: number; user: string; password: string; number: number; timeoutMs: number }): Promise<PlainRead> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: '127.0.0.1', port: options.port });
    socket.setNoDelay(true);
    const timer = setTimeout(() => fail(new Error('plain RETR timed out')), options.timeoutMs);
    let phase: 'greeting' | 'user' | 'pass' | 'retr' = 'greeting';
    let line = '';
    let bytes = 0;
    let tail = Buffer.alloc(0);
    let started = 0n;
    const fail = (error: Error) => {
      clearTimeout(timer);
      socket.destroy();
      reject(error);
    };
    socket.on('error', fail);
    socket.on('data', (chunk: Buffer) => {
      if (phase !== 'retr') {
        line += chunk.toString('latin1');
        if (!line.includes('\r\n')) return;
        if (!line.startsWith('+OK')) return fail(new Error(`plain RETR: ${phase} answered ${line.trim()}`));
        line = '';
        if (phase === 'greeting') {
          phase = 'user';
          socket.write(`USER ${options.user}\r\n`);
        } else if (phase === 'user') {
          phase = 'pass';
          socket.write(`PASS ${options.password}\r\n`);
        } else {
          phase = 'retr';
          started = process.hrtime.bigint();
          socket.write(`RETR ${options.number}\r\n`);
        }
        return;
      }
      bytes += chunk.length;
      // The terminator may be split across reads: look at the last bytes of the previous read too.
      const window = tail.length > 0 ? Buffer.concat([tail, chunk.subarray(Math.max(0, chunk.length - TERMINATOR.length))]) : chunk;
      if (window.length >= TERMINATOR.length && window.subarray(window.length - TERMINATOR.length).equals(TERMINATOR)) {
        const seconds = Number(process.hrtime.bigint() - started) / 1e9;
        clearTimeout(timer);
        socket.end('QUIT\r\n');
        socket.destroySoon();
        resolve({ bytes, seconds });
        return;
      }
      tail = Buffer.from(chunk.subarray(Math.max(0, chunk.length - TERMINATOR.length)));
    });
  });
}

/**
 * How long the server itself takes to answer LIST and then UIDL for a whole
 * maildrop (direct, no proxy, nothing parsed): the part of a login that grows
 * with the maildrop whatever the client does.
 */
export function plainListing(options: { port: number; user: string; password: string; timeoutMs: number }): Promise<{ listMs: number; uidlMs: number; bytes: number }> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: '127.0.0.1', port: options.port });
    socket.setNoDelay(true);
    const timer = setTimeout(() => fail(new Error('plain LIST/UIDL timed out')), options.timeoutMs);
    const steps = ['greeting', `USER ${options.user}`, `PASS ${options.password}`, 'LIST', 'UIDL'] as const;
    let step = 0;
    let pending: Buffer = Buffer.alloc(0);
    let bytes = 0;
    let sent = 0;
    const times: number[] = [];
    const fail = (error: Error) => {
      clearTimeout(timer);
      socket.destroy();
      reject(error);
    };
    const multiline = () => steps[step] === 'LIST' || steps[step] === 'UIDL';
    socket.on('error', fail);
    socket.on('data', (chunk: Buffer) => {
      pending = pending.length > 0 ? Buffer.concat([pending, chunk]) : chunk;
      bytes += chunk.length;
      const done = multiline()
        ? pending.length >= TERMINATOR.length && pending.subarray(pending.length - TERMINATOR.length).equals(TERMINATOR)
        : pending.includes('\r\n');
      if (!done) return;
      if (!pending.toString('latin1', 0, 3).startsWith('+OK')) return fail(new Error(`plain LIST/UIDL: ${steps[step]} failed`));
      if (multiline()) times.push(performance.now() - sent);
      pending = Buffer.alloc(0);
      step++;
      if (step === steps.length) {
        clearTimeout(timer);
        socket.end('QUIT\r\n');
        socket.destroySoon();
        resolve({ listMs: times[0] ?? NaN, uidlMs: times[1] ?? NaN, bytes });
        return;
      }
      sent = performance.now();
      socket.write(`${steps[step]}\r\n`);
    });
  });
}
