import { PostRejected } from './errors';

/** A post's date as written: the instant plus the UTC offset the publisher wrote it in. */
export interface PostDate {
  /** RFC 3339 in the post's own offset: `2022-01-12T02:44:46+08:00`. */
  rfc3339: string;
  epochMs: number;
  /** Minutes east of UTC. */
  offsetMinutes: number;
  /** Calendar date in the post's own offset (what permalinks use). */
  year: string;
  month: string;
  day: string;
}

// Jekyll accepts `2022-01-12`, `2022-01-12 02:44`, `2022-01-12 02:44:46 +0800`, ISO 8601 with T/Z/±hh:mm.
const DATE_PATTERN =
  /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?)?\s*(Z|[+-]\d{2}:?\d{2})?$/i;

/**
 * Parses a front-matter date, keeping its offset. A date without an offset is read in
 * `defaultOffsetMinutes` (Jekyll reads it in the site's time zone).
 */
export function parsePostDate(text: string, defaultOffsetMinutes = 0): PostDate {
  const match = DATE_PATTERN.exec(text.trim());
  if (!match) {
    throw new PostRejected(`date "${text}" is not a date Jekyll understands (expected e.g. 2022-01-12 02:44:46 +0800)`);
  }
  const [, year, month, day, hour = '00', minute = '00', second = '00', fraction = '', zone] = match;
  const offsetMinutes = zone === undefined ? defaultOffsetMinutes : parseOffset(zone);
  const fields = [Number(year), Number(month), Number(day), Number(hour), Number(minute), Number(second)] as const;
  const localMs = Date.UTC(fields[0], fields[1] - 1, fields[2], fields[3], fields[4], fields[5]);
  const check = new Date(localMs);
  if (
    check.getUTCFullYear() !== fields[0] ||
    check.getUTCMonth() !== fields[1] - 1 ||
    check.getUTCDate() !== fields[2] ||
    fields[3] > 23 || fields[4] > 59 || fields[5] > 59
  ) {
    throw new PostRejected(`date "${text}" does not exist in the calendar`);
  }
  if (zone !== undefined && /^[+-]\d{2}:?[6-9]\d$/.test(zone)) {
    throw new PostRejected(`date "${text}" has a UTC offset whose minutes are not 00 to 59`);
  }
  if (Math.abs(offsetMinutes) > 14 * 60) {
    throw new PostRejected(`date "${text}" has a UTC offset beyond ±14:00`);
  }
  const millis = fraction ? Number(fraction.slice(0, 3).padEnd(3, '0')) : 0;
  const epochMs = localMs + millis - offsetMinutes * 60_000;
  return {
    rfc3339: formatRfc3339(epochMs, offsetMinutes),
    epochMs,
    offsetMinutes,
    year,
    month,
    day,
  };
}

function parseOffset(zone: string): number {
  if (zone.toUpperCase() === 'Z') return 0;
  const sign = zone.startsWith('-') ? -1 : 1;
  const digits = zone.slice(1).replace(':', '');
  return sign * (Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2, 4)));
}

/** `2022-01-12T02:44:46+08:00`, seconds precision; UTC is written `Z`. */
export function formatRfc3339(epochMs: number, offsetMinutes: number): string {
  const local = new Date(epochMs + offsetMinutes * 60_000).toISOString().slice(0, 19);
  return local + (offsetMinutes === 0 ? 'Z' : formatOffset(offsetMinutes, ':'));
}

/** `Wed, 12 Jan 2022 02:44:46 +0800`, as RSS 2.0 (RFC 822) wants it. */
export function formatRfc822(epochMs: number, offsetMinutes: number): string {
  const local = new Date(epochMs + offsetMinutes * 60_000).toUTCString().replace('GMT', '');
  return local + formatOffset(offsetMinutes, '');
}

function formatOffset(offsetMinutes: number, separator: string): string {
  const sign = offsetMinutes < 0 ? '-' : '+';
  const abs = Math.abs(offsetMinutes);
  const hours = String(Math.floor(abs / 60)).padStart(2, '0');
  const minutes = String(abs % 60).padStart(2, '0');
  return `${sign}${hours}${separator}${minutes}`;
}

/** Reads back the offset of an RFC 3339 string written by formatRfc3339. */
export function offsetOf(rfc3339: string): number {
  const zone = /(Z|[+-]\d{2}:?\d{2})$/i.exec(rfc3339);
  return zone ? parseOffset(zone[1]) : 0;
}
