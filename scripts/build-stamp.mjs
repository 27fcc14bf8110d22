// What a production build was made from: a hash of every file `next build` reads from the project
// (sources, configuration, the lock file of the dependencies), written beside the build. `npm start`
// and the tests rebuild when the hash of today's files differs, so a `git pull` is never served stale.
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
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
