/**
 * Memory of the built `iris serve`: --max-inflight refuses bodies past the cap with 503 OVERLOADED
 * and Retry-After (413 for one that could never fit) and keeps serving; a 1,000,000-row request with scores is answered with a peak
 * RSS under 600 MiB (its answer, 126 MB of JSON, is written as it is formatted), while the liveness
 * probe keeps being answered.
 */
import { readFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IRIS_CSV, iris, tempDir } from '../helpers/cli.js';
import { JSON_TYPE, call, startServer, type Server } from '../helpers/serve.js';

const dir = tempDir('iris-serve-memory-');
const MODEL = join(dir, 'iris.json');
const ROW = [5.1, 3.5, 1.4, 0.2];
const servers: Server[] = [];

beforeAll(async () => {
  const { exitCode, stderr } = await iris(['train', '-q', '--data', IRIS_CSV, '--out', MODEL]);
  if (exitCode !== 0) throw new Error(stderr);
}, 60_000);

afterAll(async () => {
  await Promise.all(servers.map((s) => s.stop()));
});

async function start(args: string[]): Promise<Server> {
  const server = await startServer(['-m', MODEL, '--threads', '1', '--log-level', 'warn', ...args]);
  servers.push(server);
  return server;
}

/** Peak resident set of a process, in bytes (Linux). */
const peakRss = (pid: number) => Number(/VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1]) * 1024;

describe('iris serve --max-inflight', () => {
  it('answers 503 OVERLOADED with Retry-After while bodies in flight fill the cap, 413 to a body that could never fit, and serves afterwards', async () => {
    const server = await start(['--max-inflight', '64kb']);
    const body = (bytes: number) => {
      const text = JSON.stringify({ instances: [ROW] });
      return text + ' '.repeat(bytes - text.length);
    };
    // A request whose 40,000-byte body is still arriving holds its share of the cap.
    const url = new URL('/invocations', server.url);
    const held = httpRequest({
      host: url.hostname,
      port: url.port,
      method: 'POST',
      path: '/invocations',
      agent: false,
      headers: { 'content-type': 'application/json', 'content-length': '40000' },
    });
    const heldAnswer = new Promise<number>((resolve, reject) => {
      held.on('response', (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      held.on('error', reject);
    });
    const whole = body(40_000);
    held.write(whole.slice(0, 100));
    let refused: Awaited<ReturnType<typeof call>> | undefined;
    for (let k = 0; k < 300 && refused === undefined; k++) {
      const probe = await call(server.url, 'POST', '/invocations', { headers: JSON_TYPE, body: body(30_000) });
      if (probe.status === 503) refused = probe;
      else expect(probe.status).toBe(200);
    }
    expect(refused?.status).toBe(503);
    expect(refused!.headers['retry-after']).toBe('1');
    expect(refused!.json()).toMatchObject({ code: 'OVERLOADED' });
    held.end(whole.slice(100));
    expect(await heldAnswer).toBe(200);
    const tooLarge = await call(server.url, 'POST', '/invocations', { headers: JSON_TYPE, body: body(70_000) });
    expect(tooLarge.status).toBe(413);
    expect((await call(server.url, 'GET', '/v2/health/live')).status).toBe(200);
    const small = await call(server.url, 'POST', '/invocations', { headers: JSON_TYPE, body: JSON.stringify({ instances: [ROW] }) });
    expect(small.status).toBe(200);
    expect(small.json()).toEqual({ predictions: ['setosa'] });
    expect((await call(server.url, 'POST', '/invocations', { headers: JSON_TYPE, body: body(60_000) })).status).toBe(200);
  }, 60_000);
});

describe.runIf(process.platform === 'linux')('a 1,000,000-row request with scores', () => {
  it('peaks under 600 MiB of RSS and the liveness probe is answered while it is scored', async () => {
    const server = await start([]);
    const n = 1_000_000;
    const data = Array.from({ length: n }, (_, i) => [4 + (i % 37) / 10, 2 + (i % 23) / 10, 1 + (i % 59) / 10, (i % 25) / 10]);
    const body = Buffer.from(JSON.stringify({ dataframe_split: { columns: ['sepal_length', 'sepal_width', 'petal_length', 'petal_width'], data } }));
    let sent = false;
    let done = false;
    let liveWhileScoring = 0;
    const answer = new Promise<{ status: number; bytes: number; tail: string }>((resolve, reject) => {
      const req = httpRequest(
        new URL('/invocations?scores=true', server.url),
        { method: 'POST', agent: false, headers: { 'content-type': 'application/json', 'content-length': String(body.length) } },
        (res) => {
          let bytes = 0;
          let tail = '';
          res.on('data', (chunk: Buffer) => {
            bytes += chunk.length;
            tail = (tail + chunk.toString('latin1')).slice(-64);
          });
          res.on('end', () => {
            done = true;
            resolve({ status: res.statusCode ?? 0, bytes, tail });
          });
        },
      );
      req.on('error', reject);
      req.end(body, () => (sent = true));
    });
    // Probes one after another until the answer has ended; those answered between the body's end and the answer's end count.
    const probes = (async () => {
      while (!done) {
        const live = await call(server.url, 'GET', '/v2/health/live');
        expect(live.status).toBe(200);
        if (sent && !done) liveWhileScoring++;
      }
    })();
    const result = await answer;
    await probes;
    expect(result.status).toBe(200);
    expect(result.bytes).toBeGreaterThan(120e6);
    expect(result.tail.endsWith('}]}')).toBe(true);
    expect(liveWhileScoring).toBeGreaterThan(0);
    expect(peakRss(server.proc.pid!)).toBeLessThan(600 * 1024 * 1024);
  }, 300_000);
});
