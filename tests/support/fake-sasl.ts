/**
 * AUTH for the fake POP3 server (`mailbox({ handlers: { AUTH: saslAuth(...) } })`):
 * PLAIN, XOAUTH2 and OAUTHBEARER, with the provider behaviours the client must
 * survive — Microsoft's "Protocol error" for an initial response (and the
 * hang-up after it), and the RFC 7628 error challenge for a refused token
 * (the server waits for the client's answer before its -ERR).
 */
import type { FakeSession, MailboxState, VerbHandler } from './fake-pop3-server';

const CRLF = '\r\n';

export interface SaslServerOptions {
  /** Mechanisms the server takes (upper-case). Default: PLAIN. */
  mechanisms?: string[];
  /** The access token the server accepts for XOAUTH2 / OAUTHBEARER. */
  token?: string;
  /**
   * What an AUTH line with an initial response gets. 'accept': processed (RFC 5034).
   * 'protocol-error': `-ERR Protocol error.`, the connection stays. 'protocol-error-close': Microsoft's
   * `-ERR Protocol error. Connection is closed. 10`, then the server hangs up. 'protocol-error-hangup':
   * `-ERR Protocol error.` and a hang-up without saying so.
   */
  initialResponse?: 'accept' | 'protocol-error' | 'protocol-error-close' | 'protocol-error-hangup';
  /** Reply to a wrong password. Default: `-ERR [AUTH] Authentication failed.` */
  badPassword?: string;
  /** Reply after a refused token's error challenge was answered. Default: `-ERR [AUTH] Authentication failed.` */
  badToken?: string;
  /** Reply to a good login. Default: `+OK Logged in.` */
  welcome?: string;
  /** Reply to a mechanism it does not take. Default: `-ERR Unsupported authentication mechanism.` */
  unsupported?: string;
  /** Everything the server decoded, for assertions (secrets included: the test owns them). */
  seen?: SaslSeen;
}

export interface SaslSeen {
  /** `MECH initial|continuation`, in order. */
  attempts: string[];
  /** Decoded XOAUTH2 / OAUTHBEARER payloads. */
  payloads: string[];
  /** What the client answered to an error challenge (undefined: it answered nothing before hanging up). */
  challengeAnswers: Array<string | undefined>;
}

export function newSeen(): SaslSeen {
  return { attempts: [], payloads: [], challengeAnswers: [] };
}

export const GOOGLE_CHALLENGE = { status: '400', schemes: 'Bearer', scope: 'https://mail.google.com/' };
export const BEARER_CHALLENGE = { status: 'invalid_token', scope: 'mail', 'openid-configuration': 'https://idp.test/.well-known/openid-configuration' };

function b64json(value: object): string {
  return Buffer.from(JSON.stringify(value), 'utf8').toString('base64');
}

export function saslAuth(options: SaslServerOptions = {}): VerbHandler {
  const mechanisms = (options.mechanisms ?? ['PLAIN']).map((m) => m.toUpperCase());
  const seen = options.seen;
  const welcome = options.welcome ?? '+OK Logged in.';
  return async (args: string[], session: FakeSession, state: MailboxState) => {
    const send = (line: string) => session.send(`${line}${CRLF}`);
    const mechanism = (args[0] ?? '').toUpperCase();
    const initial = args[1];
    seen?.attempts.push(`${mechanism} ${initial === undefined ? 'continuation' : 'initial'}`);
    if (!mechanisms.includes(mechanism)) {
      await send(options.unsupported ?? '-ERR Unsupported authentication mechanism.');
      return;
    }
    if (initial !== undefined && options.initialResponse && options.initialResponse !== 'accept') {
      if (options.initialResponse === 'protocol-error-close') {
        await send('-ERR Protocol error. Connection is closed. 10');
        session.end();
      } else if (options.initialResponse === 'protocol-error-hangup') {
        // The same refusal without saying that the connection goes.
        await send('-ERR Protocol error.');
        session.destroy();
      } else {
        await send('-ERR Protocol error.');
      }
      return;
    }
    let response = initial;
    if (response === undefined) {
      await send('+ ');
      response = await session.nextLine();
      if (response === undefined) return;
    }
    if (response === '*') {
      await send('-ERR Authentication aborted.');
      return;
    }
    const decoded = Buffer.from(response, 'base64').toString('utf8');
    const ok = async () => {
      state.authenticated = true;
      await send(welcome);
    };
    switch (mechanism) {
      case 'PLAIN': {
        const [, authcid, passwd] = decoded.split('\0');
        if (authcid === state.options.user && passwd === state.options.password) await ok();
        else await send(options.badPassword ?? '-ERR [AUTH] Authentication failed.');
        return;
      }
      case 'XOAUTH2':
      case 'OAUTHBEARER': {
        seen?.payloads.push(decoded);
        const user = mechanism === 'XOAUTH2' ? /^user=([^\x01]*)\x01/.exec(decoded)?.[1] : /^n,a=([^,]*),/.exec(decoded)?.[1];
        const token = /\x01auth=Bearer ([^\x01]*)\x01\x01$/.exec(decoded)?.[1];
        const wellFormed = mechanism === 'XOAUTH2' || decoded.startsWith('n,');
        if (wellFormed && user === state.options.user && token !== undefined && token === options.token) {
          await ok();
          return;
        }
        // RFC 7628 §3.2.2 / Google: an error challenge, and the -ERR only after the client's answer.
        await send(`+ ${b64json(mechanism === 'XOAUTH2' ? GOOGLE_CHALLENGE : BEARER_CHALLENGE)}`);
        const answer = await session.nextLine();
        seen?.challengeAnswers.push(answer);
        if (answer === undefined) return;
        await send(options.badToken ?? '-ERR [AUTH] Authentication failed.');
        return;
      }
      default:
        await send('-ERR Unsupported authentication mechanism.');
    }
  };
}
