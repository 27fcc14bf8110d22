/**
 * The calls of the panels (rules, proposed deletions, the server in words), through the one
 * request helper of api-client.ts: typed data or a typed ApiError, never a bare fetch.
 */

import type { PreviewPart, Proposal, Rule, ServerPanel } from '@/lib/contract';
import { request, type MessagePage, type MessageSummary } from './api-client';

export type { PreviewPart, Proposal, Rule, RuleMatch } from '@/lib/contract';

export type ProposedMessage = MessageSummary & { proposal: Proposal | null };

/** `GET /api/session/server`. */
export type ServerInWords = ServerPanel;

export async function getRules(signal?: AbortSignal): Promise<Rule[]> {
  return (await request<{ rules: Rule[] }>('/api/rules', { signal })).rules;
}

/** Replaces every rule of this account; the server answers what it stored. */
export async function putRules(rules: Rule[]): Promise<Rule[]> {
  return (await request<{ rules: Rule[] }>('/api/rules', { method: 'PUT', body: { rules } })).rules;
}

/** Pages through `?proposed=1` (200 a page, the API's largest) up to `max` messages. */
export async function listProposed(max: number, signal?: AbortSignal): Promise<{ total: number; messages: ProposedMessage[] }> {
  const messages: ProposedMessage[] = [];
  let total = 0;
  for (let offset = 0; offset < max; ) {
    const limit = Math.min(200, max - offset);
    const page = await request<MessagePage & { messages: ProposedMessage[] }>(`/api/messages?proposed=1&offset=${offset}&limit=${limit}`, { signal });
    total = page.total;
    messages.push(...page.messages);
    offset += page.messages.length;
    if (page.messages.length === 0 || offset >= page.total) break;
  }
  return { total, messages };
}

export function getServerInWords(signal?: AbortSignal): Promise<ServerInWords> {
  return request<ServerInWords>('/api/session/server', { signal });
}

/** `parts` of a preview answer, read defensively: an older server sends none. */
export function previewParts(preview: object): PreviewPart[] {
  const parts = (preview as { parts?: unknown }).parts;
  if (!Array.isArray(parts)) return [];
  return parts.filter(
    (part): part is PreviewPart =>
      typeof part === 'object' && part !== null && typeof (part as PreviewPart).contentType === 'string' && typeof (part as PreviewPart).estimatedSize === 'number',
  );
}
