import { createHash } from 'node:crypto';

const ALPHABET = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
export const SHORT_CODE_LENGTH = 7;

/**
 * The `attempt`-th candidate short code for a post id: URL-safe, 7 characters, derived
 * from the id so it is stable across re-uploads. Attempt 1, 2, … resolve collisions.
 */
export function shortCodeCandidate(postId: string, attempt: number): string {
  const digest = createHash('sha256')
    .update(attempt === 0 ? postId : `${postId}#${attempt}`)
    .digest();
  let value = digest.readBigUInt64BE(0);
  let code = '';
  for (let i = 0; i < SHORT_CODE_LENGTH; i++) {
    code += ALPHABET[Number(value % 62n)];
    value /= 62n;
  }
  return code;
}

/** Share codes we accept in a URL: short codes and legacy infoCodes. Anything else is a 404 without a lookup. */
export function isPlausibleShareCode(code: string): boolean {
  return /^[A-Za-z0-9_-]{1,64}$/.test(code);
}
