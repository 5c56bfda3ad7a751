/**
 * Resident memory of a server's whole process tree (gunicorn and uvicorn run a parent and two
 * workers; iris may run worker threads, which /proc counts in their process), read from /proc.
 * A sampler sums VmRSS over the tree every few milliseconds and keeps the highest sum: the peak of
 * what the tree held at one time, not the sum of each process's own peak (VmHWM).
 */
import { readdirSync, readFileSync } from 'node:fs';

/** The pids of `root` (a pid, or a list of pids) and all their descendants (Linux /proc; [] elsewhere). */
export function processTree(root) {
  const children = new Map();
  let entries;
  try {
    entries = readdirSync('/proc');
  } catch {
    return [];
  }
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue;
    let stat;
    try {
      stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
    } catch {
      continue; // exited meanwhile
    }
    // The command name, in parentheses, may hold spaces: the fields after its last ')' are fixed.
    const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
    if (!children.has(ppid)) children.set(ppid, []);
    children.get(ppid).push(Number(entry));
  }
  const tree = [];
  const queue = Array.isArray(root) ? [...root] : [root];
  while (queue.length > 0) {
    const pid = queue.shift();
    tree.push(pid);
    queue.push(...(children.get(pid) ?? []));
  }
  return tree;
}

const TICKS_PER_SECOND = 100; // USER_HZ: the unit of utime and stime in /proc/<pid>/stat on Linux

/**
 * CPU seconds (user + system, all threads) used so far by the processes of the tree of `root` that
 * are alive now: read before and after a run, the difference is what the server spent on it.
 */
export function treeCpuSeconds(root) {
  let ticks = 0;
  for (const pid of processTree(root)) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      // Fields 14 and 15 of stat (utime, stime) are the 12th and 13th after the command name.
      ticks += Number(fields[11]) + Number(fields[12]);
    } catch {
      // exited meanwhile
    }
  }
  return ticks / TICKS_PER_SECOND;
}

/** KiB resident in the tree of `root` now (0 when it is gone or /proc is missing). */
export function treeRssKiB(root) {
  let total = 0;
  for (const pid of processTree(root)) {
    try {
      const m = /^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
      if (m !== null) total += Number(m[1]);
    } catch {
      // exited meanwhile
    }
  }
  return total;
}

/** Samples the tree of `root` every `everyMs` until stop(), which returns the peak in MiB. */
export function sampleTreeRss(root, everyMs = 50) {
  let peak = treeRssKiB(root);
  const timer = setInterval(() => {
    peak = Math.max(peak, treeRssKiB(root));
  }, everyMs);
  return {
    stop() {
      clearInterval(timer);
      peak = Math.max(peak, treeRssKiB(root));
      return peak / 1024;
    },
  };
}
