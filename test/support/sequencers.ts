/**
 * Sequencers as S3 writes them: hexadecimal, of varying length, ordered after right-padding
 * with zeros (functions/core/sequencer.ts). The `n`th is newer than every earlier one; its
 * length varies with `n`, so a comparison that pads on the left gets some pairs wrong.
 */
const TAILS = ['', '7', 'A3', '', 'F00D', '1', '', '0C'];

export function s3Sequencer(n: number): string {
  return `00${n.toString(16).toUpperCase().padStart(10, '0')}${TAILS[n % TAILS.length]}`;
}
