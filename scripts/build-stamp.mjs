// What a production build was made from: a hash of every file `next build` reads from the project
// (sources, configuration, the lock file of the dependencies), written beside the build. `npm start`
// and the tests rebuild when the hash of today's files differs, so a `git pull` is never served stale.
import { createHash } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/** Directories whose every file goes into the build. */
export const SOURCE_DIRS = ['app', 'components', 'lib', 'public'];
/** Single files that change what is built. */
export const SOURCE_FILES = ['proxy.ts', 'middleware.ts', 'instrumentation.ts', 'next.config.js', 'package.json', 'package-lock.json', 'tsconfig.json'];
export const STAMP_FILE = path.join('.next', 'postern-source-stamp');

function listFiles(root, dir, out) {
  const full = path.join(root, dir);
  if (!existsSync(full)) return;
  for (const entry of readdirSync(full, { withFileTypes: true })) {
    // Dot files (editor state, .DS_Store) and installed packages are not sources.
    if (entry.name.startsWith('.') || entry.name === 'node_modules') continue;
    const relative = path.join(dir, entry.name);
    if (entry.isDirectory()) listFiles(root, relative, out);
    else if (entry.isFile()) out.push(relative);
  }
}

/** The hash of the build's inputs as they are now: names and contents, in a fixed order. */
export function sourceStamp(root) {
  const files = [];
  for (const dir of SOURCE_DIRS) listFiles(root, dir, files);
  for (const file of SOURCE_FILES) if (existsSync(path.join(root, file))) files.push(file);
  files.sort();
  const hash = createHash('sha256');
  for (const file of files) {
    // Separators that cannot occur in a path keep "a"+"bc" apart from "ab"+"c".
    hash.update(file.split(path.sep).join('/'));
    hash.update('\0');
    hash.update(readFileSync(path.join(root, file)));
    hash.update('\0');
  }
  return hash.digest('hex');
}

/** The stamp the current build was made from, or undefined when there is no (stamped) build. */
export function builtStamp(root) {
  if (!existsSync(path.join(root, '.next', 'BUILD_ID'))) return undefined;
  try {
    return readFileSync(path.join(root, STAMP_FILE), 'utf8').trim() || undefined;
  } catch (error) {
    if (error && error.code === 'ENOENT') return undefined; // a build from before stamps existed: rebuild
    throw error;
  }
}

/** Why a build is needed, or undefined when the current build was made from today's files. */
export function staleReason(root, stamp = sourceStamp(root)) {
  if (!existsSync(path.join(root, '.next', 'BUILD_ID'))) return 'no production build yet';
  const built = builtStamp(root);
  if (built === undefined) return 'the build does not say what it was built from';
  if (built !== stamp) return 'the sources changed since the last build';
  return undefined;
}

/** Call after a successful build, with the stamp computed BEFORE it started (an edit during the build then rebuilds next time). */
export function recordBuild(root, stamp) {
  writeFileSync(path.join(root, STAMP_FILE), `${stamp}\n`);
}

const LOCK_DIR = '.next-build.lock';
/** A lock directory still without its holder's pid after this long was left by a process that died making it. */
const LOCK_UNCLAIMED_MS = 10_000;
/** Waiting for a live build longer than this is given up. */
const LOCK_WAIT_MS = 10 * 60_000;

/**
 * Builds unless the build was made from today's sources (`force`: always). Two processes starting from
 * one checkout (two instances by `npm start`, parallel tests) must not write `.next` at once: the build
 * holds a lock directory (mkdir is atomic), and whoever waited for it looks again before building.
 * `stdio: 'inherit'` shows the build (npm start, npm test); 'pipe' keeps it for the error.
 */
export function ensureBuild(root, { force = false, stdio = 'pipe', onBuild = () => undefined } = {}) {
  const stamp = sourceStamp(root);
  if (!force && !staleReason(root, stamp)) return; // built from today's sources: no lock needed to know it
  withBuildLock(root, () => {
    const reason = force ? 'asked to build' : staleReason(root, stamp);
    if (!reason) return; // built meanwhile by whoever held the lock
    onBuild(reason);
    const next = path.join(root, 'node_modules', 'next', 'dist', 'bin', 'next');
    const result = spawnSync(process.execPath, [next, 'build'], {
      cwd: root,
      env: { ...process.env, NEXT_TELEMETRY_DISABLED: '1' },
      stdio: stdio === 'inherit' ? 'inherit' : ['ignore', 'pipe', 'pipe'],
      encoding: 'utf8',
    });
    if (result.status !== 0) throw new Error(`next build failed${stdio === 'inherit' ? '' : `:\n${result.stdout}\n${result.stderr}`}`);
    recordBuild(root, stamp);
  });
}

/**
 * The lock directory holds its holder's pid. A holder that is gone (a build stopped with Ctrl-C dies inside
 * spawnSync, before any `finally`) left a stale lock, taken over at once rather than waited out.
 */
export function withBuildLock(root, work) {
  const lock = path.join(root, LOCK_DIR);
  const owner = path.join(lock, 'pid');
  const deadline = Date.now() + LOCK_WAIT_MS;
  let told = false;
  for (;;) {
    try {
      mkdirSync(lock);
      writeFileSync(owner, String(process.pid));
      break;
    } catch (error) {
      if (error?.code !== 'EEXIST') throw error;
    }
    let holder = NaN;
    try {
      holder = Number(readFileSync(owner, 'utf8').trim());
    } catch {
      // not written yet, or let go meanwhile: the directory's age decides
    }
    const since = statSync(lock, { throwIfNoEntry: false })?.mtimeMs;
    if (since === undefined) continue; // let go meanwhile
    const gone = Number.isInteger(holder) && holder > 0 ? !isRunning(holder) : Date.now() - since > LOCK_UNCLAIMED_MS;
    if (gone) {
      rmSync(lock, { recursive: true, force: true });
      continue;
    }
    if (Date.now() > deadline) throw new Error(`another build (pid ${holder}) has held ${lock} for ${LOCK_WAIT_MS / 60_000} minutes`);
    if (!told) console.error(`Waiting for another build of this checkout (pid ${holder || '?'}) to finish…`);
    told = true;
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 500);
  }
  try {
    return work();
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}

function isRunning(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return error?.code === 'EPERM'; // alive, another user's
  }
}
