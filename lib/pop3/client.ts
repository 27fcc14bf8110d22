import type { Duplex } from 'node:stream';
import {
  apopDigest,
  authPlan,
  decodeErrorChallenge,
  describeMechanism,
  describeRefusal,
  errorChallengeReply,
  isTokenMechanism,
  oauthBearerResponse,
  saslName,
  saslPlainResponse,
  xoauth2Response,
  type AuthAttempt,
  type AuthChoice,
  type AuthMechanism,
  type OAuthRefusal,
  type TokenMechanism,
} from './auth';
import { BodyStream, BufferSink, CollectSink, type BodyProgress, type BodySink } from './body-sink';
import { buildCommand, numberArg, type WireCommand } from './command';
import { Deadline } from './deadline';
import { DotDecoder, splitListing } from './dot-decoder';
import { Pop3Error } from './errors';
import { resolveLimits, type Pop3Limits } from './limits';
import {
  emptyCapabilities,
  extractApopTimestamp,
  markDuplicateUids,
  parseCapabilities,
  parseListLine,
  parseStat,
  parseUidlLine,
  type Capabilities,
  type ListEntry,
  type MaildropStat,
  type UidlEntry,
} from './parse';
import { errorCodeFor, parseStatusLine, printable, type StatusLine } from './status-line';

export type TranscriptEntry = { direction: 'client' | 'server'; text: string };

export interface Pop3ClientOptions {
  limits?: Partial<Pop3Limits>;
  /** The transport is already encrypted (implicit TLS). */
  secure?: boolean;
  /** Upgrades the raw transport for STLS; without it, `stls()` is refused. */
  startTls?: (transport: Duplex) => Promise<Duplex>;
  /** A protocol transcript with credentials redacted and bodies summarised. */
  onTranscript?: (entry: TranscriptEntry) => void;
  /**
   * When (epoch ms) the login must be complete, so the connect that came before can share the
   * budget (`connectPop3`); default: `limits.loginTimeoutMs` from now. Past it, still unauthenticated: TIMEOUT.
   */
  loginDeadline?: number;
}

export interface LoginOptions {
  username: string;
  /** For USER/PASS, APOP and SASL PLAIN. */
  password?: string;
  /** An OAuth 2.0 access token, for XOAUTH2 and OAUTHBEARER (instead of a password). */
  accessToken?: string;
  mechanism?: AuthChoice;
  /** Send credentials over an unencrypted connection. Off unless the person chose a plain connection. */
  allowInsecure?: boolean;
  /**
   * SASL (PLAIN, XOAUTH2, OAUTHBEARER): send the response with the AUTH command
   * (RFC 5034 initial response; Google's one-line XOAUTH2) or wait for the
   * server's `+ ` first (Microsoft's two-line form). Default true. A PLAIN
   * response too long for RFC 2449's 255-octet line always waits.
   */
  saslInitialResponse?: boolean;
  /** The server the token is for, named in OAUTHBEARER's GS2 header (RFC 7628 §3.1). */
  server?: { host: string; port: number };
}

export interface TopResult {
  number: number;
  /** Header section (and any body lines asked for), as bytes. */
  data?: Buffer;
  truncated?: boolean;
  /** A per-message -ERR; fatal errors reject the whole batch instead. */
  error?: Pop3Error;
}

export type ClientState = 'authorization' | 'transaction' | 'closed';

interface EnqueueOptions {
  multiline: boolean;
  sink?: BodySink;
  barrier?: boolean;
  duringAuth?: boolean;
  upgradeAfter?: boolean;
  expectedBytes?: number;
  maxLineBytes?: number;
  onContinue?: (text: string) => string;
}

function noop(): void {}

interface Pending {
  command: WireCommand | null;
  /** Nothing may be written after this command until its reply has been read (STLS, AUTH). */
  barrier: boolean;
  duringAuth: boolean;
  multiline: boolean;
  expectedBytes?: number;
  /** Longest line allowed inside the multi-line reply (listings are held to the status-line bound). */
  maxLineBytes?: number;
  /** Receives the body of a multi-line reply, once +OK has been read. */
  sink?: BodySink;
  /** Answers a SASL `+` continuation with the next client line (already validated). */
  onContinue?: (text: string) => string;
  /** STLS: after +OK, stop reading and writing until the TLS upgrade is done. */
  upgradeAfter: boolean;
  onOk: (text: string) => void;
  onError: (error: Pop3Error) => void;
}

interface BodyState {
  decoder: DotDecoder;
  received: number;
  sink: BodySink;
}

const EMPTY = Buffer.alloc(0);
/** Microsoft's access tokens run to a few thousand characters; anything past this is not a token. */
const MAX_TOKEN_LENGTH = 16 * 1024;
const LF = 0x0a;

