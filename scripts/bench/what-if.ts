/**
 * `npm run bench -- --what-if`: the POP3 client alone (lib/pop3, no HTTP),
 * through the same proxy, measuring two changes the app does not make yet:
 *
 * - a deeper pipeline (Pop3Limits.maxPipelineDepth, 64 today) for all the
 *   headers of 1,000 messages;
 * - a login that asks STAT and fetches the first page (UIDL n, LIST n,
 *   TOP n 0 of the newest 50) before the whole maildrop's LIST and UIDL,
 *   against today's order (LIST and UIDL of everything first).
 */
import { connectPop3 } from '../../lib/pop3';

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? NaN;

async function open(port: number, user: string, password: string, depth: number) {
  const client = await connectPop3({ host: '127.0.0.1', port, security: 'none', address: '127.0.0.1', limits: { maxPipelineDepth: depth } });
  return { client, login: client.login({ username: user, password, allowInsecure: true }) };
}

/** 1,000 × TOP n 0 on an open session, at several pipeline depths. */
async function allHeadersByDepth(port: number, user: string, password: string): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const depth of [64, 256, 1024]) {
    const times: number[] = [];
    for (let i = 0; i < 3; i++) {
      const { client, login } = await open(port, user, password, depth);
      await login;
      await client.capa();
      const listing = await client.list();
      const t0 = performance.now();
      await client.topMany(listing.map((entry) => entry.number).reverse(), 0);
      times.push(performance.now() - t0);
      await client.quit();
    }
    out[`depth${depth}`] = median(times);
  }
  return out;
}

/** Connect to first page of 50 headers: today's order, and STAT first. */
async function firstPageOrders(port: number, user: string, password: string, depth: number): Promise<{ today: number; statFirst: number }> {
  const today: number[] = [];
  const statFirst: number[] = [];
  for (let i = 0; i < 4; i++) {
    let t0 = performance.now();
    let session = await open(port, user, password, depth);
    const capa = session.client.capa();
    const list = session.client.list();
    const uidl = session.client.uidl();
    await session.login;
    const listing = await list;
    await Promise.all([uidl, capa]);
    await session.client.topMany(Array.from({ length: 50 }, (_, k) => listing.length - k), 0);
    today.push(performance.now() - t0);
    await session.client.quit();

    t0 = performance.now();
    session = await open(port, user, password, depth);
    const capa2 = session.client.capa();
    const stat = session.client.stat();
    await session.login;
    const { count } = await stat;
    await capa2;
    const numbers = Array.from({ length: Math.min(50, count) }, (_, k) => count - k);
    const client = session.client;
    await Promise.all([client.topMany(numbers, 0), ...numbers.map((n) => client.uidl(n)), ...numbers.map((n) => client.list(n))]);
    statFirst.push(performance.now() - t0);
    await Promise.all([client.list(), client.uidl()]); // the rest of the snapshot, behind the first page
    await client.quit();
  }
  return { today: median(today.slice(1)), statFirst: median(statFirst.slice(1)) };
}

export interface WhatIf {
  allHeaders1kMsByDepth: Record<string, number>;
  firstPageMs: Record<string, { depth64: { today: number; statFirst: number }; depth256: { today: number; statFirst: number } }>;
}

export async function whatIf(port: number, password: string): Promise<WhatIf> {
  const allHeaders1kMsByDepth = await allHeadersByDepth(port, 'k1', password);
  const firstPageMs: WhatIf['firstPageMs'] = {};
  for (const user of ['k1', 'k10']) {
    firstPageMs[user] = { depth64: await firstPageOrders(port, user, password, 64), depth256: await firstPageOrders(port, user, password, 256) };
  }
  return { allHeaders1kMsByDepth, firstPageMs };
}
