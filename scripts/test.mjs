#!/usr/bin/env node
/**
 * `npm test`: everything, in order, offline.
 *   1. system packages the tests need (Dovecot, Chromium, …), installed when root
 *   2. npm packages, when node_modules is missing
 *   3. type check (tsc --noEmit)
 *   4. unit tests (node:test): codec, parser, client against fakes and transcripts
 *   5. production build, then integration tests against real POP3 servers
 *   6. browser tests (Playwright in Debian's Chromium) against the production build
 * Prints one closing line "N passed, N failed" over all runners.
 *
 * `npm test -- unit` runs steps 1–4 only (quick loop while coding).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureTestDeps } from './ensure-test-deps.mjs';
import { ensureBuild } from './build-stamp.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const only = process.argv[2];
const env = { ...process.env, NEXT_TELEMETRY_DISABLED: '1' };
const tally = { passed: 0, failed: 0 };
const reports = mkdtempSync(path.join(os.tmpdir(), 'postern-test-'));

function run(label, command, args, options = {}) {
  console.log(`\n=== ${label}`);
  const result = spawnSync(command, args, { cwd: root, env: { ...env, ...options.env }, stdio: 'inherit' });
  return result.status ?? 1;
}

function findTests(dir, suffix) {
  const full = path.join(root, dir);
  if (!existsSync(full)) return [];
  const found = [];
  for (const entry of readdirSync(full, { withFileTypes: true, recursive: true })) {
    if (entry.isFile() && entry.name.endsWith(suffix)) found.push(path.relative(root, path.join(entry.parentPath ?? entry.path, entry.name)));
  }
  return found.sort();
}

function nodeTests(label, files, extraArgs = []) {
  if (files.length === 0) {
    console.error(`${label}: no test files found`);
    tally.failed += 1;
    return;
  }
  const tap = path.join(reports, `${label}.tap`);
  const status = run(label, process.execPath, [
    '--import', 'tsx', '--test', ...extraArgs,
    '--test-reporter=spec', '--test-reporter-destination=stdout',
    '--test-reporter=tap', `--test-reporter-destination=${tap}`,
    ...files,
  ]);
  const text = existsSync(tap) ? readFileSync(tap, 'utf8') : '';
  // The run's own summary is the last of each line (tests may print diagnostics that look alike).
  const last = (name) => Number([...text.matchAll(new RegExp(`^# ${name} (\\d+)$`, 'gm'))].at(-1)?.[1] ?? 0);
  const pass = last('pass');
  const fail = last('fail') + last('cancelled');
  tally.passed += pass;
  tally.failed += fail + (status !== 0 && fail === 0 ? 1 : 0);
}

function finish() {
  rmSync(reports, { recursive: true, force: true });
  console.log(`\n${tally.passed} passed, ${tally.failed} failed`);
  process.exit(tally.failed > 0 ? 1 : 0);
}

try {
  ensureTestDeps();
} catch (error) {
  console.error(error instanceof Error ? error.message : String(error));
  console.log('\n0 passed, 1 failed');
  process.exit(1);
}
if (!existsSync(path.join(root, 'node_modules', '.bin', 'tsx'))) {
  // `npm install` rather than `npm ci`: see .ci/run for why `npm ci` can refuse this lock file here.
  if (run('npm install', 'npm', ['install', '--no-audit', '--no-fund']) !== 0) process.exit(1);
}
if (run('type check', process.execPath, [path.join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '--noEmit', '-p', '.']) !== 0) {
  tally.failed += 1;
}
nodeTests('unit', findTests('tests/unit', '.test.ts'));
if (only === 'unit') finish();

// Under the build lock (scripts/build-stamp.mjs): an `npm start` or bench of this checkout may be building too.
// Stamped with what it was built from, so the tests' own ensureBuild (tests/support/app-server.ts) keeps it.
console.log('\n=== production build');
try {
  ensureBuild(root, { force: true, stdio: 'inherit' });
} catch (error) {
  console.error(error instanceof Error ? error.message : error);
  tally.failed += 1;
  finish();
}
// Servers are real processes; one integration file at a time keeps two cores responsive.
nodeTests('integration', findTests('tests/integration', '.test.ts'), ['--test-concurrency=1']);

const e2eConfig = path.join(root, 'tests', 'e2e', 'playwright.config.ts');
if (existsSync(e2eConfig)) {
  const json = path.join(reports, 'playwright.json');
  run('browser', process.execPath, [path.join(root, 'node_modules', '@playwright', 'test', 'cli.js'), 'test', '-c', e2eConfig, '--reporter=list,json'], {
    env: { PLAYWRIGHT_JSON_OUTPUT_NAME: json, POSTERN_SKIP_BUILD: '1' },
  });
  if (existsSync(json)) {
    const stats = JSON.parse(readFileSync(json, 'utf8')).stats ?? {};
    tally.passed += (stats.expected ?? 0) + (stats.flaky ?? 0);
    tally.failed += (stats.unexpected ?? 0) + (stats.skipped ?? 0);
  } else {
    tally.failed += 1;
  }
} else {
  console.error('browser: tests/e2e/playwright.config.ts is missing');
  tally.failed += 1;
}
finish();
