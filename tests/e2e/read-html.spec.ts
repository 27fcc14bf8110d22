import { test as base, expect } from './fixtures';
import { sampleMessage } from './support/sample';
import { startRemoteStub, type RemoteStub } from './support/remote-stub';
import { USERS } from './support/users';

/**
 * The browser in this file resolves the message's remote hosts to a local stub server, so
 * "nothing remote was fetched" is checked where it matters: at the would-be remote end.
 * (Request events and page.route do not reliably see requests from a sandboxed srcdoc frame,
 * which Chromium may move into a process of its own.)
 */
const test = base.extend<object, { remoteStub: RemoteStub }>({
  remoteStub: [
    // eslint-disable-next-line no-empty-pattern
    async ({}, use) => {
      const stub = await startRemoteStub();
      await use(stub);
      await stub.close();
    },
    { scope: 'worker' },
  ],
  launchOptions: [
    async ({ launchOptions, remoteStub }, use) => {
      await use({ ...launchOptions, args: [...(launchOptions.args ?? []), remoteStub.resolverRule()] });
    },
    { scope: 'worker' },
  ],
});

test.describe('an HTML message', () => {
  test('is shown sandboxed: no script runs and nothing remote is fetched', async ({ page, remoteStub, logInAs, inbox, pane, snap }) => {
    const dialogs: string[] = [];
    page.on('dialog', (dialog) => {
      dialogs.push(dialog.message());
      void dialog.dismiss();
    });
    const before = remoteStub.hits().length;
    await logInAs(USERS.reader);
    const message = sampleMessage('html');
    await inbox.open(message.subject);
    await pane.waitForRead();

    // No allow-scripts, no allow-same-origin: only popups, so links open in a new tab.
    await expect(pane.htmlFrameElement).toHaveAttribute('sandbox', 'allow-popups allow-popups-to-escape-sandbox');
    const body = pane.htmlFrame.locator('body');
    await expect(body.getByRole('heading', { name: 'Spring offers — 20% off' })).toBeVisible();
    await expect(body).toContainText('spring collection');
    // What the sanitizer must have removed is not in the frame.
    await expect(pane.htmlFrame.locator('script, iframe, [onclick], [onmouseover]')).toHaveCount(0);
    await expect(pane.htmlFrame.locator('img[src*="tracker.example"]')).toHaveCount(0);
    await expect(pane.htmlFrame.locator('a[href^="javascript:"]')).toHaveCount(0);
    // A click on what was an onclick target shows no alert.
    await body.getByRole('heading', { name: 'Spring offers — 20% off' }).click();
    // The frame is still the srcdoc document: the script's redirect never happened.
    const frame = page.frames().find((candidate) => candidate !== page.mainFrame());
    expect(frame?.url()).toBe('about:srcdoc');
    await expect(pane.showRemoteImages).toBeVisible();
    await pane.waitForHtmlLoaded();
    expect(dialogs).toEqual([]);
    expect(remoteStub.hits().slice(before)).toEqual([]);
    await snap('read-html');
  });

  test('shows remote images only when asked', async ({ page, remoteStub, logInAs, inbox, pane, snap }) => {
    const messageCalls: string[] = [];
    page.on('request', (request) => {
      const url = new URL(request.url());
      if (/^\/api\/messages\/[^/]+$/.test(url.pathname)) messageCalls.push(url.search);
    });
    const before = remoteStub.hits().length;
    await logInAs(USERS.reader);
    await inbox.open(sampleMessage('html').subject);
    await pane.waitForRead();
    await pane.waitForHtmlLoaded();
    expect(remoteStub.hits().slice(before)).toEqual([]);

    await pane.showRemoteImages.click();
    await expect(pane.htmlFrame.locator('img[src*="tracker.example"]')).toHaveCount(1);
    await expect.poll(() => remoteStub.hits().slice(before)).toContain('tracker.example/pixel.gif');
    expect(messageCalls).toContain('?remoteImages=1');
    await expect(pane.showRemoteImages).toHaveCount(0);
    // Only the image: no script target, frame or link was fetched.
    expect(remoteStub.hits().slice(before)).toEqual(['tracker.example/pixel.gif']);
    await snap('read-html-remote-images');

    // The choice holds while the message stays open: to its source and back, the images are still shown.
    await pane.viewSource.click();
    await expect(pane.source).toBeVisible();
    await page.getByRole('button', { name: 'Back to the message' }).click();
    await pane.waitForRead();
    await expect(pane.htmlFrame.locator('img[src*="tracker.example"]')).toHaveCount(1);
    await expect(pane.showRemoteImages).toHaveCount(0);
  });

  test.describe('at phone width', () => {
    test.use({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true });

    test('the remote-images notice puts its button under the sentence', async ({ logInAs, inbox, pane }) => {
      await logInAs(USERS.reader);
      await inbox.open(sampleMessage('html').subject);
      await pane.waitForRead();
      const notice = pane.showRemoteImages.locator('..');
      const sentence = notice.getByText('Remote images are blocked, so the sender cannot see that you opened this message.');
      await expect(pane.showRemoteImages).toBeVisible();
      const text = (await sentence.boundingBox())!;
      const button = (await pane.showRemoteImages.boundingBox())!;
      // Below, not beside: the sentence keeps the width of the notice (a few lines, not one word a line).
      expect(button.y).toBeGreaterThanOrEqual(text.y + text.height);
      const box = (await notice.boundingBox())!;
      expect(text.width).toBeGreaterThan(box.width * 0.7);
    });
  });
});
