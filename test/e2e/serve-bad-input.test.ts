/**
 * Bad input against the built `iris serve`: each case gets its documented status and a JSON error
 * `{error, code}` that does not echo the input; slow clients (headers and bodies trickled) get a
 * 504; clients that go away mid-body or mid-answer cost nothing; the server keeps serving and its
 * memory does not grow from round to round.
 */
import { connect, type Socket } from 'node:net';
import { request as httpRequest } from 'node:http';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IRIS_CSV, iris, tempDir } from '../helpers/cli.js';
import { call, startServer, type Server } from '../helpers/serve.js';

const dir = tempDir('iris-serve-bad-');
const MODEL = join(dir, 'iris.json');
const MAX_ROWS = 100;
const TIMEOUT_MS = 3000;

let server: Server;

beforeAll(async () => {
  const { exitCode, stderr } = await iris(['train', '-q', '--data', IRIS_CSV, '--out', MODEL]);
  if (exitCode !== 0) throw new Error(stderr);
  server = await startServer([
    '-m',
    MODEL,
    '--threads',
    '1',
    '--max-rows',
    String(MAX_ROWS),
    '--max-body',
    '1mb',
    '--timeout',
    String(TIMEOUT_MS),
    '--log-level',
    'warn',
  ]);
}, 60_000);

afterAll(async () => {
  await server?.stop();
});

const ROW = [5.1, 3.5, 1.4, 0.2];
const RECORD = { sepal_length: 5.1, sepal_width: 3.5, petal_length: 1.4, petal_width: 0.2 };
const HEADER = 'sepal_length,sepal_width,petal_length,petal_width';
const LONG = 'x'.repeat(5000);
const tensor = (shape: number[], data: unknown[], extra: Record<string, unknown> = {}) =>
  JSON.stringify({ inputs: [{ name: 'input-0', datatype: 'FP64', shape, data, ...extra }] });
const perFeature = (names: string[]) => JSON.stringify({ inputs: names.map((name) => ({ name, datatype: 'FP64', shape: [1], data: [1] })) });

interface Case {
  name: string;
  method?: string;
  path?: string;
  type?: string | null;
  body?: string;
  status: number;
  code?: string;
}

const J = 'application/json';
const C = 'text/csv';
const N = 'application/x-ndjson';

