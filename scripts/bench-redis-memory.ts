#!/usr/bin/env -S node --import tsx
/**
 * Redis memory per session, measured (docs/scaling.md): a private redis-server on a loopback port
 * (tests/support/servers/redis.ts), the app's own RedisSessionStore, and sessions shaped as the app
 * writes them: the record with AES-256-GCM-sealed credentials, the header summaries it learned
 * (the login's newest 100 plus a prefetched page of 50, or every header of a 1,000-message maildrop
 * after a search), and some pending marks. `used_memory` from INFO before and after, over the count.
 *
 *   npm run bench:redis -- [--sessions 1000]
 */
import { randomBytes } from 'node:crypto';
import Redis from 'ioredis';
import { RedisSessionStore } from '../lib/session-store/redis-session-store';
import { SecretBox } from '../lib/session-store/secret-box';
import { sealSecret } from '../lib/session-store/stored-credentials';
import type { HeaderSummary } from '../lib/mail/header-summary';
import { startRedis } from '../tests/support/servers/redis';

const args = process.argv.slice(2);
const sessionsArg = args.indexOf('--sessions');
const SESSIONS = sessionsArg >= 0 ? Number(args[sessionsArg + 1]) : 1000;
const TTL_MS = 24 * 3600 * 1000;

function summary(n: number): HeaderSummary {
  // Lengths of ordinary mail: a named sender, one recipient, a sentence of subject, a Message-ID.
  return {
    from: { name: `Sender Number ${n}`, address: `sender.${n}@mail.example.org` },
    to: [{ name: 'Alice Example', address: 'alice@example.org' }],
    cc: [],
    subject: `Quarterly figures and the meeting next week, part ${n}`,
    date: new Date(Date.UTC(2026, 0, 1) + n * 60_000).toISOString(),
    contentType: 'multipart/alternative',
    hasAttachments: n % 7 === 0,
    messageId: `<${randomBytes(12).toString('hex')}@mail.example.org>`,
  } as HeaderSummary;
}

function uidlId(n: number): string {
  return `u${Buffer.from(`00000${n}.${'x'.repeat(20)}`).toString('base64url')}`;
}

async function usedMemory(redis: Redis): Promise<number> {
  const info = await redis.info('memory');
  return Number(/used_memory:(\d+)/.exec(info)?.[1] ?? NaN);
}

async function fill(store: RedisSessionStore, box: SecretBox, prefix: string, count: number, headers: number, marks: number): Promise<void> {
  for (let s = 0; s < count; s++) {
    const token = `${prefix}${randomBytes(24).toString('base64url')}`;
    await store.save(
      {
        token,
        account: { host: 'pop.mail.example.org', port: 995, security: 'tls', address: '192.0.2.10', username: `user${s}@example.org` },
        secret: sealSecret(box, token, { kind: 'password', password: 'correct horse battery staple', mechanism: 'auto', allowInsecure: false } as never),
        createdAt: Date.now(),
      },
      TTL_MS,
    );
    const learned = new Map<string, HeaderSummary>();
    for (let h = 0; h < headers; h++) learned.set(uidlId(1000 - h), summary(h));
    await store.putHeaders(token, learned);
    if (marks > 0) await store.setMarks(token, Array.from({ length: marks }, (_, m) => uidlId(1000 - m)));
  }
}

async function main(): Promise<void> {
  const server = await startRedis();
  const store = new RedisSessionStore(server.url(0), { leaseTtlMs: 15_000 });
  const probe = new Redis(server.url(0));
  const box = new SecretBox([randomBytes(32)]);
  try {
    const cases = [
      { name: 'first page seen (150 headers, 5 marks)', count: SESSIONS, headers: 150, marks: 5 },
      { name: 'every header of 1,000 (after a search), 20 marks', count: Math.max(1, Math.floor(SESSIONS / 5)), headers: 1000, marks: 20 },
      { name: 'record only (no headers, no marks)', count: SESSIONS, headers: 0, marks: 0 },
    ];
    for (const [i, c] of cases.entries()) {
      await probe.flushdb();
      const before = await usedMemory(probe);
      await fill(store, box, `c${i}`, c.count, c.headers, c.marks);
      const after = await usedMemory(probe);
      const per = (after - before) / c.count;
      console.log(`${c.name}: ${c.count} sessions, used_memory ${(before / 2 ** 20).toFixed(1)} → ${(after / 2 ** 20).toFixed(1)} MiB, ${(per / 1024).toFixed(1)} KiB per session; 10,000 sessions ≈ ${((per * 10_000) / 2 ** 20).toFixed(0)} MiB`);
    }
  } finally {
    probe.disconnect();
    await store.close();
    await server.stop();
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
