import type { Rule, RuleMatch } from './api-panels';
import { formatSize } from './format-size';

/** The conditions of a rule in words, AND-ed as the server applies them. */
export function describeMatch(match: RuleMatch): string {
  const words: string[] = [];
  if (match.from) words.push(`from ${match.from}`);
  if (match.subject) words.push(`subject contains “${match.subject}”`);
  if (match.minSize !== undefined) words.push(`larger than ${formatSize(match.minSize)}`);
  if (match.olderThanDays !== undefined) words.push(`older than ${match.olderThanDays} day${match.olderThanDays === 1 ? '' : 's'}`);
  if (match.header) words.push(`header ${match.header.name} contains “${match.header.contains}”`);
  if (words.length === 0) return 'every message';
  const sentence = words.join(' and ');
  return sentence.charAt(0).toUpperCase() + sentence.slice(1);
}

/** The domain of an address, lower-cased ("Ada@Example.ORG" → "example.org"), or null. */
export function domainOf(address: string): string | null {
  const at = address.lastIndexOf('@');
  if (at < 0 || at === address.length - 1) return null;
  return address.slice(at + 1).toLowerCase();
}

/** "Always delete mail like this": one condition on the sender or on the sender's domain. */
export function ruleFromSender(address: string, scope: 'sender' | 'domain'): Rule | null {
  const from = scope === 'sender' ? address.trim().toLowerCase() : domainOf(address.trim());
  if (!from || (scope === 'sender' && !from.includes('@'))) return null;
  return { name: scope === 'sender' ? `Mail from ${from}` : `Mail from anyone at ${from}`, match: { from }, action: 'delete' };
}

/** Adds a rule unless one with the same conditions exists; says which happened. */
export function withRule(rules: Rule[], rule: Rule): { rules: Rule[]; added: boolean } {
  const same = rules.some((existing) => JSON.stringify(normalMatch(existing.match)) === JSON.stringify(normalMatch(rule.match)));
  if (same) return { rules, added: false };
  let name = rule.name;
  for (let n = 2; rules.some((existing) => existing.name.toLowerCase() === name.toLowerCase()); n += 1) name = `${rule.name} (${n})`;
  return { rules: [...rules, { ...rule, name }], added: true };
}

function normalMatch(match: RuleMatch): RuleMatch {
  return {
    from: match.from?.toLowerCase(),
    subject: match.subject?.toLowerCase(),
    minSize: match.minSize,
    olderThanDays: match.olderThanDays,
    header: match.header ? { name: match.header.name.toLowerCase(), contains: match.header.contains.toLowerCase() } : undefined,
  };
}

/** The export file: the same shape `PUT /api/rules` takes, so a file can be sent back as it is. */
export function rulesFile(rules: Rule[]): string {
  return `${JSON.stringify({ rules }, null, 2)}\n`;
}

/** Largest import read: far above any valid set of rules (the server bounds count and sizes). */
export const MAX_IMPORT_BYTES = 256 * 1024;

/**
 * Reads an imported file: `{rules: [...]}` (what export writes) or a bare array. Only the shape
 * is checked here; the server validates every condition and answers INVALID_INPUT in words.
 */
export function parseRulesFile(text: string): { rules: Rule[] } | { error: string } {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { error: 'That file is not JSON. Choose a file exported from Postern’s rules.' };
  }
  const list = Array.isArray(value) ? value : typeof value === 'object' && value !== null ? (value as { rules?: unknown }).rules : undefined;
  if (!Array.isArray(list)) return { error: 'That file holds no list of rules (expected {"rules": [...]}).' };
  for (const [index, item] of list.entries()) {
    if (typeof item !== 'object' || item === null || typeof (item as Rule).name !== 'string' || typeof (item as Rule).match !== 'object' || (item as Rule).match === null) {
      return { error: `Rule ${index + 1} in the file has no name or no conditions.` };
    }
  }
  return { rules: list as Rule[] };
}
