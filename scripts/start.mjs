#!/usr/bin/env node
// `npm start`: builds the production app if there is no build yet, then serves it on $PORT (default 3000).
import { spawnSync, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const next = path.join(root, 'node_modules', 'next', 'dist', 'bin', 'next');
const env = { ...process.env, NEXT_TELEMETRY_DISABLED: '1' };

if (!existsSync(next)) {
  console.error('Dependencies are missing: run `npm install` first.');
  process.exit(1);
}
if (!existsSync(path.join(root, '.next', 'BUILD_ID'))) {
  console.log('No production build yet: building (next build)…');
  const build = spawnSync(process.execPath, [next, 'build'], { cwd: root, env, stdio: 'inherit' });
  if (build.status !== 0) process.exit(build.status ?? 1);
}
const port = process.env.PORT ?? '3000';
const server = spawn(process.execPath, [next, 'start', '-p', port, ...process.argv.slice(2)], { cwd: root, env, stdio: 'inherit' });
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => server.kill(signal));
server.on('exit', (code) => process.exit(code ?? 0));
