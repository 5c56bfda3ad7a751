/** wrk, driven with bench/lib/wrk-request.lua: one run's summary as JSON (latencies in microseconds). */
import { spawn, spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { HOST } from './servers.mjs';

const LUA = join(dirname(fileURLToPath(import.meta.url)), 'wrk-request.lua');

/** wrk's version line; exits 2 with the install hint when wrk is missing. */
export function checkWrk(tag) {
  const probe = spawnSync('wrk', ['--version'], { encoding: 'utf8' });
  if (probe.error !== undefined) {
    console.error(`${tag}: \`wrk\` is not installed (apt-get install -y wrk)`);
    process.exit(2);
  }
  return `${probe.stdout}${probe.stderr}`.split('\n')[0].trim();
}

/**
 * Starts wrk against `path`; `body` (a file) makes it POST. Resolves with its summary when it ends
 * (after `seconds`, or at stop(), which interrupts it: wrk prints its summary on SIGINT).
 */
export function startWrk(port, path, { body, seconds, connections, threads, delayMs }) {
  const args = [
    '-t',
    String(Math.min(threads, connections)),
    '-c',
    String(connections),
    '-d',
    `${seconds}s`,
    '--timeout',
    '30s',
    '--latency',
    '-s',
    LUA,
    `http://${HOST}:${port}${path}`,
  ];
  const env = { ...process.env, WRK_BODY: body ?? '', WRK_DELAY_MS: delayMs === undefined ? '' : String(delayMs) };
  const child = spawn('wrk', args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk) => (stdout += chunk));
  child.stderr.on('data', (chunk) => (stderr += chunk));
  const result = new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => {
      const line = stdout.split('\n').find((l) => l.startsWith('WRK_JSON '));
      if (line === undefined) {
        reject(new Error(`wrk ${args.join(' ')} ended (${code ?? signal}) without a summary:\n${stdout}${stderr}`));
        return;
      }
      const summary = JSON.parse(line.slice('WRK_JSON '.length));
      const e = summary.errors;
      resolve({ ...summary, seconds: summary.duration_us / 1e6, errorCount: e.connect + e.read + e.write + e.status + e.timeout });
    });
  });
  return { result, stop: () => child.kill('SIGINT') };
}
