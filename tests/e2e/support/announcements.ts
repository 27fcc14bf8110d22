import type { Page } from '@playwright/test';

/**
 * Records what live regions say, as a screen reader hears it: each time the words of a live region
 * (role=status, role=alert, aria-live) change to something other than nothing. Emptying a region says
 * nothing; a region inside another counts as part of it. Call before the page loads; the returned
 * function reads what was said since the page was loaded.
 */
export async function recordAnnouncements(page: Page): Promise<() => Promise<string[]>> {
  await page.addInitScript(() => {
    const said: string[] = [];
    (window as unknown as { __announcements: string[] }).__announcements = said;
    const selector = '[role="status"], [role="alert"], [aria-live]:not([aria-live="off"])';
    const last = new WeakMap<Element, string>();
    const look = () => {
      for (const region of document.querySelectorAll(selector)) {
        if (region.parentElement?.closest(selector)) continue;
        const text = (region.textContent ?? '').replace(/\s+/g, ' ').trim();
        const before = last.get(region);
        last.set(region, text);
        // A region's first words are what it was put on the page with, not a change.
        if (before !== undefined && text !== '' && text !== before) said.push(text);
      }
    };
    new MutationObserver(look).observe(document, { subtree: true, childList: true, characterData: true });
  });
  return () => page.evaluate(() => [...(window as unknown as { __announcements: string[] }).__announcements]);
}
