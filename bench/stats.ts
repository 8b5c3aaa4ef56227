// What every benchmark figure is reported as: median with min–max over repeated runs.
import { type ParseArgsConfig, parseArgs } from 'node:util';

export interface Stat {
  median: number;
  min: number;
  max: number;
  runs: number[];
}

export function stat(values: number[]): Stat {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  const median = sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
  return { median, min: sorted[0], max: sorted[sorted.length - 1], runs: values };
}

/** The benchmark scripts' command lines (node:util parseArgs; an unknown option stops the script). */
export function benchArguments<T extends ParseArgsConfig['options']>(options: T) {
  return parseArgs({ args: process.argv.slice(2), options, strict: true }).values;
}