const CASES: Case[] = [
  // MLflow JSON
  { name: 'malformed JSON', type: J, body: '{"instances": [', status: 400, code: 'BAD_REQUEST' },
  { name: 'empty JSON body', type: J, body: '', status: 400, code: 'BAD_REQUEST' },
  { name: 'JSON that is not an object', type: J, body: '[[5.1, 3.5, 1.4, 0.2]]', status: 400, code: 'BAD_REQUEST' },
  { name: 'no rows member', type: J, body: '{"params": {}}', status: 400, code: 'BAD_REQUEST' },
  { name: 'two forms at once', type: J, body: JSON.stringify({ instances: [ROW], inputs: [ROW] }), status: 400, code: 'BAD_REQUEST' },
  { name: 'an unknown member', type: J, body: JSON.stringify({ instances: [ROW], extra: 1 }), status: 400, code: 'BAD_REQUEST' },
  { name: 'params that is not an object', type: J, body: JSON.stringify({ instances: [ROW], params: [1] }), status: 400, code: 'BAD_REQUEST' },
  { name: 'a row too short', type: J, body: JSON.stringify({ instances: [[1, 2, 3]] }), status: 400, code: 'BAD_REQUEST' },
  { name: 'a row too long', type: J, body: JSON.stringify({ instances: [[1, 2, 3, 4, 5]] }), status: 400, code: 'BAD_REQUEST' },
  { name: 'rows nested too deep', type: J, body: JSON.stringify({ instances: [[ROW]] }), status: 400, code: 'BAD_REQUEST' },
  {
    name: 'a record missing a feature',
    type: J,
    body: JSON.stringify({ dataframe_records: [{ sepal_length: 1, sepal_width: 2, petal_length: 3 }] }),
    status: 400,
    code: 'BAD_REQUEST',
  },
  {
    name: 'a record with an extra member (ignored, as an extra CSV column)',
    type: J,
    body: JSON.stringify({ dataframe_records: [{ ...RECORD, id: 'a' }] }),
    status: 200,
  },
  {
    name: 'a duplicated column',
    type: J,
    body: JSON.stringify({ dataframe_split: { columns: [...Object.keys(RECORD), 'sepal_length'], data: [[...ROW, 1]] } }),
    status: 400,
    code: 'BAD_REQUEST',
  },
  {
    name: 'a missing column',
    type: J,
    body: JSON.stringify({ dataframe_split: { columns: ['sepal_length'], data: [[1]] } }),
    status: 400,
    code: 'BAD_REQUEST',
  },
  { name: 'a number sent as a string', type: J, body: JSON.stringify({ instances: [[5.1, '3.5', 1.4, 0.2]] }), status: 400, code: 'BAD_REQUEST' },
  { name: 'a long string value (not echoed)', type: J, body: JSON.stringify({ instances: [[5.1, LONG, 1.4, 0.2]] }), status: 400, code: 'BAD_REQUEST' },
  { name: 'null', type: J, body: JSON.stringify({ instances: [[5.1, null, 1.4, 0.2]] }), status: 400, code: 'BAD_REQUEST' },
  { name: 'a boolean', type: J, body: JSON.stringify({ dataframe_records: [{ ...RECORD, petal_width: true }] }), status: 400, code: 'BAD_REQUEST' },
  { name: 'NaN (not JSON)', type: J, body: '{"instances": [[NaN, 1, 2, 3]]}', status: 400, code: 'BAD_REQUEST' },
  { name: 'Infinity (not JSON)', type: J, body: '{"instances": [[Infinity, 1, 2, 3]]}', status: 400, code: 'BAD_REQUEST' },
  { name: 'a number that overflows to infinity', type: J, body: '{"instances": [[1e400, 1, 2, 3]]}', status: 400, code: 'BAD_REQUEST' },
  { name: 'too many rows (JSON)', type: J, body: JSON.stringify({ instances: Array(MAX_ROWS + 1).fill(ROW) }), status: 413, code: 'TOO_LARGE' },
  {
    name: 'a body over --max-body',
    type: J,
    body: JSON.stringify({ instances: [ROW], params: { pad: 'y'.repeat(1100 * 1024) } }),
    status: 413,
    code: 'TOO_LARGE',
  },
  { name: 'text/plain', type: 'text/plain', body: '5.1,3.5,1.4,0.2', status: 415, code: 'UNSUPPORTED_MEDIA_TYPE' },
  { name: 'no content type', type: null, body: JSON.stringify({ instances: [ROW] }), status: 415, code: 'UNSUPPORTED_MEDIA_TYPE' },
  { name: 'application/xml', type: 'application/xml', body: '<rows/>', status: 415, code: 'UNSUPPORTED_MEDIA_TYPE' },
  // CSV
  { name: 'CSV missing a feature column', type: C, body: 'sepal_length,sepal_width,petal_length\n1,2,3\n', status: 400, code: 'BAD_REQUEST' },
  { name: 'CSV with a word', type: C, body: `${HEADER}\n5.1,abc,1.4,0.2\n`, status: 400, code: 'BAD_REQUEST' },
  { name: 'CSV with NaN', type: C, body: `${HEADER}\n5.1,NaN,1.4,0.2\n`, status: 400, code: 'BAD_REQUEST' },
  { name: 'CSV with Infinity', type: C, body: `${HEADER}\n5.1,Infinity,1.4,0.2\n`, status: 400, code: 'BAD_REQUEST' },
  { name: 'CSV with an empty field', type: C, body: `${HEADER}\n5.1,,1.4,0.2\n`, status: 400, code: 'BAD_REQUEST' },
  { name: 'CSV with a short row', type: C, body: `${HEADER}\n5.1,1.4\n`, status: 400, code: 'BAD_REQUEST' },
  { name: 'CSV with an open quote', type: C, body: `${HEADER}\n"5.1,3.5,1.4,0.2\n`, status: 400, code: 'BAD_REQUEST' },
  { name: 'CSV with a duplicated column', type: C, body: `${HEADER},sepal_length\n5.1,3.5,1.4,0.2,1\n`, status: 400, code: 'BAD_REQUEST' },
  { name: 'CSV with a long field (not echoed)', type: C, body: `${HEADER}\n5.1,${LONG},1.4,0.2\n`, status: 400, code: 'BAD_REQUEST' },
  { name: 'empty CSV body', type: C, body: '', status: 400, code: 'BAD_REQUEST' },
  {
    name: 'too many rows (CSV)',
    type: C,
    body: `${HEADER}\n${Array(MAX_ROWS + 1)
      .fill(ROW.join(','))
      .join('\n')}\n`,
    status: 413,
    code: 'TOO_LARGE',
  },
  // NDJSON (errors in the first part of the body: a plain 400)
  { name: 'NDJSON malformed line', type: N, body: '{"sepal_length": \n', status: 400, code: 'BAD_REQUEST' },
  { name: 'NDJSON empty body', type: N, body: '', status: 400, code: 'BAD_REQUEST' },
  { name: 'NDJSON blank lines only', type: N, body: '\n\n  \n', status: 400, code: 'BAD_REQUEST' },
  { name: 'NDJSON string value', type: N, body: `${JSON.stringify({ ...RECORD, sepal_width: '3.5' })}\n`, status: 400, code: 'BAD_REQUEST' },
  { name: 'NDJSON short array', type: N, body: '[1, 2]\n', status: 400, code: 'BAD_REQUEST' },
  { name: 'NDJSON scalar line', type: N, body: '42\n', status: 400, code: 'BAD_REQUEST' },
  {
    name: 'too many rows (NDJSON)',
    type: N,
    body: `${Array(MAX_ROWS + 1)
      .fill(JSON.stringify(ROW))
      .join('\n')}\n`,
    status: 413,
    code: 'TOO_LARGE',
  },
  // Open Inference Protocol
  { name: 'unknown model name (body not read)', path: '/v2/models/nope/infer', body: 'garbage', status: 404, code: 'NOT_FOUND' },
  { name: 'unknown model version', path: '/v2/models/iris/versions/000000000000/infer', body: tensor([1, 4], ROW), status: 404, code: 'NOT_FOUND' },
  { name: 'infer: malformed JSON', path: '/v2/models/iris/infer', body: '{"inputs": ', status: 400, code: 'BAD_REQUEST' },
  { name: 'infer: empty body', path: '/v2/models/iris/infer', body: '', status: 400, code: 'BAD_REQUEST' },
  { name: 'infer: no inputs', path: '/v2/models/iris/infer', body: '{"inputs": []}', status: 400, code: 'BAD_REQUEST' },
  { name: 'infer: BYTES datatype', path: '/v2/models/iris/infer', body: tensor([1, 4], ROW, { datatype: 'BYTES' }), status: 400, code: 'BAD_REQUEST' },
  { name: 'infer: wrong feature count in shape', path: '/v2/models/iris/infer', body: tensor([1, 3], [1, 2, 3]), status: 400, code: 'BAD_REQUEST' },
  { name: 'infer: data does not fill the shape', path: '/v2/models/iris/infer', body: tensor([2, 4], ROW), status: 400, code: 'BAD_REQUEST' },
  { name: 'infer: a string in data', path: '/v2/models/iris/infer', body: tensor([1, 4], [5.1, 'x', 1, 1]), status: 400, code: 'BAD_REQUEST' },
  {
    name: 'infer: a fraction in an INT64 tensor',
    path: '/v2/models/iris/infer',
    body: tensor([1, 4], ROW, { datatype: 'INT64' }),
    status: 400,
    code: 'BAD_REQUEST',
  },
  {
    name: 'infer: per-feature input missing one',
    path: '/v2/models/iris/infer',
    body: perFeature(['sepal_length', 'sepal_width', 'petal_length']),
    status: 400,
    code: 'BAD_REQUEST',
  },
  {
    name: 'infer: per-feature input given twice',
    path: '/v2/models/iris/infer',
    body: perFeature(['sepal_length', 'sepal_width', 'petal_length', 'petal_width', 'sepal_width']),
    status: 400,
    code: 'BAD_REQUEST',
  },
  {
    name: 'infer: an input that is no feature',
    path: '/v2/models/iris/infer',
    body: perFeature(['sepal_length', 'sepal_width', 'petal_length', 'petal_width', 'colour']),
    status: 400,
    code: 'BAD_REQUEST',
  },
  {
    name: 'infer: an unknown output',
    path: '/v2/models/iris/infer',
    body: JSON.stringify({ ...JSON.parse(tensor([1, 4], ROW)), outputs: [{ name: 'proba' }] }),
    status: 400,
    code: 'BAD_REQUEST',
  },
  {
    name: 'infer: too many rows',
    path: '/v2/models/iris/infer',
    body: tensor([MAX_ROWS + 1, 4], Array((MAX_ROWS + 1) * 4).fill(1)),
    status: 413,
    code: 'TOO_LARGE',
  },
  // Routes, methods, jobs, query strings
  { name: 'unknown route', method: 'GET', path: '/v2/nothing', status: 404, code: 'NOT_FOUND' },
  { name: 'unknown model metadata', method: 'GET', path: '/v2/models/nope', status: 404, code: 'NOT_FOUND' },
  { name: 'unknown model version metadata', method: 'GET', path: '/v2/models/iris/versions/abc/ready', status: 404, code: 'NOT_FOUND' },
  { name: 'PUT on infer', method: 'PUT', path: '/v2/models/iris/infer', body: tensor([1, 4], ROW), status: 405, code: 'METHOD_NOT_ALLOWED' },
  { name: 'POST on metrics', method: 'POST', path: '/metrics', type: J, body: '{}', status: 405, code: 'METHOD_NOT_ALLOWED' },
  { name: 'a job with a malformed body', path: '/v1/jobs', type: J, body: '{"instances": [[1]]}', status: 400, code: 'BAD_REQUEST' },
  { name: 'a job of text/plain', path: '/v1/jobs', type: 'text/plain', body: 'x', status: 415, code: 'UNSUPPORTED_MEDIA_TYPE' },
  { name: 'an unknown job', method: 'GET', path: '/v1/jobs/0123', status: 404, code: 'NOT_FOUND' },
  { name: 'a wait that is no number', method: 'GET', path: '/v1/jobs/0123?wait=soon', status: 400, code: 'BAD_REQUEST' },
  { name: 'scores=maybe', path: '/invocations?scores=maybe', type: J, body: JSON.stringify({ instances: [ROW] }), status: 400, code: 'BAD_REQUEST' },
];

