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

/** The Lambda runtime provides the AWS SDK v3; bundling it would add megabytes. */
export const BUNDLE_EXTERNALS = ['@aws-sdk/*'];

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
    alias: { ...BUNDLE_ALIASES },
    logLevel: 'silent',
  } satisfies BuildOptions;
}

/** The same aliases as NodejsFunction's `esbuildArgs` (`--alias:name=path` each). */
export function esbuildAliasArgs(): { '--alias': string[] } {
  return { '--alias': Object.entries(BUNDLE_ALIASES).map(([name, target]) => `${name}=${target}`) };
}
