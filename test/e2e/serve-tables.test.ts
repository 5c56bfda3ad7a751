/**
 * `iris serve` with a table model (docs/TABULAR.md, "In iris serve"): the penguins data with
 * categorical features and imputed missing values, sent as the peers send tables (MLflow records,
 * split frames, CSV, NDJSON with strings and null; OIP with one input per feature, BYTES and FP64,
 * null), answered exactly as `iris predict` answers the same rows; the metadata lists the inputs;
 * unknown categories are counted per feature; the queue mode carries the same values.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT, iris, tempDir } from '../helpers/cli.js';
import { killAll, startWorker } from '../helpers/queue.js';
import { startRedis, type RedisServer } from '../helpers/redis.js';
import { CSV_TYPE, JSON_TYPE, NDJSON_TYPE, call, startServer, type Server } from '../helpers/serve.js';

const dir = tempDir('iris-serve-tables-');
const DATA = join(ROOT, 'data', 'penguins.csv');
const IMPUTED = join(dir, 'imputed.json');
const STRICT = join(dir, 'strict.json');
const lines = readFileSync(DATA, 'utf8').trim().split('\n');
const header = lines[0]!.split(',');
const INPUTS = header.filter((name) => name !== 'species');
/** Rows with missing values (NA) among them, and one island the model never saw. */
const PICKED = [lines[1]!, lines[4]!, lines[9]!, lines[10]!, lines[200]!, lines[300]!].map((line) => line.split(','));
const UNKNOWN = { ...Object.fromEntries(INPUTS.map((name) => [name, PICKED[0]![header.indexOf(name)]])), island: 'Atlantis' };

/** A CSV field as a JSON value: NA is null, numbers are numbers, words are strings. */
function value(text: string): string | number | null {
  if (text === 'NA') return null;
  const n = Number(text);
  return Number.isFinite(n) && text.trim() !== '' ? n : text;
}
const records = (rows: string[][]) => rows.map((row) => Object.fromEntries(INPUTS.map((name) => [name, value(row[header.indexOf(name)]!)])));
const csvOf = (rows: string[][]) => `${INPUTS.join(',')}\n${rows.map((row) => INPUTS.map((name) => row[header.indexOf(name)]).join(',')).join('\n')}\n`;

interface Expected {
  prediction: string;
  scores: Record<string, number>;
}

async function predictLocally(model: string, csv: string): Promise<Expected[]> {
  const { exitCode, stdout, stderr } = await iris(['predict', '-m', model, '--format', 'jsonl', '--scores'], { input: csv });
  if (exitCode !== 0) throw new Error(stderr);
  return stdout
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as Expected);
}

let server: Server;
let expected: Expected[];

beforeAll(async () => {
  for (const [out, extra] of [
    [IMPUTED, ['--impute', 'mean']],
    [STRICT, ['--dropna']],
  ] as const) {
    const trained = await iris(['train', '-q', '--data', DATA, '--target', 'species', ...extra, '--out', out]);
    if (trained.exitCode !== 0) throw new Error(trained.stderr);
  }
  server = await startServer(['-m', IMPUTED, '--name', 'penguins', '--threads', '1', '--log-level', 'warn']);
  expected = await predictLocally(IMPUTED, csvOf(PICKED));
}, 120_000);

afterAll(async () => {
  await server?.stop();
  await killAll();
});

function expectSame(predictions: { label: string; scores: unknown }[], want: Expected[]): void {
  expect(predictions.map((p) => p.label)).toEqual(want.map((w) => w.prediction));
  expect(predictions.map((p) => p.scores)).toEqual(want.map((w) => w.scores));
}

describe('MLflow bodies with strings and null', () => {
  it('records, a split frame, CSV and NDJSON give what iris predict gives', async () => {
    const asRecords = records(PICKED);
    const bodies = [
      { dataframe_records: asRecords },
      { dataframe_split: { columns: INPUTS, data: asRecords.map((r) => INPUTS.map((name) => r[name])) } },
      { instances: asRecords },
    ];
    for (const body of bodies) {
      const answer = await call(server.url, 'POST', '/invocations?scores=true', { headers: JSON_TYPE, body: JSON.stringify(body) });
      expect(answer.status, answer.text).toBe(200);
      expectSame(answer.json().predictions, expected);
    }
    const csv = await call(server.url, 'POST', '/invocations?scores=true', { headers: CSV_TYPE, body: csvOf(PICKED) });
    expect(csv.status, csv.text).toBe(200);
    expectSame(csv.json().predictions, expected);
    const ndjson = await call(server.url, 'POST', '/invocations?scores=true', {
      headers: NDJSON_TYPE,
      body: asRecords.map((r) => JSON.stringify(r)).join('\n'),
    });
    expect(ndjson.text).toBe((await iris(['predict', '-m', IMPUTED, '--format', 'jsonl', '--scores'], { input: csvOf(PICKED) })).stdout);
    // The year given as a string matches a category only for a categorical year; here it is numeric: 400.
    const word = await call(server.url, 'POST', '/invocations', {
      headers: JSON_TYPE,
      body: JSON.stringify({ dataframe_records: [{ ...asRecords[0], year: 'recent' }] }),
    });
    expect(word.status).toBe(400);
  });

  it('a missing value is 400 where the model does not impute it, naming the feature', async () => {
    const strict = await startServer(['-m', STRICT, '--threads', '1', '--log-level', 'warn']);
    try {
      const answer = await call(strict.url, 'POST', '/invocations', {
        headers: JSON_TYPE,
        body: JSON.stringify({ dataframe_records: [{ ...records(PICKED)[0], sex: null }] }),
      });
      expect(answer.status).toBe(400);
      expect(answer.json().error).toMatch(/feature "sex": a missing value \(null\), and the model does not impute "sex"/);
    } finally {
      await strict.stop();
    }
  });
});

