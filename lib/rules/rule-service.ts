import { accountData, accountKey } from '../account-data';
import type { Rule } from '../contract/rules';
import type { MailSession } from '../mail/mail-session';

/** This session's account's rules: keyed by account, so one account never sees another's. */
export function getRules(session: MailSession): Promise<Rule[]> {
  return accountData().getRules(accountKey(session.target, session.username));
}

export async function putRules(session: MailSession, rules: Rule[]): Promise<Rule[]> {
  await accountData().setRules(accountKey(session.target, session.username), rules);
  return rules;
}
