import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { apopDigest, chooseMechanism, saslPlainResponse, type AuthContext } from '../../../lib/pop3/auth';
import { buildCommand, numberArg } from '../../../lib/pop3/command';
import { isPop3Error, type Pop3ErrorCode } from '../../../lib/pop3/errors';
import {
  emptyCapabilities,
  extractApopTimestamp,
  markDuplicateUids,
  parseCapabilities,
  parseListLine,
  parseStat,
  parseUidlLine,
  type Capabilities,
} from '../../../lib/pop3/parse';
import { errorCodeFor, parseStatusLine } from '../../../lib/pop3/status-line';

const isCode = (code: Pop3ErrorCode) => (error: unknown) => isPop3Error(error) && error.code === code;

describe('parseStatusLine', () => {
  const b = (text: string) => Buffer.from(text, 'latin1');

  test('+OK with and without text, CRLF or bare LF', () => {
    assert.deepEqual(parseStatusLine(b('+OK\r\n')), { kind: 'ok', text: '' });
    assert.deepEqual(parseStatusLine(b('+OK Dovecot ready.\r\n')), { kind: 'ok', text: 'Dovecot ready.' });
    assert.deepEqual(parseStatusLine(b('+OK 2 320\n')), { kind: 'ok', text: '2 320' });
  });

  test('-ERR with and without an RFC 2449 response code', () => {
    assert.deepEqual(parseStatusLine(b('-ERR\r\n')), { kind: 'err', text: '' });
    assert.deepEqual(parseStatusLine(b('-ERR no such message\r\n')), { kind: 'err', text: 'no such message' });
    for (const [line, respCode, text] of [
      ['-ERR [IN-USE] Mailbox is locked\r\n', 'IN-USE', 'Mailbox is locked'],
      ['-ERR [LOGIN-DELAY] Wait 900 s\r\n', 'LOGIN-DELAY', 'Wait 900 s'],
      ['-ERR [SYS/TEMP] Try later\r\n', 'SYS/TEMP', 'Try later'],
      ['-ERR [SYS/PERM] Account disabled\r\n', 'SYS/PERM', 'Account disabled'],
      ['-ERR [AUTH] Authentication failed.\r\n', 'AUTH', 'Authentication failed.'],
      ['-ERR [in-use] lower case\r\n', 'IN-USE', 'lower case'],
      ['-ERR [AUTH]\r\n', 'AUTH', ''],
    ] as const) {
      assert.deepEqual(parseStatusLine(b(line)), { kind: 'err', text, respCode }, line);
    }
  });

  test('a bracket that is not a response code stays in the text', () => {
    assert.deepEqual(parseStatusLine(b('-ERR [not a code!] x\r\n')), { kind: 'err', text: '[not a code!] x' });
  });

  test('SASL continuation', () => {
    assert.deepEqual(parseStatusLine(b('+ \r\n')), { kind: 'continue', text: '' });
    assert.deepEqual(parseStatusLine(b('+\r\n')), { kind: 'continue', text: '' });
    assert.deepEqual(parseStatusLine(b('+ Z2V0\r\n')), { kind: 'continue', text: 'Z2V0' });
  });

  test('anything else is a PROTOCOL_ERROR, and the excerpt is printable and bounded', () => {
    for (const line of ['+OKAY\r\n', 'OK\r\n', '\r\n', '-ERROR\r\n', 'HTTP/1.1 400 Bad Request\r\n', '* OK IMAP4rev1\r\n']) {
      assert.throws(() => parseStatusLine(b(line)), isCode('PROTOCOL_ERROR'), line);
    }
    try {
      parseStatusLine(Buffer.concat([b('\x1b[31m'), Buffer.alloc(500, 0xff), b('\r\n')]));
      assert.fail('should throw');
    } catch (error) {
      assert.ok(isPop3Error(error));
      assert.match(error.response ?? '', /^[\x20-\x7e]*…?$/);
      assert.ok((error.response ?? '').length <= 81);
    }
  });

  test('8-bit text does not throw', () => {
    assert.deepEqual(parseStatusLine(Buffer.from('+OK caf\u00e9\r\n', 'latin1')), { kind: 'ok', text: 'caf\u00e9' });
  });

  test('the scrubber sees the text before anything else does', () => {
    const status = parseStatusLine(b('-ERR bad password hunter2\r\n'), (text) => text.replace('hunter2', '***'));
    assert.deepEqual(status, { kind: 'err', text: 'bad password ***' });
  });
});

