/**
 * A browser tab, minus the browser: its cookies, kept across requests (to one app, or to several instances
 * behind one host name, as cookies do not care for ports), with redirects left to the test.
 */
export class CookieTab {
  readonly cookies = new Map<string, string>();
  /** The Set-Cookie headers of the last answer. */
  setCookies: string[] = [];

  /** The Cookie header this tab sends. */
  get cookieHeader(): string {
    return [...this.cookies].map(([name, value]) => `${name}=${value}`).join('; ');
  }

  async get(url: string): Promise<Response> {
    return this.keep(await fetch(url, { redirect: 'manual', headers: { cookie: this.cookieHeader } }));
  }

  async post(url: string, body = '{}'): Promise<Response> {
    return this.keep(await fetch(url, { method: 'POST', redirect: 'manual', headers: { cookie: this.cookieHeader, 'content-type': 'application/json' }, body }));
  }

  private keep(response: Response): Response {
    this.setCookies = response.headers.getSetCookie();
    for (const header of this.setCookies) {
      const [pair = ''] = header.split(';');
      const at = pair.indexOf('=');
      if (/Max-Age=0/i.test(header)) this.cookies.delete(pair.slice(0, at));
      else this.cookies.set(pair.slice(0, at), pair.slice(at + 1));
    }
    return response;
  }
}
