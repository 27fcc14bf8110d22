import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { accountData, MemoryAccountData, useAccountData } from '../../../lib/account-data';
import type { Rule } from '../../../lib/contract/rules';
import type { MailSession } from '../../../lib/mail/mail-session';
import { listMessages, sessionAccount, whenPrefetched } from '../../../lib/mail/message-service';
import { FakeMaildrops } from '../../support/fake-mail-session';
import { smallMessages } from '../../support/maildrop';

/**
 * With Redis, every question to the account store is a round trip. A page of the snapshot is known
 * before the rules arrive, so its read state is asked for beside them, not after them; a page that had
 * to wait for the session lock asks again, as a message read meanwhile is marked read.
 */
class RecordingAccountData extends MemoryAccountData {
  readonly calls: string[] = [];
  /** Marked read right after the next read-state answer: a message read while a page is on its way. */
  readAfterNextAnswer: { account: string; id: string } | undefined;

  /** How many of the next read-state questions fail, as a store that went away. */
  failingReads = 0;

  override async getSeen(account: string, ids: readonly string[]): Promise<Set<string>> {
    this.calls.push('seen');
    if (this.failingReads > 0) {
      this.failingReads--;
      throw new Error('the store went away');
    }
    const answer = await super.getSeen(account, ids);
    const later = this.readAfterNextAnswer;
    this.readAfterNextAnswer = undefined;
    if (later) await this.setSeen(later.account, [later.id], true);
    return answer;
  }

  override getRules(account: string): Promise<Rule[]> {
    this.calls.push('rules');
    return super.getRules(account);
  }
}

const data = new RecordingAccountData();
const previous = accountData();
const maildrops = new FakeMaildrops();
let session: MailSession;

before(async () => {
  useAccountData(data);
  const server = await maildrops.start({ messages: smallMessages(300).map((m) => ({ data: m.raw })) });
  session = await maildrops.open(server);
});

after(async () => {
  useAccountData(previous);
  await session?.close();
  await maildrops.closeAll();
});

describe('a page and the read state', () => {
  test('a page in memory asks for its read state beside the rules, once, and shows it', async () => {
    const first = await listMessages(session, { offset: 0, limit: 50 });
    await whenPrefetched(session);
    assert.equal(first.messages.length, 50);
    const second = 50;
    const read = (await listMessages(session, { offset: second, limit: 50 })).messages.slice(0, 2).map((row) => row.id);
    await data.setSeen(sessionAccount(session), read, true);
    await whenPrefetched(session);

    data.calls.length = 0;
    const page = await listMessages(session, { offset: second, limit: 50 });
    assert.deepEqual(data.calls, ['seen', 'rules'], 'read state asked before the rules were answered, and not again');
    assert.deepEqual(
      page.messages.filter((row) => row.seen).map((row) => row.id),
      read,
    );
  });

  test('a page that waited for the session lock asks for its read state again, after the wait', async () => {
    await whenPrefetched(session);
    const far = 250; // never fetched ahead: its headers need the lock and a round trip
    const entries = session.newestEntries(far, 10) ?? assert.fail('the snapshot is listed');
    await data.setSeen(sessionAccount(session), [entries[0]!.id], true);
    // Read while the page waits: the first answer does not have it, the one after the wait does.
    data.readAfterNextAnswer = { account: sessionAccount(session), id: entries[1]!.id };
    data.calls.length = 0;
    const page = await listMessages(session, { offset: far, limit: 10 });
    assert.deepEqual(data.calls, ['seen', 'rules', 'seen']);
    assert.deepEqual(
      page.messages.filter((row) => row.seen).map((row) => row.id),
      [entries[0]!.id, entries[1]!.id],
    );
  });

  test('a read state that cannot be had fails the page; an early answer that failed is asked again', async () => {
    await whenPrefetched(session);
    data.failingReads = 1;
    await assert.rejects(listMessages(session, { offset: 0, limit: 50 }), /the store went away/, 'a page in memory');
    await whenPrefetched(session);
    data.failingReads = 2;
    await assert.rejects(listMessages(session, { offset: 150, limit: 10 }), /the store went away/, 'a page that waited');
    assert.equal(data.failingReads, 0, 'it asked twice: the page was not in memory');
    await whenPrefetched(session);
    data.failingReads = 1;
    data.calls.length = 0;
    const page = await listMessages(session, { offset: 200, limit: 10 });
    assert.deepEqual(data.calls, ['seen', 'rules', 'seen']);
    assert.equal(page.messages.length, 10);
  });
});
