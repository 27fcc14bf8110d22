#!/usr/bin/env node
// `npm start`: builds the production app when there is no build or the sources changed since the
// last one (scripts/build-stamp.mjs), then serves it on $PORT (default 3000) with scripts/serve.mjs:
// POSTERN_WORKERS worker processes (default: the number of cores) behind one port, session-affine.
// `--hostname 127.0.0.1` (or POSTERN_HOSTNAME) listens on loopback only; without, on every interface.
// This process is the server (no child of its own): SIGTERM or SIGINT to it stops the workers and exits.
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
const { serve, listenSettings, exitOnStartFailure } = await import('./serve.mjs');
try {
  await serve(listenSettings());
} catch (error) {
  // Not left to Node: Next's uncaughtException handler would log it and keep a process listening on nothing.
  exitOnStartFailure(error);
}
