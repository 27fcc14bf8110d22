import assert from 'node:assert/strict';
import { afterEach, describe, mock, test } from 'node:test';
import { Deadline } from '../../../lib/pop3/deadline';

/** Keeps the event loop alive while a test waits on the deadline's (unref'd) timer. */
async function wait(ms: number): Promise<void> {
  await new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * A simulated clock (setTimeout and Date): the budgets below are a few tens of milliseconds, and a
 * busy machine can hold a real test up for longer than that between two of its lines.
 */
function simulatedClock(): (ms: number) => void {
  mock.timers.enable({ apis: ['setTimeout', 'Date'] });
  return (ms) => mock.timers.tick(ms);
}

describe('Deadline', () => {
  afterEach(() => mock.timers.reset());

  test('fires once the base budget is spent', () => {
    const advance = simulatedClock();
    let fired = 0;
    const deadline = new Deadline(50, 0, () => fired++);
    deadline.start();
    advance(49);
    assert.equal(fired, 0);
    advance(1);
    assert.equal(fired, 1);
  });

  test('bytes received earn time, in proportion', () => {
    const advance = simulatedClock();
    let fired = 0;
    const deadline = new Deadline(40, 1, () => fired++);
    deadline.start();
    deadline.addBytes(60); // 40 + 60 ms
    advance(99);
    assert.equal(fired, 0);
    advance(1);
    assert.equal(fired, 1);
  });

  test('paused time (our consumer being slow) does not count', () => {
    const advance = simulatedClock();
    let fired = 0;
    const deadline = new Deadline(60, 0, () => fired++);
    deadline.start();
    advance(30);
    deadline.pause();
    advance(100);
    assert.equal(fired, 0);
    deadline.resume();
    advance(29);
    assert.equal(fired, 0);
    advance(1);
    assert.equal(fired, 1);
  });

  test('restart() gives a whole new budget from now, bytes and paused time forgotten, with the timer it had', () => {
    const advance = simulatedClock();
    let fired = 0;
    const deadline = new Deadline(50, 1, () => fired++);
    deadline.start();
    deadline.addBytes(100); // 150 ms, but only until the restart
    advance(40);
    deadline.restart(); // due at 90 now, not at 150 and not at 50
    advance(49);
    assert.equal(fired, 0, 'the timer set for the first budget must not end the second');
    advance(1);
    assert.equal(fired, 1);
  });

  test('restart() after a timer set with credit for bytes (a large reply before) sets it again: the next reply gets the base budget', () => {
    const advance = simulatedClock();
    let fired = 0;
    const deadline = new Deadline(50, 1, () => fired++);
    deadline.start();
    deadline.addBytes(5_000);
    deadline.pause();
    deadline.resume(); // set again, now with 5 s of credit
    deadline.restart(); // the next reply: 50 ms, not what is left of 5 s
    advance(49);
    assert.equal(fired, 0);
    advance(1);
    assert.equal(fired, 1);
  });

  test('restart() after a pause runs again', () => {
    const advance = simulatedClock();
    let fired = 0;
    const deadline = new Deadline(30, 0, () => fired++);
    deadline.start();
    deadline.pause();
    advance(100);
    deadline.restart();
    advance(29);
    assert.equal(fired, 0);
    advance(1);
    assert.equal(fired, 1);
  });

  test('clear() stops it for good', async () => {
    let fired = 0;
    const deadline = new Deadline(20, 0, () => fired++);
    deadline.start();
    deadline.clear();
    await wait(50);
    assert.equal(fired, 0);
  });

  test('a budget beyond what setTimeout can hold neither fires early nor busy-loops', async () => {
    const warnings: Error[] = [];
    const onWarning = (warning: Error) => warnings.push(warning);
    process.on('warning', onWarning);
    let fired = 0;
    const deadline = new Deadline(1e13, 0, () => fired++);
    try {
      deadline.start();
      await wait(50);
      assert.equal(fired, 0);
      assert.deepEqual(warnings.map((w) => w.name), []);
    } finally {
      deadline.clear();
      process.off('warning', onWarning);
    }
  });
});
