/**
 * CPU caps for benchmark processes with the cgroup v1 CPU controller: a group under
 * /sys/fs/cgroup/cpu/ per process, `cpu.cfs_quota_us` / `cpu.cfs_period_us` = the share of one core
 * it may use, the process's PID written to the group's `cgroup.procs` (its threads and any children
 * it starts afterwards follow). Groups are named iris-bench-<pid of the benchmark>-<name>; they are
 * removed when the benchmark ends, also on failure or interruption (atExit), and groups left by a
 * benchmark that was killed outright are removed at the next start.
 */
import { existsSync, mkdirSync, readFileSync, readdirSync, rmdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { atExit } from './servers.mjs';

const CPU = '/sys/fs/cgroup/cpu';
const PERIOD_US = 100_000;
const PREFIX = 'iris-bench-';
const groups = new Set();

/** Why processes cannot be capped here (undefined when they can). */
export function cpuCapProblem() {
  if (!existsSync(join(CPU, 'cpu.cfs_quota_us'))) return `${CPU}/cpu.cfs_quota_us is missing (no cgroup v1 CPU controller mounted there)`;
  const probe = join(CPU, `${PREFIX}${process.pid}-probe`);
  try {
    mkdirSync(probe);
    rmdirSync(probe);
  } catch (error) {
    return `cannot create a group under ${CPU} (${error.code ?? error.message}); run as root`;
  }
  return undefined;
}

const sleepSync = (ms) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);

function alive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return error.code === 'EPERM';
  }
}

/** Moves whatever is left in the group to the root group, then removes it (retried while it empties). */
function removeGroup(path) {
  for (let attempt = 0; ; attempt++) {
    try {
      const left = readFileSync(join(path, 'cgroup.procs'), 'utf8')
        .split('\n')
        .filter((l) => l !== '');
      for (const pid of left) {
        try {
          writeFileSync(join(CPU, 'cgroup.procs'), pid);
        } catch {
          // exited meanwhile
        }
      }
      rmdirSync(path);
      return;
    } catch (error) {
      if (error.code === 'ENOENT') return;
      if (attempt >= 40) throw new Error(`cannot remove ${path}: ${error.code ?? error.message}`, { cause: error });
      sleepSync(50); // a process that just exited leaves its group a moment later
    }
  }
}

atExit(() => {
  for (const path of groups) removeGroup(path);
  groups.clear();
});

/** Removes the groups of earlier benchmark runs whose process is gone (killed before its cleanup). */
export function removeStaleGroups() {
  let names;
  try {
    names = readdirSync(CPU);
  } catch {
    return;
  }
  for (const name of names) {
    const m = new RegExp(`^${PREFIX}(\\d+)-`).exec(name);
    if (m !== null && !alive(Number(m[1]))) removeGroup(join(CPU, name));
  }
}

/**
 * A new group that lets its processes use `share` of one core (0.25: 25 ms of CPU time in every
 * 100 ms period, whatever the number of threads).
 */
export function cpuGroup(name, share) {
  const path = join(CPU, `${PREFIX}${process.pid}-${name}`);
  mkdirSync(path);
  groups.add(path);
  writeFileSync(join(path, 'cpu.cfs_period_us'), String(PERIOD_US));
  writeFileSync(join(path, 'cpu.cfs_quota_us'), String(Math.max(1000, Math.round(share * PERIOD_US))));
  return {
    path,
    procs: join(path, 'cgroup.procs'),
    /** Moves a running process (all its threads) into the group. */
    add(pid) {
      writeFileSync(join(path, 'cgroup.procs'), String(pid));
    },
    /** The kernel's counters: periods, periods in which the group was throttled, time throttled (s). */
    stat() {
      const fields = Object.fromEntries(
        readFileSync(join(path, 'cpu.stat'), 'utf8')
          .trim()
          .split('\n')
          .map((l) => l.split(' ')),
      );
      return { periods: Number(fields.nr_periods), throttled: Number(fields.nr_throttled), throttledSeconds: Number(fields.throttled_time) / 1e9 };
    },
    remove() {
      removeGroup(path);
      groups.delete(path);
    },
  };
}
