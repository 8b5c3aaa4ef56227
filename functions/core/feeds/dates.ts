/**
 * Timestamps for feeds. A post's date is RFC 3339 with the publisher's own UTC offset
 * (`2022-01-12T02:44:46+08:00`); feeds keep that offset instead of the `feed` package's
 * UTC-only output.
 */

export interface Timestamp {
  epochMs: number;
  /** Minutes east of UTC. */
  offsetMinutes: number;
  /** `Z` or `±hh:mm`, as RFC 3339 writes the offset. */
  offsetText: string;
  /** The input itself when it is strict RFC 3339 (safe to emit verbatim), else a normalized form. */
  rfc3339: string;
}

// Strict RFC 3339 (what Atom and JSON Feed accept verbatim).
const STRICT = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;
// Lenient: lower-case t/z, space separator, `+0800` offsets.
const LENIENT = /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(\.\d+)?\s*([Zz]|[+-]\d{2}:?\d{2})$/;

/** Parses an RFC 3339 timestamp keeping its offset; `undefined` when it is not one. */
export function parseTimestamp(text: string | undefined): Timestamp | undefined {
  if (typeof text !== 'string') return undefined;
  const trimmed = text.trim();
  const match = LENIENT.exec(trimmed);
  if (!match) return undefined;
  const [, y, mo, d, h, mi, s, fraction = '', zone] = match;
  const fields = [y, mo, d, h, mi, s].map(Number) as [number, number, number, number, number, number];
  const localMs = Date.UTC(fields[0], fields[1] - 1, fields[2], fields[3], fields[4], fields[5]);
  const check = new Date(localMs);
  if (
    !Number.isFinite(localMs) ||
    check.getUTCFullYear() !== fields[0] ||
    check.getUTCMonth() !== fields[1] - 1 ||
    check.getUTCDate() !== fields[2] ||
    fields[3] > 23 ||
    fields[4] > 59 ||
    fields[5] > 59
  ) {
    return undefined;
  }
  let offsetMinutes = 0;
  let offsetText = 'Z';
  if (zone.toUpperCase() !== 'Z') {
    const sign = zone.startsWith('-') ? -1 : 1;
    const digits = zone.slice(1).replace(':', '');
    const hours = Number(digits.slice(0, 2));
    const minutes = Number(digits.slice(2, 4));
    if (hours > 23 || minutes > 59) return undefined;
    offsetMinutes = sign * (hours * 60 + minutes);
    offsetText = `${zone[0]}${digits.slice(0, 2)}:${digits.slice(2, 4)}`;
  }
  const millis = fraction ? Number(fraction.slice(1, 4).padEnd(3, '0')) : 0;
  const epochMs = localMs + millis - offsetMinutes * 60_000;
  const rfc3339 = STRICT.test(trimmed) ? trimmed : formatRfc3339(epochMs, offsetMinutes, offsetText);
  return { epochMs, offsetMinutes, offsetText, rfc3339 };
}

/** RFC 3339 of an instant in the given offset; milliseconds only when there are some. */
export function formatRfc3339(epochMs: number, offsetMinutes: number, offsetText = offsetTextOf(offsetMinutes)): string {
  const local = new Date(epochMs + offsetMinutes * 60_000).toISOString(); // YYYY-MM-DDTHH:MM:SS.sssZ
  const withoutZone = local.endsWith('.000Z') ? local.slice(0, -5) : local.slice(0, -1);
  return withoutZone + offsetText;
}

const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** RFC 822 (as RSS 2.0 uses it, four-digit year) in the given offset: `Wed, 12 Jan 2022 02:44:46 +0800`. */
export function formatRfc822(epochMs: number, offsetMinutes: number): string {
  const local = new Date(epochMs + offsetMinutes * 60_000);
  const two = (n: number): string => String(n).padStart(2, '0');
  const abs = Math.abs(offsetMinutes);
  const zone = `${offsetMinutes < 0 ? '-' : '+'}${two(Math.floor(abs / 60))}${two(abs % 60)}`;
  return (
    `${DAYS[local.getUTCDay()]}, ${two(local.getUTCDate())} ${MONTHS[local.getUTCMonth()]} ` +
    `${String(local.getUTCFullYear()).padStart(4, '0')} ` +
    `${two(local.getUTCHours())}:${two(local.getUTCMinutes())}:${two(local.getUTCSeconds())} ${zone}`
  );
}

function offsetTextOf(offsetMinutes: number): string {
  if (offsetMinutes === 0) return 'Z';
  const abs = Math.abs(offsetMinutes);
  const two = (n: number): string => String(n).padStart(2, '0');
  return `${offsetMinutes < 0 ? '-' : '+'}${two(Math.floor(abs / 60))}:${two(abs % 60)}`;
}
