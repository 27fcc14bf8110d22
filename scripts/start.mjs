#!/usr/bin/env node
// `npm start`: builds the production app when there is no build or the sources changed since the
// last one (scripts/build-stamp.mjs), then serves it on $PORT (default 3000) with scripts/serve.mjs:
// POSTERN_WORKERS worker processes (default: the number of cores) behind one port, session-affine.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { recordBuild, sourceStamp, staleReason } from './build-stamp.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const next = path.join(root, 'node_modules', 'next', 'dist', 'bin', 'next');

if (!existsSync(next)) {
  console.error('Dependencies are missing: run `npm install` first.');
  process.exit(1);
}
const stamp = sourceStamp(root);
const reason = staleReason(root, stamp);
if (reason) {
  console.log(`Building the production app (${reason})…`);
  const build = spawnSync(process.execPath, [next, 'build'], { cwd: root, env: { ...process.env, NEXT_TELEMETRY_DISABLED: '1' }, stdio: 'inherit' });
  if (build.status !== 0) process.exit(build.status ?? 1);
  recordBuild(root, stamp);
}
const args = process.argv.slice(2);
const flag = (long, short) => {
  const index = args.findIndex((arg) => arg === long || arg === short);
  return index >= 0 ? args[index + 1] : undefined;
};
const { serve } = await import('./serve.mjs');
await serve({ port: Number(flag('--port', '-p') ?? process.env.PORT ?? 3000), hostname: flag('--hostname', '-H') });
