/**
 * Rules (issue 11, item 3): what PUT /api/rules accepts (the contract's
 * schema), and how a rule proposes on headers and LIST's size only.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { rulesBodySchema, RULE_BOUNDS, type Rule } from '../../../lib/contract/rules';
import { fromMatches, proposalFor, sizeInWords, type RuleSubject } from '../../../lib/rules/evaluate';
import { headerValues } from '../../../lib/rules/header-values';

const NOW = Date.parse('2026-12-01T12:00:00Z');

function subject(overrides: Partial<Omit<RuleSubject, 'header'>> & { headers?: Record<string, string> } = {}): RuleSubject {
  const { headers = {}, ...rest } = overrides;
  return { size: 1000, fromAddress: 'news@mail.example.com', subject: 'Weekly offers', date: '2026-11-01T00:00:00Z', header: (name) => headers[name], ...rest };
}

const rule = (match: Rule['match'], name = 'r'): Rule => ({ name, match, action: 'delete' });

test('valid rules pass; every condition alone is enough', () => {
  const body = {
    rules: [
      rule({ from: 'example.com' }, 'a'),
      rule({ from: 'Someone@Example.com' }, 'b'),
      rule({ from: '@example.org' }, 'c'),
      rule({ subject: 'offer' }, 'd'),
      rule({ minSize: 5 * 1024 * 1024 }, 'e'),
      rule({ olderThanDays: 30 }, 'f'),
      rule({ header: { name: 'List-Id', contains: 'promo' } }, 'g'),
    ],
  };
  assert.equal(rulesBodySchema.safeParse(body).success, true);
});

test('anything else is refused', () => {
  const bad: unknown[] = [
    {},
    { rules: 'x' },
    { rules: [], extra: 1 },
    { rules: [{ name: 'x', match: {}, action: 'delete' }] }, // no condition
    { rules: [{ name: 'x', match: { from: 'a.com' }, action: 'move' }] },
    { rules: [{ name: 'x', match: { from: 'a.com', body: 'x' }, action: 'delete' }] }, // unknown condition
    { rules: [{ name: 'x', match: { from: 'not an address!' }, action: 'delete' }] },
    { rules: [{ name: 'x', match: { from: 'a@b@c.com' }, action: 'delete' }] },
    { rules: [{ name: 'x', match: { from: 'hansen' }, action: 'delete' }] }, // a name, not a domain
    { rules: [{ name: 'x', match: { minSize: -1 }, action: 'delete' }] },
    { rules: [{ name: 'x', match: { minSize: 1.5 }, action: 'delete' }] },
    { rules: [{ name: 'x', match: { olderThanDays: '3' }, action: 'delete' }] },
    { rules: [{ name: 'x', match: { header: { name: 'Bad Name', contains: 'x' } }, action: 'delete' }] },
    { rules: [{ name: 'x', match: { header: { name: 'X-A', contains: '' } }, action: 'delete' }] },
    { rules: [{ name: 'x', match: { subject: 'a\u0000b' }, action: 'delete' }] },
    { rules: [{ name: 'x', match: { subject: 'x'.repeat(RULE_BOUNDS.maxText + 1) }, action: 'delete' }] },
    { rules: [{ name: '', match: { subject: 'x' }, action: 'delete' }] },
    { rules: [rule({ subject: 'x' }, 'same'), rule({ subject: 'y' }, 'Same')] },
    { rules: Array.from({ length: RULE_BOUNDS.maxRules + 1 }, (_, i) => rule({ subject: 'x' }, `r${i}`)) },
  ];
  for (const body of bad) assert.equal(rulesBodySchema.safeParse(body).success, false, JSON.stringify(body).slice(0, 120));
});

test('from: an address matches exactly, a domain matches itself and its subdomains, ignoring case', () => {
  assert.equal(fromMatches('example.com', 'News@Mail.Example.COM'), true);
  assert.equal(fromMatches('@example.com', 'a@example.com'), true);
  assert.equal(fromMatches('example.com', 'a@notexample.com'), false);
  assert.equal(fromMatches('a@example.com', 'A@EXAMPLE.com'), true);
  assert.equal(fromMatches('a@example.com', 'b@example.com'), false);
  assert.equal(fromMatches('example.com', null), false);
});

test('conditions are AND-ed; the first matching rule proposes, with the reason in words', () => {
  const rules = [rule({ from: 'example.com', minSize: 5 * 1024 * 1024 }, 'big from example'), rule({ subject: 'OFFERS', olderThanDays: 7 }, 'old offers')];
  assert.equal(proposalFor(rules, subject({ subject: 'hello', date: null }), NOW), null);
  assert.deepEqual(proposalFor(rules, subject(), NOW), { rule: 'old offers', reason: 'subject contains “OFFERS”, older than 7 days' });
  assert.deepEqual(proposalFor(rules, subject({ size: 6 * 1024 * 1024 }), NOW), { rule: 'big from example', reason: 'from example.com, larger than 5 MB' });
  assert.equal(proposalFor([rule({ olderThanDays: 7 })], subject({ date: null }), NOW), null, 'no date: never older');
  assert.equal(proposalFor([rule({ olderThanDays: 60 })], subject(), NOW), null);
});

test('header condition: the named header contains the text, case-insensitive; a missing header does not match', () => {
  const r = [rule({ header: { name: 'List-Id', contains: 'PROMO' } }, 'lists')];
  assert.deepEqual(proposalFor(r, subject({ headers: { 'list-id': '<promo.example.com>' } }), NOW), { rule: 'lists', reason: 'List-Id contains “PROMO”' });
  assert.equal(proposalFor(r, subject(), NOW), null);
});

test('header values: unfolded, decoded, only the names asked for, repeats joined', () => {
  const section = Buffer.from('From: a@b.c\r\nList-Id: =?UTF-8?Q?Caf=C3=A9?=\r\n <cafe.example>\r\nX-Tag: one\r\nX-Tag: two\r\nSubject: s\r\n\r\n');
  assert.deepEqual(Object.fromEntries(headerValues(section, ['list-id', 'x-tag'])), { 'list-id': 'Café <cafe.example>', 'x-tag': 'one, two' });
});

test('sizes in words', () => {
  assert.equal(sizeInWords(5 * 1024 * 1024), '5 MB');
  assert.equal(sizeInWords(1536), '1.5 KB');
  assert.equal(sizeInWords(100), '100 bytes');
});
