/**
 * Load runs with wrk and their rounds: every cell measured on each server in turn, the order rotated
 * from one cell to the next, so that a slow spell of a shared machine falls on all servers rather
 * than on one; a cell's figures are the medians of its rounds.
 */
import os from 'node:os';
import { sampleTreeRss, treeCpuSeconds } from './proc-tree.mjs';
import { median } from './stats.mjs';
import { startWrk } from './wrk.mjs';

/**
 * Calls `measure(server, cell, round)` for each cell on each server, `rounds` times; the servers'
 * order rotates by one at every cell.
 */
export async function rotatingRounds(servers, cells, rounds, measure) {
  let turn = 0;
  for (let round = 0; round < rounds; round++) {
    for (const cell of cells) {
      const order = servers.map((_, k) => servers[(k + turn) % servers.length]);
      turn++;
      for (const server of order) await measure(server, cell, round);
    }
  }
}

/**
 * One measured wrk run on `server` (after an unmeasured warm-up of `warmup` seconds): POST the file
 * `body` to `path`. CPU and peak RSS are those of the process trees of `roots` (default: the
 * server's own), e.g. the server, its workers and its broker together.
 */
export async function loadRun(server, { body, path = '/invocations', connections, threads, warmup, duration, roots = [server.child.pid] }) {
  const options = { body, connections, threads };
  if (warmup > 0) await startWrk(server.port, path, { ...options, seconds: warmup }).result;
  const loadAverage = os.loadavg()[0];
  const rss = sampleTreeRss(roots);
  const cpuBefore = treeCpuSeconds(roots);
  const run = await startWrk(server.port, path, { ...options, seconds: duration }).result;
  const cpuSeconds = treeCpuSeconds(roots) - cpuBefore;
  const peakRssMiB = rss.stop();
  const rps = run.requests / run.seconds;
  return {
    requests: run.requests,
    rps,
    cpuUsPerRequest: run.requests > 0 ? (cpuSeconds * 1e6) / run.requests : undefined,
    cpuCores: cpuSeconds / run.seconds,
    p50: run.latency_us.p50 / 1000,
    p99: run.latency_us.p99 / 1000,
    max: run.latency_us.max / 1000,
    errors: run.errorCount,
    errorDetail: run.errors,
    peakRssMiB,
    loadAverage,
  };
}

/** The median run of a cell's rounds (by requests/s), with the errors of all and the highest peak. */
export function summarizeCell(rows, connections, runs) {
  const byRps = [...runs].sort((x, y) => x.rps - y.rps);
  const mid = byRps[(byRps.length - 1) >> 1];
  return {
    rows,
    connections,
    rounds: runs.length,
    rps: median(runs.map((r) => r.rps)),
    rowsPerSecond: median(runs.map((r) => r.rps)) * rows,
    p50: median(runs.map((r) => r.p50)),
    p99: median(runs.map((r) => r.p99)),
    max: Math.max(...runs.map((r) => r.max)),
    cpuUsPerRequest: median(runs.map((r) => r.cpuUsPerRequest ?? Infinity)),
    cpuCores: median(runs.map((r) => r.cpuCores)),
    rpsRange: [byRps[0].rps, byRps.at(-1).rps],
    medianRun: mid,
    errors: runs.reduce((sum, r) => sum + r.errors, 0),
    peakRssMiB: Math.max(...runs.map((r) => r.peakRssMiB)),
    loadAverage: median(runs.map((r) => r.loadAverage)),
  };
}