describe('errorCodeFor', () => {
  test('response codes map to typed errors', () => {
    assert.equal(errorCodeFor('IN-USE', true), 'IN_USE');
    assert.equal(errorCodeFor('LOGIN-DELAY', true), 'LOGIN_DELAY');
    assert.equal(errorCodeFor('SYS/TEMP', false), 'SYS_TEMP');
    assert.equal(errorCodeFor('SYS/PERM', false), 'SYS_PERM');
    assert.equal(errorCodeFor('AUTH', true), 'AUTH_FAILED');
  });

  test('without a known code, -ERR during login is AUTH_FAILED and otherwise COMMAND_FAILED', () => {
    assert.equal(errorCodeFor(undefined, true), 'AUTH_FAILED');
    assert.equal(errorCodeFor(undefined, false), 'COMMAND_FAILED');
    assert.equal(errorCodeFor('UTF8', false), 'COMMAND_FAILED');
  });
});

describe('parseCapabilities', () => {
  const capa = (text: string): Capabilities => parseCapabilities(text.split('\n'));

  test("Dovecot's", () => {
    const caps = capa('CAPA\nTOP\nUIDL\nRESP-CODES\nPIPELINING\nAUTH-RESP-CODE\nSTLS\nUSER\nSASL PLAIN LOGIN');
    assert.deepEqual(caps, {
      ...emptyCapabilities(),
      names: ['CAPA', 'TOP', 'UIDL', 'RESP-CODES', 'PIPELINING', 'AUTH-RESP-CODE', 'STLS', 'USER', 'SASL'],
      top: true,
      uidl: true,
      respCodes: true,
      pipelining: true,
      authRespCode: true,
      stls: true,
      user: true,
      sasl: ['PLAIN', 'LOGIN'],
    });
  });

  test("Courier's", () => {
    const caps = capa('SASL PLAIN LOGIN\nSTLS\nTOP\nUSER\nLOGIN-DELAY 10\nPIPELINING\nUIDL\nUTF8 USER\nIMPLEMENTATION Courier Mail Server');
    assert.equal(caps.loginDelaySeconds, 10);
    assert.equal(caps.utf8, true);
    assert.equal(caps.implementation, 'Courier Mail Server');
    assert.equal(caps.respCodes, false);
    assert.deepEqual(caps.sasl, ['PLAIN', 'LOGIN']);
    assert.equal(caps.expire, undefined);
  });

  test("Cyrus's", () => {
    const caps = capa(
      'SASL PLAIN LOGIN CRAM-MD5\nSTLS\nEXPIRE NEVER\nLOGIN-DELAY 0\nTOP\nUIDL\nPIPELINING\nRESP-CODES\nAUTH-RESP-CODE\nUSER\nIMPLEMENTATION Cyrus POP3 3.6.1',
    );
    assert.equal(caps.expire, 'never');
    assert.equal(caps.loginDelaySeconds, 0);
    assert.deepEqual(caps.sasl, ['PLAIN', 'LOGIN', 'CRAM-MD5']);
    assert.equal(caps.implementation, 'Cyrus POP3 3.6.1');
  });

  test("GNU Mailutils' run-together EXPIRE30 (sic) and EXPIRENEVER", () => {
    const caps = capa('TOP\nUIDL\nRESP-CODES\nPIPELINING\nAUTH-RESP-CODE\nEXPIRE30\nUSER\nSTLS');
    assert.equal(caps.expire, 30);
    assert.equal(capa('EXPIRENEVER').expire, 'never');
    assert.ok(caps.names.includes('EXPIRE30'));
  });

  test('RFC 2449 per-user suffixes and spacing', () => {
    const caps = capa('  EXPIRE 0 USER  \r\nLOGIN-DELAY 900 USER\r\n\r\nsasl plain');
    assert.equal(caps.expire, 0);
    assert.equal(caps.loginDelaySeconds, 900);
    assert.deepEqual(caps.sasl, ['PLAIN']);
  });

  test('garbage values are ignored, not trusted', () => {
    const caps = capa('LOGIN-DELAY soon\nEXPIRE -5\nLOGIN-DELAY 99999999999999\nEXPIREX');
    assert.equal(caps.loginDelaySeconds, undefined);
    assert.equal(caps.expire, undefined);
  });

  test('none at all', () => {
    assert.deepEqual(parseCapabilities([]), emptyCapabilities());
  });
});