async function send(c: Case) {
  const headers: Record<string, string> = {};
  const type = c.type === undefined ? (c.path?.startsWith('/v2/') ? undefined : 'application/json') : c.type;
  if (type !== undefined && type !== null) headers['content-type'] = type;
  return call(server.url, c.method ?? 'POST', c.path ?? '/invocations', { headers, ...(c.body === undefined ? {} : { body: c.body }) });
}

async function heapUsed(): Promise<number> {
  const text = (await call(server.url, 'GET', '/metrics')).text;
  return Number(/^nodejs_heap_size_used_bytes (\S+)/m.exec(text)?.[1]);
}

describe('each bad input gets its documented status and a JSON error', () => {
  it.each(CASES)('$name → $status', async (c) => {
    const answer = await send(c);
    expect(answer.status, answer.text.slice(0, 300)).toBe(c.status);
    expect(answer.headers['x-request-id']).toBeDefined();
    if (c.status === 405) expect(answer.headers.allow).toBeDefined();
    if (c.code === undefined) return;
    expect(answer.headers['content-type']).toContain('application/json');
    const body = answer.json();
    expect(Object.keys(body).sort()).toEqual(expect.arrayContaining(['code', 'error']));
    expect(body.code).toBe(c.code);
    expect(typeof body.error).toBe('string');
    expect(body.error.length).toBeLessThan(400);
    expect(body.error).not.toContain('xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx');
    expect(body.error).not.toMatch(/\n\s+at /); // no stack
  });

  it('messages name the row and the feature', async () => {
    const json = (await send({ name: '', type: J, body: JSON.stringify({ instances: [ROW, [5.1, '3.5', 1.4, 0.2]] }), status: 400 })).json();
    expect(json.error).toMatch(/instances\[1\].*sepal_width/);
    const csv = (await send({ name: '', type: C, body: `${HEADER}\n${ROW.join(',')}\n5.1,abc,1.4,0.2\n`, status: 400 })).json();
    expect(csv.error).toMatch(/line 3.*sepal_width/);
    const infer = (await send({ name: '', path: '/v2/models/iris/infer', body: tensor([2, 4], [...ROW, 5.1, 'x', 1, 1]), status: 400 })).json();
    expect(infer.error).toMatch(/row 1, feature "sepal_width"/);
  });

  it('the server keeps serving, and its heap does not grow from round to round', async () => {
    for (const c of CASES) await send(c);
    const first = await heapUsed();
    for (let round = 0; round < 4; round++) for (const c of CASES) await send(c);
    const last = await heapUsed();
    expect(last).toBeLessThan(first + 48 * 1024 * 1024);
    expect((await call(server.url, 'GET', '/v2/health/ready')).json()).toEqual({ ready: true });
  }, 120_000);
});

