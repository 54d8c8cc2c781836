import { InputError } from './error.ts';

const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;

/** RFC 3339 form of a time, UTC, to the second: how gatehouse records evaluation times. */
export function toRFC3339(at: Date): string {
  return at.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** Parses an RFC 3339 time; `what` names the value in the error. */
export function parseRFC3339(value: string, what: string): Date {
  const date = new Date(value);
  if (!RFC3339.test(value) || Number.isNaN(date.getTime())) {
    throw new InputError({ code: 'USAGE', message: `${what}: expected an RFC 3339 time such as 2026-11-22T12:00:00Z, got ${JSON.stringify(value)}` });
  }
  return date;
}
