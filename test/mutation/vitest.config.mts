import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';
// vitest.config.mts, named as NodeNext resolution names a TypeScript module by its output.
import base from '../../vitest.config.mjs';

/**
 * The unit tests as `npm run mutation` runs them (stryker.config.mjs): the same settings as
 * vitest.config.mts, restricted to test/unit, without the global setup (it installs Debian tools
 * that only browser and feed-reader tests use), and with fewer fast-check cases.
 */
export default defineConfig({
  // The repository root (or Stryker's copy of it): paths below are relative to it.
  root: fileURLToPath(new URL('../..', import.meta.url)),
  test: {
    ...base.test,
    include: ['test/unit/**/*.test.ts'],
    globalSetup: [],
    setupFiles: ['test/mutation/fast-check-setup.ts'],
    env: {
      ...base.test?.env,
      // At most this many cases per property (test/support/num-runs.ts): each surviving ingest
      // mutant runs every property test that covers it. Override with FC_NUM_RUNS=… npm run mutation.
      FC_NUM_RUNS: process.env.FC_NUM_RUNS ?? '40',
    },
  },
});
