import { expect, type Locator, type Page } from '@playwright/test';

export type SecurityChoice = 'auto' | 'tls' | 'starttls' | 'none';

/** The login form, as a person fills it in. */
export class LoginPage {
  readonly host: Locator;
  readonly security: Locator;
  readonly port: Locator;
  readonly username: Locator;
  readonly password: Locator;
  readonly allowInsecure: Locator;
  readonly submit: Locator;
  readonly notice: Locator;
  readonly formError: Locator;

  constructor(readonly page: Page) {
    this.host = page.getByLabel('Mail server (POP3)');
    this.security = page.getByLabel('Security', { exact: true });
    this.port = page.getByLabel('Port', { exact: true });
    this.username = page.getByLabel('User name');
    this.password = page.getByLabel('Password', { exact: true });
    this.allowInsecure = page.getByLabel('I understand: send my password unencrypted');
    this.submit = page.getByRole('button', { name: 'Log in' });
    this.notice = page.locator('main [role="status"]').first();
    this.formError = page.locator('#form-error');
  }

  async goto(baseUrl: string): Promise<void> {
    await this.page.goto(`${baseUrl}/`);
    await expect(this.page.getByRole('heading', { name: 'Log in to your mailbox' })).toBeVisible();
  }

  /** The sentence shown next to one field. */
  fieldError(field: 'host' | 'port' | 'security' | 'username' | 'password' | 'allowInsecure'): Locator {
    return this.page.locator(`#${field}-error`);
  }

  async fill(options: {
    host?: string;
    security?: SecurityChoice;
    port?: number;
    username: string;
    password: string;
    allowInsecure?: boolean;
  }): Promise<void> {
    if (options.host !== undefined) await this.host.fill(options.host);
    if (options.security !== undefined) await this.security.selectOption(options.security);
    if (options.port !== undefined) await this.port.fill(String(options.port));
    if (options.allowInsecure) await this.allowInsecure.check();
    await this.username.fill(options.username);
    await this.password.fill(options.password);
  }

  async logIn(options: Parameters<LoginPage['fill']>[0]): Promise<void> {
    await this.fill(options);
    await this.submit.click();
  }
}
