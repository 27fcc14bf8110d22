/**
 * What nine big providers' POP3 servers say, replayed by the fake server:
 * greeting, CAPA, and the replies to each way of logging in. Every line is
 * taken from a public recording where one was found; the source of each is in
 * `source` and in docs/interop.md. Where no recording was found the entry says
 * so (`recorded: false`) and keeps to what the provider documents.
 */
import type { FakeSession, MailboxOptions, MailboxState, VerbHandler } from './fake-pop3-server';

export interface ProviderReplay {
  name: string;
  /** Where each line comes from. */
  source: string;
  /** False where no public recording of this server was found: the replay is the documented shape only. */
  recorded: boolean;
  greeting: string;
  capabilities: string[];
  /** Reply to USER. */
  userOk: string;
  /** Reply to a correct PASS (or a completed AUTH). */
  loginOk: string;
  /** Reply to a wrong PASS / AUTH. */
  wrongPassword: string;
  /**
   * AUTH with an initial response: accepted, refused as a protocol error on the same connection
   * (Exchange 2013 on premises), or refused and the connection closed (Microsoft 365).
   */
  initialResponse: 'accept' | 'protocol-error' | 'protocol-error-close';
  /** SASL mechanisms the server really takes (CAPA may list more, e.g. NTLM). */
  takes: string[];
  /** The provider accepts OAuth tokens (XOAUTH2 / OAUTHBEARER). */
  oauth?: { mechanisms: string[]; challenge: object; refused: string };
  /** Lines of the recorded refusals the app must turn into words. */
  refusals?: string[];
}

