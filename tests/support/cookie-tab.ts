import { CookieJar } from './cookie-jar';

/**
 * A browser tab, minus the browser: its cookies, kept across requests (to one app, or to several instances
 * behind one host name, as cookies do not care for ports), with redirects left to the test and the answer
 * as fetch gives it. Paths are resolved against `baseUrl`; full URLs go where they say.
 */
export class CookieTab {
  readonly cookies = new CookieJar();
  /** The Set-Cookie headers of the last answer. */
  setCookies: string[] = [];

  constructor(private readonly baseUrl?: string) {}

  get(pathOrUrl: string): Promise<Response> {
    return this.send(pathOrUrl, { method: 'GET' });
  }

  post(pathOrUrl: string, body = '{}'): Promise<Response> {
    return this.send(pathOrUrl, { method: 'POST', body, headers: { 'content-type': 'application/json' } });
  }

  private async send(pathOrUrl: string, init: { method: string; body?: string; headers?: Record<string, string> }): Promise<Response> {
    const response = await fetch(new URL(pathOrUrl, this.baseUrl), { ...init, redirect: 'manual', headers: { ...init.headers, cookie: this.cookies.header } });
    this.setCookies = response.headers.getSetCookie();
    this.cookies.keep(this.setCookies);
    return response;
  }
}
