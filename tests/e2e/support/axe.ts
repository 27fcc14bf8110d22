import { expect, type Page } from '@playwright/test';
import type { AxeResults, RunOptions } from 'axe-core';
import { readFileSync } from 'node:fs';

/**
 * axe-core, injected once per document and run in place. @axe-core/playwright evaluated the whole
 * 1.3 MB axe source two or three times per scan and opened a blank page to merge the results: on
 * two cores shared with the app, Dovecot and a second browser that was seconds per scan, and the
 * five scans of one test ran past its time limit. The minified build, compiled once, costs that
 * once. Frames are not entered: the only one is the sandboxed body of an HTML mail, the sender's
 * content rather than this app's.
 */
const AXE_SOURCE = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');
const AXE_OPTIONS: RunOptions = {
  runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice'] },
  iframes: false,
  resultTypes: ['violations'],
};

/**
 * Serious and critical violations in `scope` (CSS selectors; the whole page without), once
 * the page holds still: nothing marked aria-busy (lists, previews, skeletons all say so while loading).
 */
export async function seriousViolations(page: Page, ...scope: string[]) {
  await expect(page.locator('[aria-busy="true"]')).toHaveCount(0);
  if (!(await page.evaluate(() => 'axe' in window))) await page.evaluate(AXE_SOURCE);
  // Two frames rendered since the last change (a colour scheme switched, a panel opened): what axe
  // measures is what the page shows, not a style still on its way.
  await page.evaluate(() => new Promise<void>((resolve) => requestAnimationFrame(() => requestAnimationFrame(() => resolve()))));
  const started = Date.now();
  const results = await page.evaluate(
    ([selectors, options]) =>
      (window as unknown as { axe: { run: (context: unknown, options: unknown) => Promise<AxeResults> } }).axe.run(
        selectors.length > 0 ? { include: selectors.map((selector) => [selector]) } : document,
        options,
      ),
    [scope, AXE_OPTIONS] as const,
  );
  // AXE_TIMING=1 prints each scan's time, to measure the scans on a loaded machine.
  if (process.env.AXE_TIMING) console.log(`axe: ${Date.now() - started} ms${scope.length ? ` in ${scope.join(', ')}` : ''}`);
  return results.violations
    .filter((violation) => violation.impact === 'serious' || violation.impact === 'critical')
    .map((violation) => ({ id: violation.id, impact: violation.impact, nodes: violation.nodes.map((node) => node.target.join(' ')).slice(0, 5) }));
}