/**
 * A POP3 client over any duplex byte stream. Commands go through one FIFO
 * queue, so concurrent callers are safe; with PIPELINING several commands are
 * written at once and replies are matched in order. A -ERR fails only its
 * command. Anything else that goes wrong closes the client and rejects every
 * command in flight with the same typed error.
 */
export class Pop3Client {
  readonly limits: Pop3Limits;
  greeting = '';
  apopTimestamp?: string;
  capabilities: Capabilities = emptyCapabilities();
  /** True once CAPA has answered +OK on the current connection state. */
  capaKnown = false;
  state: ClientState = 'authorization';
  secure: boolean;
  /** Sizes learned from LIST, used to budget RETR deadlines and bound bodies. */
  private readonly knownSizes = new Map<number, number>();

  private transport: Duplex;
  private readonly options: Pop3ClientOptions;
  private buffer: Buffer = EMPTY;
  private readonly waiting: Pending[] = [];
  private readonly inflight: Pending[] = [];
  private body: BodyState | undefined;
  private deadline: Deadline | undefined;
  private closeError: Pop3Error | undefined;
  private upgrading = false;
  private pausedForSink = false;
  /** Forms of the password redacted from server text while logging in. */
  private secrets: string[] = [];
  private readonly scrub = (text: string): string => {
    let out = text;
    for (const secret of this.secrets) out = out.split(secret).join('********');
    return out;
  };
  private readonly closedPromise: Promise<void>;
  private resolveClosed!: () => void;

  private loginTimer: NodeJS.Timeout | undefined;

  private readonly onData = (chunk: Buffer) => this.receive(chunk);
  private readonly onEnd = () => this.fail(this.closedError('The server closed the connection'));
  private readonly onSocketError = (error: Error) => this.fail(this.closedError('The connection to the server broke', error));

  private constructor(transport: Duplex, options: Pop3ClientOptions) {
    this.transport = transport;
    this.options = options;
    this.limits = resolveLimits(options.limits);
    this.secure = options.secure ?? false;
    this.closedPromise = new Promise((resolve) => (this.resolveClosed = resolve));
    this.attach(transport);
    this.armLoginDeadline(options.loginDeadline ?? Date.now() + this.limits.loginTimeoutMs);
  }

  /** Wraps a connected transport and reads the greeting. */
  static async open(transport: Duplex, options: Pop3ClientOptions = {}): Promise<Pop3Client> {
    const client = new Pop3Client(transport, options);
    await client.readGreeting();
    return client;
  }

  get closed(): boolean {
    return this.state === 'closed';
  }

  /** Resolves when the client has closed, for whatever reason. */
  whenClosed(): Promise<void> {
    return this.closedPromise;
  }

  /** The server listed its capabilities, without TOP (with no CAPA answer, TOP is simply tried). */
  get lacksTop(): boolean {
    return this.capaKnown && !this.capabilities.top;
  }

  /** Whether commands are written ahead of replies right now. */
  get pipelining(): boolean {
    return this.capaKnown && this.capabilities.pipelining;
  }

  // ---- commands -----------------------------------------------------------

  async capa(): Promise<Capabilities> {
    try {
      const body = await this.collect(buildCommand('CAPA'), this.limits.maxStatusLineBytes * 64);
      this.capabilities = parseCapabilities(splitListing(body));
      this.capaKnown = true;
    } catch (error) {
      if (!(error instanceof Pop3Error) || error.fatal) throw error;
      // RFC 1939-only servers answer -ERR: they have no extensions.
      this.capabilities = emptyCapabilities();
      this.capaKnown = false;
    }
    return this.capabilities;
  }

  /** RFC 2595 STLS. Fails closed: a refusal or an unavailable upgrade throws, and nothing else is sent. */
  async stls(): Promise<void> {
    if (this.secure) throw new Pop3Error('INVALID_ARGUMENT', 'The connection is already encrypted.');
    const startTls = this.options.startTls;
    if (!startTls) throw new Pop3Error('UNSUPPORTED', 'This connection cannot be upgraded to TLS.');
    if (this.capaKnown && !this.capabilities.stls) {
      throw new Pop3Error('UNSUPPORTED', 'The server does not offer STARTTLS (STLS).');
    }
    try {
      await this.simple(buildCommand('STLS'), { barrier: true, upgradeAfter: true });
    } catch (error) {
      if (error instanceof Pop3Error && !error.fatal) {
        // The server refused: the person asked for encryption, so this connection is done.
        const refused = new Pop3Error('TLS_FAILED', 'The server refused to start TLS (STLS).', { response: error.response });
        this.fail(refused);
        throw refused;
      }
      throw error;
    }
    try {
      const secured = await startTls(this.transport);
      this.transport = secured;
      this.secure = true;
      this.upgrading = false;
      this.attach(secured);
      // RFC 2595: forget everything learned before the upgrade.
      this.capabilities = emptyCapabilities();
      this.capaKnown = false;
      this.pump();
    } catch (cause) {
      // Closed meanwhile (the login deadline passed): that is the reason, not the handshake it cut short.
      const error =
        this.closeError ??
        (cause instanceof Pop3Error ? cause : new Pop3Error('TLS_FAILED', 'The TLS handshake with the server failed.', { cause }));
      this.fail(error);
      throw error;
    }
  }

