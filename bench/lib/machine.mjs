/** What the benchmarks (bench/run.mjs, serve.mjs, queue.mjs) say about the machine and the Python they run. */
import { readFileSync } from 'node:fs';
import os from 'node:os';

/** CPU, memory, OS, Node and the load average now. */
export function machineFacts() {
  const cpus = os.cpus();
  let distro = '';
  try {
    distro = /^PRETTY_NAME="?([^"\n]*)"?/m.exec(readFileSync('/etc/os-release', 'utf8'))?.[1] ?? '';
  } catch {
    // not Linux, or no os-release
  }
  return {
    cpu: `${cpus[0]?.model ?? 'unknown CPU'} x ${cpus.length}`,
    memory: `${(os.totalmem() / 2 ** 30).toFixed(1)} GiB`,
    os: `${distro || os.type()} (${os.platform()} ${os.release()}, ${os.arch()})`,
    node: process.version,
    loadAverage: os
      .loadavg()
      .map((l) => l.toFixed(2))
      .join(' '),
    // Every Node start parses this bundle before running anything (`node -e 0` too; Python does not):
    // about 30 ms of CPU on these machines, which narrows every start-up ratio to `node -e 0`.
    nodeExtraCaCerts: process.env.NODE_EXTRA_CA_CERTS ? 'set' : 'unset',
  };
}

/**
 * The environment for the Python side: without OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE, which may be
 * set on these machines for older OpenBLAS builds and slow a current numpy down.
 */
export function pythonEnv(base = process.env) {
  const env = { ...base };
  delete env.OPENBLAS_CORETYPE;
  delete env.OPENBLAS_L2_SIZE;
  return env;
}
