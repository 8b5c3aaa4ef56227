/**
 * How many cases a fast-check property tries: `normal` in `npm test`, at most FC_NUM_RUNS when
 * that is set. Mutation runs (stryker.config.mjs) set it: every surviving mutant of ingest runs
 * the property tests that cover it, and a thousand histories per mutant would make a run take
 * hours; the properties still run, on fewer cases, and targeted tests pin the rest.
 */
export function numRuns(normal: number): number {
  const cap = Number(process.env.FC_NUM_RUNS);
  return Number.isInteger(cap) && cap > 0 ? Math.min(normal, cap) : normal;
}
