import { defineConfig, devices } from '@playwright/test';
import path from 'node:path';

/**
 * Browser tests: Debian's Chromium against `next build && next start`, which talks to a real
 * Dovecot on loopback. Both are started once by global-setup.ts (and stopped by global-teardown.ts).
 */
const ARTIFACTS = path.resolve(__dirname, '..', 'artifacts');

export default defineConfig({
  testDir: __dirname,
  testMatch: '*.spec.ts',
  outputDir: path.join(ARTIFACTS, 'test-results'),
  globalSetup: path.join(__dirname, 'global-setup.ts'),
  globalTeardown: path.join(__dirname, 'global-teardown.ts'),
  // One machine with two cores also runs Next and Dovecot: two browsers at a time is plenty.
  workers: process.env.CI ? 1 : 2,
  fullyParallel: false,
  forbidOnly: !!process.env.CI,
  retries: 0,
  // Bounds for a hang, not paces: on two cores shared with Next, Dovecot and other work, a login
  // or a page can take several times what it takes on an idle machine. Waits are for states.
  timeout: 90_000,
  expect: { timeout: 20_000 },
  reporter: [['list'], ['html', { outputFolder: path.join(ARTIFACTS, 'playwright-report'), open: 'never' }]],
  use: {
    ...devices['Desktop Chrome'],
    viewport: { width: 1280, height: 800 },
    launchOptions: {
      executablePath: '/usr/bin/chromium',
      args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking'],
    },
    screenshot: 'only-on-failure',
    trace: 'retain-on-failure',
    acceptDownloads: true,
    // No pulsing skeletons or spinners repainting while a test (or an axe scan) looks at the page.
    reducedMotion: 'reduce',
    locale: 'en-GB',
    timezoneId: 'UTC',
  },
});
