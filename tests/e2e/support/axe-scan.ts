/** The panels' specs: the one axe helper (support/axe.ts) under the name they use, and the widths they run at. */
export { seriousViolations as axeViolations } from './axe';

/** Desktop and phone, for specs that run every test at both widths. */
export const WIDTHS = [
  { label: 'desktop', use: { viewport: { width: 1280, height: 800 } } },
  { label: 'phone', use: { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true } },
] as const;
