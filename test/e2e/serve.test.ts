/**
 * `iris serve` end to end: the built CLI started as a process, used over HTTP. Every route of
 * docs/SERVE.md, predictions identical to `iris predict` in every input format (inline and through
 * the worker pool), the result cache, async jobs, metrics accepted by promtool, the OpenAPI
 * document validated as 3.1, SIGHUP reload, SIGTERM drain and --token.
 */
import { execFileSync } from 'node:child_process';
import { copyFileSync, readFileSync, writeFileSync, renameSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IRIS_CSV, iris, tempDir } from '../helpers/cli.js';
import { CSV_TYPE, JSON_TYPE, NDJSON_TYPE, call, eventually, startServer, type Server } from '../helpers/serve.js';

const dir = tempDir('iris-serve-');
const MODEL = join(dir, 'iris.json');
const OTHER = join(dir, 'other.json');
const BINARY = join(dir, 'binary.json');

const lines = readFileSync(IRIS_CSV, 'utf8').trim().split('\n');
const header = lines[0]!.split(',');
const FEATURES = header.slice(0, 4);
const ROWS = lines.slice(1).map((line) => line.split(',').slice(0, 4).map(Number));
/** Many rows (past the pool threshold) with values that are not all the bundled ones. */
const MANY = Array.from({ length: 3000 }, (_, i) => ROWS[i % ROWS.length]!.map((v, j) => Math.round((v + ((i * (j + 3)) % 17) / 10 - 0.8) * 100) / 100));

interface Expected {
  prediction: string;
  scores: Record<string, number> | number;
}

function csvOf(rows: number[][], order = FEATURES): string {
  return `${order.join(',')}\n${rows.map((row) => order.map((f) => row[FEATURES.indexOf(f)]).join(',')).join('\n')}\n`;
}

async function predictLocally(model: string, rows: number[][]): Promise<Expected[]> {
  const { exitCode, stdout, stderr } = await iris(['predict', '-m', model, '--format', 'jsonl', '--scores'], { input: csvOf(rows) });
  if (exitCode !== 0) throw new Error(stderr);
  return stdout
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as Expected);
}

const records = (rows: number[][]) => rows.map((row) => Object.fromEntries(FEATURES.map((f, j) => [f, row[j]])));

let server: Server;
let expected: Expected[];
let expectedMany: Expected[];

beforeAll(async () => {
  for (const [out, extra] of [
    [MODEL, []],
    [OTHER, ['--seed', '7']],
  ] as const) {
    const { exitCode, stderr } = await iris(['train', '-q', '--data', IRIS_CSV, '--out', out, ...extra]);
    if (exitCode !== 0) throw new Error(stderr);
  }
  // A two-class model: scores are one number.
  const twoClass = join(dir, 'two.csv');
  writeFileSync(twoClass, `${lines.filter((line, i) => i === 0 || !line.endsWith('virginica')).join('\n')}\n`);
  const trained = await iris(['train', '-q', '--data', twoClass, '--out', BINARY]);
  if (trained.exitCode !== 0) throw new Error(trained.stderr);
  server = await startServer(['-m', MODEL, '--threads', '1']);
  expected = await predictLocally(MODEL, ROWS);
  expectedMany = await predictLocally(MODEL, MANY);
}, 120_000);

afterAll(async () => {
  await server?.stop();
});

function expectSame(predictions: Array<{ label?: string; prediction?: string; scores?: unknown }>, want: Expected[]): void {
  expect(predictions.length).toBe(want.length);
  predictions.forEach((p, i) => {
    expect(p.label ?? p.prediction).toBe(want[i]!.prediction);
    expect(p.scores).toEqual(want[i]!.scores);
  });
}