export const PROVIDERS: readonly ProviderReplay[] = [
  {
    name: 'Gmail',
    source: 'MailKit protocol log in jstedfast/MimeKit#99 (2017, pop.gmail.com:995); Google "IMAP, POP, and SMTP" developer page; mailman/mailman#50',
    recorded: true,
    greeting: '+OK Gpop ready for requests from 95.86.241.51 n67mb28062338lja',
    capabilities: ['USER', 'RESP-CODES', 'EXPIRE 0', 'LOGIN-DELAY 300', 'TOP', 'UIDL', 'X-GOOGLE-RICO', 'SASL PLAIN XOAUTH2 OAUTHBEARER'],
    userOk: '+OK send PASS',
    loginOk: '+OK Welcome.',
    wrongPassword: '-ERR [AUTH] Username and password not accepted.',
    initialResponse: 'accept',
    takes: ['PLAIN', 'XOAUTH2', 'OAUTHBEARER'],
    oauth: {
      mechanisms: ['XOAUTH2', 'OAUTHBEARER'],
      challenge: { status: '400', schemes: 'Bearer', scope: 'https://mail.google.com/' },
      refused: '-ERR [AUTH] Invalid credentials (Failure)',
    },
    refusals: [
      '-ERR [AUTH] Application-specific password required: http://support.google.com/accounts/bin/answer.py?answer=185833',
      '-ERR [AUTH] Web login required: https://support.google.com/mail/answer/78754',
    ],
  },
  {
    name: 'Microsoft 365 / Outlook.com',
    source:
      'protocol log in kisli/vmime#267 (2021, outlook.office365.com:995); Microsoft "Authenticate an IMAP, POP or SMTP connection using OAuth" (two-line XOAUTH2); eclipse-ee4j/angus-mail#144; Exchange server source (CommandTooLong reply)',
    recorded: true,
    greeting: '+OK The Microsoft Exchange POP3 service is ready. [UwBDADEAUABSADgAMABDAEEAMAAxADAANQAuAGwAYQBtAHAAcgBkADgAMAAuAHAAcgBvAGQALgBvAHUAdABsAG8AbwBrAC4AYwBvAG0A]',
    capabilities: ['TOP', 'UIDL', 'SASL PLAIN XOAUTH2', 'USER'],
    userOk: '+OK',
    loginOk: '+OK User successfully logged on.',
    wrongPassword: '-ERR Logon failure: unknown user name or bad password.',
    initialResponse: 'protocol-error-close',
    takes: ['PLAIN', 'XOAUTH2'],
    oauth: {
      mechanisms: ['XOAUTH2'],
      challenge: { status: '401', schemes: 'bearer' },
      refused: '-ERR Authentication failure: unknown user name or bad password.',
    },
    refusals: ['-ERR Logon failure: unknown user name or bad password.'],
  },
  {
    name: 'Exchange 2003',
    source: 'MailKit protocol log in jstedfast/MailKit#391 (2016); fetchmail log of an Exchange server with SASL NTLM ("+OK User successfully logged on.")',
    recorded: true,
    greeting: '+OK Microsoft Exchange Server 2003 POP3 server version 6.5.7638.1 (domain.net) ready.',
    capabilities: ['TOP', 'USER', 'PIPELINING', 'EXPIRE NEVER', 'UIDL', 'SASL NTLM'],
    userOk: '+OK',
    loginOk: '+OK User successfully logged on.',
    wrongPassword: '-ERR Logon failure: unknown user name or bad password.',
    initialResponse: 'accept',
    takes: ['NTLM'],
  },
  {
    name: 'Exchange 2013',
    source:
      'greeting: Exchange\'s default POP3 banner ("The Microsoft Exchange POP3 service is ready.", Set-PopSettings -Banner docs); replies as MS-STANXPOP3 and the issue describe; CAPA: no recording found, the Exchange 2013 front end as configured for Basic + PLAIN',
    recorded: false,
    greeting: '+OK The Microsoft Exchange POP3 service is ready.',
    capabilities: ['TOP', 'UIDL', 'SASL NTLM GSSAPI PLAIN', 'USER'],
    userOk: '+OK',
    loginOk: '+OK User successfully logged on.',
    wrongPassword: '-ERR Logon failure: unknown user name or bad password.',
    initialResponse: 'protocol-error',
    takes: ['PLAIN'],
  },
  {
    name: 'Yahoo',
    source: 'fetchmail log of pop.mail.yahoo.ca (popgate 2.43) in a public bug report; node "pop3" README session with pop.mail.yahoo.com',
    recorded: true,
    greeting: '+OK hello from popgate 2.43 on pop106.plus.mail.mud.yahoo.com',
    capabilities: ['EXPIRE NEVER', 'IMPLEMENTATION popgate 2.43', 'PIPELINING', 'RESP-CODES', 'TOP', 'UIDL', 'USER'],
    userOk: '+OK password required.',
    loginOk: '+OK maildrop ready, 3 messages (1200 octets) (1634370939)',
    wrongPassword: '-ERR [AUTH] invalid user/password',
    initialResponse: 'accept',
    takes: [],
  },
  {
    name: 'Yandex',
    source:
      'nc captures of pop.yandex.ru in public course notes (greeting, plain-port refusal); a tcp-proxy README logging pop.yandex.ru:110 (2012: "+OK password, please.", "-ERR [AUTH] login failure or POP3 disabled, try later."); CAPA from the lua-pop3 test suite\'s Yandex session (not a live capture)',
    recorded: true,
    greeting: '+OK POP Ya! na@6 BORhUH1KViEt',
    capabilities: ['SASL LOGIN PLAIN', 'TOP', 'USER', 'LOGIN-DELAY 60', 'PIPELINING', 'EXPIRE NEVER', 'UIDL', 'RESP-CODES', 'AUTH-RESP-CODE', 'IMPLEMENTATION Yandex'],
    userOk: '+OK password, please.',
    loginOk: '+OK 3 1200',
    wrongPassword: '-ERR [AUTH] login failure or POP3 disabled, try later. sc=HtjJitcPRuQ1',
    initialResponse: 'accept',
    takes: ['PLAIN'],
    refusals: [
      '-ERR [AUTH] login failure or POP3 disabled, try later. sc=HtjJitcPRuQ1',
      '-ERR [AUTH] Working without SSL/TLS encryption is not allowed. Please visit https://yandex.ru/support/mail-new/mail-clients/ssl.html  sc=neTA2hi5a4Y1_161640_3-7696ba5e005c',
    ],
  },
  {
    name: 'Comcast',
    source: 'no public recording found; shape from Comcast\'s documented settings (pop.comcast.net:995, USER/PASS)',
    recorded: false,
    greeting: '+OK POP3 ready',
    capabilities: ['TOP', 'USER', 'UIDL', 'RESP-CODES', 'PIPELINING'],
    userOk: '+OK',
    loginOk: '+OK maildrop ready',
    wrongPassword: '-ERR [AUTH] Authentication failed',
    initialResponse: 'accept',
    takes: [],
  },
  {
    name: 'Telenor',
    source: 'no public recording found; shape from Telenor\'s documented settings (pop.online.no, USER/PASS)',
    recorded: false,
    greeting: '+OK POP3 server ready',
    capabilities: ['TOP', 'USER', 'UIDL', 'SASL PLAIN', 'RESP-CODES', 'AUTH-RESP-CODE', 'PIPELINING'],
    userOk: '+OK',
    loginOk: '+OK Logged in.',
    wrongPassword: '-ERR [AUTH] Authentication failed.',
    initialResponse: 'accept',
    takes: ['PLAIN'],
  },
  {
    name: 'Verizon',
    source: 'no public recording found; Verizon mail is served by AOL/Yahoo (pop.verizon.net:995 documented), so the popgate shape is used',
    recorded: false,
    greeting: '+OK hello from popgate',
    capabilities: ['EXPIRE NEVER', 'PIPELINING', 'RESP-CODES', 'TOP', 'UIDL', 'USER'],
    userOk: '+OK password required.',
    loginOk: '+OK maildrop ready, 3 messages (1200 octets)',
    wrongPassword: '-ERR [AUTH] invalid user/password',
    initialResponse: 'accept',
    takes: [],
  },
];

