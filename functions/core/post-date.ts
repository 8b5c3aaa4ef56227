import { PostRejected } from './errors';

/** A post's date: the instant plus the UTC offset it is shown in. */
export interface PostDate {
  /** RFC 3339 in the post's own offset: `2022-01-12T02:44:46+08:00`. */
  rfc3339: string;
  epochMs: number;
  /** Minutes east of UTC. */
  offsetMinutes: number;
  /** Calendar date in that offset (what permalinks use). */
  year: string;
  month: string;
  day: string;
}

/** How a date is read: the time zone of the site it belongs to, and how its text was written. */
export interface DateReading {
  /** Minutes east of UTC of a date written without an offset, when there is no site time zone (default 0). */
  defaultOffsetMinutes?: number;
  /**
   * The site's time zone, an IANA name (Jekyll's `timezone` in _config.yml; `UTC` for a site whose
   * config gives none, as GitHub Pages builds). Jekyll reads a date written without an offset in it,
   * and shows every date in it (`Time#localtime`): its permalinks use the calendar date there.
   * Without one (no _config.yml), each date keeps the offset it was written in.
   */
  timeZone?: string;
  /**
   * TIME_ZONE, for a post of no Jekyll site: the zone of a date written without an offset (a plain
   * YAML timestamp included). Unlike `timeZone`, a date keeps the offset it was written in.
   */
  defaultTimeZone?: string;
  /**
   * The value was a plain YAML timestamp with seconds (`date: 2022-01-12 02:44:46`, unquoted): Jekyll's
   * YAML reader (Psych) reads one written without an offset as UTC, not in the site's time zone.
   */
  yamlTimestamp?: boolean;
}

/*
 * The forms of Ruby's `Time.parse` (which Jekyll applies to `date`, after YAML) that real sites
 * write, read as Ruby reads them (checked against Ruby 3.1 with the site's zone in TZ, as Jekyll
 * sets it):
 *   - `2022-01-12`, `2014-10-1`, `22-1-5` (a two-digit year is 1969–2068, as Ruby completes it);
 *   - a time after a space or `T`: `02:44`, `2:44:46`, `02:44:46.123` (fractions kept to the ms);
 *   - right after the time, an offset: `+0800`, `+08:00`, `+8`, `-08`, `Z`, `UTC`, `GMT`, `UT`,
 *     `GMT+8`, or a US zone Ruby knows (EST EDT CDT MST MDT PST PDT);
 *   - a repeated year after the time (`2023-01-29 18:30:22 2023 -0800`, in Jekyll's own docs):
 *     Ruby then ignores the offset after it, so the time is read in the site's zone.
 * Refused, with the reason: `CST` (Ruby reads US Central, -06:00; a Chinese site means +08:00),
 * and zone names Ruby does not know (`JST`, `CEST`, `Asia/Shanghai`), which it silently ignores;
 * a date or time that does not exist (Ruby rolls `2022-02-30` over into March, and `24:00` into
 * the next day: a typing mistake, not a date); offsets beyond ±14:00.
 */
const DATE_PATTERN = new RegExp(
  '^(\\d{4}|\\d{2})-(\\d{1,2})-(\\d{1,2})' +
    '(?:[Tt ]\\s*(\\d{1,2}):(\\d{2})(?::(\\d{2})(?:[.,](\\d{1,9}))?)?)?' +
    '(?:\\s*((?:GMT|UTC)?[+-]\\d{1,2}(?::?\\d{2})?|[A-Za-z][A-Za-z_/]*))?' +
    '(?:\\s+(\\d{4})(?:\\s+[+-]\\d{1,2}(?::?\\d{2})?)?)?$',
);

/** Zone names Ruby's `Time.zone_offset` knows, in minutes east of UTC. */
const ZONE_NAMES: Record<string, number> = {
  Z: 0,
  UTC: 0,
  UT: 0,
  GMT: 0,
  EST: -300,
  EDT: -240,
  CDT: -300,
  MST: -420,
  MDT: -360,
  PST: -480,
  PDT: -420,
};

/**
 * Parses a front-matter or file-name date as Jekyll reads it (see DATE_PATTERN). `reading` may be
 * the offset for dates written without one (minutes east of UTC), as it was before sites had a
 * time zone.
 */