describe('health, metadata and the MLflow probes', () => {
  it('answers liveness, readiness, server and model metadata', async () => {
    expect((await call(server.url, 'GET', '/v2/health/live')).json()).toEqual({ live: true });
    expect((await call(server.url, 'GET', '/v2/health/ready')).json()).toEqual({ ready: true });
    const version = (await call(server.url, 'GET', '/v2')).json();
    expect(version).toEqual({ name: 'iris', version: expect.any(String), extensions: ['binary_tensor_data'] });
    const meta = (await call(server.url, 'GET', '/v2/models/iris')).json();
    const artifact = JSON.parse(readFileSync(MODEL, 'utf8'));
    expect(meta).toEqual({
      name: 'iris',
      versions: [artifact.checksum.slice(7, 19)],
      platform: 'iris_perceptron',
      inputs: [{ name: 'input-0', datatype: 'FP64', shape: [-1, 4] }],
      outputs: [
        { name: 'label', datatype: 'BYTES', shape: [-1] },
        { name: 'decision_function', datatype: 'FP64', shape: [-1, 3] },
      ],
      parameters: { features: FEATURES, classes: ['setosa', 'versicolor', 'virginica'], target: 'species', checksum: artifact.checksum },
    });
    expect((await call(server.url, 'GET', `/v2/models/iris/versions/${meta.versions[0]}`)).json()).toEqual(meta);
    expect((await call(server.url, 'GET', '/v2/models/iris/ready')).json()).toEqual({ name: 'iris', ready: true });
    expect((await call(server.url, 'GET', `/v2/models/iris/versions/${meta.versions[0]}/ready`)).json()).toEqual({ name: 'iris', ready: true });
    const ping = await call(server.url, 'GET', '/ping');
    expect(ping.status).toBe(200);
    expect((await call(server.url, 'GET', '/health')).status).toBe(200);
    const v = await call(server.url, 'GET', '/version');
    expect(v.text).toBe(version.version);
    const card = (await call(server.url, 'GET', '/v1/model')).json();
    expect(card).toMatchObject({ name: 'iris', target: 'species', features: FEATURES, checksum: artifact.checksum });
    expect(card.metrics.test.confusionMatrix).toEqual(artifact.training.metrics.test.confusionMatrix);
  });

  it('sends X-Request-Id on every response, echoing the client one', async () => {
    const own = await call(server.url, 'GET', '/v2/health/live', { headers: { 'x-request-id': 'abc-123' } });
    expect(own.headers['x-request-id']).toBe('abc-123');
    const made = await call(server.url, 'GET', '/nowhere');
    expect(made.status).toBe(404);
    expect(made.headers['x-request-id']).toMatch(/\S/);
  });

  it('answers unknown routes with 404 and wrong methods with 405 and Allow', async () => {
    const missing = await call(server.url, 'GET', '/v3/anything');
    expect(missing.status).toBe(404);
    expect(missing.json()).toMatchObject({ code: 'NOT_FOUND' });
    const wrong = await call(server.url, 'GET', '/invocations');
    expect(wrong.status).toBe(405);
    expect(wrong.headers.allow).toBe('POST');
    expect(wrong.json()).toMatchObject({ code: 'METHOD_NOT_ALLOWED' });
    const head = await call(server.url, 'HEAD', '/invocations');
    expect(head.status).toBe(405);
    expect(head.headers.allow).toBe('POST');
    const del = await call(server.url, 'DELETE', '/v2/health/live');
    expect(del.status).toBe(405);
    expect(del.headers.allow).toContain('GET');
  });

  it('serves the page and a valid OpenAPI 3.1 document of every route', async () => {
    const page = await call(server.url, 'GET', '/');
    expect(page.status).toBe(200);
    expect(page.headers['content-type']).toContain('text/html');
    expect(page.text).not.toMatch(/(src|href)=["']https?:/);
    const doc = (await call(server.url, 'GET', '/openapi.json')).json();
    expect(doc.openapi).toBe('3.1.0');
    const { Validator } = await import('@seriousme/openapi-schema-validator');
    const validator = new Validator();
    const result = await validator.validate(doc);
    expect(result.errors ?? []).toEqual([]);
    expect(result.valid).toBe(true);
    for (const path of [
      '/v2/health/live',
      '/v2/health/ready',
      '/v2',
      '/v2/models/{name}',
      '/v2/models/{name}/versions/{version}',
      '/v2/models/{name}/ready',
      '/v2/models/{name}/versions/{version}/ready',
      '/v2/models/{name}/infer',
      '/v2/models/{name}/versions/{version}/infer',
      '/ping',
      '/health',
      '/version',
      '/invocations',
      '/v1/jobs',
      '/v1/jobs/{id}',
      '/v1/jobs/{id}/result',
      '/metrics',
      '/openapi.json',
      '/',
    ]) {
      expect(Object.keys(doc.paths), path).toContain(path);
    }
    expect(doc.paths['/invocations'].post.requestBody.content['application/json'].schema.properties).toHaveProperty('dataframe_split');
  });
});

describe('predictions are exactly what iris predict gives', () => {
  it('MLflow JSON: dataframe_split, dataframe_records, instances, inputs (rows, records, columns), with params', async () => {
    const bodies = [
      { dataframe_split: { columns: [...FEATURES].reverse(), data: ROWS.map((row) => [...row].reverse()) } },
      { dataframe_split: { columns: ['id', ...FEATURES], index: ROWS.map((_, i) => i), data: ROWS.map((row, i) => [`r${i}`, ...row]) } },
      { dataframe_records: records(ROWS) },
      { instances: ROWS },
      { instances: records(ROWS), params: { anything: 1 } },
      { inputs: ROWS },
      { inputs: Object.fromEntries(FEATURES.map((f, j) => [f, ROWS.map((row) => row[j])])) },
    ];
    for (const body of bodies) {
      const answer = await call(server.url, 'POST', '/invocations?scores=true', { headers: JSON_TYPE, body: JSON.stringify(body) });
      expect(answer.status, answer.text).toBe(200);
      expect(answer.headers['x-model-checksum']).toMatch(/^sha256:[0-9a-f]{64}$/);
      expectSame(answer.json().predictions, expected);
    }
  });

  it('CSV with the columns in any order and an extra column; the default answer is the labels, as MLflow gives them', async () => {
    const order = [FEATURES[2]!, FEATURES[0]!, FEATURES[3]!, FEATURES[1]!];
    const text = `id,${order.join(',')}\n${ROWS.map((row, i) => `x${i},${order.map((f) => row[FEATURES.indexOf(f)]).join(',')}`).join('\n')}\n`;
    const answer = await call(server.url, 'POST', '/invocations?scores=true', { headers: { 'content-type': 'text/csv; charset=utf-8' }, body: text });
    expect(answer.status, answer.text).toBe(200);
    expectSame(answer.json().predictions, expected);
    const labels = await call(server.url, 'POST', '/invocations', { headers: CSV_TYPE, body: csvOf(ROWS) });
    expect(labels.json()).toEqual({ predictions: expected.map((e) => e.prediction) });
    const spelledOut = await call(server.url, 'POST', '/invocations?scores=false', { headers: CSV_TYPE, body: csvOf(ROWS) });
    expect(spelledOut.text).toBe(labels.text);
    const asked = await call(server.url, 'POST', '/invocations', { headers: JSON_TYPE, body: JSON.stringify({ instances: ROWS, params: { scores: true } }) });
    expectSame(asked.json().predictions, expected);
  });

  it('NDJSON in, NDJSON out: the records of iris predict --format jsonl --scores, arrays and records mixed', async () => {
    const body = ROWS.map((row, i) => JSON.stringify(i % 2 === 0 ? row : records([row])[0])).join('\n');
    const answer = await call(server.url, 'POST', '/invocations?scores=true', { headers: NDJSON_TYPE, body });
    expect(answer.status, answer.text).toBe(200);
    expect(answer.headers['content-type']).toContain('application/x-ndjson');
    const { stdout } = await iris(['predict', '-m', MODEL, '--format', 'jsonl', '--scores'], { input: csvOf(ROWS) });
    expect(answer.text).toBe(stdout);
  });

  it('OIP v2: one tensor flat or nested, or one input per feature; outputs limited when named', async () => {
    const flat = { id: 'req-1', inputs: [{ name: 'input-0', datatype: 'FP64', shape: [ROWS.length, 4], data: ROWS.flat() }] };
    const nested = { inputs: [{ name: 'input-0', datatype: 'FP32', shape: [ROWS.length, 4], data: ROWS }] };
    const perFeature = {
      inputs: [...FEATURES].reverse().map((f) => ({
        name: f,
        datatype: 'FP64',
        shape: [ROWS.length],
        data: ROWS.map((row) => row[FEATURES.indexOf(f)]),
        parameters: { content_type: 'pd' },
      })),
    };
    for (const body of [flat, nested, perFeature]) {
      const answer = await call(server.url, 'POST', '/v2/models/iris/infer', { headers: { 'content-type': 'text/plain' }, body: JSON.stringify(body) });
      expect(answer.status, answer.text).toBe(200);
      const out = answer.json();
      expect(out.model_name).toBe('iris');
      if (body === flat) expect(out.id).toBe('req-1');
      const [label, decision] = out.outputs;
      expect(label).toMatchObject({ name: 'label', datatype: 'BYTES', shape: [ROWS.length] });
      expect(label.data).toEqual(expected.map((e) => e.prediction));
      expect(decision).toMatchObject({ name: 'decision_function', datatype: 'FP64', shape: [ROWS.length, 3] });
      expect(decision.data).toEqual(expected.flatMap((e) => Object.values(e.scores as Record<string, number>)));
    }
    const version = JSON.parse(readFileSync(MODEL, 'utf8')).checksum.slice(7, 19);
    const only = await call(server.url, 'POST', `/v2/models/iris/versions/${version}/infer`, {
      body: JSON.stringify({ ...flat, outputs: [{ name: 'label' }] }),
    });
    expect(only.json().outputs.map((o: { name: string }) => o.name)).toEqual(['label']);
  });

  it('large requests (scored in the worker pool) give the same answers in every format', async () => {
    const json = await call(server.url, 'POST', '/invocations?scores=true', { headers: JSON_TYPE, body: JSON.stringify({ instances: MANY }) });
    expect(json.status).toBe(200);
    expectSame(json.json().predictions, expectedMany);
    const csv = await call(server.url, 'POST', '/invocations?scores=true', { headers: CSV_TYPE, body: csvOf(MANY) });
    expectSame(csv.json().predictions, expectedMany);
    const ndjson = await call(server.url, 'POST', '/invocations?scores=true', {
      headers: NDJSON_TYPE,
      body: MANY.map((row) => JSON.stringify(row)).join('\n'),
    });
    expectSame(
      ndjson.text
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line)),
      expectedMany,
    );
    const infer = await call(server.url, 'POST', '/v2/models/iris/infer', {
      body: JSON.stringify({ inputs: [{ name: 'input-0', datatype: 'FP64', shape: [MANY.length, 4], data: MANY.flat() }] }),
    });
    expect(infer.json().outputs[0].data).toEqual(expectedMany.map((e) => e.prediction));
  });

  it('a two-class model gives one score per row, as iris predict does', async () => {
    const two = await startServer(['-m', BINARY, '--threads', '1', '--log-level', 'silent']);
    try {
      const rows = ROWS.slice(0, 100);
      const want = await predictLocally(BINARY, rows);
      expect(typeof want[0]!.scores).toBe('number');
      const answer = await call(two.url, 'POST', '/invocations?scores=true', { headers: JSON_TYPE, body: JSON.stringify({ instances: rows }) });
      expectSame(answer.json().predictions, want);
      const meta = (await call(two.url, 'GET', '/v2/models/binary')).json();
      expect(meta.outputs[1].shape).toEqual([-1]);
      const infer = (
        await call(two.url, 'POST', '/v2/models/binary/infer', {
          body: JSON.stringify({ inputs: [{ name: 'input-0', datatype: 'FP64', shape: [rows.length, 4], data: rows }] }),
        })
      ).json();
      expect(infer.outputs[1].shape).toEqual([rows.length]);
      expect(infer.outputs[1].data).toEqual(want.map((w) => w.scores));
    } finally {
      await two.stop();
    }
  });

  it('with --cache the answers are the same and the cache counts hits', async () => {
    const cached = await startServer(['-m', MODEL, '--threads', '1', '--cache', '1000', '--name', 'cached']);
    try {
      for (let round = 0; round < 2; round++) {
        const answer = await call(cached.url, 'POST', '/invocations?scores=true', { headers: JSON_TYPE, body: JSON.stringify({ instances: ROWS }) });
        expectSame(answer.json().predictions, expected);
      }
      const metrics = (await call(cached.url, 'GET', '/metrics')).text;
      expect(Number(/^iris_cache_hits_total (\d+)/m.exec(metrics)?.[1])).toBeGreaterThanOrEqual(ROWS.length);
      expect((await call(cached.url, 'GET', '/v2/models/iris')).status).toBe(404);
      expect((await call(cached.url, 'GET', '/v2/models/cached')).status).toBe(200);
    } finally {
      await cached.stop();
    }
  });
});

