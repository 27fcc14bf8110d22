import type { Rule, RuleMatch } from './api-panels';

/** A rule as the editor's fields hold it: text, so a half-typed number is not lost. */
export interface RuleDraft {
  name: string;
  from: string;
  subject: string;
  minSize: string;
  minSizeUnit: 'KB' | 'MB';
  olderThanDays: string;
  headerName: string;
  headerContains: string;
}

export type DraftField = keyof RuleDraft | 'form';

const KB = 1024;
const MB = 1024 * 1024;

export const EMPTY_DRAFT: RuleDraft = {
  name: '',
  from: '',
  subject: '',
  minSize: '',
  minSizeUnit: 'MB',
  olderThanDays: '',
  headerName: '',
  headerContains: '',
};

function trimNumber(value: number): string {
  return String(Math.round(value * 100) / 100);
}

export function draftOf(rule: Rule): RuleDraft {
  const { match } = rule;
  const inMegabytes = match.minSize !== undefined && match.minSize >= MB && match.minSize % (MB / 10) === 0;
  return {
    name: rule.name,
    from: match.from ?? '',
    subject: match.subject ?? '',
    minSize: match.minSize === undefined ? '' : trimNumber(match.minSize / (inMegabytes ? MB : KB)),
    minSizeUnit: match.minSize === undefined || inMegabytes ? 'MB' : 'KB',
    olderThanDays: match.olderThanDays === undefined ? '' : String(match.olderThanDays),
    headerName: match.header?.name ?? '',
    headerContains: match.header?.contains ?? '',
  };
}

/**
 * The rule the fields describe, or the first problem, named by field. The server checks again
 * (and bounds count and sizes); this catches what a person can fix before sending.
 */
export function ruleOf(draft: RuleDraft): { rule: Rule } | { field: DraftField; message: string } {
  const name = draft.name.trim();
  if (!name) return { field: 'name', message: 'Give the rule a name, e.g. “Shop newsletters”.' };
  const match: RuleMatch = {};
  const from = draft.from.trim();
  if (from) {
    // A domain alone has a dot: a bare word ("hansen") is a name, and From addresses are not names.
    const bareWord = !from.includes('@') && !from.includes('.');
    if (bareWord || /[\s<>(),;:"]/.test(from) || from.endsWith('@') || from.endsWith('.') || (from.match(/@/g) ?? []).length > 1) {
      return { field: 'from', message: 'Enter one address (news@shop.example) or one domain (shop.example).' };
    }
    match.from = from;
  }
  const subject = draft.subject.trim();
  if (subject) match.subject = subject;
  if (draft.minSize.trim()) {
    const amount = Number(draft.minSize.trim());
    if (!Number.isFinite(amount) || amount <= 0) return { field: 'minSize', message: 'A size is a number above 0, e.g. 5.' };
    match.minSize = Math.round(amount * (draft.minSizeUnit === 'MB' ? MB : KB));
  }
  if (draft.olderThanDays.trim()) {
    const days = Number(draft.olderThanDays.trim());
    if (!Number.isInteger(days) || days < 1) return { field: 'olderThanDays', message: 'Days are a whole number from 1, e.g. 30.' };
    match.olderThanDays = days;
  }
  const headerName = draft.headerName.trim();
  const headerContains = draft.headerContains.trim();
  if (headerName || headerContains) {
    if (!headerName) return { field: 'headerName', message: 'Name the header, e.g. List-Id.' };
    if (!/^[\x21-\x39\x3b-\x7e]+$/.test(headerName)) return { field: 'headerName', message: 'A header name is one word without spaces or colons, e.g. List-Id.' };
    if (!headerContains) return { field: 'headerContains', message: 'Say what the header should contain.' };
    match.header = { name: headerName, contains: headerContains };
  }
  if (Object.keys(match).length === 0) return { field: 'form', message: 'Give at least one condition: a rule without any would propose every message.' };
  return { rule: { name, match, action: 'delete' } };
}