  /** Every way `login` may be tried on this server, in order (see `authPlan`). */
  authPlan(options: LoginOptions, remembered?: AuthAttempt): AuthAttempt[] {
    return authPlan(
      options.mechanism ?? 'auto',
      { capabilities: this.capabilities, capaKnown: this.capaKnown, apopTimestamp: this.apopTimestamp, secure: this.secure },
      options.accessToken !== undefined ? 'token' : 'password',
      { initialResponse: options.saslInitialResponse, remembered },
    );
  }

  /**
   * Logs in with the first attempt of `authPlan` (or the one given). One
   * attempt only: `loginWithFallback` decides whether a refusal allows another.
   */
  async login(options: LoginOptions, attempt?: AuthAttempt): Promise<AuthMechanism> {
    if (this.state !== 'authorization') throw new Pop3Error('INVALID_ARGUMENT', 'Already logged in.');
    const chosen = attempt ?? this.authPlan(options)[0]!;
    const mechanism = chosen.mechanism;
    if (!this.secure && !options.allowInsecure) {
      throw new Pop3Error('INSECURE_AUTH', 'Refusing to send credentials over an unencrypted connection.');
    }
    const secret = isTokenMechanism(mechanism) ? options.accessToken : options.password;
    if (secret === undefined || secret.length === 0) {
      throw new Pop3Error('INVALID_ARGUMENT', `${describeMechanism(mechanism)} needs ${isTokenMechanism(mechanism) ? 'an access token' : 'a password'}.`);
    }
    // Checked here for every mechanism alike: APOP never sends the password itself, but a secret
    // with CR, LF or NUL is a caller bug whichever way it would travel.
    buildCommand('USER', [options.username]);
    if (isTokenMechanism(mechanism)) {
      // Tokens travel base64-encoded, and Microsoft's run to thousands of characters: only the line
      // breaks matter here (they would end the SASL response early), and a sane bound.
      if (/[\r\n\0]/.test(secret) || secret.length > MAX_TOKEN_LENGTH) {
        throw new Pop3Error('INVALID_ARGUMENT', 'The access token contains a line break or is absurdly long.');
      }
    } else {
      buildCommand('PASS', [secret], [0]);
    }
    // A careless or hostile server may echo what it was sent: scrub it from replies while logging in.
    this.secrets = secretForms(options.username, secret, options.server);
    try {
      switch (mechanism) {
        case 'user':
          await this.userPass(options.username, secret);
          break;
        case 'apop':
          await this.apop(options.username, secret);
          break;
        case 'sasl-plain':
          await this.authPlain(options.username, secret, chosen.initialResponse);
          break;
        case 'xoauth2':
        case 'oauthbearer':
          await this.authToken(mechanism, options.username, secret, chosen.initialResponse, options.server);
          break;
        default: {
          const unreachable: never = mechanism;
          throw new Error(`unknown mechanism ${String(unreachable)}`);
        }
      }
    } finally {
      this.secrets = [];
    }
    this.state = 'transaction';
    return mechanism;
  }

  private async userPass(username: string, password: string): Promise<void> {
    const user = buildCommand('USER', [username]);
    const pass = buildCommand('PASS', [password], [0]);
    // Both are queued at once: with PIPELINING they share one round trip.
    const results = await Promise.allSettled([
      this.simple(user, { duringAuth: true }),
      this.simple(pass, { duringAuth: true }),
    ]);
    for (const result of results) if (result.status === 'rejected') throw result.reason;
  }

  private async apop(username: string, password: string): Promise<void> {
    if (!this.apopTimestamp) throw new Pop3Error('UNSUPPORTED', `The server does not offer ${describeMechanism('apop')} login.`);
    const digest = apopDigest(this.apopTimestamp, password);
    await this.simple(buildCommand('APOP', [username, digest], [1]), { duringAuth: true });
  }

