import * as path from 'node:path';
import type { BuildOptions } from 'esbuild';

/**
 * How every Lambda is bundled, in one place: the stack (PublishingFunction, through CDK's
 * NodejsFunction), the benchmark and test/infra/bundles.test.ts all build with these options,
 * so what is measured and tested is what deploys.
 */

export const REPO_ROOT = path.resolve(__dirname, '..', '..');

/** Node.js 24, the functions' Lambda runtime. */
export const BUNDLE_TARGET = 'node24';

/**
 * Nothing is left to the runtime: the AWS SDK is bundled, so the functions run the SDK `npm ci`
 * installs and every test uses, not whichever version the Lambda runtime carries (AWS does not
 * publish it per runtime; the Lambda developer guide calls the runtime's copy a convenience and
 * advises packaging the SDK for production). Bundled from the SDK's ES modules (MAIN_FIELDS),
 * the http function loads faster than the same code loading the SDK from node_modules (median of
 * 9 fresh `node` processes: 82 ms against 112; `npm run bench -- --quick --only d` measures it),
 * at 416 KB instead of 87. `externalModules: []` also keeps CDK from excluding `@aws-sdk/*`.
 */
export const BUNDLE_EXTERNALS: string[] = [];

/**
 * Packages replaced when bundling. Paths are relative to the repository root: esbuild
 * resolves an alias from its working directory, which is the root for CDK (projectRoot) and
 * for `esbuildOptions()` (absWorkingDir).
 *
 * One more saving lives in package.json `overrides`, because an alias applies to every
 * importer: dom-serializer@2 (loaded by sanitize-html's htmlparser2, never called by it) uses
 * markdown-it's entities@8 instead of its own entities@4 copy with both tables (~65 KB; it
 * only calls encodeXML/escapeText/escapeAttribute, which entities@8 has). htmlparser2@8 keeps
 * entities@4: it reads that version's decode tree directly (`entities/lib/decode.js`).
 */
export const BUNDLE_ALIASES: Readonly<Record<string, string>> = {
  // sanitize-html requires postcss at load but calls it only for style attributes, which render-body.ts never allows (~90 KB).
  postcss: './functions/adapters/postcss-unused.ts',
  // One copy, the root js-yaml@4, should anything bring its own (gray-matter's js-yaml@3 did; parse-post.ts no longer uses gray-matter).
  'js-yaml': './node_modules/js-yaml',
};

/**
 * ES modules first: esbuild's default for Node (`main` first) takes the SDK's CommonJS build,
 * which it cannot tree-shake. Measured: http 606 → 416 KB and 129 → 82 ms to load, ingest
 * 1,044 → 803 KB and 235 → 150 ms (median of 9 fresh processes each).
 */
export const MAIN_FIELDS = ['module', 'main'];

/** esbuild options for a function bundle (entry points and outfile are the caller's). */
export function esbuildOptions() {
  return {
    absWorkingDir: REPO_ROOT,
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: BUNDLE_TARGET,
    minify: true,
    sourcemap: true,
    external: [...BUNDLE_EXTERNALS],
    mainFields: [...MAIN_FIELDS],
    alias: { ...BUNDLE_ALIASES },
    logLevel: 'silent',
  } satisfies BuildOptions;
}

/** The same aliases as NodejsFunction's `esbuildArgs` (`--alias:name=path` each). */
export function esbuildAliasArgs(): { '--alias': string[] } {
  return { '--alias': Object.entries(BUNDLE_ALIASES).map(([name, target]) => `${name}=${target}`) };
}
