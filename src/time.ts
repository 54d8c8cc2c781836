import { InputError } from './error.ts';

const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?(?:([Zz])|([+-])(\d{2}):(\d{2}))$/;

/** RFC 3339 form of a time, UTC, exact to the millisecond (whole seconds without a fraction): how gatehouse records times. */
export function toRFC3339(at: Date): string {
  return at.toISOString().replace(/\.000Z$/, 'Z');
}

/**
 * Milliseconds since the epoch of an RFC 3339 time, or null when the text
 * cannot be placed in time exactly: not RFC 3339, a calendar date that does
 * not exist (February 30), a leap second (JavaScript time has none), an
 * offset without minutes. Digits below the millisecond round up, so a time
 * never reads as earlier than it is: "after the evaluation time" is never
 * missed by truncation.
 */
export function instantOf(value: string): number | null {
  const match = RFC3339.exec(value);
  if (match === null) return null;
  const [year, month, day, hour, minute, second] = match.slice(1, 7).map(Number) as [number, number, number, number, number, number];
  if (month < 1 || month > 12 || day < 1 || day > daysIn(year, month) || hour > 23 || minute > 59 || second > 59) return null;
  let offsetMinutes = 0;
  if (match[8] === undefined) {
    const offsetHours = Number(match[10]);
    const offsetMins = Number(match[11]);
    if (offsetHours > 23 || offsetMins > 59) return null;
    offsetMinutes = (match[9] === '-' ? -1 : 1) * (offsetHours * 60 + offsetMins);
  }
  const date = new Date(0);
  date.setUTCFullYear(year, month - 1, day);
  date.setUTCHours(hour, minute, second, 0);
  const fraction = match[7] ?? '';
  const millis = fraction === '' ? 0 : Math.ceil(Number(`0.${fraction}`) * 1000 - 1e-9);
  return date.getTime() + millis - offsetMinutes * 60_000;
}

/** Parses an RFC 3339 time strictly (see instantOf); `what` names the value in the error. */
export function parseRFC3339(value: string, what: string): Date {
  const instant = instantOf(value);
  if (instant === null) {
    throw new InputError({ code: 'USAGE', message: `${what}: expected an RFC 3339 time such as 2026-11-22T12:00:00Z, got ${JSON.stringify(value)}` });
  }
  return new Date(instant);
}

function daysIn(year: number, month: number): number {
  if (month === 2) return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28;
  return [4, 6, 9, 11].includes(month) ? 30 : 31;
}
