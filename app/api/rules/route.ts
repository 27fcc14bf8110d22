import { readJson } from '@/lib/http/request-guards';
import { json, parseInput, requireSession, route } from '@/lib/http/route';
import { rulesBodySchema } from '@/lib/contract/rules';
import { getRules, putRules } from '@/lib/rules/rule-service';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

export const GET = route(async (request) => json({ rules: await getRules(await requireSession(request)) }));

/** Replaces this account's rules (validated whole: one bad rule refuses all of them, nothing is stored). */
export const PUT = route(async (request) => {
  const session = await requireSession(request);
  // 100 rules at their bounds are up to ~300 KB of UTF-8 JSON.
  const { rules } = parseInput(rulesBodySchema, await readJson(request, 512 * 1024));
  return json({ rules: await putRules(session, rules) });
});
