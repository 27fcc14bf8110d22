import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { orderCandidates, selectSrv, type SrvAnswer, type SrvCandidate } from '../../../lib/discovery/srv';

const record = (name: string, port: number, priority = 0, weight = 0): SrvAnswer => ({ name, port, priority, weight });
const fixed = (value: number) => () => value;

describe('SRV selection (RFC 6186, RFC 2782)', () => {
  test('no records: nothing found', () => {
    assert.deepEqual(selectSrv([{ security: 'tls', records: [] }, { security: 'starttls', records: [] }]), { kind: 'none' });
  });

  test('_pop3s gives TLS, _pop3 gives STARTTLS; the lower priority wins across both', () => {
    const answers = [
      { security: 'tls' as const, records: [record('tls.example.com', 995, 10)] },
      { security: 'starttls' as const, records: [record('plain.example.com', 110, 5)] },
    ];
    assert.deepEqual(selectSrv(answers), { kind: 'found', settings: { host: 'plain.example.com', port: 110, security: 'starttls' } });
  });

  test('at equal priority implicit TLS comes first (RFC 8314)', () => {
    const answers = [
      { security: 'starttls' as const, records: [record('plain.example.com', 110, 0, 100)] },
      { security: 'tls' as const, records: [record('tls.example.com', 995, 0, 0)] },
    ];
    assert.deepEqual(selectSrv(answers, fixed(0.99)), { kind: 'found', settings: { host: 'tls.example.com', port: 995, security: 'tls' } });
  });

  test('the target "." means not offered, and does not hide a usable record of the other service', () => {
    assert.deepEqual(selectSrv([{ security: 'tls', records: [record('.', 0)] }, { security: 'starttls', records: [] }]), {
      kind: 'not-offered',
    });
    assert.deepEqual(selectSrv([{ security: 'tls', records: [record('', 0)] }]), { kind: 'not-offered' });
    assert.deepEqual(
      selectSrv([
        { security: 'tls', records: [record('.', 0)] },
        { security: 'starttls', records: [record('mail.example.com.', 110)] },
      ]),
      { kind: 'found', settings: { host: 'mail.example.com', port: 110, security: 'starttls' } },
    );
  });

  test('weights share the draw within a priority: each record is picked where its running sum covers the draw', () => {
    const candidates: SrvCandidate[] = [
      { host: 'a', port: 995, security: 'tls', priority: 0, weight: 10 },
      { host: 'b', port: 995, security: 'tls', priority: 0, weight: 30 },
      { host: 'zero', port: 995, security: 'tls', priority: 0, weight: 0 },
    ];
    // Sum 40, draw in 0..40 inclusive; order by running sum: zero (0), a (10), b (40).
    assert.equal(orderCandidates(candidates, fixed(0))[0]?.host, 'zero');
    assert.equal(orderCandidates(candidates, fixed(5 / 41))[0]?.host, 'a');
    assert.equal(orderCandidates(candidates, fixed(11 / 41))[0]?.host, 'b');
    assert.equal(orderCandidates(candidates, fixed(0.999))[0]?.host, 'b');
    // Every record appears once in the full order.
    assert.deepEqual(orderCandidates(candidates, fixed(0.5)).map((c) => c.host).sort(), ['a', 'b', 'zero']);
  });

  test('over many draws the weights show in the picks', () => {
    const candidates: SrvCandidate[] = [
      { host: 'light', port: 995, security: 'tls', priority: 1, weight: 1 },
      { host: 'heavy', port: 995, security: 'tls', priority: 1, weight: 9 },
    ];
    let seed = 42;
    const random = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    let heavy = 0;
    for (let i = 0; i < 2000; i += 1) if (orderCandidates(candidates, random)[0]?.host === 'heavy') heavy += 1;
    assert.ok(heavy > 1600 && heavy < 1960, `heavy picked ${heavy} of 2000`);
  });

  test('a higher priority is only a fallback, whatever its weight', () => {
    const candidates: SrvCandidate[] = [
      { host: 'backup', port: 995, security: 'tls', priority: 20, weight: 1000 },
      { host: 'main', port: 995, security: 'tls', priority: 10, weight: 0 },
    ];
    assert.deepEqual(orderCandidates(candidates, fixed(0.9)).map((c) => c.host), ['main', 'backup']);
  });
});