export function parsePostDate(text: string, reading: number | DateReading = 0): PostDate {
  const {
    defaultOffsetMinutes = 0,
    timeZone,
    defaultTimeZone,
    yamlTimestamp = false,
  } = typeof reading === 'number' ? { defaultOffsetMinutes: reading } : reading;
  const match = DATE_PATTERN.exec(text.trim());
  if (!match) {
    throw new PostRejected(`date "${text}" is not a date Jekyll understands (expected e.g. 2022-01-12 02:44:46 +0800)`);
  }
  const [, yearText, month, day, hour = '0', minute = '0', second = '0', fraction = '', zone] = match;
  // Ruby completes a two-digit year: 69–99 are 19xx, 00–68 are 20xx.
  const year = yearText.length === 2 ? Number(yearText) + (Number(yearText) >= 69 ? 1900 : 2000) : Number(yearText);
  const fields = [year, Number(month), Number(day), Number(hour), Number(minute), Number(second)] as const;
  const wallMs = Date.UTC(fields[0], fields[1] - 1, fields[2], fields[3], fields[4], fields[5]);
  const check = new Date(wallMs);
  if (
    check.getUTCFullYear() !== fields[0] ||
    check.getUTCMonth() !== fields[1] - 1 ||
    check.getUTCDate() !== fields[2] ||
    fields[3] > 23 ||
    fields[4] > 59 ||
    fields[5] > 59
  ) {
    throw new PostRejected(`date "${text}" does not exist in the calendar`);
  }
  // Ruby ignores an offset written after a repeated year; the zone right after the time counts.
  const written = zone === undefined ? undefined : zoneOffset(text, zone);
  if (written !== undefined && Math.abs(written) > 14 * 60) {
    throw new PostRejected(`date "${text}" has a UTC offset beyond ±14:00`);
  }
  const millis = fraction ? Number(fraction.slice(0, 3).padEnd(3, '0')) : 0;

  let epochMs: number;
  if (written !== undefined) epochMs = wallMs + millis - written * 60_000;
  else if (timeZone === undefined && defaultTimeZone !== undefined)
    epochMs = instantOfWallTime(wallMs, defaultTimeZone) + millis;
  else if (yamlTimestamp && match[4] !== undefined) epochMs = wallMs + millis;
  else if (timeZone !== undefined) epochMs = instantOfWallTime(wallMs, timeZone) + millis;
  else epochMs = wallMs + millis - defaultOffsetMinutes * 60_000;

  // Shown in the site's zone when there is one (Jekyll's `localtime`), else in the offset written.
  const offsetMinutes =
    timeZone !== undefined
      ? zoneOffsetAt(epochMs, timeZone)
      : (written ??
        (defaultTimeZone !== undefined
          ? zoneOffsetAt(epochMs, defaultTimeZone)
          : yamlTimestamp && match[4] !== undefined
            ? 0
            : defaultOffsetMinutes));
  return postDateAt(epochMs, offsetMinutes);
}

/** The PostDate of an instant shown in an offset. */
export function postDateAt(epochMs: number, offsetMinutes: number): PostDate {
  const local = new Date(epochMs + offsetMinutes * 60_000).toISOString();
  return {
    rfc3339: formatRfc3339(epochMs, offsetMinutes),
    epochMs,
    offsetMinutes,
    year: local.slice(0, 4),
    month: local.slice(5, 7),
    day: local.slice(8, 10),
  };
}

function zoneOffset(text: string, zone: string): number {
  const numeric = /^(?:GMT|UTC)?([+-])(\d{1,2})(?::?(\d{2}))?$/.exec(zone);
  if (numeric) {
    const [, sign, hours, minutes = '00'] = numeric;
    if (Number(minutes) > 59) throw new PostRejected(`date "${text}" has a UTC offset whose minutes are not 00 to 59`);
    return (sign === '-' ? -1 : 1) * (Number(hours) * 60 + Number(minutes));
  }
  const name = zone.toUpperCase();
  if (name in ZONE_NAMES) return ZONE_NAMES[name];
  if (name === 'CST') {
    throw new PostRejected(
      `date "${text}" is not a date Jekyll understands as meant: Ruby reads CST as US Central Time (-06:00), not China Standard Time; write the offset (+0800 or -0600)`,
    );
  }
  throw new PostRejected(
    `date "${text}" is not a date Jekyll understands: Ruby ignores the zone name "${zone}" and reads the time in the site's time zone; write the offset instead (such as +0900)`,
  );
}

/** Whether Intl (ICU) knows the IANA time zone name. */
export function isTimeZone(name: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: name });
    return true;
  } catch {
    return false;
  }
}

const zoneFormats = new Map<string, Intl.DateTimeFormat>();

/** Minutes east of UTC of an IANA time zone at an instant, from ICU (Node's and Lambda's). */
export function zoneOffsetAt(epochMs: number, timeZone: string): number {
  let format = zoneFormats.get(timeZone);
  if (!format) {
    format = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    zoneFormats.set(timeZone, format);
  }
  const parts = Object.fromEntries(format.formatToParts(new Date(epochMs)).map((part) => [part.type, part.value]));
  const wall = Date.UTC(
    Number(parts.year),
    Number(parts.month) - 1,
    Number(parts.day),
    Number(parts.hour),
    Number(parts.minute),
    Number(parts.second),
  );
  return Math.round((wall - Math.floor(epochMs / 1000) * 1000) / 60_000);
}

/**
 * The instant a wall-clock time (given as if UTC) names in a time zone: in an overlap (clocks put
 * back) the earlier one, and in a gap (clocks put forward) the time read with the offset before
 * the gap, so that it lands after it, as the C library's mktime that Ruby uses does.
 */
function instantOfWallTime(wallMs: number, timeZone: string): number {
  const DAY = 86_400_000;
  const before = zoneOffsetAt(wallMs - DAY, timeZone);
  const offsets = new Set([before, zoneOffsetAt(wallMs, timeZone), zoneOffsetAt(wallMs + DAY, timeZone)]);
  const exact = [...offsets]
    .map((offset) => wallMs - offset * 60_000)
    .filter((at) => at + zoneOffsetAt(at, timeZone) * 60_000 === wallMs);
  return exact.length > 0 ? Math.min(...exact) : wallMs - before * 60_000;
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
  if (!zone) return 0;
  if (zone[1].toUpperCase() === 'Z') return 0;
  const sign = zone[1].startsWith('-') ? -1 : 1;
  const digits = zone[1].slice(1).replace(':', '');
  return sign * (Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2, 4)));
}
