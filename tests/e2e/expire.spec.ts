/**
 * EXPIRE (RFC 2449) in the UI. None of the servers run here advertises
 * `EXPIRE 0` after login (Dovecot cannot be told to; Mailutils says EXPIRE30,
 * and the session JSON's `policies` field comes from another branch), so this
 * is an API-stub test: the real session answer from the app and Dovecot is
 * passed through with `policies` added, exactly as that branch documents it.
 * Everything else — the list, TOP, RETR — is the real app and real Dovecot.
 */
import type { Page, Request } from '@playwright/test';
import { expect, test } from './fixtures';
import { seriousViolations } from './support/axe';
import { sampleMessage } from './support/sample';
import { USERS } from './support/users';

async function serverSays(page: Page, policies: { expireDays: number | null; loginDelaySeconds: number | null } | undefined): Promise<void> {
  await page.route(/\/api\/session$/, async (route) => {
    const response = await route.fetch();
    const body = (await response.json()) as { session?: Record<string, unknown> };
    if (body.session) {
      if (policies === undefined) delete body.session.policies;
      else body.session.policies = policies;
    }
    await route.fulfill({ response, json: body });
  });
}

/** Requests for the whole message (RETR), as opposed to the list and the peek (TOP). */
function downloads(page: Page): Request[] {
  const seen: Request[] = [];
  page.on('request', (request) => {
    const path = new URL(request.url()).pathname;
    if (/^\/api\/messages\/[^/]+(\/raw|\/attachments\/.+)?$/.test(path) && request.method() === 'GET' && !path.endsWith('/preview')) {
      seen.push(request);
    }
  });
  return seen;
}

test.describe('a server that says EXPIRE', () => {
  test('EXPIRE 0: told before the first download, and the first download asks once per session', async ({ page, logInAs, inbox, pane, snap }) => {
    await serverSays(page, { expireDays: 0, loginDelaySeconds: 300 });
    const retr = downloads(page);
    await logInAs(USERS.reader);

    const notice = page.getByTestId('expire-notice');
    await expect(notice).toContainText('This server removes messages from POP3 as soon as they are downloaded (EXPIRE 0).');

    // Peeking is free: TOP only.
    const first = sampleMessage('8bit-utf8');
    await inbox.peek(first.subject);
    await expect(pane.peekText).toBeVisible();

    // Opening in full asks first, and nothing is downloaded until the person says so.
    await pane.downloadWhole.click();
    const consent = page.getByTestId('download-consent');
    await expect(consent).toContainText('Download this message?');
    await expect(consent).toContainText('as soon as they are downloaded (EXPIRE 0)');
    await expect(consent.getByRole('heading', { name: 'Download this message?' })).toBeFocused();
    await snap('expire-consent');
    expect(await seriousViolations(page)).toEqual([]);
    await page.emulateMedia({ colorScheme: 'dark' });
    expect(await seriousViolations(page)).toEqual([]);
    await page.emulateMedia({ colorScheme: 'light' });
    expect(retr).toHaveLength(0);

    // "Just peek" goes back to the peek, still without a download.
    await consent.getByRole('button', { name: 'Just peek' }).click();
    await expect(pane.peek).toBeVisible();
    expect(retr).toHaveLength(0);

    // Double-click opens in full: asked again (not yet confirmed), then confirmed.
    await inbox.rowButton(first.subject).dblclick();
    await consent.getByRole('button', { name: 'Download and read' }).click();
    await pane.waitForRead();
    await expect(pane.textBody).toContainText('Grüße');
    expect(retr.length).toBeGreaterThan(0);

    // Once per session: the next message opens without asking.
    const second = sampleMessage('encoded-utf8');
    await inbox.open(second.subject);
    await expect(consent).toHaveCount(0);
    await expect(pane.read.getByRole('heading', { name: second.subject })).toBeVisible();

    // The notice can be put away.
    await notice.getByRole('button', { name: 'Dismiss the server policy notice' }).click();
    await expect(notice).toHaveCount(0);
  });

  test('EXPIRE 30: the notice counts days; the source view asks too', async ({ page, logInAs, inbox, pane }) => {
    await serverSays(page, { expireDays: 30, loginDelaySeconds: null });
    const retr = downloads(page);
    await logInAs(USERS.reader);
    await expect(page.getByTestId('expire-notice')).toContainText(
      'This server removes messages from POP3 within 30 days after they are downloaded (EXPIRE 30).',
    );
    const message = sampleMessage('8bit-utf8');
    await inbox.peek(message.subject);
    await pane.viewSource.click();
    await expect(page.getByTestId('download-consent')).toContainText('within 30 days');
    expect(retr).toHaveLength(0);
  });

  test('no policy, "never", or a session without the field: no notice and no question', async ({ page, logInAs, inbox, pane }) => {
    for (const policies of [undefined, { expireDays: null, loginDelaySeconds: null }]) {
      await page.unrouteAll({ behavior: 'wait' });
      await serverSays(page, policies);
      await logInAs(USERS.reader);
      await expect(page.getByTestId('expire-notice')).toHaveCount(0);
      await inbox.open(sampleMessage('8bit-utf8').subject);
      await expect(page.getByTestId('download-consent')).toHaveCount(0);
      await pane.waitForRead();
    }
  });
});
