/**
 * A browser's cookies for one host, name → value: kept from Set-Cookie headers and sent back as one
 * Cookie header. Attributes other than the ones that delete a cookie are ignored: the app sets Path=/
 * (and one Path=/api/oauth) cookies only, and cookies do not care for ports.
 */
export class CookieJar extends Map<string, string> {
  /** The Cookie header these cookies make; assignable to restore an earlier one. */
  get header(): string {
    return [...this].map(([name, value]) => `${name}=${value}`).join('; ');
  }
  set header(header: string) {
    this.clear();
    for (const part of header.split(';')) {
      const eq = part.indexOf('=');
      if (eq > 0) this.set(part.slice(0, eq).trim(), part.slice(eq + 1).trim());
    }
  }

  /** Takes an answer's Set-Cookie headers: an empty value, `Max-Age=0` or a past `Expires` deletes. */
  keep(setCookies: string[]): void {
    for (const setCookie of setCookies) {
      const [pair = '', ...attributes] = setCookie.split(';');
      const eq = pair.indexOf('=');
      if (eq <= 0) continue;
      const [name, value] = [pair.slice(0, eq).trim(), pair.slice(eq + 1).trim()];
      if (value === '' || attributes.some(deletes)) this.delete(name);
      else this.set(name, value);
    }
  }
}

function deletes(attribute: string): boolean {
  const [key = '', value = ''] = attribute.split('=').map((part) => part.trim());
  if (/^max-age$/i.test(key)) return Number(value) <= 0;
  if (/^expires$/i.test(key)) return Date.parse(value) <= Date.now();
  return false;
}