  /** RFC 5034 AUTH PLAIN, with the initial response when it fits in a command line, else after a `+`. */
  private async authPlain(username: string, password: string, initialResponse: boolean): Promise<void> {
    const response = saslPlainResponse(username, password);
    // RFC 5034 §4: an AUTH line longer than RFC 2449's 255 octets must use the continuation instead.
    await this.sasl('PLAIN', response, initialResponse && response.length <= 200, () => '*');
  }

  /**
   * XOAUTH2 or OAUTHBEARER. A refused token is not answered with -ERR at
   * once: the server sends an error challenge (`+ <base64 JSON>`) and waits.
   * The client answers as the mechanism says (RFC 7628 §3.2.3; XOAUTH2: an
   * empty line), reads the -ERR, and reports the decoded reason.
   */
  private async authToken(
    mechanism: TokenMechanism,
    username: string,
    token: string,
    initialResponse: boolean,
    server: { host: string; port: number } | undefined,
  ): Promise<void> {
    const response = mechanism === 'xoauth2' ? xoauth2Response(username, token) : oauthBearerResponse(username, token, server);
    let refusal: OAuthRefusal | undefined;
    let refused = false;
    try {
      // The AUTH line's own bound (2 KiB) decides whether a one-line response is possible at all.
      await this.sasl(saslName(mechanism), response, initialResponse && response.length <= 1900, (text) => {
        if (refused) return '*'; // a second challenge after our answer: cancel (RFC 5034 §4), the server then says -ERR
        refused = true;
        refusal = decodeErrorChallenge(text);
        return errorChallengeReply(mechanism);
      });
    } catch (error) {
      if (error instanceof Pop3Error && refused) {
        const reason = refusal ? describeRefusal(refusal) : '';
        // An error challenge is about the token whatever follows it (the final -ERR, or a server that
        // just hangs up): a refresh may cure it.
        throw new Pop3Error('AUTH_FAILED', `The server refused the access token${reason ? ` (${reason})` : ''}.`, {
          command: error.command,
          response: error.response,
          respCode: error.respCode,
          oauth: refusal ?? {},
          cause: error,
        });
      }
      throw error;
    }
  }

  /**
   * One SASL exchange: `AUTH NAME [initial]`, the response after an empty
   * `+ ` when it was not sent up front, and `afterResponse` for any later
   * challenge (an error report, or a server that wants more).
   */
  private async sasl(name: string, response: string, initial: boolean, afterResponse: (text: string) => string): Promise<void> {
    const command = initial ? buildCommand('AUTH', [name, response], [1]) : buildCommand('AUTH', [name]);
    let answered = initial;
    await this.simple(command, {
      duringAuth: true,
      barrier: true,
      onContinue: (text) => {
        if (answered) return afterResponse(text);
        answered = true;
        return response;
      },
    });
  }

  async stat(): Promise<MaildropStat> {
    const text = await this.simple(buildCommand('STAT'));
    return this.parsed(() => parseStat(text, this.limits.maxReasonableCount));
  }

  async list(): Promise<ListEntry[]>;
  async list(number: number): Promise<ListEntry>;
  async list(number?: number): Promise<ListEntry[] | ListEntry> {
    if (number !== undefined) {
      const text = await this.simple(buildCommand('LIST', [numberArg(number, 'Message number')]));
      const entry = this.parsed(() => parseListLine(text, this.limits.maxReasonableCount));
      this.knownSizes.set(entry.number, entry.size);
      return entry;
    }
    const body = await this.collect(buildCommand('LIST'), this.limits.maxListingBytes);
    const entries = this.parsed(() => {
      const parsed = splitListing(body).map((line) => parseListLine(line, this.limits.maxReasonableCount));
      assertUniqueNumbers(parsed);
      return parsed;
    });
    for (const entry of entries) this.knownSizes.set(entry.number, entry.size);
    return entries;
  }

  async uidl(): Promise<UidlEntry[]>;
  async uidl(number: number): Promise<UidlEntry>;
  async uidl(number?: number): Promise<UidlEntry[] | UidlEntry> {
    if (number !== undefined) {
      const text = await this.simple(buildCommand('UIDL', [numberArg(number, 'Message number')]));
      return this.parsed(() => parseUidlLine(text, this.limits.maxReasonableCount));
    }
    const body = await this.collect(buildCommand('UIDL'), this.limits.maxListingBytes);
    return this.parsed(() => {
      const entries = splitListing(body).map((line) => parseUidlLine(line, this.limits.maxReasonableCount));
      assertUniqueNumbers(entries);
      return markDuplicateUids(entries);
    });
  }

