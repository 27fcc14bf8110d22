import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MAX_REPLY_LINK_CHARS, replyLink } from '../../../components/reply-link';

const base = {
  from: { name: 'Ada Lovelace', address: 'ada@example.org' },
  replyTo: [] as Array<{ name: string; address: string }>,
  subject: 'Lunch on Thursday?',
  date: '2024-03-04T09:15:00.000Z',
  text: 'Shall we meet at noon?\nBring the notes.',
};

function parse(href: string) {
  assert.ok(href.startsWith('mailto:'));
  const [to, query] = href.slice('mailto:'.length).split('?');
  const params = new URLSearchParams(query);
  return { to: decodeURIComponent(to ?? ''), subject: params.get('subject'), body: params.get('body') ?? '' };
}

test('to the sender, Re: once, the text quoted with CRLF line ends and %20 for spaces', () => {
  const href = replyLink(base);
  assert.ok(!href.includes('+'), 'spaces are %20, which every mail app reads as spaces');
  const { to, subject, body } = parse(href);
  assert.equal(to, 'ada@example.org');
  assert.equal(subject, 'Re: Lunch on Thursday?');
  assert.match(body, /Ada Lovelace wrote:\r\n> Shall we meet at noon\?\r\n> Bring the notes\.$/);
  assert.equal(parse(replyLink({ ...base, subject: 'RE: Lunch' })).subject, 'RE: Lunch');
});

test('Reply-To wins over From', () => {
  assert.equal(parse(replyLink({ ...base, replyTo: [{ name: '', address: 'list@example.org' }] })).to, 'list@example.org');
});

test('a long message is cut to a bounded link that says it was cut', () => {
  const text = Array.from({ length: 5000 }, (_, n) => `line ${n} ${'é'.repeat(50)}`).join('\n');
  const href = replyLink({ ...base, text });
  assert.ok(href.length <= MAX_REPLY_LINK_CHARS, `${href.length} characters`);
  const { body } = parse(href);
  assert.match(body, /> line 0 /);
  assert.match(body, /> \[…\]$/);
});

test('an address cannot smuggle more fields into the link', () => {
  const href = replyLink({ ...base, from: { name: 'x', address: 'a@b.example?bcc=evil@example.com' } });
  assert.equal(parse(href).to, 'a@b.example?bcc=evil@example.com');
  assert.equal(new URLSearchParams(href.split('?')[1]).get('bcc'), null);
});
