import { expect, type Locator, type Page } from '@playwright/test';

/** The panels opened from the app header: rules, proposed deletions, the server in words. */
export class PanelsPage {
  readonly rulesButton: Locator;
  readonly proposedButton: Locator;
  readonly serverButton: Locator;
  readonly rules: Locator;
  readonly ruleItems: Locator;
  readonly proposed: Locator;
  readonly proposedRows: Locator;
  readonly server: Locator;

  constructor(readonly page: Page) {
    const header = page.getByRole('navigation', { name: 'Account' });
    this.rulesButton = header.getByRole('button', { name: 'Rules' });
    this.proposedButton = header.getByRole('button', { name: 'Proposed' });
    this.serverButton = header.getByRole('button', { name: 'Server' });
    this.rules = page.getByRole('dialog', { name: 'Rules' });
    this.ruleItems = this.rules.getByTestId('rule');
    this.proposed = page.getByRole('dialog', { name: 'Proposed for deletion' });
    this.proposedRows = this.proposed.getByTestId('proposed-row');
    this.server = page.getByRole('dialog', { name: 'The server, in words' });
  }

  async openRules(): Promise<void> {
    await this.rulesButton.click();
    await expect(this.rules).toBeVisible();
    await expect(this.rules.getByText('Loading the rules…')).toHaveCount(0);
  }

  async openProposed(): Promise<void> {
    await this.proposedButton.click();
    await expect(this.proposed).toBeVisible();
    await expect(this.proposed.getByText('Looking at the headers…')).toHaveCount(0);
  }

  async close(dialog: Locator): Promise<void> {
    await dialog.getByRole('button', { name: 'Close', exact: true }).click();
    await expect(dialog).toBeHidden();
  }

  /** Fills the rule form (only the fields given) and saves it. */
  async fillRule(fields: { name?: string; from?: string; subject?: string; minSize?: string; olderThanDays?: string; headerName?: string; headerContains?: string }): Promise<void> {
    const form = this.rules.getByRole('form');
    const labels: Record<keyof typeof fields, string> = {
      name: 'Name',
      from: 'From (address or domain)',
      subject: 'Subject contains',
      minSize: 'Larger than',
      olderThanDays: 'Older than (days)',
      headerName: 'Header name',
      headerContains: 'Contains',
    };
    for (const [field, value] of Object.entries(fields) as Array<[keyof typeof fields, string | undefined]>) {
      if (value !== undefined) await form.getByLabel(labels[field], { exact: true }).fill(value);
    }
    await form.getByRole('button', { name: 'Save rule' }).click();
  }
}
