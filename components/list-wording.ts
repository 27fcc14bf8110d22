import { formatSize } from './format-size';

/** The line above the list: how many messages it shows, said plainly for none and one. */
export function listSummary(total: number, filtered: boolean, totalSize: number): string {
  if (filtered) return total === 0 ? 'None matching' : `${total.toLocaleString()} matching · ${formatSize(totalSize)}`;
  if (total === 0) return 'No messages';
  return total === 1 ? '1 message' : `${total.toLocaleString()} messages, newest first`;
}

/** The "select all" button's full name: "all" only when there is more than one to select. */
export function selectAllLabel(total: number, filtered: boolean): string {
  if (total === 1) return filtered ? 'Select the 1 matching' : 'Select the 1 message';
  return filtered ? `Select all ${total.toLocaleString()} matching` : `Select all ${total.toLocaleString()}`;
}