  /** RETR as a stream. Resolves once the server said +OK; the body follows on the stream. */
  retr(number: number, options: { expectedSize?: number; onProgress?: (progress: BodyProgress) => void } = {}): Promise<BodyStream> {
    const command = buildCommand('RETR', [numberArg(number, 'Message number')]);
    return this.stream(command, options.expectedSize ?? this.knownSizes.get(number), options.onProgress);
  }

  /** TOP n k as a stream: headers and the first k body lines. */
  top(number: number, lines: number, options: { onProgress?: (progress: BodyProgress) => void } = {}): Promise<BodyStream> {
    const command = buildCommand('TOP', [numberArg(number, 'Message number'), numberArg(lines, 'Line count', 0)]);
    return this.stream(command, this.knownSizes.get(number), options.onProgress);
  }

  /**
   * TOP n k for many messages, queued together so PIPELINING sends them in one
   * flight. Each result is bounded by `maxBytes` (the rest is discarded and
   * `truncated` set); a -ERR for one message is reported in its result.
   */
  topMany(numbers: readonly number[], lines = 0, maxBytes = this.limits.maxHeaderBytes): Promise<TopResult[]> {
    if (this.closed) return Promise.reject(this.closeError ?? new Pop3Error('CLOSED', 'The session is closed.'));
    if (numbers.length === 0) return Promise.resolve([]);
    // Callbacks, not a promise per command: a page is hundreds of these, and every promise costs
    // (more so under the async hooks a web framework installs).
    let commands: WireCommand[];
    try {
      commands = numbers.map((number) => buildCommand('TOP', [numberArg(number, 'Message number'), numberArg(lines, 'Line count', 0)]));
    } catch (error) {
      return Promise.reject(error);
    }
    return new Promise<TopResult[]>((resolve, reject) => {
      const results: TopResult[] = new Array<TopResult>(numbers.length);
      let left = numbers.length;
      let failed = false;
      const settle = (index: number, result: TopResult) => {
        if (failed || results[index] !== undefined) return;
        results[index] = result;
        if (--left === 0) resolve(results);
      };
      const fatal = (error: Pop3Error) => {
        if (failed) return;
        failed = true;
        reject(error);
      };
      numbers.forEach((number, index) => {
        const sink = new BufferSink(maxBytes, 'truncate', (error, data) => {
          if (error) fatal(error);
          else settle(index, { number, data, truncated: sink.truncated });
        });
        this.push(
          commands[index]!,
          { multiline: true, sink, expectedBytes: this.knownSizes.get(number) },
          noop,
          (error) => (error.fatal ? fatal(error) : settle(index, { number, error })),
        );
      });
      this.pump();
    });
  }

  async dele(number: number): Promise<void> {
    await this.simple(buildCommand('DELE', [numberArg(number, 'Message number')]));
  }

  async rset(): Promise<void> {
    await this.simple(buildCommand('RSET'));
  }

  async noop(): Promise<void> {
    await this.simple(buildCommand('NOOP'));
  }

  /** QUIT: in the TRANSACTION state this is what makes DELE marks permanent (RFC 1939 §6). */
  async quit(): Promise<void> {
    if (this.closed) return;
    try {
      await this.simple(buildCommand('QUIT'), { barrier: true });
    } finally {
      this.shutdown(new Pop3Error('CLOSED', 'The session has ended.'));
    }
  }

  /** Drops the connection without QUIT: the server forgets every DELE mark. */
  close(): void {
    this.shutdown(new Pop3Error('CLOSED', 'The session was closed.'));
  }

  /**
   * Parses a reply that was framed correctly but may say nonsense. Nonsense is
   * still a protocol error, and protocol errors are fatal: the server cannot be
   * trusted for the next reply either, so the client closes (STYLE §5).
   */
  private parsed<T>(parse: () => T): T {
    try {
      return parse();
    } catch (error) {
      if (error instanceof Pop3Error && error.fatal) this.fail(error);
      throw error;
    }
  }

  // ---- queue --------------------------------------------------------------

  private simple(
    command: WireCommand,
    options: { barrier?: boolean; duringAuth?: boolean; upgradeAfter?: boolean; onContinue?: (text: string) => string } = {},
  ): Promise<string> {
    return this.enqueue(command, { multiline: false, ...options });
  }

  private async collect(command: WireCommand, limit: number): Promise<Buffer> {
    const sink = new CollectSink(limit, 'fatal');
    await this.enqueue(command, { multiline: true, sink, maxLineBytes: this.limits.maxStatusLineBytes });
    return sink.done;
  }

