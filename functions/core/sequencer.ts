/*
 * The order of one object key's S3 events, from their `sequencer`.
 *
 * The S3 User Guide (Event notifications → Event message structure) says sequencers of one key
 * may differ in length, and that they compare as strings after the shorter one is padded with
 * zeros on the RIGHT: `0055AED6DCD90281E5` (18 digits) is older than `0055AED6DCD90281F` (17).
 * A write token (functions/core/ingest.ts) starts with the event part built here, then `.` or
 * `/` and more; both sort below every hex digit, so tokens compare as their sequencers do.
 *
 * Tokens written before this rule was followed hold the sequencer LEFT-padded to 32 digits, and
 * such tokens are still in tables. New event parts start with `R`, which sorts after every hex
 * digit: a stored legacy token is recognised by its first character, and compared with an event
 * by the rule it was written with (left-padding orders the sequencers of one length correctly,
 * which is all that rule ever did); in the table's conditional writes, any new token sorts
 * after any legacy one, so a change found newer than a key's legacy state replaces its rows.
 */

/** Width the event part pads sequencers to; a longer sequencer keeps its digits (see eventPart). */
const WIDTH = 32;
/** First character of every event part written by this rule. */
const RIGHT_PADDED = 'R';

/** What S3 puts in `sequencer`: hexadecimal digits. */
export function isSequencer(text: string): boolean {
  return /^[0-9A-Fa-f]{1,256}$/.test(text);
}

/**
 * The event part of a write token: `R`, then the sequencer in upper case right-padded with zeros
 * to 32 digits. Zeros past the 32nd digit are dropped (padding adds them back), so two parts
 * compare as plain strings exactly as S3 says their sequencers compare.
 */
export function eventPart(sequencer: string): string {
  if (!isSequencer(sequencer)) throw new Error(`not an S3 sequencer: ${JSON.stringify(sequencer)}`);
  const digits = sequencer.toUpperCase().padEnd(WIDTH, '0');
  return (
    RIGHT_PADDED + (digits.length > WIDTH ? digits.slice(0, WIDTH) + digits.slice(WIDTH).replace(/0+$/, '') : digits)
  );
}

/** The event part of a stored write token (new or legacy): everything before the first `.` or `/`. */
export function eventPartOf(token: string): string {
  const end = token.search(/[./]/);
  return end === -1 ? token : token.slice(0, end);
}

/** True when the event with this S3 sequencer is newer than the change that wrote `token`. */
export function isNewerEvent(sequencer: string, token: string): boolean {
  const stored = eventPartOf(token);
  if (stored.startsWith(RIGHT_PADDED)) return eventPart(sequencer) > stored;
  // A legacy token: compared as it was written, by value after left-padding.
  return sequencer.toUpperCase().padStart(WIDTH, '0') > stored;
}
