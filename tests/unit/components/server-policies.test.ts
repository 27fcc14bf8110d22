import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { policySentences } from '../../../components/server-policies';

const base = { expireDays: null, loginDelaySeconds: null, pipelining: true, top: true, uidl: true };
const sentence = (name: string, policies: typeof base | Record<string, unknown>) =>
  policySentences({ ...base, ...policies } as typeof base).find((entry) => entry.name === name)?.sentence ?? '';

describe('the server policies in words', () => {
  test('one sentence for each of LOGIN-DELAY, EXPIRE, PIPELINING, TOP and UIDL', () => {
    assert.deepEqual(policySentences(base).map((entry) => entry.name), ['LOGIN-DELAY', 'EXPIRE', 'PIPELINING', 'TOP', 'UIDL']);
  });

  test('what each value means for the person', () => {
    assert.match(sentence('LOGIN-DELAY', {}), /no pause/);
    assert.match(sentence('LOGIN-DELAY', { loginDelaySeconds: 300 }), /about 5 minutes between logins/);
    assert.match(sentence('LOGIN-DELAY', { loginDelaySeconds: 60 }), /60 seconds between logins/);
    assert.match(sentence('EXPIRE', {}), /said nothing/);
    assert.match(sentence('EXPIRE', { expireDays: 0 }), /as soon as it has been downloaded once/);
    assert.match(sentence('EXPIRE', { expireDays: 30 }), /30 days after/);
    assert.match(sentence('PIPELINING', { pipelining: false }), /one command at a time/);
    assert.match(sentence('TOP', { top: false }), /download it whole/);
    assert.match(sentence('UIDL', { uidl: false }), /no lasting ids/);
  });
});