  private async stream(command: WireCommand, expected: number | undefined, onProgress?: (progress: BodyProgress) => void): Promise<BodyStream> {
    const stream = new BodyStream({ expected, onProgress });
    try {
      await this.enqueue(command, { multiline: true, sink: stream, expectedBytes: expected });
    } catch (error) {
      stream.destroy();
      throw error;
    }
    return stream;
  }

  private enqueue(command: WireCommand, options: EnqueueOptions): Promise<string> {
    if (this.closed) return Promise.reject(this.closeError ?? new Pop3Error('CLOSED', 'The session is closed.'));
    return new Promise<string>((resolve, reject) => {
      this.push(command, options, resolve, reject);
      this.pump();
    });
  }

  /** Queues a command with its callbacks; the caller pumps (once for a whole batch). */
  private push(command: WireCommand, options: EnqueueOptions, onOk: (text: string) => void, onError: (error: Pop3Error) => void): void {
    this.waiting.push({
      command,
      barrier: options.barrier ?? false,
      duringAuth: options.duringAuth ?? false,
      multiline: options.multiline,
      expectedBytes: options.expectedBytes,
      maxLineBytes: options.maxLineBytes,
      sink: options.sink,
      onContinue: options.onContinue,
      upgradeAfter: options.upgradeAfter ?? false,
      onOk,
      onError,
    });
  }

  /** Writes as many waiting commands as the pipelining rules allow. */
  private pump(): void {
    if (this.closed || this.upgrading || this.waiting.length === 0) return;
    // A pipelined batch leaves as one write of one string (one segment), not a write per command; the
    // cork joins the batches of one turn (a page's headers and a prefetch asked together).
    const transport = this.transport;
    transport.cork();
    try {
      const batch = this.takeCommands();
      if (batch) transport.write(batch);
    } finally {
      process.nextTick(() => transport.uncork());
    }
  }

  /** Moves the commands that may be written now from waiting to in flight; returns their lines, joined. */
  private takeCommands(): string {
    let batch = '';
    while (!this.closed && !this.upgrading && this.waiting.length > 0) {
      const next = this.waiting[0]!;
      const busy = this.inflight.length > 0;
      if (busy) {
        if (!this.pipelining) break;
        if (next.barrier || this.inflight.some((p) => p.barrier)) break;
        if (this.inflight.length >= this.limits.maxPipelineDepth) break;
      }
      this.waiting.shift();
      this.inflight.push(next);
      if (next.command) {
        this.transcript('client', next.command.redacted);
        batch += next.command.line;
      }
      if (this.inflight.length === 1) this.startDeadline();
    }
    return batch;
  }

  /** A line that answers the server (a SASL continuation), shown in the transcript as `shown`. */
  private writeReply(line: string, shown: string): void {
    this.transcript('client', shown);
    this.transport.write(line);
  }

  // ---- reading ------------------------------------------------------------

  private async readGreeting(): Promise<void> {
    const greeting = new Promise<string>((resolve, reject) => {
      this.inflight.push({
        command: null,
        barrier: true,
        duringAuth: false,
        multiline: false,
        upgradeAfter: false,
        onOk: resolve,
        onError: reject,
      });
    });
    this.startDeadline(this.limits.greetingTimeoutMs);
    try {
      this.greeting = await greeting;
    } catch (error) {
      // A -ERR greeting means the server will not talk to us: the connection is over.
      const failure = error instanceof Pop3Error ? error : new Pop3Error('PROTOCOL_ERROR', 'Bad greeting.', { cause: error });
      this.shutdown(failure);
      throw failure;
    }
    this.apopTimestamp = extractApopTimestamp(this.greeting);
  }

  /**
   * The whole login shares one budget: a server that stalls anywhere between the greeting and the
   * end of authentication (or drips its replies to stretch each command's own deadline) fails in time.
   */
  private armLoginDeadline(at: number): void {
    this.loginTimer = setTimeout(() => {
      this.loginTimer = undefined;
      if (this.state === 'authorization') this.fail(new Pop3Error('TIMEOUT', 'The server did not complete the login in time.'));
    }, Math.max(0, at - Date.now()));
    this.loginTimer.unref?.();
  }

  /** A lost connection before the login is complete is the server's doing at login, not a session to reconnect. */
  private closedError(what: string, cause?: Error): Pop3Error {
    if (this.state === 'authorization') return new Pop3Error('CLOSED_DURING_LOGIN', `${what} before the login was complete.`, { cause });
    return new Pop3Error('CLOSED', `${what}.`, { cause });
  }

  private attach(transport: Duplex): void {
    transport.on('data', this.onData);
    transport.on('end', this.onEnd);
    transport.on('close', this.onEnd);
    transport.on('error', this.onSocketError);
  }

