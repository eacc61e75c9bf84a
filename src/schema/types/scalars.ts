import { GraphQLError, Kind, type ValueNode } from 'graphql';
import { builder } from '../builder.js';

/** RFC 3339's date-time: a date, a time to the minute (seconds and a fraction optional), and an explicit offset. */
const ISO_DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(?:Z|([+-])(\d{2}):(\d{2}))$/;
const MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];

const isLeapYear = (year: number) => (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
const daysIn = (year: number, month: number) => (month === 2 ? (isLeapYear(year) ? 29 : 28) : [4, 6, 9, 11].includes(month) ? 30 : 31);

const FORMAT = 'DateTime must be an ISO 8601 date and time with an offset, e.g. "2025-12-23T12:40:00+01:00"';

/**
 * The instant a DateTime string names, validated as written: every part in
 * its range (no 30 February, no 31 April, no hour 24), an offset always.
 * JavaScript's Date would take "2026-02-30" as 2 March: an embargo would
 * lift on a day nobody typed.
 */
function parseDateTime(value: unknown, node?: ValueNode): Date {
  const refuse = (why: string) => new GraphQLError(why, { nodes: node, extensions: { code: 'BAD_USER_INPUT' } });
  const parts = typeof value === 'string' ? ISO_DATE_TIME.exec(value) : null;
  if (!parts) throw refuse(FORMAT);
  const [year, month, day, hour, minute, second] = parts.slice(1, 7).map((p) => Number(p ?? 0)) as [number, number, number, number, number, number];
  const fraction = parts[7] ?? '';
  const [sign, offsetHours, offsetMinutes] = [parts[8] === '-' ? -1 : 1, Number(parts[9] ?? 0), Number(parts[10] ?? 0)];
  const date = `${parts[1]}-${parts[2]}-${parts[3]}`;
  if (month < 1 || month > 12) throw refuse(`${date} is not a date: there is no month ${month} (${FORMAT})`);
  if (day < 1 || day > daysIn(year, month)) throw refuse(`${date} is not a date: ${MONTHS[month - 1]} ${year} has ${daysIn(year, month)} days (${FORMAT})`);
  if (hour > 23 || minute > 59 || second > 59) throw refuse(`${value as string} is not a time of day: hours go to 23, minutes and seconds to 59 (${FORMAT})`);
  if (offsetHours > 23 || offsetMinutes > 59) throw refuse(`${value as string} has an offset that does not exist (${FORMAT})`);
  // Date.UTC reads years 0–99 as 1900–1999: the year is set on its own.
  const instant = new Date(Date.UTC(2000, month - 1, day, hour, minute, second, Number(fraction.padEnd(3, '0').slice(0, 3))));
  instant.setUTCFullYear(year, month - 1, day);
  instant.setTime(instant.getTime() - sign * (offsetHours * 60 + offsetMinutes) * 60_000);
  // Years 1 to 9999 once in UTC: what PostgreSQL and ISO 8601 strings both hold.
  if (Number.isNaN(instant.getTime()) || instant.getUTCFullYear() < 1 || instant.getUTCFullYear() > 9999) throw refuse(`${value as string} is outside the years 1 to 9999 (${FORMAT})`);
  return instant;
}

builder.scalarType('DateTime', {
  description: 'An instant, as an ISO 8601 (RFC 3339) date and time with an offset, validated as written: a day the month does not have (30 February) or an hour 24 is refused with BAD_USER_INPUT naming the field. Responses give it in UTC, to the millisecond.',
  serialize: (value) => value.toISOString(),
  parseValue: (value) => parseDateTime(value),
  parseLiteral: (ast) => parseDateTime(ast.kind === Kind.STRING ? ast.value : null, ast),
});

builder.scalarType('JSON', {
  description: 'Any JSON value.',
  serialize: (value) => value,
  parseValue: (value) => value,
});
