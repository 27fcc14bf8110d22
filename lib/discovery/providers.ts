/**
 * POP3 settings of common mail providers, by the domains of their addresses.
 *
 * Every entry names where it was checked (2026-12-02, with the project's
 * search tool): `source` is the provider's own help page where the index had
 * it, else the closest faithful copy or Thunderbird's ISPDB (the database
 * Thunderbird's account wizard uses), and the comment beside it says which;
 * `crossCheck` is the ISPDB entry that agrees. Domains are the ones those
 * sources list (not every vanity domain).
 *
 * The table only proposes settings; the login still checks the host and port
 * against the deployment's host policy like any typed server.
 */

export type DiscoveredSecurity = 'tls' | 'starttls';

export interface Pop3Settings {
  host: string;
  port: number;
  security: DiscoveredSecurity;
}

export interface ProviderEntry {
  /** Short stable name, for tests and logs. */
  id: string;
  /** What the person calls it. */
  name: string;
  /** Address domains (lower case, ASCII) this entry covers; matched exactly. */
  domains: readonly string[];
  /** Null when the provider offers no POP3 at all. */
  pop3: Pop3Settings | null;
  /** A sentence for the person: what else they need (an app password, POP switched on, OAuth). */
  note?: string;
  /** Where there is no POP3: the plain sentence shown instead of settings. */
  noPop3?: string;
  source: string;
  crossCheck?: string;
}

const ISPDB = 'https://github.com/thunderbird/autoconfig/blob/master/ispdb/';

