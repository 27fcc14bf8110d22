import assert from 'node:assert/strict';
import { test } from 'node:test';
import { listSummary, selectAllLabel } from '../../../components/list-wording';

test('the list summary says none and one plainly', () => {
  assert.equal(listSummary(0, false, 0), 'No messages');
  assert.equal(listSummary(1, false, 500), '1 message');
  assert.equal(listSummary(1234, false, 500), '1,234 messages, newest first');
  assert.equal(listSummary(0, true, 0), 'None matching');
  assert.equal(listSummary(2, true, 2048), '2 matching · 2 KB');
});

test('"select all" is not offered as "all 1"', () => {
  assert.equal(selectAllLabel(1, true), 'Select the 1 matching');
  assert.equal(selectAllLabel(1, false), 'Select the 1 message');
  assert.equal(selectAllLabel(40, false), 'Select all 40');
  assert.equal(selectAllLabel(1234, true), 'Select all 1,234 matching');
});
