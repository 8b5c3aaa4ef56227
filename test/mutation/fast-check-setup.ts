import fc from 'fast-check';

// Mutation runs only (test/mutation/vitest.config.mts). A fixed seed, so that a mutant gets the
// same cases, and the same verdict, in every run (incremental runs reuse verdicts); no shrinking
// of a failure, since a killed mutant needs the failure, not the smallest counterexample.
fc.configureGlobal({ seed: Number(process.env.FC_SEED ?? 20220112), endOnFailure: true });
