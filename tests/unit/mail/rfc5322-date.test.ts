/**
 * The Date header read by hand (lib/mail/rfc5322-date.ts) must give what
 * `new Date(value).toISOString()` gives, invalid dates included: every field
 * is swept across and beyond its range, and the common form is mutated the
 * ways real headers differ. Where the hand reading declines, V8 reads.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isoDate } from '../../../lib/mail/rfc5322-date';
import { seededRandom } from '../../support/seeded-random';

function viaDate(value: string): string | null {
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? null : date.toISOString();
}

const DAYS = ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const two = (value: number) => String(value).padStart(2, '0');

/** The values where isoDate and new Date disagree. */
function disagreeing(values: Iterable<string>): string[] {
  const found: string[] = [];
  for (const value of values) if (isoDate(value) !== viaDate(value)) found.push(`${JSON.stringify(value)}: ${isoDate(value)} ≠ ${viaDate(value)}`);
  return found;
}

/** Runs `body` counting the Dates it constructs. */
function datesConstructed(body: () => void): number {
  const RealDate = Date;
  let count = 0;
  globalThis.Date = new Proxy(RealDate, {
    construct(target, args: ConstructorParameters<DateConstructor>) {
      count++;
      return new target(...args);
    },
  });
  try {
    body();
  } finally {
    globalThis.Date = RealDate;
  }
  return count;
}

function* everyDay(): Generator<string> {
  // Leap rules (1900, 2000, 2024, 2100), the year bounds of the hand reading, days 0 to 32 of every month.
  for (const year of [999, 1000, 1900, 1970, 2000, 2023, 2024, 2100, 9999]) {
    for (const [month, name] of MONTHS.entries()) {
      for (let day = 0; day <= 32; day++) {
        for (const zone of ['+0000', '-2359', '+2359', '+0530']) {
          const dayName = DAYS[(day + month) % 7];
          yield `${dayName}, ${day % 2 ? two(day) : day} ${name} ${year} 00:00:00 ${zone}`;
          yield `${day} ${name} ${year} 23:59:59 ${zone}`;
        }
      }
    }
  }
}

function* everyTimeAndZone(): Generator<string> {
  for (let hour = 0; hour <= 25; hour++) for (let minute = 0; minute <= 61; minute++) yield `Tue, 29 Feb 2000 ${two(hour)}:${two(minute)}:${two(minute)} -0100`;
  for (let hours = 0; hours <= 30; hours++) {
    for (let minutes = 0; minutes <= 99; minutes++) {
      yield `Sun, 31 Dec 2023 23:59:59 +${two(hours)}${two(minutes)}`;
      yield `Mon, 1 Jan 2024 00:00:00 -${two(hours)}${two(minutes)}`;
    }
  }
}

const PIECES = ['Mon', 'mon', 'Xyz', ', ', ',', ' ', '  ', '1', '08', '008', 'Jan', 'jan', 'January', '2024', '24', '0024', '12024', '3', ':', '00', '60', '+', '-', '0500', '500', '05000', 'GMT', 'UT', 'Z', '(CET)', '\t', 'T', '.', 'é', '2024-01-08', '00:00:00'];

function* mutated(count: number): Generator<string> {
  const random = seededRandom(5);
  for (let i = 0; i < count; i++) {
    let value = 'Mon, 08 Jan 2024 03:00:00 -0500';
    for (let edits = Math.floor(random() * 3) + 1; edits > 0; edits--) {
      const at = Math.floor(random() * (value.length + 1));
      const piece = random() < 0.7 ? PIECES[Math.floor(random() * PIECES.length)]! : '';
      value = value.slice(0, at) + piece + value.slice(at + Math.floor(random() * 3));
    }
    yield value;
  }
}

test('every day of every month, every time of day and every zone read as new Date reads them', () => {
  assert.deepEqual(disagreeing(everyDay()).slice(0, 5), []);
  assert.deepEqual(disagreeing(everyTimeAndZone()).slice(0, 5), []);
});

test('the common form, mutated, reads as new Date reads it', () => {
  assert.deepEqual(disagreeing(mutated(50_000)).slice(0, 5), []);
});

test('the RFC 5322 form is read by hand; what V8 reads its own way is left to it', () => {
  const readByHand = ['Mon, 08 Jan 2024 03:00:00 -0500', '8 Jan 2024 03:00:00 +0000', 'Thu, 29 Feb 2024 23:59:59 +1400', 'Fri, 31 Dec 9999 18:00:00 -0500'];
  for (const value of readByHand) assert.equal(datesConstructed(() => isoDate(value)), 0, value);
  const leftToV8 = [
    'Mon, 08 Jan 2024 03:00:00 GMT', // a named zone
    'Tue, 1 Jul 2003 10:52:37 +0200 (CEST)', // a comment
    'mon, 08 jan 2024 03:00:00 -0500', // names in another case
    'Mon, 31 Feb 2024 03:00:00 -0500', // beyond its month: V8 moves on into March
    'Mon, 08 Jan 2024 24:00:00 -0500', // hour 24: the next day for V8
    'Mon, 08 Jan 2024 23:59:60 -0500', // a leap second
    'Mon, 08 Jan 2024 03:00:00 +0060', // 60 zone minutes
    'Mon, 08 Jan 0049 03:00:00 -0500', // V8 reads 0049 as 2049
    'Fri, 31 Dec 9999 23:00:00 -0500', // UTC in year 10000, a six-digit year for toISOString
    '2024-01-08T03:00:00Z',
    'not a date',
  ];
  for (const value of leftToV8) assert.equal(datesConstructed(() => isoDate(value)), 1, value);
  assert.deepEqual(disagreeing(leftToV8), []);
});
