import assert from 'node:assert/strict';
import { test } from 'node:test';
import { inboxHref, messageHref, readInboxLocation } from '../../../components/inbox-url';

test('the open message, its view and the filter round-trip through the address', () => {
  const location = { messageId: 'u:abc/+=', view: 'peek' as const, filter: { q: 'example.fr & co', minSize: 1048576 } };
  const href = inboxHref(location);
  assert.equal(href, '/?m=u%3Aabc%2F%2B%3D&view=peek&q=example.fr+%26+co&min=1048576');
  assert.deepEqual(readInboxLocation(href.slice(1)), location);
});

test('reading in full is the default view; an empty inbox address is /', () => {
  assert.equal(messageHref('x1', { q: '', minSize: null }), '/?m=x1');
  assert.equal(inboxHref({ messageId: null, view: 'read', filter: { q: '', minSize: null } }), '/');
  assert.deepEqual(readInboxLocation('?m=x1'), { messageId: 'x1', view: 'read', filter: { q: '', minSize: null } });
});

test('nonsense in the address is ignored, not trusted', () => {
  assert.deepEqual(readInboxLocation('?m=&view=evil&min=-5&q=%20%20'), { messageId: null, view: 'read', filter: { q: '', minSize: null } });
  assert.equal(readInboxLocation('?min=1e400').filter.minSize, null);
  assert.equal(readInboxLocation('?min=12.5').filter.minSize, null);
});
