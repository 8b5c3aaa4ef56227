// Stands in for `postcss` in the Lambda bundles (the alias is in infra/constructs/bundling.ts).
// sanitize-html requires postcss when it loads but calls it only to filter `style` attributes,
// and render-body.ts allows `style` on no element: postcss (~90 KB with source-map-js) would
// be dead weight in every cold start. If `style` is ever allowed, sanitize-html calls this,
// catches the error and drops the attribute; the error log below says why and what to change.
import { logger } from './logger';

const MESSAGE =
  'postcss is not bundled: style attributes are never allowed (see the postcss alias in infra/constructs/bundling.ts before allowing them)';

export function parse(): never {
  logger.error(MESSAGE);
  throw new Error(MESSAGE);
}
