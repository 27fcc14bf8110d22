import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { MailSession } from '../../../lib/mail/mail-session';
import { listMessages, whenPrefetched } from '../../../lib/mail/message-service';
import { FakeMaildrops } from '../../support/fake-mail-session';
import { smallMessages } from '../../support/maildrop';

/**
 * A page prefetches the next page's headers behind the session lock; when they are in memory already
 * (the login fetched the newest 100, or the person pages back), no background work is queued at all.
 */
const maildrops = new FakeMaildrops();
let session: MailSession;
let lockedByPrefetch = 0;

before(async () => {
  const server = await maildrops.start({ messages: smallMessages(300).map((m) => ({ data: m.raw })) });
  session = await maildrops.open(server);
  const background = session.runNewestBackground.bind(session);
  session.runNewestBackground = (work) => {
    lockedByPrefetch++;
    return background(work);
  };
});

after(async () => {
  await session?.close();
  await maildrops.closeAll();
});

test('a next page already in memory queues no prefetch', async () => {
  await whenPrefetched(session);
  lockedByPrefetch = 0;
  const first = await listMessages(session, { offset: 0, limit: 50 }); // the next page is among the login's newest 100
  assert.equal(first.messages.length, 50);
  await whenPrefetched(session);
  assert.equal(lockedByPrefetch, 0);
});

test('a next page not in memory is fetched ahead, once', async () => {
  await whenPrefetched(session);
  lockedByPrefetch = 0;
  await listMessages(session, { offset: 50, limit: 50 }); // the next page starts at the 101st newest
  await whenPrefetched(session);
  assert.equal(lockedByPrefetch, 1);
  lockedByPrefetch = 0;
  await listMessages(session, { offset: 50, limit: 50 }); // asked again: now in memory
  await whenPrefetched(session);
  assert.equal(lockedByPrefetch, 0);
});
