import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { z } from 'zod';
import { AppError } from '../../../lib/errors';
import { parseInput } from '../../../lib/http/parse-input';
import { emptyBodySchema } from '../../../lib/contract/common';
import { deleteBodySchema, seenBodySchema } from '../../../lib/contract/messages';
import { rulesBodySchema } from '../../../lib/contract/rules';
import { loginBodySchema } from '../../../lib/contract/session';

/** The INVALID_INPUT sentence parseInput answers with. */
function refusal(schema: z.ZodType, value: unknown): string {
  try {
    parseInput(schema, value);
  } catch (error) {
    assert.ok(error instanceof AppError && error.code === 'INVALID_INPUT', String(error));
    return error.message;
  }
  assert.fail(`accepted ${JSON.stringify(value)}`);
}

const login = { host: 'mail.example', security: 'tls', username: 'alice', password: 'secret' };
const ID = 'uMTIz';

describe('request bodies refuse a field they do not take, by name', () => {
  test('a misspelt login field is named, not read as a missing one', () => {
    const { username: _, ...rest } = login;
    assert.equal(refusal(loginBodySchema, { ...rest, usrname: 'alice' }), '"usrname" is not a field this request takes.');
    assert.equal(refusal(loginBodySchema, { ...login, securty: 'none', port: 110 }), '"securty" is not a field this request takes.');
  });

  test('bulk delete, undelete and seen: {id} or an extra flag is refused', () => {
    assert.equal(refusal(deleteBodySchema, { id: [ID] }), '"id" is not a field this request takes.');
    assert.equal(refusal(deleteBodySchema, { ids: [ID], force: true, all: true }), '"force", "all" are not fields this request takes.');
    assert.equal(refusal(seenBodySchema, { ids: [ID], seen: true, read: true }), '"read" is not a field this request takes.');
  });

  test('rules name where the unknown field is', () => {
    const rule = { name: 'news', match: { from: 'news.example', size: 5 }, action: 'delete' };
    assert.equal(refusal(rulesBodySchema, { rules: [rule] }), '"size" is not a field of rules.0.match.');
  });

  test('routes that take no fields (reset, commit, headers) take nothing or {}', () => {
    assert.deepEqual(parseInput(emptyBodySchema, {}), {});
    assert.equal(refusal(emptyBodySchema, { ids: [ID] }), '"ids" is not a field this request takes.');
    assert.match(refusal(emptyBodySchema, []), /expected object/);
  });

  test('every field the contract names stays accepted', () => {
    const full = { ...login, port: 995, auth: 'sasl-plain', allowInsecure: false };
    assert.deepEqual(parseInput(loginBodySchema, full), full);
    // With POP3_SERVER set the form sends only these two.
    assert.equal(parseInput(loginBodySchema, { username: 'alice', password: 'secret' }).auth, 'auto');
    assert.deepEqual(parseInput(deleteBodySchema, { ids: [ID] }), { ids: [ID] });
    assert.deepEqual(parseInput(seenBodySchema, { ids: [ID], seen: false }), { ids: [ID], seen: false });
  });

  test('other problems still name their field', () => {
    assert.equal(refusal(loginBodySchema, { ...login, username: '' }), 'username: is required');
    assert.equal(refusal(deleteBodySchema, { ids: [] }), 'ids: needs at least one id');
  });
});
