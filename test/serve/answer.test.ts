/**
 * Answers of many rows are streamed: the chunked writers give the bytes of the one-string
 * formatters, the pool's packed scored rows come back whole, and a client that does not read makes
 * the server stop formatting (what is written stalls far below the answer's size) instead of
 * building the whole answer.
 */
import { execFileSync } from 'node:child_process';
import { connect, type Socket } from 'node:net';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { beforeAll, describe, expect, it } from 'vitest';
import { csvChunks, inferChunks, mlflowChunks, ndjsonChunks, packScored, streamOf, unpackScored } from '../../src/serve/answer.js';
import { buildApp } from '../../src/serve/app.js';
import { csvBody, formatter, invocationBody } from '../../src/serve/codec/format.js';
import { inferBody } from '../../src/serve/codec/infer.js';
import { MemoryJobStore } from '../../src/serve/jobs/memory.js';
import { createMetrics } from '../../src/serve/metrics.js';
import { loadModel, scoreFlat } from '../../src/serve/model.js';
import { createEmbeddedScorer } from '../../src/serve/scorer.js';
import type { Model } from '../../src/lib/model.js';
import { BIN, IRIS_CSV, tempDir } from '../helpers/cli.js';

const dir = tempDir('iris-serve-answer-');
const MODEL = join(dir, 'iris.json');
let model: Model;

beforeAll(async () => {
  execFileSync(process.execPath, [BIN, 'train', '-q', '--data', IRIS_CSV, '--out', MODEL]);
  model = await loadModel(MODEL);
});

function rows(n: number): Float64Array {
  const X = new Float64Array(n * 4);
  for (let k = 0; k < X.length; k++) X[k] = ((k * 7919) % 80) / 10;
  return X;
}

const joined = (chunks: Iterable<string>) => [...chunks].join('');

describe('chunked answers', () => {
  for (const n of [0, 1, 4095, 4096, 4097, 10_000]) {
    it(`equal the one-string answers byte for byte (${n} rows)`, () => {
      const scored = scoreFlat(model, rows(n), n);
      for (const withScores of [false, true]) {
        expect(joined(mlflowChunks(model, scored, n, withScores))).toBe(invocationBody(model, scored, n, withScores));
        expect(joined(ndjsonChunks(model, scored, n, withScores))).toBe(formatter(model).ndjson(scored, n, withScores));
        expect(joined(csvChunks(model, scored, n, withScores))).toBe(csvBody(model, scored, n, withScores));
      }
      const label = { name: 'label', binary: false } as const;
      const decision = { name: 'decision_function', binary: false } as const;
      for (const request of [
        { id: 'r-1', outputs: [label, decision] },
        { id: undefined, outputs: [decision, label] },
        { id: undefined, outputs: [label] },
      ]) {
        expect(joined(inferChunks(model, 'iris', request, scored, n))).toBe(inferBody(model, 'iris', request, scored, n));
      }
    });
  }

  it('packed scored rows (a pool thread to the event loop) come back whole', () => {
    const n = 5001;
    const scored = scoreFlat(model, rows(n), n);
    const meta = { id: 'x"y', outputs: [{ name: 'label' as const, binary: false }], withScores: true };
    const back = unpackScored(packScored({ ...meta, n }, scored));
    expect(back.n).toBe(n);
    expect(back.meta).toEqual(meta);
    expect(Array.from(back.scored.predictions)).toEqual(Array.from(scored.predictions.subarray(0, n)));
    expect(Array.from(back.scored.scores)).toEqual(Array.from(scored.scores.subarray(0, n * 3)));
  });

  it('formats the next chunk only when the consumer has taken the last one', async () => {
    let made = 0;
    function* counted() {
      for (let k = 0; k < 1000; k++) {
        made++;
        yield 'x'.repeat(10_000);
      }
    }
    const held: (() => void)[] = [];
    const slow = new Writable({ highWaterMark: 1024, write: (_chunk, _enc, callback) => void held.push(callback) });
    streamOf(counted()).pipe(slow);
    await new Promise((resolve) => setImmediate(resolve));
    await new Promise((resolve) => setImmediate(resolve));
    // 10 MB of answer; what was made is what the stream's 64 KiB buffer and one write hold.
    expect(made).toBeLessThan(20);
    while (held.length > 0) {
      held.shift()!();
      await new Promise((resolve) => setImmediate(resolve));
    }
  });
});

