import libmime from 'libmime';
import { visibleText } from '../text/visible-text';

/** Text kept of one header value: a rule's `contains` is at most 200 characters. */
const MAX_VALUE = 2000;

/**
 * The values of the named headers (lower-case names) in a header section,
 * unfolded and with encoded words decoded; several occurrences are joined
 * with ", ". Only the named headers are kept, so a cache of these stays small.
 */
export function headerValues(section: Buffer, names: readonly string[]): Map<string, string> {
  const wanted = new Set(names);
  const values = new Map<string, string>();
  if (wanted.size === 0) return values;
  const text = section.toString('utf8').replace(/\r?\n[ \t]+/g, ' ');
  for (const line of text.split(/\r?\n/)) {
    if (line === '') break; // the blank line ends the header section
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    const name = line.slice(0, colon).trim().toLowerCase();
    if (!wanted.has(name)) continue;
    let value = line.slice(colon + 1).trim().slice(0, MAX_VALUE);
    try {
      value = libmime.decodeWords(value);
    } catch {
      // An undecodable word stays as it was written.
    }
    value = visibleText(value);
    const previous = values.get(name);
    values.set(name, previous === undefined ? value : `${previous}, ${value}`.slice(0, MAX_VALUE));
  }
  return values;
}
