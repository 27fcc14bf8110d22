/**
 * What big providers say when they refuse a login, in words a person can act
 * on. The server's own text decides (no host lists): each pattern below is a
 * reply recorded from the provider (sources in docs/interop.md).
 */

/** What the person should do next, for a UI that can offer a button for it. */
export type AuthHint =
  /** The provider wants an app password instead of the account password. */
  | 'app-password'
  /** The provider wants the person to sign in on its web page first (a security check). */
  | 'web-login'
  /** The provider accepts only OAuth ("Sign in with …") for this account. */
  | 'oauth-required';

export interface ProviderAnswer {
  message: string;
  hint?: AuthHint;
  provider: 'google' | 'microsoft' | 'yahoo' | 'yandex' | 'unknown';
}

interface Rule {
  test: RegExp;
  answer: ProviderAnswer;
}

const RULES: readonly Rule[] = [
  {
    // Gmail: `-ERR [AUTH] Application-specific password required: https://support.google.com/accounts/answer/185833`
    test: /application-specific password required/i,
    answer: {
      provider: 'google',
      hint: 'app-password',
      message:
        'Google wants an app password for this account (it has 2-Step Verification). Create one at myaccount.google.com/apppasswords and use it instead of your password, or sign in with Google.',
    },
  },
  {
    // Gmail: `-ERR [AUTH] Web login required: https://support.google.com/mail/answer/78754`
    test: /web login required|log ?in via your web browser/i,
    answer: {
      provider: 'google',
      hint: 'web-login',
      message:
        'Google blocked this sign-in until you confirm it: sign in to Gmail in your browser, approve the security alert, then try again here (or sign in with Google).',
    },
  },
  {
    // Microsoft 365 / Outlook.com with basic authentication turned off.
    test: /basicauthblocked|basic auth(entication)? (is )?(blocked|disabled)/i,
    answer: {
      provider: 'microsoft',
      hint: 'oauth-required',
      message: 'Microsoft no longer accepts passwords for POP on this account. Use "Sign in with Microsoft" instead.',
    },
  },
  {
    // Exchange / Microsoft 365: `-ERR Logon failure: unknown user name or bad password.` and
    // `-ERR Authentication failure: unknown user name or bad password.` Since Microsoft turned basic
    // authentication off for Exchange Online, this is also what a correct password gets there.
    test: /(logon|authentication) failure: unknown user name or bad password/i,
    answer: {
      provider: 'microsoft',
      hint: 'oauth-required',
      message:
        'The Microsoft server refused the user name or password. Microsoft 365 and Outlook.com accept only "Sign in with Microsoft" for POP; on your own Exchange server, check the password.',
    },
  },
  {
    // Yahoo (and AOL, on the same servers): third-party apps need a generated app password.
    test: /yahoo.{0,80}(app(lication)? password|third.party)|(app(lication)? password).{0,80}yahoo|login\.yahoo\.com/i,
    answer: {
      provider: 'yahoo',
      hint: 'app-password',
      message:
        'Yahoo wants an app password for mail programs. Create one under Account security → Generate app password at login.yahoo.com and use it instead of your password.',
    },
  },
  {
    // Yandex on the plain port: `-ERR [AUTH] Working without SSL/TLS encryption is not allowed. Please visit …`
    test: /without SSL\/TLS encryption is not allowed/i,
    answer: {
      provider: 'yandex',
      message: 'Yandex accepts logins only over an encrypted connection: choose TLS (port 995).',
    },
  },
  {
    // Yandex: `-ERR [AUTH] login failure or POP3 disabled, try later. sc=…` — a wrong password, an
    // account password where an app password is needed, or POP switched off in the mail settings.
    test: /login failure or POP3 disabled/i,
    answer: {
      provider: 'yandex',
      hint: 'app-password',
      message:
        'Yandex refused the login. Yandex wants an app password for mail programs (create one at id.yandex.com), and POP must be allowed in Yandex Mail settings under "Mail clients".',
    },
  },
];

/** A provider's refusal in words, or undefined when the reply is not one we know. */
export function explainAuthRefusal(response: string | undefined): ProviderAnswer | undefined {
  if (!response) return undefined;
  return RULES.find((rule) => rule.test.test(response))?.answer;
}
