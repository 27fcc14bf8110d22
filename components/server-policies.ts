import type { ServerInWords } from './api-panels';

/** What each policy means for the person, one sentence each. */
export function policySentences(policies: ServerInWords['policies']): Array<{ name: string; sentence: string }> {
  const { expireDays, loginDelaySeconds, pipelining, top, uidl } = policies;
  const minutes = loginDelaySeconds === null ? 0 : Math.ceil(loginDelaySeconds / 60);
  return [
    {
      name: 'LOGIN-DELAY',
      sentence:
        loginDelaySeconds === null || loginDelaySeconds === 0
          ? 'The server asks for no pause between logins: Refresh and Apply can log in again at once.'
          : `The server wants ${loginDelaySeconds < 120 ? `${loginDelaySeconds} seconds` : `about ${minutes} minutes`} between logins, so Apply (which logs in again) may have to wait that long before the list comes back.`,
    },
    {
      name: 'EXPIRE',
      sentence:
        expireDays === null
          ? 'The server said nothing about removing mail by itself (or it keeps mail until you delete it).'
          : expireDays === 0
            ? 'The server may remove a message as soon as it has been downloaded once: reading in full can be the last time you see it here (the peek is free).'
            : `The server removes messages ${expireDays} day${expireDays === 1 ? '' : 's'} after they were first downloaded.`,
    },
    {
      name: 'PIPELINING',
      sentence: pipelining
        ? 'The server accepts several commands at once, so long lists load in fewer round trips.'
        : 'The server takes one command at a time: each message header costs a round trip, so long lists load more slowly.',
    },
    {
      name: 'TOP',
      sentence: top
        ? 'The server can send just the headers and first lines of a message: peeks and the list cost only those lines.'
        : 'The server cannot send only part of a message: a peek must download it whole.',
    },
    {
      name: 'UIDL',
      sentence: uidl
        ? 'The server gives each message a lasting id: links, read state and rules recognise a message across logins.'
        : 'The server gives no lasting ids: Postern has to recognise messages from their headers, which is less certain.',
    },
  ];
}
