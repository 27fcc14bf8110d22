import assert from 'node:assert/strict';
import net from 'node:net';
import { describe, test } from 'node:test';
import { freePort } from '../../support/servers/common';
import { reportUnreachableStore, sessionStoreProblem, storeAddress } from '../../../lib/server/session-store-check';

describe('the start-up check of the shared session store', () => {
  test('a store nobody answers at is one line naming its address and the cause, without the password', async () => {
    const port = await freePort(); // nothing listens there once it is handed out
    const lines: string[] = [];
    await reportUnreachableStore(`redis://:s3cret@127.0.0.1:${port}/2`, (line) => lines.push(line));
    assert.equal(lines.length, 1);
    assert.match(lines[0]!, new RegExp(`^\\[postern\\] the session store redis://127\\.0\\.0\\.1:${port}/2 cannot be reached \\(connect ECONNREFUSED 127\\.0\\.0\\.1:${port}\\)`));
    assert.match(lines[0]!, /503 STORE_UNAVAILABLE/);
    assert.ok(!lines[0]!.includes('s3cret'));
  });

  test('a server that answers but is not Redis is a problem too (no PING reply within the bound)', async () => {
    const silent = net.createServer((socket) => socket.on('data', () => undefined));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const { port } = silent.address() as net.AddressInfo;
    try {
      assert.match((await sessionStoreProblem(`redis://127.0.0.1:${port}`, 300)) ?? 'reached', /no answer within 300 ms/);
    } finally {
      // The check closed its connection: the server has none left to wait for.
      await new Promise((resolve) => silent.close(resolve));
    }
  });

  test('the address shown keeps scheme, host, port and database only', () => {
    assert.equal(storeAddress('rediss://user:pw@redis.internal:6380/1'), 'rediss://redis.internal:6380/1');
    assert.equal(storeAddress('redis://127.0.0.1:6379'), 'redis://127.0.0.1:6379');
  });
});
