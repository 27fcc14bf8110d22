import { readFile } from 'node:fs/promises';
import { formatSize } from '../../components/format-size';
import { expect, test } from './fixtures';
import { attachmentBytes, sampleMessage } from './support/sample';
import { USERS } from './support/users';

test('attachments are listed with name, type and size, and download byte for byte', async ({ page, logInAs, inbox, pane, snap }) => {
  await logInAs(USERS.reader);
  await inbox.open(sampleMessage('attachments').subject);
  await pane.waitForRead();
  await expect(pane.attachments).toHaveCount(2);

  for (const [filename, type] of [
    ['report.pdf', 'application/pdf'],
    ['notes-ünïcode.txt', 'text/plain'],
  ] as const) {
    const expected = attachmentBytes(filename);
    const item = pane.attachments.filter({ hasText: filename });
    await expect(item).toContainText(type);
    await expect(item).toContainText(formatSize(expected.length));
    const [download] = await Promise.all([page.waitForEvent('download'), item.getByRole('link', { name: /^Download/ }).click()]);
    expect(download.suggestedFilename()).toBe(filename);
    const saved = await download.path();
    const bytes = await readFile(saved);
    expect(bytes.equals(expected)).toBe(true);
  }
  await snap('read-attachments');
});
