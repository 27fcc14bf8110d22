import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import { recordBuild, sourceStamp, staleReason, withBuildLock } from '../../../scripts/build-stamp.mjs';

const roots: string[] = [];
after(() => {
  for (const root of roots) rmSync(root, { recursive: true, force: true });
});

function project(): string {
  const root = mkdtempSync(path.join(os.tmpdir(), 'postern-stamp-'));
  roots.push(root);
  mkdirSync(path.join(root, 'app', 'api'), { recursive: true });
  mkdirSync(path.join(root, 'lib'));
  writeFileSync(path.join(root, 'app', 'page.tsx'), 'export default 1;\n');
  writeFileSync(path.join(root, 'app', 'api', 'route.ts'), 'export const GET = 1;\n');
  writeFileSync(path.join(root, 'lib', 'a.ts'), 'export const a = 1;\n');
  writeFileSync(path.join(root, 'package-lock.json'), '{"lockfileVersion":3}\n');
  writeFileSync(path.join(root, 'next.config.js'), 'module.exports = {};\n');
  return root;
}

function fakeBuild(root: string): void {
  mkdirSync(path.join(root, '.next'), { recursive: true });
  writeFileSync(path.join(root, '.next', 'BUILD_ID'), 'x');
}

describe('build stamp', () => {
  test('no build, an unstamped build, a stamped build from the same sources', () => {
    const root = project();
    assert.match(staleReason(root) ?? '', /no production build/);
    fakeBuild(root);
    assert.match(staleReason(root) ?? '', /does not say/);
    recordBuild(root, sourceStamp(root));
    assert.equal(staleReason(root), undefined);
  });

  test('any change to a source, the lock file or the config makes the build stale', () => {
    const edits: Array<(root: string) => void> = [
      (root) => writeFileSync(path.join(root, 'lib', 'a.ts'), 'export const a = 2;\n'),
      (root) => writeFileSync(path.join(root, 'lib', 'b.ts'), 'export const b = 1;\n'),
      (root) => rmSync(path.join(root, 'app', 'api', 'route.ts')),
      (root) => writeFileSync(path.join(root, 'package-lock.json'), '{"lockfileVersion":3,"x":1}\n'),
      (root) => writeFileSync(path.join(root, 'next.config.js'), 'module.exports = { a: 1 };\n'),
      (root) => writeFileSync(path.join(root, 'proxy.ts'), 'export {};\n'),
      (root) => mkdirSync(path.join(root, 'components')) ?? writeFileSync(path.join(root, 'components', 'c.tsx'), 'x'),
    ];
    for (const [index, edit] of edits.entries()) {
      const root = project();
      fakeBuild(root);
      recordBuild(root, sourceStamp(root));
      edit(root);
      assert.match(staleReason(root) ?? '', /sources changed/, `edit #${index}`);
    }
  });

  test('a file moved between names is a change even with the same bytes; untracked places are not', () => {
    const root = project();
    fakeBuild(root);
    const stamp = sourceStamp(root);
    recordBuild(root, stamp);
    writeFileSync(path.join(root, '.next', 'cache-file'), 'noise');
    mkdirSync(path.join(root, 'node_modules', 'x'), { recursive: true });
    writeFileSync(path.join(root, 'node_modules', 'x', 'index.js'), 'noise');
    mkdirSync(path.join(root, 'tests'));
    writeFileSync(path.join(root, 'tests', 't.ts'), 'noise');
    writeFileSync(path.join(root, 'lib', '.a.ts.swp'), 'noise');
    assert.equal(staleReason(root), undefined);
    rmSync(path.join(root, 'lib', 'a.ts'));
    writeFileSync(path.join(root, 'lib', 'z.ts'), 'export const a = 1;\n');
    assert.notEqual(sourceStamp(root), stamp);
  });
});

/**
 * The build lock: `npm start`, `npm test` and the bench of one checkout never write `.next` at once, and a
 * lock left by a build that was stopped (Ctrl-C kills it inside spawnSync, before any cleanup) does not keep
 * the next start waiting.
 */
describe('build lock', () => {
  const LOCK = '.next-build.lock';

  test('a lock whose holder is gone is taken over at once, and let go after the work', () => {
    const root = project();
    // A process that has exited: its pid names no one now.
    const gone = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
    mkdirSync(path.join(root, LOCK));
    writeFileSync(path.join(root, LOCK, 'pid'), gone.stdout);
    let heldDuringWork = false;
    const result = withBuildLock(root, () => {
      heldDuringWork = existsSync(path.join(root, LOCK, 'pid'));
      return 42;
    });
    assert.equal(result, 42);
    assert.ok(heldDuringWork, 'the lock names its holder while the work runs');
    assert.ok(!existsSync(path.join(root, LOCK)), 'let go afterwards');
  });

  test('a failing build lets the lock go too', () => {
    const root = project();
    assert.throws(
      () =>
        withBuildLock(root, () => {
          throw new Error('next build failed');
        }),
      /next build failed/,
    );
    assert.ok(!existsSync(path.join(root, LOCK)));
  });
});