describe('Open Inference Protocol: one input per feature', () => {
  it('lists the inputs in its metadata, takes BYTES/FP64 with null, refuses the one-tensor form', async () => {
    const metadata = (await call(server.url, 'GET', '/v2/models/penguins')).json();
    // In model order (numeric inputs first), each with its datatype.
    const listed = metadata.inputs as { name: string; datatype: string }[];
    expect(listed.map((i) => i.name).sort()).toEqual([...INPUTS].sort());
    for (const input of listed) expect(input.datatype, input.name).toBe(input.name === 'island' || input.name === 'sex' ? 'BYTES' : 'FP64');
    expect(metadata.inputs.find((i: { name: string }) => i.name === 'island').parameters.categories).toEqual(['Biscoe', 'Dream', 'Torgersen']);
    const asRecords = records(PICKED);
    const inputs = INPUTS.map((name) => ({
      name,
      datatype: name === 'island' || name === 'sex' ? 'BYTES' : 'FP64',
      shape: [PICKED.length],
      data: asRecords.map((r) => r[name]),
    }));
    const answer = await call(server.url, 'POST', '/v2/models/penguins/infer', { headers: JSON_TYPE, body: JSON.stringify({ inputs }) });
    expect(answer.status, answer.text).toBe(200);
    const [label, decision] = answer.json().outputs;
    expect(label.data).toEqual(expected.map((e) => e.prediction));
    expect(decision.data).toEqual(expected.flatMap((e) => Object.values(e.scores)));
    const tensor = { inputs: [{ name: 'input-0', datatype: 'FP64', shape: [1, INPUTS.length], data: INPUTS.map(() => 1) }] };
    const refused = await call(server.url, 'POST', '/v2/models/penguins/infer', { headers: JSON_TYPE, body: JSON.stringify(tensor) });
    expect(refused.status).toBe(400);
    expect(refused.json().error).toMatch(/categorical features; send one input per feature/);
  });
});

describe('unknown categories', () => {
  it('are encoded as all zeros, as iris predict does, and counted per feature', async () => {
    const want = await predictLocally(
      IMPUTED,
      `${INPUTS.join(',')}\n${INPUTS.map((name) => String((UNKNOWN as Record<string, unknown>)[name] ?? 'NA')).join(',')}\n`,
    );
    const answer = await call(server.url, 'POST', '/invocations?scores=true', {
      headers: JSON_TYPE,
      body: JSON.stringify({ dataframe_records: [{ ...records([PICKED[0]!])[0], island: 'Atlantis' }] }),
    });
    expect(answer.status, answer.text).toBe(200);
    expectSame(answer.json().predictions, want);
    const metrics = (await call(server.url, 'GET', '/metrics')).text;
    expect(metrics).toMatch(/^iris_unknown_categories_total\{feature="island"\} 1$/m);
  });
});

describe('the queue mode', () => {
  let redis: RedisServer | undefined;
  afterAll(async () => {
    await killAll();
    await redis?.destroy();
  });

  it('carries the same values: answers equal the embedded mode, a job included', async () => {
    redis = await startRedis();
    await startWorker(redis.url, IMPUTED);
    const queued = await startServer(['--queue', redis.url, '-m', IMPUTED, '--name', 'penguins', '--log-level', 'warn'], { IRIS_QUEUE_LOCK_MS: '2000' });
    try {
      const body = JSON.stringify({ dataframe_records: records(PICKED) });
      const answer = await call(queued.url, 'POST', '/invocations?scores=true', { headers: JSON_TYPE, body });
      expect(answer.status, answer.text).toBe(200);
      expectSame(answer.json().predictions, expected);
      const { id } = (await call(queued.url, 'POST', '/v1/jobs?scores=true', { headers: JSON_TYPE, body })).json() as { id: string };
      expect((await call(queued.url, 'GET', `/v1/jobs/${id}?wait=30000`)).json().status).toBe('done');
      expectSame((await call(queued.url, 'GET', `/v1/jobs/${id}/result`)).json().predictions, expected);
      // And predict --queue reads a table file as predict does.
      const file = join(dir, 'picked.csv');
      writeFileSync(file, csvOf(PICKED));
      const distributed = await iris(['predict', '--queue', redis.url, '-m', IMPUTED, '--input', file, '--format', 'jsonl', '--scores'], {
        env: { IRIS_QUEUE_LOCK_MS: '2000' },
      });
      expect(distributed.exitCode, distributed.stderr).toBe(0);
      expect(distributed.stdout).toBe((await iris(['predict', '-m', IMPUTED, '--input', file, '--format', 'jsonl', '--scores'])).stdout);
      // --unknown error reaches the workers: a category the model never saw fails as a local run fails.
      const odd = join(dir, 'odd.csv');
      writeFileSync(odd, csvOf([...PICKED, PICKED[0]!.map((field, k) => (header[k] === 'island' ? 'Atlantis' : field))]));
      const local = await iris(['predict', '-m', IMPUTED, '--input', odd, '--unknown', 'error']);
      const refused = await iris(['predict', '--queue', redis.url, '-m', IMPUTED, '--input', odd, '--unknown', 'error'], {
        env: { IRIS_QUEUE_LOCK_MS: '2000' },
      });
      expect(local.exitCode).toBe(3);
      expect(refused.exitCode, refused.stderr).toBe(3);
      expect(refused.stderr.split('\n')[0]).toBe(local.stderr.split('\n')[0]);
    } finally {
      await queued.stop();
    }
  }, 120_000);
});
