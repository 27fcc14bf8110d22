import { expect, type FrameLocator, type Locator, type Page } from '@playwright/test';

/** The right-hand pane: peek, the whole message, or its source. */
export class MessagePane {
  readonly peek: Locator;
  readonly peekText: Locator;
  readonly linesSelect: Locator;
  readonly downloadWhole: Locator;
  readonly read: Locator;
  readonly textBody: Locator;
  readonly htmlFrameElement: Locator;
  readonly htmlFrame: FrameLocator;
  readonly showRemoteImages: Locator;
  readonly attachments: Locator;
  readonly viewSource: Locator;
  readonly source: Locator;
  readonly sourceText: Locator;
  readonly deleteButton: Locator;
  /** Stands where a marked message's text would be (the server does not send it), with Keep. */
  readonly markedNotice: Locator;
  readonly keepButton: Locator;
  readonly closeButton: Locator;
  readonly progress: Locator;

  constructor(readonly page: Page) {
    this.peek = page.getByTestId('peek-pane');
    this.peekText = page.getByTestId('peek-text');
    this.linesSelect = page.getByLabel('Lines to show');
    this.downloadWhole = page.getByRole('button', { name: /^Download whole message \(/ });
    this.read = page.getByTestId('read-view');
    this.textBody = page.getByTestId('text-body');
    this.htmlFrameElement = page.getByTestId('html-body');
    this.htmlFrame = page.frameLocator('[data-testid="html-body"]');
    this.showRemoteImages = page.getByRole('button', { name: 'Show remote images' });
    this.attachments = page.getByTestId('attachment');
    this.viewSource = page.getByRole('button', { name: 'View source' });
    this.source = page.getByTestId('source-view');
    this.sourceText = page.getByTestId('source-text');
    this.deleteButton = page.getByRole('toolbar').getByRole('button', { name: 'Delete', exact: true });
    this.markedNotice = page.getByTestId('marked-notice');
    this.keepButton = this.markedNotice.getByRole('button', { name: 'Keep' });
    this.closeButton = page.getByRole('toolbar').getByRole('button', { name: /Close|Back to inbox/ });
    this.progress = page.locator('#download-progress');
  }

  heading(): Locator {
    return this.page.getByRole('region', { name: 'Reading pane' }).getByRole('heading', { level: 2 }).first();
  }

  async waitForRead(): Promise<void> {
    await expect(this.read).toBeVisible();
    await expect(this.textBody.or(this.htmlFrameElement)).toBeVisible({ timeout: 60_000 });
  }

  /**
   * Waits for the HTML body's frame to fire 'load': by then it has requested everything it ever
   * would (images, styles), so "nothing was fetched" and "no dialog opened" can be asserted.
   */
  async waitForHtmlLoaded(): Promise<void> {
    const element = await this.htmlFrameElement.elementHandle();
    const frame = await element?.contentFrame();
    expect(frame, 'the HTML body frame exists').toBeTruthy();
    await frame!.waitForLoadState('load');
  }
}
