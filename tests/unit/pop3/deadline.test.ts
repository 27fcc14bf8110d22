import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, mock, test } from 'node:test';
import { Deadline } from '../../../lib/pop3/deadline';

/**
 * Time moves only when the test says so (node:test's mocked setTimeout and Date): the
 * assertions are about the deadline's arithmetic, and a busy machine that wakes a real
 * timer 50 ms late must not decide them.
 */
function wait(ms: number): void {
  mock.timers.tick(ms);
}

describe('Deadline', () => {
  beforeEach(() => mock.timers.enable({ apis: ['setTimeout', 'Date'] }));
  afterEach(() => mock.timers.reset());

  test('fires once the base budget is spent', async () => {
    let fired = 0;
    const deadline = new Deadline(50, 0, () => fired++);
    deadline.start();
    wait(20);
    assert.equal(fired, 0);
    wait(80);
    assert.equal(fired, 1);
  });

  test('bytes received earn time, in proportion', async () => {
    let fired = 0;
    const deadline = new Deadline(40, 1, () => fired++);
    deadline.start();
    deadline.addBytes(60); // 40 + 60 ms
    wait(70);
    assert.equal(fired, 0);
    wait(80);
    assert.equal(fired, 1);
  });

  test('paused time (our consumer being slow) does not count', async () => {
    let fired = 0;
    const deadline = new Deadline(60, 0, () => fired++);
    deadline.start();
    wait(30);
    deadline.pause();
    wait(100);
    assert.equal(fired, 0);
    deadline.resume();
    wait(10);
    assert.equal(fired, 0);
    wait(60);
    assert.equal(fired, 1);
  });

  test('clear() stops it for good', async () => {
    let fired = 0;
    const deadline = new Deadline(20, 0, () => fired++);
    deadline.start();
    deadline.clear();
    wait(50);
    assert.equal(fired, 0);
  });

  test('a budget beyond what setTimeout can hold neither fires early nor busy-loops', async () => {
    const warnings: Error[] = [];
    const onWarning = (warning: Error) => warnings.push(warning);
    process.on('warning', onWarning);
    // Real timers here: the point is what Node's own setTimeout does with a delay it cannot hold.
    mock.timers.reset();
    let fired = 0;
    const deadline = new Deadline(1e13, 0, () => fired++);
    try {
      deadline.start();
      await new Promise((resolve) => setTimeout(resolve, 50));
      assert.equal(fired, 0);
      assert.deepEqual(warnings.map((w) => w.name).filter((name) => name !== 'ExperimentalWarning'), []); // mock.timers warns that it is experimental
    } finally {
      deadline.clear();
      process.off('warning', onWarning);
    }
  });
});