describe('async jobs', () => {
  it('202 with Location, status with ?wait, result as JSON, NDJSON or CSV; a resubmission is the same job', async () => {
    const body = csvOf(MANY);
    const submitted = await call(server.url, 'POST', '/v1/jobs?scores=true', { headers: CSV_TYPE, body });
    expect(submitted.status, submitted.text).toBe(202);
    const { id, status } = submitted.json();
    expect(['queued', 'running', 'done']).toContain(status);
    expect(submitted.headers.location).toBe(`/v1/jobs/${id}`);
    let view = (await call(server.url, 'GET', `/v1/jobs/${id}?wait=20000`)).json();
    await eventually(async () => {
      view = (await call(server.url, 'GET', `/v1/jobs/${id}?wait=1000`)).json();
      return view.status === 'done';
    }, 'the job');
    expect(view).toEqual({ id, status: 'done', rows: MANY.length, progress: 1 });
    const again = await call(server.url, 'POST', '/v1/jobs?scores=true', { headers: CSV_TYPE, body });
    expect(again.status).toBe(202);
    expect(again.json()).toMatchObject({ id, status: 'done' });
    const json = await call(server.url, 'GET', `/v1/jobs/${id}/result`);
    expectSame(json.json().predictions, expectedMany);
    const ndjson = await call(server.url, 'GET', `/v1/jobs/${id}/result`, { headers: { accept: 'application/x-ndjson' } });
    expectSame(
      ndjson.text
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line)),
      expectedMany,
    );
    const csv = await call(server.url, 'GET', `/v1/jobs/${id}/result`, { headers: { accept: 'text/csv' } });
    const { stdout } = await iris(['predict', '-m', MODEL, '--format', 'csv', '--scores'], { input: body });
    expect(csv.text).toBe(stdout);
  });

  it('a malformed body is 400 at the POST; unknown ids are 404; the result of an unfinished job is 409', async () => {
    const bad = await call(server.url, 'POST', '/v1/jobs', { headers: JSON_TYPE, body: '{"instances": [[1, 2]]}' });
    expect(bad.status).toBe(400);
    expect(bad.json().code).toBe('BAD_REQUEST');
    expect((await call(server.url, 'GET', '/v1/jobs/nope')).status).toBe(404);
    expect((await call(server.url, 'GET', '/v1/jobs/nope/result')).status).toBe(404);
    // A job big enough to still be running when its result is asked for at once (no timing: 409 or done).
    const big = Array.from({ length: 200_000 }, (_, i) => MANY[i % MANY.length]!);
    const submitted = await call(server.url, 'POST', '/v1/jobs', { headers: NDJSON_TYPE, body: big.map((row) => JSON.stringify(row)).join('\n') });
    expect(submitted.status).toBe(202);
    const early = await call(server.url, 'GET', `/v1/jobs/${submitted.json().id}/result`);
    expect([200, 409]).toContain(early.status);
    if (early.status === 409) expect(early.json().code).toBe('CONFLICT');
  });
});

