import { accountData, accountKey } from '../account-data';
import type { Rule } from '../contract/rules';
import { allHeadersFilled } from '../mail/header-fill';
import type { MailSession } from '../mail/mail-session';

/** This session's account's rules: keyed by account, so one account never sees another's. */
export function getRules(session: MailSession): Promise<Rule[]> {
  return accountData().getRules(accountKey(session.target, session.username));
}

export async function putRules(session: MailSession, rules: Rule[]): Promise<Rule[]> {
  await accountData().setRules(accountKey(session.target, session.username), rules);
  return rules;
}

/**
 * Before listing what the rules propose: every header in the session's cache,
 * loaded by the chunked background fill (the person's other requests go
 * between chunks). Nothing to load when the account has no rules.
 */
export async function prepareProposals(session: MailSession): Promise<void> {
  if ((await getRules(session)).length > 0) await allHeadersFilled(session);
}
