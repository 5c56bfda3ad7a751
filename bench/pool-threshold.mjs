// Where the inline/pool threshold of `iris serve` comes from (docs/SERVE.md, "Inline or pool"):
// the time to parse, score and format one /invocations JSON body on the event loop, against the
// round trip of the same task through a one-thread piscina pool. Run: npm run build && node bench/pool-threshold.mjs [model.json]
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { Piscina } from 'piscina';
import { loadModel } from '../dist/lib/model.js';
import { runTask } from '../dist/serve/work.js';

let modelPath = process.argv[2];
if (modelPath === undefined || !existsSync(modelPath)) {
  modelPath = join(mkdtempSync(join(tmpdir(), 'iris-threshold-')), 'model.json');
  execFileSync(process.execPath, ['bin/iris.js', 'train', '-q', '-o', modelPath]);
}
const model = await loadModel(modelPath);
const artifact = model.toJSON();
const pool = new Piscina({ filename: new URL('../dist/serve/pool-worker.js', import.meta.url).href, minThreads: 1, maxThreads: 1 });
const row = () => model.features.map(() => Math.round(Math.random() * 80) / 10);
const median = (xs) => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)];

console.log('rows\tbytes\tinline_ms\tpool_ms\tinline_ns_per_byte');
for (const rows of [1, 10, 30, 100, 300, 1000, 3000, 10000, 100000]) {
  const body = Buffer.from(JSON.stringify({ instances: Array.from({ length: rows }, row) }));
  const task = () => ({ format: 'json', body: new Uint8Array(body), model, name: 'm', withScores: true, maxRows: 1e7 });
  // What crosses to a pool thread: the model as its artifact (pool-worker.ts).
  const poolTask = () => ({ format: 'json', body: new Uint8Array(body), artifact, name: 'm', withScores: true, maxRows: 1e7 });
  const reps = rows >= 10000 ? 15 : 200;
  for (let i = 0; i < 20; i++) {
    await runTask(task());
    await pool.run({ op: 'run', task: poolTask() });
  }
  const inline = [];
  const pooled = [];
  for (let i = 0; i < reps; i++) {
    let t = performance.now();
    await runTask(task());
    inline.push(performance.now() - t);
    t = performance.now();
    await pool.run({ op: 'run', task: poolTask() });
    pooled.push(performance.now() - t);
  }
  const mi = median(inline);
  console.log(`${rows}\t${body.length}\t${mi.toFixed(4)}\t${median(pooled).toFixed(4)}\t${((mi * 1e6) / body.length).toFixed(1)}`);
}
await pool.destroy();
