import { readdirSync, readFileSync } from 'node:fs';

/**
 * CPU time of the threads of this process, from /proc (Linux): the main thread, the emulators'
 * threads, and all the others together (V8's garbage-collector and compiler threads, libuv's
 * pool). Event-loop busy time would count a thread that waits for a core, or in Atomics.wait, as
 * working; CPU time does not. `undefined` where /proc is not there.
 */
export type ThreadCpu = { main: number; dynalite: number; s3rver: number; others: number };

/** Linux reports thread times in clock ticks of 1/100 s (USER_HZ) on every mainstream architecture. */
const MS_PER_TICK = 10;

export function threadCpuMs(emulators: { dynalite?: number; s3rver?: number }): ThreadCpu | undefined {
  if (emulators.dynalite === undefined || emulators.s3rver === undefined) return undefined;
  const cpu: ThreadCpu = { main: 0, dynalite: 0, s3rver: 0, others: 0 };
  let tasks: string[];
  try {
    tasks = readdirSync('/proc/self/task');
  } catch {
    return undefined;
  }
  for (const task of tasks) {
    const ms = taskCpuMs(task);
    if (ms === undefined) continue; // the thread ended meanwhile
    const id = Number(task);
    const name = id === process.pid ? 'main' : id === emulators.dynalite ? 'dynalite' : id === emulators.s3rver ? 's3rver' : 'others';
    cpu[name] += ms;
  }
  return cpu;
}

/** CPU time of this process's main thread (its task id is the process id), where /proc is there. */
export function mainThreadCpuMs(): number | undefined {
  return taskCpuMs(String(process.pid));
}

function taskCpuMs(task: string): number | undefined {
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

/** Per post, the CPU milliseconds of each kind of thread between two readings. */
export function cpuPerPost(before: ThreadCpu | undefined, after: ThreadCpu | undefined, posts: number): ThreadCpu | undefined {
  if (!before || !after) return undefined;
  const per = (name: keyof ThreadCpu) => Math.max(0, after[name] - before[name]) / posts;
  return { main: per('main'), dynalite: per('dynalite'), s3rver: per('s3rver'), others: per('others') };
}
