import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { AppError } from '../../../lib/errors';
import { HeaderCache } from '../../../lib/mail/header-cache';
import { EMPTY_SUMMARY } from '../../../lib/mail/header-summary';
import { MaildropSnapshot } from '../../../lib/mail/maildrop-snapshot';
import { Marks } from '../../../lib/mail/marks';

/** The parts MailSession is made of, as plain data: the snapshot's resolve(id), the marks, the header cache. */

const notFound = (error: unknown) => error instanceof AppError && error.code === 'MESSAGE_NOT_FOUND';

describe('MaildropSnapshot', () => {
  test('resolve(id): a newest message at once; an older one once the listing is in; an unknown one is MESSAGE_NOT_FOUND', async () => {
    const snapshot = new MaildropSnapshot();
    let finish!: () => void;
    const listing = new Promise<void>((resolve) => (finish = resolve));
    snapshot.begin({ count: 3, size: 30 }, listing);
    snapshot.showNewest([{ number: 3, size: 10, id: 'U3' }]);
    assert.equal(snapshot.count, 3, 'STAT counts before the listing');
    assert.deepEqual(await snapshot.resolve('U3'), { number: 3, size: 10, id: 'U3' });
    let older: unknown;
    const resolving = snapshot.resolve('U1').then((entry) => (older = entry));
    await new Promise<void>((resolve) => setImmediate(resolve));
    assert.equal(older, undefined, 'an older message waits for the listing');
    snapshot.complete([
      { number: 1, size: 10, id: 'U1' },
      { number: 2, size: 10, id: 'U2' },
      { number: 3, size: 10, id: 'U3' },
    ]);
    finish();
    await resolving;
    assert.deepEqual(older, { number: 1, size: 10, id: 'U1' });
    await assert.rejects(snapshot.resolve('U9'), notFound);
    assert.deepEqual(snapshot.newestEntries(0, 2)?.map((entry) => entry.id), ['U3', 'U2']);
  });

  test('ids shown from the newest-first view stay valid when the full listing disagrees', () => {
    const snapshot = new MaildropSnapshot();
    snapshot.begin({ count: 2, size: 20 }, Promise.resolve());
    snapshot.showNewest([{ number: 2, size: 10, id: 'shown' }]);
    snapshot.complete([
      { number: 1, size: 10, id: 'U1' },
      { number: 2, size: 10, id: 'other' },
    ]);
    assert.equal(snapshot.lookup('shown').number, 2);
  });

  test('forget: the messages QUIT deleted are gone until the next listing', () => {
    const snapshot = new MaildropSnapshot();
    snapshot.begin({ count: 2, size: 30 }, Promise.resolve());
    snapshot.complete([
      { number: 1, size: 10, id: 'U1' },
      { number: 2, size: 20, id: 'U2' },
    ]);
    snapshot.forget(new Set(['U2']));
    assert.equal(snapshot.count, 1);
    assert.equal(snapshot.size, 10);
    assert.throws(() => snapshot.lookup('U2'), notFound);
  });
});

describe('Marks', () => {
  test('every change is persisted before it counts; retain drops marks of messages that are gone', async () => {
    const saved: string[][] = [];
    const marks = new Marks(['U1'], async (ids) => void saved.push([...ids]));
    await marks.add(['U2', 'U3']);
    assert.deepEqual(saved.at(-1), ['U1', 'U2', 'U3']);
    await marks.retain((id) => id !== 'U2');
    assert.deepEqual(saved.at(-1), ['U1', 'U3']);
    const before = saved.length;
    await marks.retain(() => true);
    assert.equal(saved.length, before, 'nothing changed: nothing written');
    await marks.clear();
    assert.deepEqual(saved.at(-1), []);
    assert.equal(marks.size, 0);
  });

  test('a failed write fails the change (the person is not told it was kept)', async () => {
    const marks = new Marks([], async () => {
      throw new Error('store down');
    });
    await assert.rejects(marks.add(['U1']), /store down/);
  });
});

describe('HeaderCache', () => {
  test('what is learned is handed on once per turn of the event loop, in one batch', async () => {
    const batches: string[][] = [];
    const cache = new HeaderCache([['U0', EMPTY_SUMMARY]], (fresh) => batches.push([...fresh.keys()]));
    assert.ok(cache.has('U0'));
    cache.set('U1', EMPTY_SUMMARY);
    cache.set('U2', EMPTY_SUMMARY);
    cache.delete('U2');
    assert.deepEqual(batches, []);
    await new Promise<void>((resolve) => setImmediate(resolve));
    assert.deepEqual(batches, [['U1']]);
    assert.deepEqual([...cache].map(([id]) => id), ['U0', 'U1']);
  });
});
