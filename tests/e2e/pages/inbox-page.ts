import { expect, type Locator, type Page } from '@playwright/test';

/** The inbox: header, toolbar, the message list, the pending-deletions bar. */
export class InboxPage {
  readonly stats: Locator;
  readonly listSummary: Locator;
  /** The line under the filter: the summary, select all, and what can be done with a selection. */
  readonly listActions: Locator;
  /** The passing notice at the foot of the window ("Undone: …"). */
  readonly toast: Locator;
  /** Says the count of deletion marks to screen readers (the pending bar shows it). */
  readonly marksAnnouncer: Locator;
  readonly rows: Locator;
  readonly filter: Locator;
  readonly minSize: Locator;
  readonly pendingBar: Locator;
  readonly undoButton: Locator;
  readonly applyButton: Locator;
  readonly refreshButton: Locator;
  readonly logoutButton: Locator;
  readonly emptyState: Locator;
  readonly readingPane: Locator;
  /** The list column; its data-state is 'settled' once it shows the first page for the filter as typed. */
  readonly listColumn: Locator;

  constructor(readonly page: Page) {
    this.stats = page.getByTestId('maildrop-stats');
    this.listSummary = page.getByTestId('list-summary');
    this.listActions = page.getByTestId('list-actions');
    this.toast = page.getByTestId('toast');
    this.marksAnnouncer = page.getByTestId('marks-announcer');
    this.rows = page.getByTestId('message-row');
    this.filter = page.getByLabel('Filter by sender or subject');
    this.minSize = page.getByLabel('Larger than');
    this.pendingBar = page.getByRole('region', { name: 'Pending deletions' });
    this.undoButton = this.pendingBar.getByRole('button', { name: 'Undo' });
    this.applyButton = this.pendingBar.getByRole('button', { name: 'Apply now' });
    this.refreshButton = page.getByRole('button', { name: /^Refresh/ });
    this.logoutButton = page.getByRole('button', { name: 'Log out' });
    this.emptyState = page.getByTestId('empty-inbox');
    this.readingPane = page.getByRole('region', { name: 'Reading pane' });
    this.listColumn = page.locator('section[aria-labelledby="inbox-heading"]');
  }

  async waitForList(): Promise<void> {
    await expect(this.page.getByRole('heading', { name: 'Inbox' })).toBeAttached();
    await expect(this.rows.first().or(this.emptyState)).toBeVisible();
  }

  row(text: string | RegExp): Locator {
    return this.rows.filter({ hasText: text });
  }

  /**
   * The main control of a row, a link to the message: one click reads a small message (up to
   * 256 KB) in full and peeks at a larger one; double click reads in full; Ctrl-click opens a new tab.
   */
  rowButton(text: string | RegExp): Locator {
    return this.row(text).locator('[data-row-index]');
  }

  rowCheckbox(text: string | RegExp): Locator {
    return this.row(text).getByRole('checkbox');
  }

  /** Subjects of the rendered rows, top to bottom. */
  async visibleSubjects(): Promise<string[]> {
    return this.rows.evaluateAll((rows) =>
      rows
        .map((row) => ({ top: row.getBoundingClientRect().top, text: row.querySelector('[data-testid="row-subject"]')?.textContent?.trim() ?? '' }))
        .sort((a, b) => a.top - b.top)
        .map((row) => row.text),
    );
  }

  /** Peeks (TOP, never RETR) at any message, small or large: Space on the row. */
  async peek(text: string | RegExp): Promise<void> {
    await this.rowButton(text).focus();
    await this.page.keyboard.press(' ');
    await expect(this.page.getByTestId('peek-pane')).toBeVisible();
  }

  /** One click on the row, as a person does. */
  async click(text: string | RegExp, modifiers?: Array<'Shift' | 'Control'>): Promise<void> {
    await this.rowButton(text).click({ modifiers });
  }

  async open(text: string | RegExp): Promise<void> {
    await this.rowButton(text).dblclick();
    await expect(this.page.getByTestId('read-view')).toBeVisible();
  }

  /**
   * Waits until the list shows what was asked for: the filter as typed is applied and its first
   * page is in. Right after a change the list still shows the previous rows for a moment, and
   * anything counted then is stale.
   */
  /** Where the list of rows starts, from the top of the window: it must not move when the toolbar changes. */
  async listTop(): Promise<number> {
    const box = await this.page.getByTestId('message-scroller').boundingBox();
    expect(box, 'the list is on screen').not.toBeNull();
    return box!.y;
  }

  async waitForSettled(): Promise<void> {
    await expect(this.listColumn).toHaveAttribute('data-state', 'settled');
  }

  async filterBy(query: string): Promise<void> {
    await this.filter.fill(query);
    // One check of both, so "matching" cannot come from a render that still shows the old rows.
    await expect(this.page.locator('section[aria-labelledby="inbox-heading"][data-state="settled"]').getByTestId('list-summary')).toContainText('matching');
  }

  /** How many messages the settled filter matches, as the summary says. */
  async matchingCount(): Promise<number> {
    await this.waitForSettled();
    const text = (await this.listSummary.textContent()) ?? '';
    const found = /^([\d,]+) matching/.exec(text.trim());
    expect(found, `the summary "${text}" gives a matching count`).not.toBeNull();
    return Number(found![1]!.replace(/,/g, ''));
  }
}
