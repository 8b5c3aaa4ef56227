import { readFileSync } from 'node:fs';

/**
 * CPU time of this process (`process.cpuUsage`, every thread), split where /proc tells (Linux)
 * into the main thread, the emulators' threads, and the rest: V8's garbage-collector and
 * compiler threads, libuv's pool, and threads that have ended. Event-loop busy time would count
 * a thread that waits for a core, or in Atomics.wait, as working; CPU time does not.
 */
export interface ProcessCpu {
  total: number;
  /** Absent where /proc is not there. */
  threads?: { main: number; dynalite: number; s3rver: number };
}

/** Linux reports thread times in clock ticks of 1/100 s (USER_HZ) on every mainstream architecture. */
const MS_PER_TICK = 10;

export function processCpuMs(emulators: { dynalite?: number; s3rver?: number }): ProcessCpu {
  const usage = process.cpuUsage();
  const total = (usage.user + usage.system) / 1000;
  const [main, dynalite, s3rver] = [process.pid, emulators.dynalite, emulators.s3rver].map((id) =>
    id === undefined ? undefined : taskCpuMs(id),
  );
  return main === undefined || dynalite === undefined || s3rver === undefined
    ? { total }
    : { total, threads: { main, dynalite, s3rver } };
}

/** CPU time of this process's main thread (its task id is the process id), where /proc is there. */
export function mainThreadCpuMs(): number | undefined {
  return taskCpuMs(process.pid);
}

function taskCpuMs(task: number): number | undefined {
  let stat: string;
  try {
    stat = readFileSync(`/proc/self/task/${task}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  // Fields after the parenthesized name: state is the 3rd field, utime the 14th, stime the 15th.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) * MS_PER_TICK;
}

/** Per post, the CPU milliseconds between two readings: the total, and by thread where known ("others": the rest of the total). */
export function describeCpuPerPost(
  before: ProcessCpu,
  after: ProcessCpu,
  posts: number,
): { total: number; text: string } {
  const total = (after.total - before.total) / posts;
  if (!before.threads || !after.threads) return { total, text: `${total.toFixed(1)} ms` };
  const per = (name: 'main' | 'dynalite' | 's3rver') => (after.threads![name] - before.threads![name]) / posts;
  const split = { main: per('main'), dynalite: per('dynalite'), s3rver: per('s3rver') };
  const others = total - split.main - split.dynalite - split.s3rver;
  const text = Object.entries({ ...split, others })
    .map(([name, ms]) => `${name} ${ms.toFixed(1)}`)
    .join(', ');
  return { total, text: `${total.toFixed(1)} ms: ${text}` };
}