describe('parseStat', () => {
  test('well-formed', () => {
    assert.deepEqual(parseStat('2 320'), { count: 2, size: 320 });
    assert.deepEqual(parseStat('0 0'), { count: 0, size: 0 });
    assert.deepEqual(parseStat('3 1200 extra words'), { count: 3, size: 1200 });
  });

  test('malformed and absurd', () => {
    for (const text of ['', 'lots', '2', '2 -1', '-2 10', '2 3.5', '0x10 5', '1e3 5', '99999999999999999999 1']) {
      assert.throws(() => parseStat(text), isCode('PROTOCOL_ERROR'), JSON.stringify(text));
    }
    assert.throws(() => parseStat('1000001 5', 1_000_000), isCode('PROTOCOL_ERROR'));
  });
});

describe('LIST and UIDL lines', () => {
  test('LIST', () => {
    assert.deepEqual(parseListLine('1 120'), { number: 1, size: 120 });
    assert.deepEqual(parseListLine('  7   9000  '), { number: 7, size: 9000 });
    for (const line of ['', '1', '0 10', 'one 10', '1 ten', '1 -5', '-1 5', '1 999999999999999999']) {
      assert.throws(() => parseListLine(line), isCode('PROTOCOL_ERROR'), JSON.stringify(line));
    }
    assert.throws(() => parseListLine('1 2000000', 1_000_000), isCode('PROTOCOL_ERROR'));
  });

  test('UIDL: shape checked, kept, flagged', () => {
    assert.deepEqual(parseUidlLine('1 whqtswO00WBw418f9t5JxYwZ'), { number: 1, uid: 'whqtswO00WBw418f9t5JxYwZ', valid: true });
    assert.deepEqual(parseUidlLine('2 ~!"#$%&()*+,-./:;<=>?@[]^_`{|}'), { number: 2, uid: '~!"#$%&()*+,-./:;<=>?@[]^_`{|}', valid: true });
    assert.equal(parseUidlLine(`3 ${'x'.repeat(70)}`).valid, true);
    assert.equal(parseUidlLine(`3 ${'x'.repeat(71)}`).valid, false, 'longer than RFC 1939 allows');
    assert.equal(parseUidlLine('4 has space').valid, false);
    assert.equal(parseUidlLine('5 caf\u00e9').valid, false, '8-bit');
    assert.equal(parseUidlLine('6 tab\there').valid, false);
  });

  test('UIDL: malformed lines are protocol errors', () => {
    for (const line of ['', 'nouid', '0 abc', 'x abc', '-1 abc']) {
      assert.throws(() => parseUidlLine(line), isCode('PROTOCOL_ERROR'), JSON.stringify(line));
    }
  });

  test('duplicate UIDs are all flagged invalid, the rest untouched', () => {
    const entries = markDuplicateUids([parseUidlLine('1 a'), parseUidlLine('2 b'), parseUidlLine('3 a'), parseUidlLine('4 c d')]);
    assert.deepEqual(
      entries.map((e) => [e.number, e.valid]),
      [
        [1, false],
        [2, true],
        [3, false],
        [4, false],
      ],
    );
  });
});

describe('extractApopTimestamp', () => {
  test('RFC 1939 example and real greetings', () => {
    assert.equal(extractApopTimestamp('POP3 server ready <1896.697170952@dbc.mtview.ca.us>'), '<1896.697170952@dbc.mtview.ca.us>');
    assert.equal(extractApopTimestamp('Dovecot ready. <3a1f.1.6561a0b2.Zk8c5pQ1hFaH1b0Xb2U1iA==@host>'), '<3a1f.1.6561a0b2.Zk8c5pQ1hFaH1b0Xb2U1iA==@host>');
  });

  test('no timestamp, or not a msg-id', () => {
    for (const greeting of ['Dovecot ready.', '', 'ready <>', 'ready <no-at-sign>', 'ready <a b@c>', 'ready <a@b', 'ready a@b>', `<${'x'.repeat(300)}@y>`]) {
      assert.equal(extractApopTimestamp(greeting), undefined, greeting.slice(0, 40));
    }
  });

  test('hostile 1 MB greetings finish in linear time', () => {
    const mb = 1024 * 1024;
    const hostile = [
      '<'.repeat(mb),
      `${'<'.repeat(mb)}a@b>`,
      '<@'.repeat(mb / 2),
      `<${'@'.repeat(mb)}`,
      '<a@b'.repeat(mb / 4),
      `${'<a'.repeat(mb / 2)}>`,
    ];
    for (const greeting of hostile) {
      const started = process.hrtime.bigint();
      extractApopTimestamp(greeting);
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      assert.ok(ms < 2_000, `took ${ms.toFixed(1)} ms on ${JSON.stringify(greeting.slice(0, 12))}…`);
    }
  });
});

