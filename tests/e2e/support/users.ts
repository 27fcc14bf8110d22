/**
 * One Dovecot user per kind of test, so tests that delete never disturb tests that read.
 * Every user gets the sample maildrop unless said otherwise.
 */
export const USERS = {
  /** Read-only tests: inbox, peek, read, attachments, source, a11y. */
  reader: 'reader',
  /** Peek: the server log must show TOP and no RETR for this user. */
  peeker: 'peeker',
  /** Logs in with each security mode (sessions only, nothing changes). */
  login: 'login',
  /** Delete + undo, and the logout confirmation. */
  undoer: 'undoer',
  /** Multi-select + apply. */
  applier: 'applier',
  /** Apply whose new login is refused: the list keeps what it knows. */
  offline: 'offline',
  /** Keyboard flow (marks, undo, refresh with new mail). */
  keys: 'keys',
  /** Phone-width layout. */
  phone: 'phone',
  /** The realistic demo maildrop, for screenshots. */
  demo: 'demo',
  /** No mail at all. */
  empty: 'empty',
  /** 10,000 small messages: the list must stay smooth. */
  many: 'many',
  /** Issue 11's inbox flow at desktop width: URLs, one-click reading, delete-and-next, undo one, read state. */
  flow: 'flow',
  /** The same flow at phone width (its own account: read state and marks are per account). */
  flowPhone: 'flow-phone',
  /** Mail written to break a reader (tests/support/hostile-mail.ts): bidi names, a MIME tree too wide to display. */
  hostile: 'hostile',
  /** Rules, proposals and Apply at desktop width (rules are per account: one account per width). */
  rules: 'rules',
  /** The same at phone width. */
  rulesPhone: 'rulesphone',
} as const;

export type UserName = (typeof USERS)[keyof typeof USERS];