const CRLF = '\r\n';

export interface ReplayServerState {
  /** AUTH attempts as `MECH initial|continuation`. */
  attempts: string[];
  /** What the client answered to an OAuth error challenge. */
  challengeAnswers: Array<string | undefined>;
  /** How many times a password or token was checked: each one is a guess. */
  credentialChecks: number;
}

export function newReplayState(): ReplayServerState {
  return { attempts: [], challengeAnswers: [], credentialChecks: 0 };
}

/** The fake server's handlers for one provider: its words, its refusals, its hang-ups. */
export function replayServer(
  provider: ProviderReplay,
  account: { user: string; password: string; token?: string },
  seen: ReplayServerState,
): Pick<MailboxOptions, 'greeting' | 'capabilities' | 'handlers'> {
  const send = (session: FakeSession, line: string) => session.send(`${line}${CRLF}`);
  const loggedIn = async (session: FakeSession, state: MailboxState) => {
    state.authenticated = true;
    await send(session, provider.loginOk);
  };
  const user: VerbHandler = async (args, session, state) => {
    state.pendingUser = args.join(' ');
    await send(session, provider.userOk);
  };
  const pass: VerbHandler = async (args, session, state) => {
    seen.credentialChecks++;
    if (state.pendingUser === account.user && args.join(' ') === account.password) await loggedIn(session, state);
    else await send(session, provider.wrongPassword);
  };
  const auth: VerbHandler = async (args, session, state) => {
    const mechanism = (args[0] ?? '').toUpperCase();
    seen.attempts.push(`${mechanism} ${args[1] === undefined ? 'continuation' : 'initial'}`);
    const oauth = provider.oauth?.mechanisms.includes(mechanism) ?? false;
    if (!provider.takes.includes(mechanism) && !oauth) {
      await send(session, '-ERR Unrecognized authentication type.');
      return;
    }
    if (args[1] !== undefined && provider.initialResponse !== 'accept') {
      await send(session, provider.initialResponse === 'protocol-error-close' ? '-ERR Protocol error. Connection is closed. 10' : '-ERR Protocol error. 14');
      if (provider.initialResponse === 'protocol-error-close') session.end();
      return;
    }
    let response = args[1];
    if (response === undefined) {
      await send(session, '+ ');
      response = await session.nextLine();
      if (response === undefined) return;
    }
    const decoded = Buffer.from(response, 'base64').toString('utf8');
    seen.credentialChecks++;
    if (mechanism === 'PLAIN') {
      const [, authcid, passwd] = decoded.split('\0');
      if (authcid === account.user && passwd === account.password) await loggedIn(session, state);
      else await send(session, provider.wrongPassword);
      return;
    }
    const token = /auth=Bearer ([^\x01]*)\x01\x01$/.exec(decoded)?.[1];
    const who = mechanism === 'XOAUTH2' ? /^user=([^\x01]*)\x01/.exec(decoded)?.[1] : /^n,a=([^,]*),/.exec(decoded)?.[1];
    if (oauth && token === account.token && who === account.user) {
      await loggedIn(session, state);
      return;
    }
    await send(session, `+ ${Buffer.from(JSON.stringify(provider.oauth?.challenge ?? {})).toString('base64')}`);
    const answer = await session.nextLine();
    seen.challengeAnswers.push(answer);
    if (answer !== undefined) await send(session, provider.oauth?.refused ?? provider.wrongPassword);
  };
  return { greeting: provider.greeting, capabilities: provider.capabilities, handlers: { USER: user, PASS: pass, AUTH: auth } };
}
