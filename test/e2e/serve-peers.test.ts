/**
 * `iris serve` spoken to as the peers' own clients speak (docs/SERVE.md): tritonclient.http's
 * binary tensors (a JSON header, raw FP32/FP64 inputs, a BYTES output asked for in binary),
 * MLServer's requests with `null` members, MLflow's media-type rules (415), default answer
 * (`{"predictions": [labels]}`) and error members (`error_code`, `message`), Triton's duplicate
 * outputs (400) and `GET /v2/`. The built CLI as a process, over HTTP.
 */
import { request as httpRequest } from 'node:http';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IRIS_CSV, iris, tempDir } from '../helpers/cli.js';
import { JSON_TYPE, call, startServer, type Server } from '../helpers/serve.js';

const dir = tempDir('iris-serve-peers-');
const MODEL = join(dir, 'iris.json');
const lines = readFileSync(IRIS_CSV, 'utf8').trim().split('\n');
const FEATURES = lines[0]!.split(',').slice(0, 4);
const ROWS = lines.slice(1, 31).map((line) => line.split(',').slice(0, 4).map(Number));
const ROW = ROWS[0]!;

interface Expected {
  prediction: string;
  scores: Record<string, number>;
}

async function predictLocally(rows: number[][]): Promise<Expected[]> {
  const csv = `${FEATURES.join(',')}\n${rows.map((row) => row.join(',')).join('\n')}\n`;
  const { exitCode, stdout, stderr } = await iris(['predict', '-m', MODEL, '--format', 'jsonl', '--scores'], { input: csv });
  if (exitCode !== 0) throw new Error(stderr);
  return stdout
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as Expected);
}

