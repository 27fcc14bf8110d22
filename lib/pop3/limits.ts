/**
 * Every wait has a named deadline and every read a named bound. All in one
 * place so the app can override them from its validated environment.
 */
export interface Pop3Limits {
  /** One budget for DNS + TCP + TLS handshake (implicit TLS): how long reaching the server may take. */
  connectTimeoutMs: number;
  /**
   * One budget for the whole login, counted from the first DNS lookup: connect, greeting, CAPA,
   * STLS and its handshake, CAPA again and authentication. Each step spends what the steps before
   * left; none starts a fresh budget, so a server that stalls half-way fails within this time.
   */
  loginTimeoutMs: number;
  /** From connected to a complete greeting line (within the login budget). */
  greetingTimeoutMs: number;
  /** Overall deadline for a single-line reply, and the base for multi-line ones. */
  commandTimeoutMs: number;
  /** Multi-line replies earn 1/minBytesPerSecond s per byte received, so a huge RETR at a healthy rate is not cut off while a drip still is. */
  minBytesPerSecond: number;
  /** A status line (or a LIST/UIDL/CAPA line) longer than this is a protocol error. */
  maxStatusLineBytes: number;
  /** One line inside a message body; generous because real HTML mail has long lines. */
  maxBodyLineBytes: number;
  /** A whole LIST/UIDL/CAPA reply. */
  maxListingBytes: number;
  /** A whole RETR/TOP body. */
  maxMessageBytes: number;
  /** Headers kept from `TOP n 0`; the rest is read and discarded. Per message: see maxHeaderBatchBytes for many. */
  maxHeaderBytes: number;
  /**
   * Header sections held at once by one caller fetching many (the header cache's pipelined `TOP n 0`
   * batches), counting each as its LIST size up to maxHeaderBytes: a filter over 4,000 messages with
   * 200 KiB headers would otherwise hold ~1 GB of sections before summarizing any.
   */
  maxHeaderBatchBytes: number;
  /** Most commands written ahead of their replies when PIPELINING is on. */
  maxPipelineDepth: number;
  /** A message number, count or size above this is treated as nonsense. */
  maxReasonableCount: number;
}

export const DEFAULT_LIMITS: Readonly<Pop3Limits> = Object.freeze({
  connectTimeoutMs: 15_000,
  loginTimeoutMs: 20_000,
  greetingTimeoutMs: 15_000,
  commandTimeoutMs: 30_000,
  minBytesPerSecond: 32 * 1024,
  maxStatusLineBytes: 8 * 1024,
  maxBodyLineBytes: 4 * 1024 * 1024,
  maxListingBytes: 64 * 1024 * 1024,
  maxMessageBytes: 1024 * 1024 * 1024,
  maxHeaderBytes: 256 * 1024,
  maxHeaderBatchBytes: 16 * 1024 * 1024,
  maxPipelineDepth: 512,
  maxReasonableCount: Number.MAX_SAFE_INTEGER,
});

export function resolveLimits(overrides?: Partial<Pop3Limits>): Pop3Limits {
  return { ...DEFAULT_LIMITS, ...overrides };
}
