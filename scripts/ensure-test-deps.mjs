#!/usr/bin/env node
/**
 * Makes sure the system programs the tests need are installed (Debian/Ubuntu).
 *
 *   node scripts/ensure-test-deps.mjs           install what is missing (as root), else explain
 *   node scripts/ensure-test-deps.mjs --check   only report; exit 1 when something is missing
 *
 * As root, missing packages are installed with apt-get (stdio inherited).
 * Not root: prints the exact `apt-get install` command and exits 1.
 *
 * Importable: `ensureTestDeps()` / `missingTestDeps()`; to need another
 * program, add one entry to TEST_DEPENDENCIES (or pass `extra`).
 */
import { spawnSync } from 'node:child_process';
import { accessSync, constants, statSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

/**
 * @typedef {object} TestDependency
 * @property {string} name     what the tests call it, for messages
 * @property {string} apt      the Debian package that provides it
 * @property {string[]} [paths]  absolute paths, any one of which will do
 * @property {string} [command]  a program name looked up in $PATH (and /usr/sbin, /sbin)
 */

/** @type {TestDependency[]} */
export const TEST_DEPENDENCIES = [
  { name: 'dovecot', apt: 'dovecot-pop3d', paths: ['/usr/sbin/dovecot'], command: 'dovecot' },
  { name: 'openssl', apt: 'openssl', command: 'openssl' },
  { name: 'chromium', apt: 'chromium', paths: ['/usr/bin/chromium'] },
  { name: 'python3', apt: 'python3', command: 'python3' },
  // A real DNS server for the address-discovery (RFC 6186 SRV) tests; only the binary, no system service.
  { name: 'dnsmasq', apt: 'dnsmasq-base', paths: ['/usr/sbin/dnsmasq'] },
  // Several instances behind one address with cookie affinity (deploy/haproxy.cfg, run by the tests).
  { name: 'haproxy', apt: 'haproxy', paths: ['/usr/sbin/haproxy'] },
  // The shared session store (issue 10): started per test on a loopback port, never as a system service.
  { name: 'redis-server', apt: 'redis-server', paths: ['/usr/bin/redis-server'] },
  // More servers for the interop suites go here, e.g.:
  // { name: 'mailutils pop3d', apt: 'mailutils-pop3d', paths: ['/usr/sbin/pop3d'] },
];

const APT_ENV = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
let aptUpdated = false;

function isExecutable(file) {
  try {
    accessSync(file, constants.X_OK);
    return statSync(file).isFile();
  } catch {
    return false;
  }
}

/** @param {TestDependency} dependency */
export function isInstalled(dependency) {
  if (dependency.paths?.some(isExecutable)) return true;
  if (dependency.command === undefined) return false;
  const dirs = [...(process.env.PATH ?? '').split(path.delimiter), '/usr/sbin', '/sbin', '/usr/bin', '/bin'];
  return dirs.some((dir) => dir !== '' && isExecutable(path.join(dir, dependency.command)));
}

/** @param {{ extra?: TestDependency[] }} [options] */
export function missingTestDeps(options = {}) {
  return [...TEST_DEPENDENCIES, ...(options.extra ?? [])].filter((dependency) => !isInstalled(dependency));
}

/** The apt-get command line that installs `packages`. */
export function installCommand(packages) {
  return `DEBIAN_FRONTEND=noninteractive apt-get install -y -o DPkg::Lock::Timeout=600 ${packages.join(' ')}`;
}

export class MissingTestDependenciesError extends Error {
  /** @param {TestDependency[]} missing */
  constructor(missing) {
    const packages = [...new Set(missing.map((d) => d.apt))];
    super(
      `Missing test dependencies: ${missing.map((d) => d.name).join(', ')}.\n` +
        `Install them with:\n  sudo apt-get update && sudo ${installCommand(packages)}\n` +
        `(or run \`npm test\` as root, which does this for you).`,
    );
    this.name = 'MissingTestDependenciesError';
    this.code = 'MISSING_TEST_DEPENDENCIES';
    this.packages = packages;
  }
}

function apt(args) {
  const result = spawnSync('apt-get', args, { stdio: 'inherit', env: APT_ENV });
  if (result.error) throw new Error(`apt-get could not run: ${result.error.message}`);
  if (result.status !== 0) throw new Error(`apt-get ${args.join(' ')} failed with exit code ${result.status}`);
}

/**
 * Installs whatever is missing when running as root; otherwise throws
 * MissingTestDependenciesError, whose message holds the command to run.
 *
 * @param {{ extra?: TestDependency[], log?: (line: string) => void }} [options]
 * @returns {{ installed: string[] }} the apt packages installed by this call
 */
export function ensureTestDeps(options = {}) {
  const log = options.log ?? ((line) => console.error(line));
  const missing = missingTestDeps(options);
  if (missing.length === 0) return { installed: [] };
  if (process.getuid?.() !== 0) throw new MissingTestDependenciesError(missing);

  const packages = [...new Set(missing.map((d) => d.apt))];
  log(`[ensure-test-deps] installing ${packages.join(' ')}`);
  if (!aptUpdated) {
    apt(['update']);
    aptUpdated = true;
  }
  apt(['install', '-y', '-o', 'DPkg::Lock::Timeout=600', ...packages]);
  const stillMissing = missingTestDeps(options);
  if (stillMissing.length > 0) throw new MissingTestDependenciesError(stillMissing);
  return { installed: packages };
}

function main(argv) {
  if (argv.includes('--check')) {
    const missing = missingTestDeps();
    if (missing.length === 0) {
      console.log('[ensure-test-deps] all present');
      return 0;
    }
    console.error(new MissingTestDependenciesError(missing).message);
    return 1;
  }
  try {
    const { installed } = ensureTestDeps();
    console.log(installed.length === 0 ? '[ensure-test-deps] all present' : `[ensure-test-deps] installed ${installed.join(' ')}`);
    return 0;
  } catch (error) {
    console.error(error instanceof Error ? error.message : String(error));
    return 1;
  }
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  process.exitCode = main(process.argv.slice(2));
}