export const PROVIDERS: readonly ProviderEntry[] = [
  {
    id: 'gmail',
    name: 'Gmail',
    domains: ['gmail.com', 'googlemail.com'],
    pop3: { host: 'pop.gmail.com', port: 995, security: 'tls' },
    note:
      'Gmail needs POP switched on in its settings (Forwarding and POP/IMAP), and an app password or "Sign in with Google"; your normal Google password is refused.',
    // Google's settings text (pop.gmail.com, 995, SSL required; SASL XOAUTH2), as quoted with "source: GOOGLE".
    source: 'https://mailconfiguration.com/gmail/gmail-imap-pop-smtp-settings/',
    crossCheck: `${ISPDB}googlemail.com.xml`,
  },
  {
    id: 'outlook',
    name: 'Outlook.com',
    // Microsoft's consumer domains; ISPDB lists the same set (and many country variants, of which the common ones are here).
    domains: [
      'outlook.com', 'hotmail.com', 'live.com', 'msn.com', 'windowslive.com',
      'outlook.de', 'outlook.fr', 'outlook.es', 'outlook.it', 'outlook.jp', 'outlook.com.au', 'outlook.com.br',
      'hotmail.co.uk', 'hotmail.de', 'hotmail.fr', 'hotmail.es', 'hotmail.it', 'hotmail.nl', 'hotmail.ca', 'hotmail.com.au',
      'hotmail.com.br', 'hotmail.co.jp', 'live.co.uk', 'live.de', 'live.fr', 'live.it', 'live.nl', 'live.ca', 'live.com.au',
    ],
    pop3: { host: 'outlook.office365.com', port: 995, security: 'tls' },
    note:
      'Outlook.com accepts only "Sign in with Microsoft" (OAuth) for POP3, and POP must be switched on in Outlook.com under Settings › Mail › Forwarding and IMAP.',
    // Microsoft's "POP, IMAP, and SMTP settings for Outlook.com": POP server outlook.office365.com, 995, SSL/TLS, OAuth2/Modern Auth.
    source: 'https://support.microsoft.com/en-us/office/pop-imap-and-smtp-settings-8361e398-8af4-4e97-b147-6c6c4ac95353',
    crossCheck: `${ISPDB}hotmail.com.xml`,
  },
  {
    id: 'yahoo',
    name: 'Yahoo Mail',
    domains: [
      'yahoo.com', 'ymail.com', 'rocketmail.com', 'myyahoo.com', 'yahoo.co.uk', 'yahoo.de', 'yahoo.fr', 'yahoo.it',
      'yahoo.es', 'yahoo.se', 'yahoo.co.in', 'yahoo.co.nz', 'yahoo.com.au', 'yahoo.com.ar', 'yahoo.com.br', 'yahoo.com.mx',
    ],
    pop3: { host: 'pop.mail.yahoo.com', port: 995, security: 'tls' },
    note: 'Yahoo needs an app password (Account security › Generate app password); your normal password is refused.',
    // Yahoo's POP help page as linked from ISPDB; server, port, SSL and the app password confirmed by a summary of Yahoo's help.
    source: 'https://help.yahoo.com/kb/new-mail-for-desktop/pop-access-settings-instructions-yahoo-mail-sln4724.html',
    crossCheck: `${ISPDB}yahoo.com.xml`,
  },
  {
    id: 'aol',
    name: 'AOL Mail',
    domains: ['aol.com', 'aim.com', 'netscape.net', 'aol.de', 'aol.fr', 'aol.it', 'aol.co.uk', 'aol.com.au'],
    pop3: { host: 'pop.aol.com', port: 995, security: 'tls' },
    note: 'AOL needs an app password for mail programs.',
    // AOL's help page as linked from ISPDB (AOL's own page was not in the search index).
    source: 'https://help.aol.com/articles/how-do-i-use-other-email-applications-to-send-and-receive-my-aol-mail',
    crossCheck: `${ISPDB}aol.com.xml`,
  },
  {
    id: 'gmx-de',
    name: 'GMX',
    domains: ['gmx.net', 'gmx.de', 'gmx.at', 'gmx.ch', 'gmx.eu', 'gmx.org', 'gmx.info', 'gmx.biz'],
    pop3: { host: 'pop.gmx.net', port: 995, security: 'tls' },
    note: 'POP3 must be allowed once in the GMX web mail settings (POP3 & IMAP Abruf).',
    source: 'https://hilfe.gmx.net/pop-imap/einschalten.html',
    crossCheck: `${ISPDB}gmx.net.xml`,
  },
  {
    id: 'gmx-com',
    name: 'GMX',
    domains: ['gmx.com'],
    pop3: { host: 'pop.gmx.com', port: 995, security: 'tls' },
    note: 'POP3 must be allowed once in the GMX web mail settings.',
    // GMX's international help covers POP3 but its server page was not in the index: ISPDB's gmx.com entry.
    source: 'https://support.gmx.com/pop-imap/imap/imap.html',
    crossCheck: `${ISPDB}gmx.com.xml`,
  },
  {
    id: 'webde',
    name: 'WEB.DE',
    domains: ['web.de'],
    pop3: { host: 'pop3.web.de', port: 995, security: 'tls' },
    note: 'POP3 must be allowed once in the WEB.DE settings; WEB.DE accepts a check at most every 15 minutes.',
    source: 'https://hilfe.web.de/pop-imap/einschalten.html',
    crossCheck: `${ISPDB}web.de.xml`,
  },
  {
    id: 'yandex',
    name: 'Yandex Mail',
    domains: ['yandex.com', 'yandex.ru', 'yandex.by', 'yandex.kz', 'yandex.ua', 'yandex.net', 'ya.ru', 'narod.ru'],
    pop3: { host: 'pop.yandex.com', port: 995, security: 'tls' },
    note: 'Yandex needs POP3 switched on (Settings › Email clients) and an app password.',
    // Yandex's own help (seen only through mirrors: SSL, port 995) was not in the index: the host is ISPDB's.
    source: `${ISPDB}yandex.ru.xml`,
  },
  {
    id: 'mailru',
    name: 'Mail.ru',
    domains: ['mail.ru', 'inbox.ru', 'list.ru', 'bk.ru'],
    pop3: { host: 'pop.mail.ru', port: 995, security: 'tls' },
    note: 'Mail.ru needs a password for external apps (Settings › Security).',
    // Mail.ru's own help page was not in the index: ISPDB's entry, which links help.mail.ru.
    source: `${ISPDB}mail.ru`,
  },
  {
    id: 'zoho',
    name: 'Zoho Mail',
    domains: ['zoho.com'],
    pop3: { host: 'pop.zoho.com', port: 995, security: 'tls' },
    note: 'POP access must be switched on in Zoho Mail (Settings › Mail Accounts › POP Access); free accounts made since 2019 have none.',
    source: 'https://www.zoho.com/mail/help/pop-access.html',
  },
  {
    id: 'fastmail',
    name: 'Fastmail',
    domains: ['fastmail.com', 'fastmail.fm', 'messagingengine.com'],
    pop3: { host: 'pop.fastmail.com', port: 995, security: 'tls' },
    note: 'Fastmail needs an app password; your normal password is refused.',
    source: 'https://www.fastmail.com/help/technical/servernamesandports.html',
    crossCheck: `${ISPDB}messagingengine.com.xml`,
  },
  {
    id: 't-online',
    name: 'Telekom (T-Online)',
    domains: ['t-online.de', 'magenta.de'],
    pop3: { host: 'securepop.t-online.de', port: 995, security: 'tls' },
    note: 'T-Online needs a separate e-mail password (set in the Telekom customer centre); the web login password is refused.',
    // Telekom's page as linked from ISPDB; securepop.t-online.de confirmed by Telekom's 2014 announcement (dpa).
    source: 'https://www.telekom.de/hilfe/apps-dienste/e-mail/einstellungen/posteingang-postausgang-server',
    crossCheck: `${ISPDB}t-online.de.xml`,
  },
  {
    id: 'orange',
    name: 'Orange',
    domains: ['orange.fr', 'wanadoo.fr'],
    pop3: { host: 'pop.orange.fr', port: 995, security: 'tls' },
    // Orange's help page as linked from ISPDB.
    source:
      'https://assistance.orange.fr/ordinateurs-peripheriques/installer-et-utiliser/l-utilisation-du-mail-et-du-cloud/mail/les-logiciels-de-messagerie/thunderbird/thunderbird-pc-creer-un-compte-de-messagerie_65963-66803',
    crossCheck: `${ISPDB}francetelecom.fr`,
  },
  {
    id: 'libero',
    name: 'Libero Mail',
    domains: ['libero.it', 'iol.it', 'blu.it', 'inwind.it', 'giallo.it'],
    pop3: { host: 'popmail.libero.it', port: 995, security: 'tls' },
    source: 'https://aiuto.libero.it/articolo/mail/parametri-di-configurazione-per-il-client-di-posta/',
    crossCheck: `${ISPDB}libero.it`,
  },
  {
    id: 'comcast',
    name: 'Xfinity (Comcast)',
    domains: ['comcast.net'],
    pop3: { host: 'mail.comcast.net', port: 995, security: 'tls' },
    note: 'Third-party access must be switched on in the Xfinity mail settings.',
    source: 'https://www.xfinity.com/support/articles/third-party-email-access',
    crossCheck: `${ISPDB}comcast.net.xml`,
  },
  {
    id: 'icloud',
    name: 'iCloud Mail',
    domains: ['icloud.com', 'me.com', 'mac.com'],
    pop3: null,
    noPop3: 'iCloud Mail offers no POP3; use IMAP.',
    // Apple's own page was not in the index; this summary of it says "iCloud does not support POP mail".
    source: 'https://www.lifewire.com/what-are-icloud-mail-imap-settings-1170502',
    crossCheck: `${ISPDB}me.com.xml`,
  },
  {
    id: 'proton',
    name: 'Proton Mail',
    domains: ['proton.me', 'protonmail.com', 'protonmail.ch', 'pm.me'],
    pop3: null,
    noPop3: 'Proton Mail offers no POP3 (only IMAP, through Proton Mail Bridge).',
    // Bridge's README ("Why do I need bridge?"): a local IMAP and SMTP server, nothing else.
    source: 'https://github.com/ProtonMail/proton-bridge',
  },
];

const BY_DOMAIN: ReadonlyMap<string, ProviderEntry> = new Map(
  PROVIDERS.flatMap((entry) => entry.domains.map((domain) => [domain, entry] as const)),
);

/** The entry for an address domain (already lower case, ASCII, without a trailing dot), or undefined. */
export function lookupProvider(domain: string): ProviderEntry | undefined {
  return BY_DOMAIN.get(domain);
}
