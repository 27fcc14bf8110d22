import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { rulesBodySchema } from '../../../lib/contract/rules';
import { EMPTY_DRAFT, draftOf, ruleOf } from '../../../components/rule-draft';
import { describeMatch, domainOf, parseRulesFile, ruleFromSender, rulesFile, withRule } from '../../../components/rule-text';

describe('rule editor fields', () => {
  test('every condition the fields hold becomes one AND-ed rule the server accepts', () => {
    const result = ruleOf({
      ...EMPTY_DRAFT,
      name: ' Shop ',
      from: 'shop.example',
      subject: 'sale',
      minSize: '1.5',
      minSizeUnit: 'MB',
      olderThanDays: '30',
      headerName: 'List-Id',
      headerContains: 'offers',
    });
    assert.ok('rule' in result);
    assert.deepEqual(result.rule, {
      name: 'Shop',
      match: { from: 'shop.example', subject: 'sale', minSize: 1_572_864, olderThanDays: 30, header: { name: 'List-Id', contains: 'offers' } },
      action: 'delete',
    });
    assert.equal(rulesBodySchema.safeParse({ rules: [result.rule] }).success, true);
  });

  test('what a person can fix is named by field before anything is sent', () => {
    const problem = (draft: Partial<typeof EMPTY_DRAFT>) => {
      const result = ruleOf({ ...EMPTY_DRAFT, name: 'x', ...draft });
      return 'field' in result ? result.field : 'ok';
    };
    assert.equal(problem({ name: '' , from: 'a.example' }), 'name');
    assert.equal(problem({}), 'form');
    assert.equal(problem({ from: 'two words' }), 'from');
    assert.equal(problem({ from: 'a@b@c.example' }), 'from');
    // A bare word is a name, not a domain: it would be saved and never match any From address.
    assert.equal(problem({ from: 'hansen' }), 'from');
    assert.equal(problem({ from: 'hansen.example' }), 'ok');
    assert.equal(problem({ minSize: '-1' }), 'minSize');
    assert.equal(problem({ minSize: 'lots' }), 'minSize');
    assert.equal(problem({ olderThanDays: '1.5' }), 'olderThanDays');
    assert.equal(problem({ headerContains: 'x' }), 'headerName');
    assert.equal(problem({ headerName: 'List Id', headerContains: 'x' }), 'headerName');
    assert.equal(problem({ headerName: 'List-Id' }), 'headerContains');
    assert.equal(problem({ from: '@shop.example' }), 'ok');
  });

  test('a stored rule comes back into the fields as it went out', () => {
    const rules = [
      { name: 'a', match: { minSize: 5 * 1024 * 1024 }, action: 'delete' as const },
      { name: 'b', match: { minSize: 300 * 1024, from: 'x@y.example' }, action: 'delete' as const },
      { name: 'c', match: { header: { name: 'List-Id', contains: 'z' }, olderThanDays: 7 }, action: 'delete' as const },
    ];
    for (const rule of rules) {
      const again = ruleOf(draftOf(rule));
      assert.ok('rule' in again, rule.name);
      assert.deepEqual(again.rule, rule);
    }
    assert.equal(draftOf(rules[1]!).minSizeUnit, 'KB');
  });
});

describe('rules in words and files', () => {
  test('conditions read as one sentence', () => {
    assert.equal(describeMatch({ from: 'shop.example', minSize: 5 * 1024 * 1024 }), 'From shop.example and larger than 5 MB');
    assert.equal(describeMatch({ olderThanDays: 1 }), 'Older than 1 day');
  });

  test('"always delete mail like this" makes a sender or a domain rule, never twice', () => {
    assert.equal(domainOf('Ben@Mail.Example.ORG'), 'mail.example.org');
    assert.equal(domainOf('nobody'), null);
    const sender = ruleFromSender('Ben@Example.org', 'sender');
    const domain = ruleFromSender('Ben@Example.org', 'domain');
    assert.deepEqual(sender?.match, { from: 'ben@example.org' });
    assert.deepEqual(domain?.match, { from: 'example.org' });
    const once = withRule([], domain!);
    assert.equal(once.added, true);
    const twice = withRule(once.rules, { ...domain!, match: { from: 'EXAMPLE.org' } });
    assert.equal(twice.added, false);
    assert.equal(twice.rules.length, 1);
    // Same name, other conditions: kept apart by name, as the server wants names unique.
    const other = withRule(once.rules, { ...domain!, match: { from: 'example.org', minSize: 10 } });
    assert.deepEqual(other.rules.map((rule) => rule.name), ['Mail from anyone at example.org', 'Mail from anyone at example.org (2)']);
  });

  test('export writes what import reads and PUT takes; anything else is refused in words', () => {
    const rules = [{ name: 'a', match: { subject: 'win' }, action: 'delete' as const }];
    const file = rulesFile(rules);
    assert.deepEqual(parseRulesFile(file), { rules });
    assert.equal(rulesBodySchema.safeParse(JSON.parse(file)).success, true);
    assert.deepEqual(parseRulesFile(JSON.stringify(rules)), { rules });
    assert.ok('error' in parseRulesFile('not json'));
    assert.ok('error' in parseRulesFile('{"rules": 3}'));
    assert.ok('error' in parseRulesFile('{"rules": [{"name": "x"}]}'));
  });
});
