import { test as base, expect, type Cookie, type Page } from '@playwright/test';
import path from 'node:path';
import { InboxPage } from './pages/inbox-page';
import { LoginPage } from './pages/login-page';
import { MessagePane } from './pages/message-pane';
import { HarnessClient } from './support/harness-client';
import { readState, type HarnessState } from './support/harness-state';
import type { UserName } from './support/users';

export const SCREENSHOTS = path.resolve(__dirname, '..', 'artifacts', 'screenshots');

interface WorkerFixtures {
  /** Session cookies per user, kept for the worker's lifetime (see logInAs). */
  sessionCookies: Map<string, Cookie[]>;
}

interface Fixtures {
  state: HarnessState;
  harness: HarnessClient;
  loginPage: LoginPage;
  inbox: InboxPage;
  pane: MessagePane;
  /**
   * Logs `user` in over TLS (the harness certificate is trusted by the app) and waits for the list.
   * The app allows 30 logins per client address in 10 minutes, and every browser here is
   * 127.0.0.1: so a worker logs each user in through the form once and then reuses that
   * server-side session (after an RSET, so no marks carry over from an earlier test).
   */
  logInAs: (user: UserName) => Promise<void>;
  /** Saves a full-page screenshot under tests/artifacts/screenshots/. */
  snap: (name: string, page?: Page) => Promise<void>;
}

export const test = base.extend<Fixtures, WorkerFixtures>({
  sessionCookies: [
    // eslint-disable-next-line no-empty-pattern
    async ({}, use) => {
      await use(new Map());
    },
    { scope: 'worker' },
  ],
  // eslint-disable-next-line no-empty-pattern
  state: async ({}, use) => {
    await use(readState());
  },
  harness: async ({ state }, use) => {
    await use(new HarnessClient(state.controlUrl));
  },
  baseURL: async ({ state }, use) => {
    await use(state.appUrl);
  },
  loginPage: async ({ page }, use) => {
    await use(new LoginPage(page));
  },
  inbox: async ({ page }, use) => {
    await use(new InboxPage(page));
  },
  pane: async ({ page }, use) => {
    await use(new MessagePane(page));
  },
  logInAs: async ({ state, page, context, loginPage, inbox, sessionCookies }, use) => {
    await use(async (user) => {
      const cached = sessionCookies.get(user);
      if (cached) {
        await context.addCookies(cached);
        const session = await page.request.get(`${state.appUrl}/api/session`);
        if (session.ok()) {
          const reset = await page.request.post(`${state.appUrl}/api/session/reset`, { data: {} });
          expect(reset.ok()).toBe(true);
          await page.goto(`${state.appUrl}/`);
          await inbox.waitForList();
          return;
        }
        sessionCookies.delete(user);
        await context.clearCookies();
      }
      await loginPage.goto(state.appUrl);
      await loginPage.logIn({
        host: 'localhost',
        security: 'tls',
        port: state.dovecot.tlsPort,
        username: user,
        password: state.password,
      });
      await inbox.waitForList();
      sessionCookies.set(user, await context.cookies(state.appUrl));
    });
  },
  snap: async ({ page }, use) => {
    await use(async (name, target = page) => {
      await target.screenshot({ path: path.join(SCREENSHOTS, `${name}.png`), fullPage: false });
    });
  },
});

export { expect };
