import http from 'node:http';
import type { AddressInfo } from 'node:net';

/** Hosts the sample HTML message points at: a tracker pixel, a script target, an iframe, a link. */
export const REMOTE_HOSTS = ['tracker.example', 'evil.example', 'shop.example'] as const;

export interface RemoteStub {
  port: number;
  /** Every request that reached a "remote" host: `host/path`. */
  hits(): string[];
  /** Chromium flag sending the remote hosts here instead of the internet. */
  resolverRule(): string;
  close(): Promise<void>;
}

const PIXEL_GIF = Buffer.from('R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7', 'base64');

/**
 * A loopback web server standing in for the remote hosts, reached through Chromium's own
 * resolver: it sees every request the browser really sends, from any frame or process,
 * which request interception cannot promise for sandboxed frames.
 */
export function startRemoteStub(): Promise<RemoteStub> {
  const hits: string[] = [];
  const server = http.createServer((request, response) => {
    hits.push(`${request.headers.host ?? '?'}${request.url ?? ''}`);
    if ((request.url ?? '').endsWith('.gif')) {
      response.writeHead(200, { 'Content-Type': 'image/gif', 'Cache-Control': 'no-store' });
      response.end(PIXEL_GIF);
      return;
    }
    response.writeHead(204);
    response.end();
  });
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => {
      const port = (server.address() as AddressInfo).port;
      resolve({
        port,
        hits: () => [...hits],
        resolverRule: () => `--host-resolver-rules=${REMOTE_HOSTS.map((host) => `MAP ${host} 127.0.0.1:${port}`).join(', ')}`,
        close: () => new Promise<void>((done) => server.close(() => done())),
      });
    });
  });
}