describe('buildCommand', () => {
  test('builds the line and a redacted twin', () => {
    assert.deepEqual(buildCommand('STAT'), { line: 'STAT\r\n', redacted: 'STAT', verb: 'STAT' });
    assert.deepEqual(buildCommand('PASS', ['s3cret'], [0]), { line: 'PASS s3cret\r\n', redacted: 'PASS ********', verb: 'PASS' });
    assert.deepEqual(buildCommand('APOP', ['bob', 'abc'], [1]), { line: 'APOP bob abc\r\n', redacted: 'APOP bob ********', verb: 'APOP' });
  });

  test('refuses CR, LF and NUL in any argument, without echoing it', () => {
    for (const arg of ['a\rb', 'a\nb', 'a\0b', 'x\r\nQUIT', '\n', 'pw\r\nDELE 1']) {
      assert.throws(
        () => buildCommand('PASS', [arg], [0]),
        (error: unknown) => isPop3Error(error) && error.code === 'INVALID_ARGUMENT' && !error.message.includes(arg) && !error.fatal,
      );
    }
  });

  test('refuses empty arguments, surrounding spaces and overlong lines', () => {
    for (const args of [[''], [' lead'], ['trail '], ['x'.repeat(3000)]]) {
      assert.throws(() => buildCommand('USER', args), isCode('INVALID_ARGUMENT'));
    }
  });

  test('numberArg refuses what is not a positive whole number', () => {
    assert.equal(numberArg(1, 'n'), '1');
    assert.equal(numberArg(0, 'n', 0), '0');
    for (const value of [0, -1, 1.5, Number.NaN, Number.POSITIVE_INFINITY, 2 ** 60]) {
      assert.throws(() => numberArg(value, 'n'), isCode('INVALID_ARGUMENT'), String(value));
    }
  });
});

describe('authentication helpers', () => {
  test('APOP digest: the RFC 1939 example', () => {
    assert.equal(apopDigest('<1896.697170952@dbc.mtview.ca.us>', 'tanstaaf'), 'c4c9334bac560ecc979e58001b3e22fb');
  });

  test('SASL PLAIN response: RFC 4616 layout', () => {
    assert.equal(Buffer.from(saslPlainResponse('tim', 'tanstaaftanstaaf'), 'base64').toString(), '\0tim\0tanstaaftanstaaf');
  });

  const context = (over: Partial<Capabilities>, extra: Partial<AuthContext> = {}): AuthContext => ({
    capabilities: { ...emptyCapabilities(), ...over },
    capaKnown: true,
    secure: true,
    ...extra,
  });

  test('auto over TLS: SASL PLAIN, then USER, then APOP', () => {
    assert.equal(chooseMechanism('auto', context({ sasl: ['PLAIN'], user: true }, { apopTimestamp: '<a@b>' })), 'sasl-plain');
    assert.equal(chooseMechanism('auto', context({ user: true }, { apopTimestamp: '<a@b>' })), 'user');
    assert.equal(chooseMechanism('auto', context({}, { apopTimestamp: '<a@b>' })), 'apop');
  });

  test('auto in the clear prefers APOP, which keeps the password off the wire', () => {
    assert.equal(chooseMechanism('auto', context({ sasl: ['PLAIN'], user: true }, { apopTimestamp: '<a@b>', secure: false })), 'apop');
    assert.equal(chooseMechanism('auto', context({ sasl: ['PLAIN'], user: true }, { secure: false })), 'sasl-plain');
  });

  test('a server without CAPA still gets USER/PASS; a forced mechanism must be offered', () => {
    assert.equal(chooseMechanism('auto', context({}, { capaKnown: false })), 'user');
    assert.equal(chooseMechanism('user', context({}, { capaKnown: false })), 'user');
    assert.throws(() => chooseMechanism('apop', context({ user: true })), isCode('UNSUPPORTED'));
    assert.throws(() => chooseMechanism('sasl-plain', context({ sasl: ['LOGIN'] })), isCode('UNSUPPORTED'));
    assert.throws(() => chooseMechanism('user', context({ sasl: ['PLAIN'] })), isCode('UNSUPPORTED'));
  });
});