  private detach(transport: Duplex): void {
    transport.off('data', this.onData);
    transport.off('end', this.onEnd);
    transport.off('close', this.onEnd);
    transport.off('error', this.onSocketError);
  }

  private receive(chunk: Buffer): void {
    if (this.closed) return;
    if (this.upgrading) {
      this.fail(new Pop3Error('PROTOCOL_ERROR', 'The server sent unencrypted data after agreeing to start TLS.'));
      return;
    }
    this.buffer = this.buffer.length === 0 ? chunk : Buffer.concat([this.buffer, chunk]);
    try {
      this.process();
    } catch (error) {
      this.fail(error instanceof Pop3Error ? error : new Pop3Error('PROTOCOL_ERROR', 'The server reply could not be read.', { cause: error }));
    }
  }

  private process(): void {
    while (this.buffer.length > 0 && !this.closed && !this.upgrading) {
      const head = this.inflight[0];
      if (!head) throw new Pop3Error('PROTOCOL_ERROR', 'The server sent data nobody asked for.');
      if (this.body) {
        this.processBody(this.body, head);
        if (this.pausedForSink) return;
        continue;
      }
      const lf = this.buffer.indexOf(LF);
      if (lf < 0 || lf >= this.limits.maxStatusLineBytes) {
        if (this.buffer.length >= this.limits.maxStatusLineBytes) {
          throw new Pop3Error('LIMIT_EXCEEDED', `The server sent a status line longer than ${this.limits.maxStatusLineBytes} bytes.`);
        }
        return;
      }
      const line = this.buffer.subarray(0, lf + 1);
      this.buffer = this.buffer.subarray(lf + 1);
      this.handleStatus(head, parseStatusLine(line, this.scrub));
    }
  }

  private handleStatus(head: Pending, status: StatusLine): void {
    const redactedStatus = head.duringAuth && status.kind === 'continue' ? '+ ********' : statusText(status);
    this.transcript('server', redactedStatus);
    switch (status.kind) {
      case 'ok': {
        if (head.multiline && head.sink) {
          this.body = { decoder: new DotDecoder(head.maxLineBytes ?? this.limits.maxBodyLineBytes), received: 0, sink: head.sink };
          head.onOk(status.text);
          return;
        }
        // Stop before `complete` lets the queue write anything else in the clear.
        if (head.upgradeAfter && head.command) this.beginUpgrade(head.command);
        this.complete(head);
        head.onOk(status.text);
        return;
      }
      case 'err': {
        this.complete(head);
        const code = errorCodeFor(status.respCode, head.duringAuth, status.text);
        const verb = head.command?.verb ?? 'greeting';
        const error = new Pop3Error(code, `The server refused ${verb}: ${printable(status.text, 200) || 'no reason given'}`, {
          command: head.command?.redacted,
          response: printable(status.text, 200),
          respCode: status.respCode,
        });
        // No body was started, so no sink has been handed out: rejecting the command is enough.
        // (Failing a BodyStream nobody holds yet would emit an unhandled 'error' and crash the process.)
        head.onError(error);
        return;
      }
      case 'continue': {
        if (!head.onContinue) throw new Pop3Error('PROTOCOL_ERROR', 'The server sent a continuation nobody asked for.');
        const reply = head.onContinue(status.text);
        // Only the response that carries the secret is hidden; a cancel or an error-challenge answer is not secret.
        const shown = reply === '*' || reply === 'AQ==' ? reply : reply === '' ? '(empty line)' : '********';
        this.writeReply(`${reply}\r\n`, shown);
        return;
      }
      default: {
        const unreachable: never = status;
        throw new Error(`unknown status ${String(unreachable)}`);
      }
    }
  }

  private processBody(body: BodyState, head: Pending): void {
    const result = body.decoder.push(this.buffer);
    this.buffer = result.done ? result.rest : EMPTY;
    let wantsMore = true;
    for (const piece of result.pieces) {
      body.received += piece.length;
      this.deadline?.addBytes(piece.length);
      if (body.received > this.limits.maxMessageBytes) {
        throw new Pop3Error('LIMIT_EXCEEDED', `The server sent a reply larger than ${this.limits.maxMessageBytes} bytes.`);
      }
      if (head.expectedBytes !== undefined && body.received > head.expectedBytes * 2 + 1024 * 1024) {
        throw new Pop3Error('PROTOCOL_ERROR', 'The server sent far more than the size it announced.');
      }
      wantsMore = body.sink.write(piece) && wantsMore;
    }
    if (result.done) {
      this.transcript('server', `[${body.received} bytes]`, true);
      this.body = undefined;
      this.complete(head);
      body.sink.end();
      return;
    }
    if (!wantsMore) this.pauseForSink(body.sink);
  }

