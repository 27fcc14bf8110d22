import { z } from 'zod';

/** Bounds on what a person may store: rules are kept in server memory (and later a shared store) per account. */
export const RULE_BOUNDS = Object.freeze({ maxRules: 100, maxName: 100, maxText: 200, maxHeaderName: 76 });

/** No control characters in anything matched against headers (they never survive header decoding anyway). */
const plainText = (max: number) =>
  z
    .string()
    .trim()
    .min(1, 'must not be empty')
    .max(max, `must be at most ${max} characters`)
    .refine((value) => !/[\u0000-\u001f\u007f]/.test(value), 'must not contain control characters');

/**
 * `name@example.com` (an address) or `example.com` / `@example.com` (a domain and its subdomains). A domain
 * alone has a dot: a bare word ("hansen") is a name, which From addresses are not matched against.
 */
const LABEL = '[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?';
const fromPattern = new RegExp(`^(?:[^\\s@<>()",;:]+@${LABEL}(?:\\.${LABEL})*|@?${LABEL}(?:\\.${LABEL})+)$`);

export const ruleMatchSchema = z
  .strictObject({
    from: plainText(254).regex(fromPattern, 'must be an address (name@example.com) or a domain (example.com)').optional(),
    subject: plainText(RULE_BOUNDS.maxText).optional(),
    /** Bytes, as LIST reports them. */
    minSize: z.number().int().min(1).max(Number.MAX_SAFE_INTEGER).optional(),
    olderThanDays: z.number().int().min(1).max(36_500).optional(),
    header: z
      .strictObject({
        name: z.string().regex(/^[!-9;-~]{1,76}$/, 'must be a header field name'),
        contains: plainText(RULE_BOUNDS.maxText),
      })
      .optional(),
  })
  .refine((match) => Object.values(match).some((value) => value !== undefined), 'needs at least one condition');
export type RuleMatch = z.infer<typeof ruleMatchSchema>;

export const ruleSchema = z.strictObject({
  name: plainText(RULE_BOUNDS.maxName),
  match: ruleMatchSchema,
  /** Rules only propose: the person reviews and marks. */
  action: z.literal('delete'),
});
export type Rule = z.infer<typeof ruleSchema>;

/** `PUT /api/rules` body and the answer of both rules routes. */
export const rulesBodySchema = z.strictObject({
  rules: z
    .array(ruleSchema)
    .max(RULE_BOUNDS.maxRules, `at most ${RULE_BOUNDS.maxRules} rules`)
    .refine((rules) => new Set(rules.map((rule) => rule.name.toLowerCase())).size === rules.length, 'rule names must be unique'),
});
export type RulesBody = z.infer<typeof rulesBodySchema>;
