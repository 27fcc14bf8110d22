/**
 * A light cookie-keeping HTTP client for the benchmark. node:http with a
 * keep-alive agent costs the load generator far less CPU than fetch (which
 * shares the two CPUs with the app being measured), and serves requests in
 * order: each simulated person has a connection of its own, like a browser.
 */
import http from 'node:http';
import zlib from 'node:zlib';


export interface BenchResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
  /** The body decoded (decompressed) as UTF-8 text. */
  text(): string;
  json<T>(): T;
}

export class BenchClient {
  /** name=value pairs (Path=/ cookies only, all the app and its worker routing set). */
  private readonly jar = new Map<string, string>();
  /**
   * Connections of this person only, as a browser's: the app's worker processes are chosen per
   * connection from its first request's cookie (scripts/serve.mjs), so a pool shared by everyone would
   * carry one person's request to another's worker.
   */
  private readonly agent = new http.Agent({ keepAlive: true, maxSockets: Infinity });

  constructor(
    readonly baseUrl: string,
    readonly forwardedFor: string,
  ) {
    agents.add(this.agent);
  }

  /** This person's connections closed (a logged-out person leaves none behind). */
  close(): void {
    this.agent.destroy();
    agents.delete(this.agent);
  }

  get cookie(): string {
    return [...this.jar].map(([name, value]) => `${name}=${value}`).join('; ');
  }

  /** The same person's cookies, sent to another address (the same browser reaching another instance). */
  sameBrowserAt(baseUrl: string): BenchClient {
    const other = new BenchClient(baseUrl, this.forwardedFor);
    for (const [name, value] of this.jar) other.jar.set(name, value);
    return other;
  }


  request(method: 'GET' | 'POST' | 'DELETE', path: string, body: unknown, timeoutMs: number, retried = false): Promise<BenchResponse> {
    const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
    const headers: Record<string, string> = { 'x-forwarded-for': this.forwardedFor, 'accept-encoding': 'gzip, deflate, br, zstd' };
    if (this.cookie) headers.cookie = this.cookie;
    if (payload) {
      headers['content-type'] = 'application/json';
      headers['content-length'] = String(payload.length);
    }
    return new Promise((resolve, reject) => {
      const request = http.request(`${this.baseUrl}${path}`, { method, headers, agent: this.agent }, (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('error', reject);
        response.on('end', () => {
          clearTimeout(timer);
          for (const setCookie of response.headers['set-cookie'] ?? []) {
            const pair = setCookie.split(';')[0] ?? '';
            const eq = pair.indexOf('=');
            if (eq <= 0) continue;
            const value = pair.slice(eq + 1).trim();
            if (value === '' || /;\s*max-age=0/i.test(setCookie)) this.jar.delete(pair.slice(0, eq).trim());
            else this.jar.set(pair.slice(0, eq).trim(), value);
          }
          const raw = Buffer.concat(chunks);
          // Compressed as a browser would get it; decompressed only when the body is read as JSON.
          const encoding = response.headers['content-encoding'];
          resolve({
            status: response.statusCode ?? 0,
            headers: response.headers,
            body: raw,
            text: () => decode(raw, encoding).toString('utf8'),
            json: <T>() => JSON.parse(decode(raw, encoding).toString('utf8')) as T,
          });
        });
      });
      const timer = setTimeout(() => request.destroy(new Error(`${method} ${path} took longer than ${timeoutMs} ms`)), timeoutMs);
      request.on('error', (error: NodeJS.ErrnoException) => {
        clearTimeout(timer);
        // A kept-alive connection the server closed (idle) just as it was reused: a browser sends a GET
        // again on a new connection, and so does this client (once). Anything else is an error.
        if (!retried && method === 'GET' && request.reusedSocket && error.code === 'ECONNRESET') {
          resolve(this.request(method, path, body, timeoutMs, true));
          return;
        }
        reject(error);
      });
      request.end(payload);
    });
  }
}

function decode(body: Buffer, encoding: string | undefined): Buffer {
  switch (encoding) {
    case undefined:
    case 'identity':
      return body;
    case 'gzip':
      return zlib.gunzipSync(body);
    case 'deflate':
      return zlib.inflateSync(body);
    case 'br':
      return zlib.brotliDecompressSync(body);
    default:
      throw new Error(`unexpected Content-Encoding ${encoding}`);
  }
}

/** Every keep-alive connection closed, so the process can exit. */
export function closeConnections(): void {
  for (const agent of agents) agent.destroy();
  agents.clear();
}

const agents = new Set<http.Agent>();
