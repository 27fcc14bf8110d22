/**
 * The instant of a Date header, as `new Date(value).toISOString()` gives it,
 * or null where that is an invalid date.
 *
 * Almost every Date header is in RFC 5322's own form
 * (`Mon, 8 Jan 2024 03:00:00 -0500`). That form is read here by hand, in a
 * fifth of the time `new Date(value).toISOString()` takes (which was a sixth
 * of an inbox row's header parse; more under Next, which wraps the global
 * Date). Anything else — another layout, a comment, a named zone, a day
 * beyond its month, an hour of 24 (all of which V8 reads in its own way) —
 * goes to `new Date` as before, so the result is always V8's.
 * tests/unit/mail/rfc5322-date.test.ts holds the two against each other.
 */
export function isoDate(value: string): string | null {
  const fast = rfc5322Instant(value);
  if (fast !== undefined) return fast;
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? null : date.toISOString();
}

const DAY_NAMES = 'MonTueWedThuFriSatSun';
const MONTH_NAMES = 'JanFebMarAprMayJunJulAugSepOctNovDec';
/** What follows the day of the month, fixed in width; its spaces and colons are literal. */
const TAIL_FORM = ' Mmm YYYY HH:MM:SS +hhmm';
const [SPACE, COLON, PLUS, MINUS] = [0x20, 0x3a, 0x2b, 0x2d];
const [ZERO, DASH, DOT, LETTER_T, LETTER_Z] = [0x30, 0x2d, 0x2e, 0x54, 0x5a];
const MINUTES_PER_DAY = 24 * 60;

/**
 * `[Www, ]D[D] Mmm YYYY HH:MM:SS ±hhmm` with names as RFC 5322 writes them
 * and every field within its range, as ISO 8601; undefined for anything else.
 * V8 ignores the day name, and so does this. Read at fixed offsets from the
 * end, where only the day of the month varies in width.
 */
function rfc5322Instant(value: string): string | undefined {
  const tail = value.length - TAIL_FORM.length;
  const dayStart = tail > 2 ? 5 : 0;
  const dayDigits = tail - dayStart;
  if (dayDigits < 1 || dayDigits > 2 || !separatorsMatch(value, tail)) return undefined;
  if (dayStart > 0 && (nameAt(value, 0, DAY_NAMES) < 0 || !value.startsWith(', ', 3))) return undefined;
  const day = digitsAt(value, dayStart, dayDigits);
  const month = nameAt(value, tail + 1, MONTH_NAMES);
  const year = digitsAt(value, tail + 5, 4);
  const hour = digitsAt(value, tail + 10, 2);
  const minute = digitsAt(value, tail + 13, 2);
  const second = digitsAt(value, tail + 16, 2);
  const signCode = value.charCodeAt(tail + 19);
  const sign = signCode === PLUS ? 1 : signCode === MINUS ? -1 : 0;
  const zoneHours = digitsAt(value, tail + 20, 2);
  const zoneMinutes = digitsAt(value, tail + 22, 2);
  const inRange =
    month >= 0 && year >= 1000 && day >= 1 && day <= daysInMonth(year, month) && between(hour, 23) && between(minute, 59) &&
    between(second, 59) && sign !== 0 && between(zoneHours, 23) && between(zoneMinutes, 59);
  if (!inRange) return undefined;
  return utcIsoText(year, month, day, hour * 60 + minute - sign * (zoneHours * 60 + zoneMinutes), second);
}

/**
 * The ISO text of a local date (month 0–11) at a minute of its day moved to
 * UTC (so possibly below 0 or beyond a day: a zone is less than a day, so UTC's
 * date is the same, the day before or the day after); undefined beyond year
 * 9999, which toISOString writes with six digits.
 */
function utcIsoText(year: number, month: number, day: number, minuteOfDay: number, second: number): string | undefined {
  if (minuteOfDay < 0) {
    minuteOfDay += MINUTES_PER_DAY;
    if (--day === 0) {
      if (--month < 0) [year, month] = [year - 1, 11];
      day = daysInMonth(year, month);
    }
  } else if (minuteOfDay >= MINUTES_PER_DAY) {
    minuteOfDay -= MINUTES_PER_DAY;
    if (++day > daysInMonth(year, month)) {
      day = 1;
      if (++month > 11) [year, month] = [year + 1, 0];
    }
  }
  if (year > 9999) return undefined;
  const hour = Math.floor(minuteOfDay / 60);
  return isoText(year, month + 1, day, hour, minuteOfDay - hour * 60, second);
}

/** Whether the spaces and colons of TAIL_FORM are where it has them, from `tail` on. */
function separatorsMatch(value: string, tail: number): boolean {
  return (
    value.charCodeAt(tail) === SPACE &&
    value.charCodeAt(tail + 4) === SPACE &&
    value.charCodeAt(tail + 9) === SPACE &&
    value.charCodeAt(tail + 12) === COLON &&
    value.charCodeAt(tail + 15) === COLON &&
    value.charCodeAt(tail + 18) === SPACE
  );
}

/** The index of the three-letter name (exact case) at `at` among `names` (three letters each), or -1. */
function nameAt(value: string, at: number, names: string): number {
  const index = names.indexOf(value.slice(at, at + 3));
  return index >= 0 && index % 3 === 0 ? index / 3 : -1;
}

/** The number written with `count` ASCII digits at `at`, or -1 when they are not all digits. */
function digitsAt(value: string, at: number, count: number): number {
  let number = 0;
  for (let i = at; i < at + count; i++) {
    const digit = value.charCodeAt(i) - ZERO;
    if (!(digit >= 0 && digit <= 9)) return -1;
    number = number * 10 + digit;
  }
  return number;
}

function between(value: number, max: number): boolean {
  return value >= 0 && value <= max;
}

function daysInMonth(year: number, month: number): number {
  if (month === 1) return isLeapYear(year) ? 29 : 28;
  return month === 3 || month === 5 || month === 8 || month === 10 ? 30 : 31;
}

function isLeapYear(year: number): boolean {
  return year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
}

/**
 * `YYYY-MM-DDTHH:MM:SS.000Z` as one flat string: pieces joined with `+`
 * would stay a tree of strings in every summary the header cache keeps.
 */
function isoText(year: number, month: number, day: number, hour: number, minute: number, second: number): string {
  return String.fromCharCode(
    digit(year, 1000), digit(year, 100), digit(year, 10), digit(year, 1), DASH,
    digit(month, 10), digit(month, 1), DASH,
    digit(day, 10), digit(day, 1), LETTER_T,
    digit(hour, 10), digit(hour, 1), COLON,
    digit(minute, 10), digit(minute, 1), COLON,
    digit(second, 10), digit(second, 1), DOT, ZERO, ZERO, ZERO, LETTER_Z,
  );
}

/** The character code of the decimal digit of `value` at `place` (1, 10, 100…). */
function digit(value: number, place: number): number {
  return ZERO + (Math.floor(value / place) % 10);
}