/** One request with the raw bytes of the answer (binary tensors are not text). */
function raw(
  base: string,
  path: string,
  headers: Record<string, string>,
  body: Buffer,
): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(new URL(path, base), { method: 'POST', headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** A request as tritonclient.http's InferInput.set_data_from_numpy(binary_data=True) makes it. */
function binaryRequest(header: unknown, tensors: Buffer[]): { headers: Record<string, string>; body: Buffer } {
  const json = Buffer.from(JSON.stringify(header));
  return {
    headers: { 'inference-header-content-length': String(json.length), 'content-type': 'application/octet-stream' },
    body: Buffer.concat([json, ...tensors]),
  };
}

const fp32 = (values: number[]) => Buffer.from(new Float32Array(values).buffer);
const fp64 = (values: number[]) => Buffer.from(new Float64Array(values).buffer);

/** tritonclient.http's reading of a binary answer: the JSON header, then each output's bytes in order. */
function readBinaryAnswer(answer: { headers: Record<string, string | string[] | undefined>; body: Buffer }) {
  const length = Number(answer.headers['inference-header-content-length']);
  const header = JSON.parse(answer.body.subarray(0, length).toString('utf8')) as {
    outputs: { name: string; datatype: string; shape: number[]; data?: unknown[]; parameters?: { binary_data_size?: number } }[];
  };
  let at = length;
  const values = new Map<string, unknown[]>();
  for (const output of header.outputs) {
    const size = output.parameters?.binary_data_size;
    if (size === undefined) {
      values.set(output.name, output.data ?? []);
      continue;
    }
    const bytes = answer.body.subarray(at, at + size);
    at += size;
    if (output.datatype === 'BYTES') {
      const items: string[] = [];
      for (let k = 0; k < bytes.length;) {
        const n = bytes.readUInt32LE(k);
        items.push(bytes.subarray(k + 4, k + 4 + n).toString('utf8'));
        k += 4 + n;
      }
      values.set(output.name, items);
    } else {
      const copy = Buffer.from(bytes);
      values.set(output.name, Array.from(new Float64Array(copy.buffer, copy.byteOffset, copy.length / 8)));
    }
  }
  expect(at).toBe(answer.body.length);
  return { header, values };
}

let server: Server;

beforeAll(async () => {
  const trained = await iris(['train', '-q', '--data', IRIS_CSV, '--out', MODEL]);
  if (trained.exitCode !== 0) throw new Error(trained.stderr);
  server = await startServer(['-m', MODEL, '--threads', '1', '--log-level', 'warn']);
}, 60_000);

afterAll(async () => {
  await server?.stop();
});

describe('tritonclient.http: binary tensors', () => {
  it('reads raw FP32 and FP64 inputs after the JSON header and answers BYTES and FP64 outputs in binary', async () => {
    // One [N, 4] FP32 tensor (the values the client's float32 array holds), label asked for in binary.
    const rounded = ROWS.map((row) => row.map((v) => Math.fround(v)));
    const want = await predictLocally(rounded);
    const tensor = binaryRequest(
      {
        inputs: [{ name: 'input-0', shape: [ROWS.length, 4], datatype: 'FP32', parameters: { binary_data_size: ROWS.length * 16 } }],
        outputs: [{ name: 'label', parameters: { binary_data: true } }],
      },
      [fp32(ROWS.flat())],
    );
    const answer = await raw(server.url, '/v2/models/iris/infer', tensor.headers, tensor.body);
    expect(answer.status, answer.body.toString()).toBe(200);
    expect(answer.headers['content-type']).toBe('application/octet-stream');
    const { header, values } = readBinaryAnswer(answer);
    expect(header.outputs.map((o) => o.name)).toEqual(['label']);
    expect(header.outputs[0]).toMatchObject({ datatype: 'BYTES', shape: [ROWS.length] });
    expect(values.get('label')).toEqual(want.map((w) => w.prediction));

    // One [N] FP64 tensor per feature, in another order; every output in binary.
    const exact = await predictLocally(ROWS);
    const order = [...FEATURES].reverse();
    const perFeature = binaryRequest(
      {
        inputs: order.map((name) => ({ name, shape: [ROWS.length], datatype: 'FP64', parameters: { binary_data_size: ROWS.length * 8 } })),
        parameters: { binary_data_output: true },
      },
      order.map((name) => fp64(ROWS.map((row) => row[FEATURES.indexOf(name)]!))),
    );
    const both = readBinaryAnswer(await raw(server.url, '/v2/models/iris/infer', perFeature.headers, perFeature.body));
    expect(both.values.get('label')).toEqual(exact.map((w) => w.prediction));
    expect(both.values.get('decision_function')).toEqual(exact.flatMap((w) => Object.values(w.scores)));
    expect(both.header.outputs[1]).toMatchObject({ datatype: 'FP64', shape: [ROWS.length, 3] });

    // A large one (past the pool threshold: parsed, scored and formatted in a worker thread) is the same.
    const many = Array.from({ length: 100 }, () => ROWS).flat();
    const large = binaryRequest(
      {
        inputs: [{ name: 'input-0', shape: [many.length, 4], datatype: 'FP64', parameters: { binary_data_size: many.length * 32 } }],
        parameters: { binary_data_output: true },
      },
      [fp64(many.flat())],
    );
    expect(large.body.length).toBeGreaterThan(16 * 1024);
    const pooled = readBinaryAnswer(await raw(server.url, '/v2/models/iris/infer', large.headers, large.body));
    expect(pooled.values.get('label')).toEqual(Array.from({ length: 100 }, () => exact.map((w) => w.prediction)).flat());

    // A binary request whose outputs are asked for in JSON gets a plain JSON answer.
    const plain = binaryRequest({ inputs: [{ name: 'input-0', shape: [1, 4], datatype: 'FP64', parameters: { binary_data_size: 32 } }] }, [fp64(ROW)]);
    const json = await raw(server.url, '/v2/models/iris/infer', plain.headers, plain.body);
    expect(json.headers['content-type']).toContain('application/json');
    expect(JSON.parse(json.body.toString()).outputs[0].data).toEqual([exact[0]!.prediction]);
  });

  it('refuses sizes that do not add up to the body, or do not divide into elements (400)', async () => {
    const head = (size: number, datatype = 'FP64') => ({ inputs: [{ name: 'input-0', shape: [1, 4], datatype, parameters: { binary_data_size: size } }] });
    const cases = [
      binaryRequest(head(32), [fp64(ROW), Buffer.alloc(8)]), // bytes left over
      binaryRequest(head(40), [fp64(ROW)]), // more than the body holds
      binaryRequest(head(30, 'FP64'), [fp64(ROW).subarray(0, 30)]), // not whole FP64 elements
      binaryRequest(head(12, 'FP32'), [fp32(ROW).subarray(0, 12)]), // 3 values, the shape [1, 4] needs 4
    ];
    for (const { headers, body } of cases) {
      const answer = await raw(server.url, '/v2/models/iris/infer', headers, body);
      expect(answer.status, answer.body.toString()).toBe(400);
      expect(JSON.parse(answer.body.toString()).code).toBe('BAD_REQUEST');
    }
    const tooLong = await raw(server.url, '/v2/models/iris/infer', { 'inference-header-content-length': '9999' }, Buffer.from('{}'));
    expect(tooLong.status).toBe(400);
  });
});

describe('MLServer and KServe clients: null members', () => {
  it('takes unset optional members sent as null as absent', async () => {
    const want = await predictLocally([ROW]);
    // What mlserver's InferenceRequest(...).dict() sends (pydantic, exclude_none not set).
    const body = {
      id: null,
      parameters: null,
      inputs: [{ name: 'input-0', shape: [1, 4], datatype: 'FP64', parameters: null, data: ROW }],
      outputs: null,
    };
    const answer = await call(server.url, 'POST', '/v2/models/iris/infer', { headers: JSON_TYPE, body: JSON.stringify(body) });
    expect(answer.status, answer.text).toBe(200);
    const out = answer.json();
    expect(out).not.toHaveProperty('id');
    expect(out.outputs.map((o: { name: string }) => o.name)).toEqual(['label', 'decision_function']);
    expect(out.outputs[0].data).toEqual([want[0]!.prediction]);
    const named = { ...body, outputs: [{ name: 'label', parameters: null }] };
    expect((await call(server.url, 'POST', '/v2/models/iris/infer', { headers: JSON_TYPE, body: JSON.stringify(named) })).json().outputs).toHaveLength(1);
  });
});

describe('Triton: outputs and server metadata', () => {
  it('refuses an output named twice (400) and answers GET /v2/ as GET /v2', async () => {
    const twice = { inputs: [{ name: 'input-0', shape: [1, 4], datatype: 'FP64', data: ROW }], outputs: [{ name: 'label' }, { name: 'label' }] };
    const answer = await call(server.url, 'POST', '/v2/models/iris/infer', { headers: JSON_TYPE, body: JSON.stringify(twice) });
    expect(answer.status).toBe(400);
    expect(answer.json().error).toContain('"label" is asked for twice');
    const slash = await call(server.url, 'GET', '/v2/');
    expect(slash.status).toBe(200);
    expect(slash.json()).toEqual((await call(server.url, 'GET', '/v2')).json());
    expect(slash.json().extensions).toEqual(['binary_tensor_data']);
  });

  it('reads the body of /infer as JSON whatever its content type, a malformed one included', async () => {
    const body = JSON.stringify({ inputs: [{ name: 'input-0', shape: [1, 4], datatype: 'FP64', data: ROW }] });
    for (const type of ['not_a_supported_content_type', 'text/plain', 'application/json; charset=latin-1']) {
      const answer = await call(server.url, 'POST', '/v2/models/iris/infer', { headers: { 'content-type': type }, body });
      expect(answer.status, `${type}: ${answer.text}`).toBe(200);
    }
  });
});

describe('MLflow clients', () => {
  it('answers the labels by default, as MLflow does for a classifier; scores when asked', async () => {
    const want = await predictLocally(ROWS);
    const answer = await call(server.url, 'POST', '/invocations', {
      headers: JSON_TYPE,
      body: JSON.stringify({ dataframe_split: { columns: FEATURES, data: ROWS } }),
    });
    expect(answer.json()).toEqual({ predictions: want.map((w) => w.prediction) });
    const scored = await call(server.url, 'POST', '/invocations', { headers: JSON_TYPE, body: JSON.stringify({ instances: ROWS, params: { scores: true } }) });
    expect(scored.json().predictions[0]).toEqual({ label: want[0]!.prediction, scores: want[0]!.scores });
  });

  it('is 415 for any media type MLflow refuses, before reading the body; errors carry error_code and message', async () => {
    const body = JSON.stringify({ instances: [ROW] });
    for (const type of [
      'not_a_supported_content_type',
      'application/json; something=something',
      'application/json; charset=latin-1',
      'text/csv; charset=latin-1',
      'text/plain',
    ]) {
      for (const path of ['/invocations', '/v1/jobs']) {
        const answer = await call(server.url, 'POST', path, { headers: { 'content-type': type }, body });
        expect(answer.status, `${path} ${type}`).toBe(415);
        expect(answer.json()).toMatchObject({ code: 'UNSUPPORTED_MEDIA_TYPE', error_code: 'UNSUPPORTED_MEDIA_TYPE' });
        expect(answer.json().message).toBe(answer.json().error);
      }
    }
    for (const type of ['application/json; charset=utf-8', 'application/json; charset=UTF-8', 'application/json']) {
      expect((await call(server.url, 'POST', '/invocations', { headers: { 'content-type': type }, body })).status, type).toBe(200);
    }
    const bad = await call(server.url, 'POST', '/invocations', { headers: JSON_TYPE, body: '{"instances": [[1, 2]]}' });
    expect(bad.status).toBe(400);
    expect(bad.json()).toMatchObject({ code: 'BAD_REQUEST', error_code: 'BAD_REQUEST', message: bad.json().error });
    // The Open Inference Protocol's errors keep their own shape.
    const oip = await call(server.url, 'POST', '/v2/models/iris/infer', { headers: JSON_TYPE, body: '{}' });
    expect(Object.keys(oip.json()).sort()).toEqual(['code', 'error']);
  });
});