describe('a job of many rows', () => {
  it('its result, streamed, is the one-string answer in each output', async () => {
    const scorer = await createEmbeddedScorer({ threads: 1, workerUrl: null, cache: null, maxQueue: 10 });
    const jobs = new MemoryJobStore({ ttlMs: 60_000, scorer });
    const app = await buildApp({
      options: { name: 'iris', token: undefined, maxBody: 64 << 20, maxRows: 1_000_000, timeout: 60_000, logLevel: 'silent', packageVersion: '0.0.0-test' },
      state: { model, draining: false },
      scorer,
      metrics: createMetrics({ queueDepth: () => 0, jobCounts: () => jobs.counts() }),
      jobs,
    });
    try {
      const n = 10_000;
      const X = rows(n);
      const instances = Array.from({ length: n }, (_, i) => Array.from(X.subarray(i * 4, i * 4 + 4)));
      const submitted = await app.inject({
        method: 'POST',
        url: '/v1/jobs?scores=true',
        headers: { 'content-type': 'application/json' },
        payload: JSON.stringify({ instances }),
      });
      expect(submitted.statusCode).toBe(202);
      const id = submitted.json().id as string;
      const done = await app.inject({ url: `/v1/jobs/${id}?wait=30000` });
      expect(done.json().status).toBe('done');
      const scored = scoreFlat(model, X, n);
      const asJson = await app.inject({ url: `/v1/jobs/${id}/result` });
      expect(asJson.headers['transfer-encoding']).toBe('chunked');
      expect(asJson.body).toBe(invocationBody(model, scored, n, true));
      expect((await app.inject({ url: `/v1/jobs/${id}/result`, headers: { accept: 'text/csv' } })).body).toBe(csvBody(model, scored, n, true));
      expect((await app.inject({ url: `/v1/jobs/${id}/result`, headers: { accept: 'application/x-ndjson' } })).body).toBe(
        formatter(model).ndjson(scored, n, true),
      );
    } finally {
      await app.close();
    }
  }, 60_000);
});

describe('a streamed answer over HTTP', () => {
  it('a client that does not read stalls the answer far below its size; reading it then gives all of it', async () => {
    const scorer = await createEmbeddedScorer({ threads: 1, workerUrl: null, cache: null, maxQueue: 10 });
    const jobs = new MemoryJobStore({ ttlMs: 60_000, scorer });
    const metrics = createMetrics({ queueDepth: () => 0, jobCounts: () => jobs.counts() });
    const app = await buildApp({
      options: { name: 'iris', token: undefined, maxBody: 64 << 20, maxRows: 1_000_000, timeout: 120_000, logLevel: 'silent', packageVersion: '0.0.0-test' },
      state: { model, draining: false },
      scorer,
      metrics,
      jobs,
    });
    const sockets: Socket[] = [];
    app.server.on('connection', (socket: Socket) => sockets.push(socket));
    await app.listen({ host: '127.0.0.1', port: 0 });
    const { port } = app.server.address() as { port: number };
    try {
      const n = 300_000;
      const X = rows(n);
      const instances = Array.from({ length: n }, (_, i) => Array.from(X.subarray(i * 4, i * 4 + 4)));
      const body = Buffer.from(JSON.stringify({ instances }));
      const full = Buffer.byteLength(invocationBody(model, scoreFlat(model, X, n), n, true));
      const client = connect(port, '127.0.0.1');
      client.pause();
      client.write(
        `POST /invocations?scores=true HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n`,
      );
      client.write(body);
      // What the server has handed to its socket (kernel and Node buffers included) until it stops growing.
      const written = () => sockets.reduce((sum, s) => sum + s.bytesWritten, 0);
      let last = -1;
      let still = 0;
      while (still < 10) {
        await new Promise((resolve) => setTimeout(resolve, 50));
        const now = written();
        still = now === last && now > 0 ? still + 1 : 0;
        last = now;
      }
      expect(full).toBeGreaterThan(30e6);
      expect(last).toBeLessThan(full / 3);
      const chunks: Buffer[] = [];
      client.on('data', (chunk: Buffer) => chunks.push(chunk));
      client.resume();
      await new Promise((resolve) => client.on('end', resolve));
      const text = Buffer.concat(chunks).toString('utf8');
      const answer = text.slice(text.indexOf('\r\n\r\n') + 4);
      expect(text).toMatch(/transfer-encoding: chunked/i);
      // Dechunked: the same bytes as the one-string answer.
      let out = '';
      for (let at = 0; ;) {
        const eol = answer.indexOf('\r\n', at);
        const size = Number.parseInt(answer.slice(at, eol), 16);
        if (size === 0) break;
        out += answer.slice(eol + 2, eol + 2 + size);
        at = eol + 2 + size + 2;
      }
      expect(out.length).toBe(full);
      expect(JSON.parse(out).predictions).toHaveLength(n);
    } finally {
      await app.close();
    }
  }, 120_000);
});
