/**
 * The shipped HAProxy file (deploy/haproxy.cfg), real HAProxy: an instance that takes a request and dies
 * without answering (a kill -9 just after the connection was accepted) costs the person nothing: the request
 * is sent again to the other instance instead of a 502. The two instances here are small HTTP servers of
 * the test's own, so the fault happens every time: the first closes every API request unanswered, while its
 * health check passes (it has not been noticed dead yet).
 */
import assert from 'node:assert/strict';
import http from 'node:http';
import net from 'node:net';
import { after, before, test } from 'node:test';
import { startHaproxy, type RunningHaproxy } from '../support/servers/haproxy';

let dying: http.Server;
let healthy: http.Server;
let proxy: RunningHaproxy;
const reachedDying: string[] = [];
const reachedHealthy: string[] = [];

function listen(server: http.Server): Promise<number> {
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as net.AddressInfo).port)));
}

before(async () => {
  dying = http.createServer((req, res) => {
    if (req.url === '/api/config') {
      res.end('{}');
      return;
    }
    reachedDying.push(`${req.method} ${req.url}`);
    req.socket.destroy(); // gone without a word, as a process killed mid-request
  });
  healthy = http.createServer((req, res) => {
    if (req.url !== '/api/config') reachedHealthy.push(`${req.method} ${req.url}`);
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ servedBy: 'app2' }));
  });
  const [dyingPort, healthyPort] = await Promise.all([listen(dying), listen(healthy)]);
  proxy = await startHaproxy([`127.0.0.1:${dyingPort}`, `127.0.0.1:${healthyPort}`]);
});

after(async () => {
  await proxy?.stop();
  for (const server of [dying, healthy]) {
    server?.closeAllConnections();
    await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  }
});

test('a request to an instance that dies without answering is sent to the other instance, not answered 502', async () => {
  // The person's cookie names the first instance: their session lives there.
  const response = await fetch(`${proxy.url}/api/messages?offset=0&limit=50`, { headers: { cookie: 'postern_node=app1' } });
  assert.equal(response.status, 200, await response.clone().text());
  assert.deepEqual(await response.json(), { servedBy: 'app2' });
  assert.deepEqual(reachedDying, ['GET /api/messages?offset=0&limit=50'], 'it went to the cookie\'s instance first');
  assert.deepEqual(reachedHealthy, ['GET /api/messages?offset=0&limit=50']);
});

test('a POST with its body is sent again the same way', async () => {
  reachedDying.length = 0;
  reachedHealthy.length = 0;
  const response = await fetch(`${proxy.url}/api/messages/delete`, {
    method: 'POST',
    headers: { cookie: 'postern_node=app1', 'content-type': 'application/json' },
    body: JSON.stringify({ ids: ['u1'] }),
  });
  assert.equal(response.status, 200);
  assert.deepEqual(reachedDying, ['POST /api/messages/delete']);
  assert.deepEqual(reachedHealthy, ['POST /api/messages/delete']);
});