/** A raw connection, for what an HTTP client library would not do. */
function rawSocket(): Promise<Socket> {
  const { hostname, port } = new URL(server.url);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname, () => resolve(socket));
    socket.on('error', reject);
  });
}

/** Writes `piece` every `ms` until the server answers and closes; returns what it answered. */
function trickle(socket: Socket, first: string, piece: string, ms: number): Promise<string> {
  return new Promise((resolve) => {
    let answer = '';
    socket.setEncoding('utf8');
    socket.on('data', (text: string) => (answer += text));
    socket.on('error', () => undefined);
    socket.write(first);
    const timer = setInterval(() => {
      if (!socket.destroyed && socket.writable) socket.write(piece);
    }, ms);
    socket.on('close', () => {
      clearInterval(timer);
      resolve(answer);
    });
  });
}

function parseRaw(answer: string): { status: number; body: any } {
  const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(answer)?.[1]);
  const body = answer.slice(answer.indexOf('\r\n\r\n') + 4);
  return { status, body: JSON.parse(body) };
}

describe('slow and vanishing clients', () => {
  it('headers trickled past --timeout: 504 TIMEOUT as JSON, connection closed', async () => {
    const socket = await rawSocket();
    const answer = await trickle(socket, 'GET /v2/health/live HTTP/1.1\r\nHost: x\r\n', 'X-Slow: 1\r\n', 250);
    const { status, body } = parseRaw(answer);
    expect(status).toBe(504);
    expect(body.code).toBe('TIMEOUT');
    expect((await call(server.url, 'GET', '/v2/health/live')).status).toBe(200);
  });

  it('a body trickled past --timeout: 504 TIMEOUT as JSON, connection closed', async () => {
    const socket = await rawSocket();
    const head = 'POST /invocations HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n{"instances": [';
    const answer = await trickle(socket, head, '[5.1, 3.5, 1.4, 0.2],', 250);
    const { status, body } = parseRaw(answer);
    expect(status).toBe(504);
    expect(body.code).toBe('TIMEOUT');
    expect((await call(server.url, 'GET', '/v2/health/live')).status).toBe(200);
  });

  it('a client that disconnects mid-body or mid-answer costs nothing', async () => {
    for (let i = 0; i < 5; i++) {
      const socket = await rawSocket();
      socket.write(
        'POST /invocations HTTP/1.1\r\nHost: x\r\nContent-Type: text/csv\r\nContent-Length: 50000\r\n\r\nsepal_length,sepal_width,petal_length,petal_width\n5.1,3.5,',
      );
      socket.destroy();
    }
    // Mid-answer: an NDJSON stream whose reader goes away after the first lines.
    await new Promise<void>((resolve, reject) => {
      const req = httpRequest(new URL('/invocations', server.url), { method: 'POST', headers: { 'content-type': N }, agent: false }, (res) => {
        res.once('data', () => {
          req.destroy();
          resolve();
        });
      });
      req.on('error', () => undefined);
      req.write(`${Array(10).fill(JSON.stringify(ROW)).join('\n')}\n`);
      setTimeout(() => (req.destroyed ? undefined : reject(new Error('no answer began'))), 20_000).unref();
    });
    const ok = await call(server.url, 'POST', '/invocations', { headers: { 'content-type': J }, body: JSON.stringify({ instances: [ROW] }) });
    expect(ok.status).toBe(200);
  });

  it('NDJSON: a bad line after the answer began ends it with one error line; the answers before it stand', async () => {
    const text = await new Promise<string>((resolve, reject) => {
      const req = httpRequest(new URL('/invocations', server.url), { method: 'POST', headers: { 'content-type': N }, agent: false }, (res) => {
        expect(res.statusCode).toBe(200);
        let out = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          const first = out === '';
          out += chunk;
          if (first) req.end('{"sepal_length": "five"}\n[1, 2, 3, 4]\n');
        });
        res.on('end', () => resolve(out));
      });
      req.on('error', reject);
      req.write(`${Array(5).fill(JSON.stringify(ROW)).join('\n')}\n`);
    });
    const lines = text
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line));
    expect(lines).toHaveLength(6);
    for (const line of lines.slice(0, 5)) expect(line.prediction).toBe('setosa');
    expect(lines[5]).toEqual({ error: expect.stringMatching(/line 6/), code: 'BAD_REQUEST', line: 6 });
  });
});
