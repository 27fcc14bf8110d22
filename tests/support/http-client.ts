/** A tiny cookie-keeping HTTP client for API tests (like a browser tab, minus the browser). */
import assert from 'node:assert/strict';
import http from 'node:http';
import type { LoginRequest } from '../../lib/contract/session';
import { CookieJar } from './cookie-jar';

/** A request sent back to itself more often than this is answered as it is (a browser gives up at 20). */
const MAX_REDIRECTS = 5;

export interface ApiResponse {
  status: number;
  headers: Headers;
  body: Buffer;
  json<T = Record<string, unknown>>(): T;
}

export class HttpClient {
  /** As a browser's jar for one site. */
  private readonly jar = new CookieJar();

  /** The Cookie header this client sends; assignable to restore an earlier one. */
  get cookie(): string {
    return this.jar.header;
  }
  set cookie(header: string) {
    this.jar.header = header;
  }

  /**
   * With `ownConnections`, this client keeps its own kept-alive connections, as a separate browser
   * does; otherwise it shares fetch's pool with every other client in the process, so one connection
   * may carry several people's requests (which a browser never does, and a worker-affine server
   * answers with a 307 to the same URL that closes that connection; followed here as a browser does).
   */
  private readonly agent: http.Agent | undefined;

  constructor(readonly baseUrl: string, options: { ownConnections?: boolean } = {}) {
    this.agent = options.ownConnections ? new http.Agent({ keepAlive: true, maxSockets: 1 }) : undefined;
  }

  async request(method: string, path: string, options: { body?: unknown; headers?: Record<string, string> } = {}): Promise<ApiResponse> {
    const sent = options.body === undefined ? undefined : JSON.stringify(options.body);
    let response = await this.send(method, path, options.headers, sent);
    // A worker-affine server answers a request that reached the wrong worker over a reused connection with
    // `307` to the same URL (and closes that connection); a browser follows it, method and body kept.
    for (let hops = 0; (response.status === 307 || response.status === 308) && hops < MAX_REDIRECTS; hops++) {
      const location = response.headers.get('location');
      const target = location ? new URL(location, this.baseUrl) : undefined;
      if (!target || target.origin !== new URL(this.baseUrl).origin || `${target.pathname}${target.search}` !== path) break;
      await response.arrayBuffer();
      response = await this.send(method, path, options.headers, sent);
    }
    this.jar.keep(response.headers.getSetCookie());
    const body = Buffer.from(await response.arrayBuffer());
    return {
      status: response.status,
      headers: response.headers,
      body,
      json: <T>() => JSON.parse(body.toString('utf8')) as T,
    };
  }

  private async send(method: string, path: string, extra: Record<string, string> | undefined, sent: string | undefined): Promise<Response> {
    const headers: Record<string, string> = { ...extra };
    if (this.cookie) headers.cookie = this.cookie;
    if (sent !== undefined) headers['content-type'] = 'application/json';
    return this.agent
      ? this.viaOwnConnection(method, path, headers, sent)
      : fetch(`${this.baseUrl}${path}`, { method, headers, body: sent, redirect: 'manual' });
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

  /**
   * Logs in through `POST /api/session` and asserts the 200 (its body in the failure message).
   * Defaults to a plain connection on loopback, which needs `allowInsecure`; other security sends none unless given.
   */
  async logIn(account: LoginRequest & { port: number }): Promise<ApiResponse> {
    const { host = '127.0.0.1', port, security = 'none', allowInsecure = security === 'none' ? true : undefined, ...rest } = account;
    const response = await this.post('/api/session', { host, port, security, allowInsecure, ...rest });
    assert.equal(response.status, 200, response.body.toString());
    return response;
  }
}
