import { rmSync } from 'node:fs';

export default async function globalTeardown(): Promise<void> {
  const runtime = globalThis.__posternE2e;
  if (!runtime) return;
  globalThis.__posternE2e = undefined;
  await new Promise<void>((resolve) => runtime.control.close(() => resolve()));
  for (const app of runtime.apps) await app.stop();
  await runtime.dovecot.stop();
  await runtime.oauth.dovecot.stop();
  await runtime.oauth.provider.stop();
  rmSync(runtime.tmp, { recursive: true, force: true });
}
