// @ts-check
/**
 * Mutation testing of the core (`npm run mutation`, not part of `npm test`): Stryker injects small
 * bugs into the files below and runs the unit tests against each; a bug no test notices (a
 * surviving mutant) is a promise the tests do not pin. See docs/testing.md; mutants that cannot
 * change behaviour are listed, with the reason, in docs/mutation-equivalents.md.
 *
 * @type {import('@stryker-mutator/api/core').PartialStrykerOptions}
 */
export default {
  // Where trust lives: ingest's ordering and clean-up, the S3 sequencer rule, share codes, URLs
  // and cursors, the route table, post parsing and dates. store.ts holds the storage contract
  // (types) and feedCursor, the sort key every feed page and cursor is built on.
  mutate: [
    'functions/core/ingest.ts',
    'functions/core/store.ts',
    'functions/core/sequencer.ts',
    'functions/core/short-code.ts',
    'functions/core/urls.ts',
    'functions/core/routes.ts',
    'functions/core/parse-post.ts',
    'functions/core/post-date.ts',
  ],

  testRunner: 'vitest',
  vitest: {
    // The unit tests only (test/unit), without the global setup that installs browser tools, with
    // fast-check at FC_NUM_RUNS cases per property and a fixed seed: see that file.
    configFile: 'test/mutation/vitest.config.mts',
  },
  // Each mutant runs only the tests that executed its code in the first (dry) run, and stops at
  // the first failure: a mutant in the date parser never runs the 1,000-history ingest property.
  coverageAnalysis: 'perTest',
  // Mutants in module-level code (DATE_PATTERN, FILE_NAME_DATE, the route table, the share-code
  // alphabet) are "static": Stryker must reload every test file and run every test for each.
  // They are slow, but they are exactly the anchors the tracker found unguarded: kept.
  ignoreStatic: false,

  // Reuse the verdicts of the last run for every mutant whose code and covering tests did not
  // change, so that a run after a small change takes minutes. The file is committed (not
  // gitignored): a fresh clone starts from the measured state instead of a full run of about an
  // hour on this 2-core machine, and the scores in docs/testing.md are the ones it records.
  // `npm run mutation -- --force` runs every mutant again (and rewrites the file).
  incremental: true,
  incrementalFile: 'test/mutation/stryker-incremental.json',

  // The machine has 2 cores shared with other work, and each worker is a whole vitest process.
  // `npm run mutation -- --concurrency 2` when nothing else runs.
  concurrency: 1,
  // A mutant that loops (e.g. a retry counter counting down) is stopped and counted as detected;
  // the margin is generous because the machine is shared and timings vary.
  timeoutMS: 10_000,
  // The dry run executes all unit tests with coverage instrumentation once.
  dryRunTimeoutMinutes: 10,

  reporters: ['clear-text', 'progress', 'html', 'json'],
  // The score per file, and every surviving mutant with its diff, at the end of the run.
  clearTextReporter: { reportScoreTable: true, reportMutants: true, logTests: false },
  htmlReporter: { fileName: 'reports/mutation/mutation.html' },
  jsonReporter: { fileName: 'reports/mutation/mutation.json' },
  // Fails the command when the score falls below 90 % (the bar set for these files); the
  // per-file scores are in the clear-text table.
  thresholds: { high: 95, low: 90, break: 90 },

  // Stryker's working copies, gitignored; a failed run keeps its sandbox for inspection.
  tempDirName: '.stryker-tmp',
};
