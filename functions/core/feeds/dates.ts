import { type PostDate, parsePostDate } from '../post-date';

export { formatRfc822, formatRfc3339 } from '../post-date';

/** A stored RFC 3339 date with its offset, or undefined when it is not one. */
export function parseTimestamp(text: string | undefined): PostDate | undefined {
  if (typeof text !== 'string') return undefined;
  try {
    return parsePostDate(text);
  } catch {
    return undefined;
  }
}
