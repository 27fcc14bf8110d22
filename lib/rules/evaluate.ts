import type { Proposal } from '../contract/messages';
import type { Rule, RuleMatch } from '../contract/rules';

/** What a rule may look at: the headers and LIST's size, never the body. */
export interface RuleSubject {
  size: number;
  fromAddress: string | null;
  subject: string;
  /** ISO 8601, or null when the Date header is missing or unreadable (then `olderThanDays` never matches). */
  date: string | null;
  /** The value of a header by lower-case name (all occurrences joined), or undefined when it is not there or not known. */
  header(name: string): string | undefined;
}

const DAY_MS = 86_400_000;

/** The first rule whose conditions all hold (AND), with the reason in words; null when none does. */
export function proposalFor(rules: readonly Rule[], subject: RuleSubject, now = Date.now()): Proposal | null {
  for (const rule of rules) {
    const reasons = reasonsIfMatching(rule.match, subject, now);
    if (reasons) return { rule: rule.name, reason: reasons.join(', ') };
  }
  return null;
}

/** The names of the headers the rules look at beyond From, Subject and Date (fetched on demand). */
export function extraHeaderNames(rules: readonly Rule[]): string[] {
  return [...new Set(rules.flatMap((rule) => (rule.match.header ? [rule.match.header.name.toLowerCase()] : [])))].sort();
}

function reasonsIfMatching(match: RuleMatch, subject: RuleSubject, now: number): string[] | null {
  const reasons: string[] = [];
  if (match.from !== undefined) {
    if (!fromMatches(match.from, subject.fromAddress)) return null;
    reasons.push(`from ${match.from.replace(/^@/, '')}`);
  }
  if (match.subject !== undefined) {
    if (!subject.subject.toLowerCase().includes(match.subject.toLowerCase())) return null;
    reasons.push(`subject contains “${match.subject}”`);
  }
  if (match.minSize !== undefined) {
    if (subject.size < match.minSize) return null;
    reasons.push(`larger than ${sizeInWords(match.minSize)}`);
  }
  if (match.olderThanDays !== undefined) {
    const at = subject.date === null ? Number.NaN : Date.parse(subject.date);
    if (Number.isNaN(at) || now - at <= match.olderThanDays * DAY_MS) return null;
    reasons.push(`older than ${match.olderThanDays} day${match.olderThanDays === 1 ? '' : 's'}`);
  }
  if (match.header !== undefined) {
    const value = subject.header(match.header.name.toLowerCase());
    if (value === undefined || !value.toLowerCase().includes(match.header.contains.toLowerCase())) return null;
    reasons.push(`${match.header.name} contains “${match.header.contains}”`);
  }
  return reasons;
}

/**
 * `name@example.com` matches that address; `example.com` (or `@example.com`)
 * matches the domain and its subdomains. Case-insensitive.
 */
export function fromMatches(pattern: string, address: string | null): boolean {
  if (!address) return false;
  const wanted = pattern.toLowerCase();
  const actual = address.toLowerCase();
  if (wanted.includes('@') && !wanted.startsWith('@')) return actual === wanted;
  const domain = wanted.replace(/^@/, '');
  const at = actual.lastIndexOf('@');
  if (at < 0) return false;
  const actualDomain = actual.slice(at + 1);
  return actualDomain === domain || actualDomain.endsWith(`.${domain}`);
}

/** 5242880 → "5 MB" (binary units, as the inbox shows sizes). */
export function sizeInWords(bytes: number): string {
  const units = ['bytes', 'KB', 'MB', 'GB', 'TB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  const shown = unit === 0 || Number.isInteger(value) ? String(value) : value.toFixed(1).replace(/\.0$/, '');
  return `${shown} ${units[unit]}`;
}
