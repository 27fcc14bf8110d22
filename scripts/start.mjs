#!/usr/bin/env node
// `npm start`: builds the production app when there is no build or the sources changed since the
// last one (scripts/build-stamp.mjs), then serves it on $PORT (default 3000) with scripts/serve.mjs:
// POSTERN_WORKERS worker processes (default: the number of cores) behind one port, session-affine.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureBuild } from './build-stamp.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const next = path.join(root, 'node_modules', 'next', 'dist', 'bin', 'next');

if (!existsSync(next)) {
  console.error('Dependencies are missing: run `npm install` first.');
  process.exit(1);
}
try {
  ensureBuild(root, { stdio: 'inherit', onBuild: (reason) => console.log(`Building the production app (${reason})…`) });
} catch (error) {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
}
const args = process.argv.slice(2);
const flag = (long, short) => {
  const index = args.findIndex((arg) => arg === long || arg === short);
  return index >= 0 ? args[index + 1] : undefined;
};
const { serve } = await import('./serve.mjs');
await serve({ port: Number(flag('--port', '-p') ?? process.env.PORT ?? 3000), hostname: flag('--hostname', '-H') });
