import assert from 'node:assert/strict';
import { test } from 'node:test';
import { nextMarksSaid } from '../../../components/pending-bar';

const start = { count: 0, notice: '', text: '' };

test('marking is said by the marks region, with the new count', () => {
  const one = nextMarksSaid(start, 1, '', false);
  assert.equal(one.text, '1 message marked for deletion.');
  assert.equal(nextMarksSaid(one, 3, '', false).text, '3 messages marked for deletion.');
});

test('a change that comes with a new toast (Keep, Undo, Apply) is said by the toast: the region empties', () => {
  const two = { count: 2, notice: '', text: '2 messages marked for deletion.' };
  assert.equal(nextMarksSaid(two, 1, 'Undone: 1 message will be kept.', false).text, '');
  assert.equal(nextMarksSaid(two, 0, 'Undone: 2 messages will be kept.', false).text, '');
});

test('a toast that repeats its words is not heard again: the region says the change', () => {
  const kept = { count: 1, notice: 'Undone: 1 message will be kept.', text: '' };
  assert.equal(nextMarksSaid(kept, 0, 'Undone: 1 message will be kept.', false).text, 'No messages marked for deletion.');
});

test('a change while a panel is open is said by the panel', () => {
  assert.equal(nextMarksSaid(start, 2, '', true).text, '');
});

test('a toast that comes or goes without a change of the count changes nothing said', () => {
  const two = { count: 2, notice: '', text: '2 messages marked for deletion.' };
  const later = nextMarksSaid(two, 2, 'That message is no longer in this mailbox.', false);
  assert.equal(later.text, two.text);
  assert.equal(nextMarksSaid(later, 2, 'That message is no longer in this mailbox.', false), later);
});
