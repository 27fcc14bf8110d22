import { readState } from './harness-state';

/** What the tests may ask of the Dovecot harness running in the global setup process. */
export class HarnessClient {
  constructor(private readonly controlUrl: string = readState().controlUrl) {}

  private async get<T>(route: string, params: Record<string, string>): Promise<T> {
    const response = await fetch(`${this.controlUrl}${route}?${new URLSearchParams(params).toString()}`);
    if (!response.ok) throw new Error(`harness ${route}: HTTP ${response.status} ${await response.text()}`);
    return (await response.json()) as T;
  }

  /** Messages stored for `user` right now, read from disk by the harness. */
  async storedCount(user: string): Promise<number> {
    return (await this.get<{ count: number }>('/stored-count', { user })).count;
  }

  /** Dovecot's log and every POP3 command it received after login. */
  async logText(): Promise<string> {
    return (await this.get<{ text: string }>('/log', {})).text;
  }

  /** The exact bytes RETR serves for message `number` (1-based, oldest first). */
  async expectedRetr(user: string, number: number): Promise<Buffer> {
    return Buffer.from((await this.get<{ base64: string }>('/expected-retr', { user, number: String(number) })).base64, 'base64');
  }

  async deliver(user: string, message: Buffer): Promise<void> {
    const response = await fetch(`${this.controlUrl}/deliver?user=${encodeURIComponent(user)}`, { method: 'POST', body: new Uint8Array(message) });
    if (!response.ok) throw new Error(`harness deliver: HTTP ${response.status}`);
  }
}