describe('metrics', () => {
  it('exposes the contract metric names, and promtool accepts them', async () => {
    expect((await call(server.url, 'POST', '/invocations?scores=true', { headers: JSON_TYPE, body: JSON.stringify({ instances: ROWS }) })).status).toBe(200);
    const job = (await call(server.url, 'POST', '/v1/jobs', { headers: JSON_TYPE, body: JSON.stringify({ instances: ROWS.slice(0, 3) }) })).json();
    await call(server.url, 'GET', `/v1/jobs/${job.id}?wait=10000`);
    const text = (await call(server.url, 'GET', '/metrics')).text;
    for (const name of [
      'iris_requests_total{',
      'iris_request_duration_seconds_bucket{',
      'iris_rows_predicted_total ',
      'iris_batch_rows_bucket{',
      'iris_pool_queue_depth ',
      'iris_cache_hits_total ',
      'iris_cache_misses_total ',
      'iris_model_info{name="iris",version="',
      'iris_model_reloads_total{result="failure"} 0',
      'iris_jobs{status="done"}',
      'process_resident_memory_bytes ',
      'nodejs_eventloop_lag_seconds ',
    ]) {
      expect(text, name).toContain(name);
    }
    expect(text).toMatch(/iris_requests_total\{route="\/invocations",code="200"\} \d+/);
    const out = execFileSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8' });
    expect(out).toBe('');
  });
});

