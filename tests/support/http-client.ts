/** A tiny cookie-keeping HTTP client for API tests (like a browser tab, minus the browser). */
import http from 'node:http';

export interface ApiResponse {
  status: number;
  headers: Headers;
  body: Buffer;
  json<T = Record<string, unknown>>(): T;
}

export class HttpClient {
  /** name → value, as a browser's jar for one site (Path=/ cookies only, which is all the app sets). */
  private readonly jar = new Map<string, string>();

  /** The Cookie header this client sends; assignable to restore an earlier one. */
  get cookie(): string {
    return [...this.jar].map(([name, value]) => `${name}=${value}`).join('; ');
  }
  set cookie(header: string) {
    this.jar.clear();
    for (const part of header.split(';')) {
      const eq = part.indexOf('=');
      if (eq > 0) this.jar.set(part.slice(0, eq).trim(), part.slice(eq + 1).trim());
    }
  }

  /**
   * With `ownConnections`, this client keeps its own kept-alive connections, as a separate browser
   * does; otherwise it shares fetch's pool with every other client in the process, so one connection
   * may carry several people's requests (which a browser never does, and a worker-affine server
   * answers by closing that connection).
   */
  private readonly agent: http.Agent | undefined;

  constructor(readonly baseUrl: string, options: { ownConnections?: boolean } = {}) {
    this.agent = options.ownConnections ? new http.Agent({ keepAlive: true, maxSockets: 1 }) : undefined;
  }

  async request(method: string, path: string, options: { body?: unknown; headers?: Record<string, string> } = {}): Promise<ApiResponse> {
    const headers: Record<string, string> = { ...options.headers };
    if (this.cookie) headers.cookie = this.cookie;
    if (options.body !== undefined) headers['content-type'] = 'application/json';
    const sent = options.body === undefined ? undefined : JSON.stringify(options.body);
    const response = this.agent
      ? await this.viaOwnConnection(method, path, headers, sent)
      : await fetch(`${this.baseUrl}${path}`, { method, headers, body: sent, redirect: 'manual' });
    for (const setCookie of response.headers.getSetCookie()) {
      const pair = setCookie.split(';')[0] ?? '';
      const eq = pair.indexOf('=');
      if (eq <= 0) continue;
      const [name, value] = [pair.slice(0, eq).trim(), pair.slice(eq + 1).trim()];
      if (value === '' || /;\s*max-age=0/i.test(setCookie)) this.jar.delete(name);
      else this.jar.set(name, value);
    }
    const body = Buffer.from(await response.arrayBuffer());
    return {
      status: response.status,
      headers: response.headers,
      body,
      json: <T>() => JSON.parse(body.toString('utf8')) as T,
    };
  }

  /** One request over this client's own agent, answered as fetch would (without following redirects). */
  private viaOwnConnection(method: string, path: string, headers: Record<string, string>, body: string | undefined): Promise<Response> {
    return new Promise((resolve, reject) => {
      const request = http.request(new URL(path, this.baseUrl), { method, headers, agent: this.agent }, (incoming) => {
        const chunks: Buffer[] = [];
        incoming.on('data', (chunk: Buffer) => chunks.push(chunk));
        incoming.on('error', reject);
        incoming.on('end', () => {
          const answer = new Headers();
          for (const [name, value] of Object.entries(incoming.headers)) {
            for (const one of Array.isArray(value) ? value : value === undefined ? [] : [value]) answer.append(name, one);
          }
          const status = incoming.statusCode ?? 0;
          const payload = status === 204 || status === 304 ? null : Buffer.concat(chunks);
          resolve(new Response(payload, { status, headers: answer }));
        });
      });
      request.on('error', reject);
      request.end(body);
    });
  }

  get(path: string, headers?: Record<string, string>) {
    return this.request('GET', path, { headers });
  }
  post(path: string, body?: unknown, headers?: Record<string, string>) {
    return this.request('POST', path, { body: body ?? {}, headers });
  }
  delete(path: string, headers?: Record<string, string>) {
    return this.request('DELETE', path, { headers });
  }
}
