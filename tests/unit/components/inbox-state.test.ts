import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { MessageSummary, SessionInfo } from '../../../components/api-client';
import { inboxReducer, initialInboxState } from '../../../components/inbox-state';

const session = { count: 3, size: 300, pendingDeletion: ['b'] } as unknown as SessionInfo;
const summary = (id: string) => ({ id, size: 100 }) as MessageSummary;

test('starts from the session: its marks pending, nothing open or selected', () => {
  const state = initialInboxState(session);
  assert.deepEqual([...state.pending], ['b']);
  assert.equal(state.open, null);
  assert.equal(state.selected.size, 0);
  assert.deepEqual(state.maildrop, { count: 3, size: 300 });
});

test('the source view remembers where Back goes', () => {
  let state = inboxReducer(initialInboxState(session), { type: 'show', summary: summary('a'), mode: 'read', index: 2 });
  assert.equal(state.cursor, 2);
  state = inboxReducer(state, { type: 'mode', mode: 'source' });
  assert.deepEqual([state.open?.mode, state.open?.previous], ['source', 'read']);
  state = inboxReducer(state, { type: 'mode', mode: 'source' });
  assert.equal(state.open?.previous, 'read');
});

test('a range adds to the selection and moves the anchor; a toggle sets it', () => {
  let state = inboxReducer(initialInboxState(session), { type: 'toggle-select', index: 1, id: 'a' });
  assert.equal(state.anchor, 1);
  state = inboxReducer(state, { type: 'select-range', index: 3, ids: ['a', 'b', 'c'] });
  assert.deepEqual([...state.selected].sort(), ['a', 'b', 'c']);
  assert.equal(state.anchor, 3);
  state = inboxReducer(state, { type: 'toggle-select', index: 2, id: 'b' });
  assert.deepEqual([...state.selected].sort(), ['a', 'c']);
});

test('one mark comes off; the others stay', () => {
  let state = inboxReducer(initialInboxState(session), { type: 'pending-add', ids: ['a', 'c'] });
  state = inboxReducer(state, { type: 'pending-remove', ids: ['a'] });
  assert.deepEqual([...state.pending].sort(), ['b', 'c']);
  // Nothing to change: the same state, so nothing re-renders.
  assert.equal(inboxReducer(state, { type: 'pending-remove', ids: ['zz'] }), state);
  assert.equal(inboxReducer(state, { type: 'pending-add', ids: ['b'] }), state);
});

test('Apply clears marks and selection and closes a message it deleted', () => {
  let state = inboxReducer(initialInboxState(session), { type: 'show', summary: summary('b'), mode: 'peek' });
  state = inboxReducer(state, { type: 'toggle-select', index: 0, id: 'x' });
  state = inboxReducer(state, { type: 'applied', count: 2, size: 200 });
  assert.equal(state.open, null);
  assert.equal(state.pending.size, 0);
  assert.equal(state.selected.size, 0);
  assert.deepEqual(state.maildrop, { count: 2, size: 200 });
});

test('read state changed here overrides the listing, and can be forgotten again', () => {
  let state = inboxReducer(initialInboxState(session), { type: 'seen', ids: ['a', 'b'], seen: true });
  assert.equal(state.seen.get('a'), true);
  state = inboxReducer(state, { type: 'seen-forget', ids: ['a'] });
  assert.equal(state.seen.has('a'), false);
  assert.equal(state.seen.get('b'), true);
});