describe('signals and the token', () => {
  it('SIGHUP reloads a good file, keeps the old model on a bad one, and counts both', async () => {
    const path = join(dir, 'live.json');
    copyFileSync(MODEL, path);
    const live = await startServer(['-m', path, '--threads', '1']);
    try {
      const versionOf = async () => (await call(live.url, 'GET', '/v2/models/live')).json().versions[0] as string;
      const before = await versionOf();
      writeFileSync(`${path}.tmp`, readFileSync(OTHER));
      renameSync(`${path}.tmp`, path);
      live.proc.kill('SIGHUP');
      const otherVersion = JSON.parse(readFileSync(OTHER, 'utf8')).checksum.slice(7, 19);
      await eventually(async () => (await versionOf()) === otherVersion, 'the reload');
      expect(otherVersion).not.toBe(before);
      const answer = await call(live.url, 'POST', '/invocations?scores=true', { headers: JSON_TYPE, body: JSON.stringify({ instances: ROWS }) });
      expectSame(answer.json().predictions, await predictLocally(OTHER, ROWS));
      expect(answer.headers['x-model-checksum']).toBe(JSON.parse(readFileSync(OTHER, 'utf8')).checksum);

      writeFileSync(path, '{"format": "iris-model", "broken": ');
      live.proc.kill('SIGHUP');
      await eventually(async () => /iris_model_reloads_total\{result="failure"\} 1/.test((await call(live.url, 'GET', '/metrics')).text), 'the failed reload');
      expect(await versionOf()).toBe(otherVersion);
      const metrics = (await call(live.url, 'GET', '/metrics')).text;
      expect(metrics).toMatch(/iris_model_reloads_total\{result="success"\} 1/);
      expect(metrics).toContain(`iris_model_info{name="live",version="${otherVersion}"`);
      expect((await call(live.url, 'GET', '/v2/health/ready')).status).toBe(200);
      expect(live.stderr()).toMatch(/reload failed/);
    } finally {
      await live.stop();
    }
  });

  it('SIGTERM: readiness turns 503 at once, a request in flight (body still arriving) completes, exit 0', async () => {
    const draining = await startServer(['-m', MODEL, '--threads', '1', '--grace', '500', '--log-level', 'silent']);
    const url = new URL('/invocations?scores=true', draining.url);
    const body: string[] = [];
    let firstLine: () => void = () => {};
    const gotFirst = new Promise<void>((resolve) => (firstLine = resolve));
    const done = new Promise<{ status: number; text: string }>((resolve, reject) => {
      const req = httpRequest(url, { method: 'POST', headers: NDJSON_TYPE, agent: false }, (res) => {
        res.setEncoding('utf8');
        res.on('data', (text: string) => {
          body.push(text);
          if (body.join('').includes('\n')) firstLine();
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text: body.join('') }));
      });
      req.on('error', reject);
      req.write(`${JSON.stringify(ROWS[0])}\n`);
      void gotFirst.then(async () => {
        draining.proc.kill('SIGTERM');
        // Readiness is 503 at once, while the request is still open (new requests still served during --grace).
        await eventually(async () => (await call(draining.url, 'GET', '/v2/health/ready')).status === 503, 'readiness 503');
        expect((await call(draining.url, 'GET', '/ping')).status).toBe(503);
        req.end(
          `${ROWS.slice(1)
            .map((row) => JSON.stringify(row))
            .join('\n')}\n`,
        );
      });
    });
    const answer = await done;
    expect(answer.status).toBe(200);
    expectSame(
      answer.text
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line)),
      expected,
    );
    expect(await draining.exited).toEqual({ code: 0, signal: null });
  });

  it('--token (and IRIS_TOKEN) guards every route but the probes and the page', async () => {
    for (const [args, env] of [
      [['--token', 's3cret'], {}],
      [[], { IRIS_TOKEN: 's3cret' }],
    ] as const) {
      const guarded = await startServer(['-m', MODEL, '--threads', '1', '--log-level', 'silent', ...args], env);
      try {
        for (const path of ['/v2/health/live', '/v2/health/ready', '/ping', '/health', '/']) {
          expect((await call(guarded.url, 'GET', path)).status, path).toBe(200);
        }
        for (const path of ['/v2', '/v2/models/iris', '/metrics', '/openapi.json', '/version', '/v1/model', '/v1/jobs/x']) {
          const none = await call(guarded.url, 'GET', path);
          expect(none.status, path).toBe(401);
          expect(none.json().code).toBe('UNAUTHORIZED');
          expect(none.headers['www-authenticate']).toBe('Bearer');
          expect((await call(guarded.url, 'GET', path, { headers: { authorization: 'Bearer wrong' } })).status, path).toBe(401);
        }
        const denied = await call(guarded.url, 'POST', '/invocations?scores=true', {
          headers: { ...JSON_TYPE, authorization: 'Bearer s3cre' },
          body: JSON.stringify({ instances: ROWS }),
        });
        expect(denied.status).toBe(401);
        const ok = await call(guarded.url, 'POST', '/invocations?scores=true', {
          headers: { ...JSON_TYPE, authorization: 'Bearer s3cret' },
          body: JSON.stringify({ instances: ROWS }),
        });
        expect(ok.status).toBe(200);
        expectSame(ok.json().predictions, expected);
        expect((await call(guarded.url, 'GET', '/metrics', { headers: { authorization: 'Bearer s3cret' } })).status).toBe(200);
      } finally {
        await guarded.stop();
      }
    }
  });

  it('start-up failures are exit codes: a bad model is 4, a bad option 2', async () => {
    const help = await iris(['serve', '--help']);
    expect(help.exitCode).toBe(0);
    for (const option of [
      '--model',
      '--name',
      '--host',
      '--port',
      '--threads',
      '--cache',
      '--max-body',
      '--max-inflight',
      '--max-rows',
      '--timeout',
      '--token',
      '--log-level',
      '--grace',
      '--job-ttl',
      '--queue',
      '--connect-timeout',
    ]) {
      expect(help.stdout).toContain(option);
    }
    const missing = await iris(['serve', '-m', join(dir, 'nope.json'), '--port', '0']);
    expect(missing.exitCode).toBe(4);
    expect(missing.stderr).toMatch(/no model file/);
    const badPort = await iris(['serve', '-m', MODEL, '--port', '70000']);
    expect(badPort.exitCode).toBe(2);
    const badSize = await iris(['serve', '-m', MODEL, '--max-body', 'lots']);
    expect(badSize.exitCode).toBe(2);
    const config = join(dir, 'bad-serve-config.json');
    writeFileSync(config, JSON.stringify({ serve: { maxRows: 0 } }));
    const badConfig = await iris(['--config', config, 'serve', '-m', MODEL]);
    expect(badConfig.exitCode).toBe(2);
    expect(badConfig.stderr).toMatch(/serve\.maxRows: must be a whole number of at least 1/);
  });
});
