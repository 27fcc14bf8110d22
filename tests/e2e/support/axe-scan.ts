import type { Page } from '@playwright/test';
import type { AxeResults, RunOptions } from 'axe-core';
import { readFileSync } from 'node:fs';
import { expect } from '../fixtures';

/** The same bar and the same once-per-document injection as a11y.spec.ts, for the panels' specs. */
const AXE_SOURCE = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');
const AXE_OPTIONS: RunOptions = {
  runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice'] },
  iframes: false,
  resultTypes: ['violations'],
};

/** Serious and critical axe-core findings in `scope` (CSS selectors; the whole page without), once nothing is aria-busy. */
export async function axeViolations(page: Page, ...scope: string[]) {
  await expect(page.locator('[aria-busy="true"]')).toHaveCount(0);
  if (!(await page.evaluate(() => 'axe' in window))) await page.evaluate(AXE_SOURCE);
  const results = await page.evaluate(
    ([selectors, options]) =>
      (window as unknown as { axe: { run: (context: unknown, options: unknown) => Promise<AxeResults> } }).axe.run(
        selectors.length > 0 ? { include: selectors.map((selector) => [selector]) } : document,
        options,
      ),
    [scope, AXE_OPTIONS] as const,
  );
  return results.violations
    .filter((violation) => violation.impact === 'serious' || violation.impact === 'critical')
    .map((violation) => ({ id: violation.id, impact: violation.impact, nodes: violation.nodes.map((node) => node.target.join(' ')).slice(0, 5) }));
}

/** Desktop and phone, for specs that run every test at both widths. */
export const WIDTHS = [
  { label: 'desktop', use: { viewport: { width: 1280, height: 800 } } },
  { label: 'phone', use: { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true } },
] as const;
