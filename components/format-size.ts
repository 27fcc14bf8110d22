/** Human units for byte counts: 1,024-based, one decimal below 10 ("12.4 MB", "312 KB", "980 B"). */
export function formatSize(bytes: number): string {
  if (!Number.isFinite(bytes) || bytes < 0) return '—';
  if (bytes < 1024) return `${bytes} B`;
  const units = ['KB', 'MB', 'GB', 'TB'] as const;
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  const rounded = value < 10 ? Math.round(value * 10) / 10 : Math.round(value);
  // 1023.7 KB rounds to 1024 KB: show it as the next unit instead.
  if (rounded >= 1024 && unit < units.length - 1) return `1 ${units[unit + 1]}`;
  return `${rounded} ${units[unit]}`;
}

/** Messages at or above this size get a visual cue in the inbox. */
export const LARGE_MESSAGE_BYTES = 1024 * 1024;
/** Messages at or above this size get a stronger cue. */
export const HUGE_MESSAGE_BYTES = 10 * 1024 * 1024;

export type SizeClass = 'small' | 'large' | 'huge';

export function sizeClass(bytes: number): SizeClass {
  if (bytes >= HUGE_MESSAGE_BYTES) return 'huge';
  if (bytes >= LARGE_MESSAGE_BYTES) return 'large';
  return 'small';
}
