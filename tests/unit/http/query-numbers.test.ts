import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { listQuery } from '../../../app/api/messages/schema';
import { attachmentParams, previewQuery } from '../../../app/api/messages/[id]/schema';
import { loginBodySchema } from '../../../lib/contract/session';
import { filterQuery } from '../../../lib/http/schemas';

/** What `Number()` and `z.coerce` read as a number, and no person writes in a URL. */
const LOOSE = ['0x10', '0o7', '0b1', '1e1', ' 5', '5 ', '+5', '-0', '5.0', '.5', '05', '', '١٢', 'Infinity', 'NaN', '5_0'];

describe('query numbers are plain decimal digits', () => {
  test('offset, limit, minSize and lines refuse every loose spelling', () => {
    for (const [name, schema] of [
      ['offset', listQuery],
      ['limit', listQuery],
      ['minSize', listQuery],
      ['minSize', filterQuery],
      ['lines', previewQuery],
    ] as const) {
      for (const loose of LOOSE) {
        const result = schema.safeParse({ [name]: loose });
        assert.equal(result.success, false, `${name}=${JSON.stringify(loose)}`);
        assert.deepEqual(result.error?.issues[0]?.path, [name]);
      }
    }
  });

  test('plain digits are read, within the bounds as before', () => {
    assert.deepEqual(listQuery.parse({ offset: '0', limit: '200', minSize: '1048576' }), { offset: 0, limit: 200, minSize: 1048576, proposed: false, refresh: false });
    assert.deepEqual(listQuery.parse({}), { offset: 0, limit: 50, proposed: false, refresh: false });
    assert.equal(previewQuery.parse({ lines: '0' }).lines, 0);
    assert.equal(previewQuery.parse({}).lines, 20);
    assert.equal(listQuery.safeParse({ limit: '201' }).error?.issues[0]?.message, 'must be at most 200');
    assert.equal(listQuery.safeParse({ limit: '0' }).error?.issues[0]?.message, 'must be at least 1');
    assert.equal(previewQuery.safeParse({ lines: '1001' }).error?.issues[0]?.message, 'must be at most 1000');
    assert.equal(listQuery.safeParse({ offset: '10000001' }).success, false);
    // A number longer than any in range is over it, without becoming Infinity on the way.
    assert.equal(listQuery.safeParse({ offset: '9'.repeat(5000) }).error?.issues[0]?.message, 'must be at most 10000000');
    assert.equal(filterQuery.parse({ minSize: String(Number.MAX_SAFE_INTEGER) }).minSize, Number.MAX_SAFE_INTEGER);
    assert.equal(filterQuery.safeParse({ minSize: '9007199254740993' }).success, false);
  });

  test('the login port is a JSON number or the same in digits', () => {
    const login = { host: 'mail.example', security: 'tls', username: 'alice', password: 'secret' };
    assert.equal(loginBodySchema.parse({ ...login, port: 995 }).port, 995);
    assert.equal(loginBodySchema.parse({ ...login, port: '995' }).port, 995);
    for (const port of [...LOOSE, '0', '65536', 0, 65536, 99.5, true, null]) {
      assert.equal(loginBodySchema.safeParse({ ...login, port }).success, false, `port ${JSON.stringify(port)}`);
    }
  });

  test('attachment ids in paths have one spelling each', () => {
    assert.equal(attachmentParams.safeParse({ id: 'uMTIz', attachmentId: 'a1' }).success, true);
    assert.equal(attachmentParams.safeParse({ id: 'uMTIz', attachmentId: 'a999999' }).success, true);
    for (const attachmentId of ['a0', 'a01', 'a+1', 'a1e1', 'a1000000']) {
      assert.equal(attachmentParams.safeParse({ id: 'uMTIz', attachmentId }).success, false, attachmentId);
    }
  });
});