  private pauseForSink(sink: BodySink): void {
    this.pausedForSink = true;
    this.transport.pause();
    this.deadline?.pause();
    sink.onDrain(() => {
      if (!this.pausedForSink || this.closed) return;
      this.pausedForSink = false;
      this.deadline?.resume();
      this.transport.resume();
    });
  }

  /** The head command's reply is complete: move on, give the next one its own time, write more. */
  private complete(head: Pending): void {
    const index = this.inflight.indexOf(head);
    if (index >= 0) this.inflight.splice(index, 1);
    if (this.inflight.length > 0) {
      // The deadline that ran for this reply goes on for the next (it is started with the first in flight).
      if (this.deadline) this.deadline.restart();
      else this.startDeadline();
    } else {
      this.deadline?.clear();
      this.deadline = undefined;
    }
    this.pump();
  }

  private beginUpgrade(command: WireCommand): void {
    // Bytes already buffered behind the +OK were sent in the clear: an injection attempt (RFC 2595 §3.1 hazard).
    if (this.buffer.length > 0) {
      this.fail(new Pop3Error('PROTOCOL_ERROR', `The server sent unencrypted data after agreeing to ${command.verb}.`));
      return;
    }
    this.upgrading = true;
    this.transport.pause();
    this.detach(this.transport);
    // Still watch the raw socket for errors while the handshake runs.
    this.transport.on('error', this.onSocketError);
  }

  private startDeadline(baseMs = this.limits.commandTimeoutMs): void {
    this.deadline?.clear();
    // The command named is the one at the head when time runs out (the deadline outlives the head it started with).
    this.deadline = new Deadline(baseMs, 1000 / this.limits.minBytesPerSecond, () => {
      const head = this.inflight[0];
      const verb = head?.command?.verb ?? 'greeting';
      this.fail(new Pop3Error('TIMEOUT', `The server did not answer ${verb} in time.`, { command: head?.command?.redacted }));
    });
    // No credit up front for the size LIST announced: that number comes from the server, and crediting it
    // let a server that claimed a huge message drip (or stay silent) for hours. Bytes actually received
    // earn time in processBody, so any transfer at or above minBytesPerSecond never runs out.
    this.deadline.start();
  }

  // ---- failure ------------------------------------------------------------

  /** Fatal: destroy the transport and reject everything in flight. Never try to resync. */
  private fail(error: Pop3Error): void {
    if (this.closed) return;
    this.shutdown(error);
  }

  private shutdown(error: Pop3Error): void {
    if (this.closed) return;
    this.state = 'closed';
    this.closeError = error;
    clearTimeout(this.loginTimer);
    this.loginTimer = undefined;
    this.deadline?.clear();
    this.deadline = undefined;
    this.detach(this.transport);
    // Keep a listener so a late socket error is not an uncaught exception.
    this.transport.on('error', () => undefined);
    this.transport.destroy();
    // Only the body being received has a sink someone may hold; every other command
    // learns of the failure through its rejected promise.
    const body = this.body;
    this.body = undefined;
    body?.sink.fail(error);
    const everyone = [...this.inflight.splice(0), ...this.waiting.splice(0)];
    for (const pending of everyone) pending.onError(error);
    this.resolveClosed();
  }

  private transcript(direction: TranscriptEntry['direction'], text: string, summary = false): void {
    const sink = this.options.onTranscript;
    if (!sink) return;
    sink({ direction, text: summary ? text : printable(text, 300) });
  }
}

function statusText(status: StatusLine): string {
  switch (status.kind) {
    case 'ok':
      return status.text ? `+OK ${status.text}` : '+OK';
    case 'err':
      return ['-ERR', status.respCode ? `[${status.respCode}]` : '', status.text].filter(Boolean).join(' ');
    case 'continue':
      return status.text ? `+ ${status.text}` : '+';
  }
}

/** The secret as it may come back in a status line (decoded as latin1), and the SASL blobs that carry it. */
function secretForms(username: string, secret: string, server?: { host: string; port: number }): string[] {
  if (secret.length === 0) return [];
  const forms = new Set([
    secret,
    Buffer.from(secret, 'utf8').toString('latin1'),
    saslPlainResponse(username, secret),
    xoauth2Response(username, secret),
    oauthBearerResponse(username, secret, server),
  ]);
  return [...forms];
}

function assertUniqueNumbers(entries: readonly { number: number }[]): void {
  const seen = new Set<number>();
  for (const entry of entries) {
    if (seen.has(entry.number)) throw new Pop3Error('PROTOCOL_ERROR', `The server listed message ${entry.number} twice.`);
    seen.add(entry.number);
  }
}
