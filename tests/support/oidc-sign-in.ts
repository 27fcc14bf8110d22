/**
 * Plays the person at the local provider's own pages, over plain HTTP: follows
 * the redirects from an authorization URL, fills the login form, gives (or
 * refuses) consent, and stops at the redirect that leaves the provider (back
 * to the app's callback). Cookies are kept per provider origin like a browser.
 */
import { CookieJar } from './cookie-jar';

export interface ProviderVisit {
  /** Where the provider sent the browser in the end (the app's callback with code or error). */
  callbackUrl: URL;
  /** The provider's pages seen on the way, by prompt ("login", "consent"). */
  prompts: string[];
}

export async function signInAtProvider(authorizationUrl: string, options: { login: string; consent?: 'allow' | 'deny' }): Promise<ProviderVisit> {
  const start = new URL(authorizationUrl);
  const jar = new CookieJar();
  const prompts: string[] = [];
  let next: { url: URL; method: 'GET' | 'POST'; form?: URLSearchParams } = { url: start, method: 'GET' };
  for (let step = 0; step < 20; step++) {
    const response = await fetch(next.url, {
      method: next.method,
      redirect: 'manual',
      headers: {
        cookie: jar.header,
        ...(next.form ? { 'content-type': 'application/x-www-form-urlencoded' } : {}),
      },
      body: next.form?.toString(),
    });
    jar.keep(response.headers.getSetCookie());
    if (response.status >= 300 && response.status < 400) {
      const location = new URL(response.headers.get('location') ?? '', next.url);
      if (location.origin !== start.origin) return { callbackUrl: location, prompts };
      next = { url: location, method: 'GET' };
      continue;
    }
    const html = await response.text();
    if (response.status !== 200) throw new Error(`provider answered ${response.status} at ${next.url}: ${html.slice(0, 500)}`);
    const prompt = /name="prompt" value="([a-z]+)"/.exec(html)?.[1];
    const action = /<form[^>]*action="([^"]+)"/.exec(html)?.[1];
    if (!prompt || !action) throw new Error(`no sign-in form at ${next.url}: ${html.slice(0, 500)}`);
    prompts.push(prompt);
    const formUrl = new URL(action.replace(/&amp;/g, '&'), next.url);
    if (prompt === 'login') {
      next = { url: formUrl, method: 'POST', form: new URLSearchParams({ prompt, login: options.login, password: 'any' }) };
    } else if (prompt === 'consent' && options.consent === 'deny') {
      // The provider's "cancel": its abort route answers the client with access_denied.
      const abort = /href="([^"]*\/abort)"/.exec(html)?.[1];
      if (!abort) throw new Error(`no abort link on the consent page: ${html.slice(0, 500)}`);
      next = { url: new URL(abort.replace(/&amp;/g, '&'), next.url), method: 'GET' };
    } else {
      next = { url: formUrl, method: 'POST', form: new URLSearchParams({ prompt }) };
    }
  }
  throw new Error('the provider kept redirecting');
}
