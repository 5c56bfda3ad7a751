/**
 * --max-inflight: bodies in flight are capped in total. A request whose declared body does not fit
 * is 503 OVERLOADED with Retry-After before its body is read; a chunked body is cut when it passes
 * the cap; the reservation is given back with the answer, and the server answers afterwards.
 */
import { execFileSync } from 'node:child_process';
import { request as httpRequest, type ClientRequest, type IncomingMessage } from 'node:http';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/serve/app.js';
import { MemoryJobStore } from '../../src/serve/jobs/memory.js';
import { createMetrics } from '../../src/serve/metrics.js';
import { loadModel } from '../../src/serve/model.js';
import { createEmbeddedScorer } from '../../src/serve/scorer.js';
import { BIN, IRIS_CSV, tempDir } from '../helpers/cli.js';

const dir = tempDir('iris-serve-inflight-');
const MODEL = join(dir, 'iris.json');
const CAP = 1000;
let app: FastifyInstance;
let port = 0;

beforeAll(async () => {
  execFileSync(process.execPath, [BIN, 'train', '-q', '--data', IRIS_CSV, '--out', MODEL]);
  const model = await loadModel(MODEL);
  const scorer = await createEmbeddedScorer({ threads: 1, workerUrl: null, cache: null, maxQueue: 10 });
  const jobs = new MemoryJobStore({ ttlMs: 60_000, scorer });
  app = await buildApp({
    options: {
      name: 'iris',
      token: undefined,
      maxBody: 1 << 20,
      maxInflight: CAP,
      maxRows: 1000,
      timeout: 60_000,
      logLevel: 'silent',
      packageVersion: '0.0.0-test',
    },
    state: { model, draining: false },
    scorer,
    metrics: createMetrics({ queueDepth: () => 0, jobCounts: () => jobs.counts() }),
    jobs,
  });
  await app.listen({ host: '127.0.0.1', port: 0 });
  port = (app.server.address() as { port: number }).port;
});
afterAll(async () => app?.close());

/** A body of exactly `bytes` bytes: one row, padded with spaces. */
function body(bytes: number): string {
  const text = JSON.stringify({ instances: [[5.1, 3.5, 1.4, 0.2]] });
  return text + ' '.repeat(bytes - text.length);
}

interface Answer {
  status: number;
  headers: IncomingMessage['headers'];
  text: string;
}

function open(headers: Record<string, string>): { req: ClientRequest; answer: Promise<Answer> } {
  const req = httpRequest({
    host: '127.0.0.1',
    port,
    method: 'POST',
    path: '/invocations',
    agent: false,
    headers: { 'content-type': 'application/json', ...headers },
  });
  const answer = new Promise<Answer>((resolve, reject) => {
    req.on('response', (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text }));
    });
    req.on('error', reject);
  });
  return { req, answer };
}

async function post(text: string): Promise<Answer> {
  const { req, answer } = open({ 'content-length': String(Buffer.byteLength(text)) });
  req.end(text);
  return answer;
}

describe('--max-inflight', () => {
  it('answers 503 OVERLOADED with Retry-After while the bodies in flight are full, and takes the request once they are answered', async () => {
    const held = body(800);
    const first = open({ 'content-length': '800' });
    first.req.write(held.slice(0, 100));
    first.req.flushHeaders();
    // The first body's 800 bytes are reserved once its headers are in: poll with a request that fits only alone.
    let refused: Answer | undefined;
    for (let k = 0; k < 200 && refused === undefined; k++) {
      const probe = await post(body(300));
      if (probe.status === 503) refused = probe;
      else expect(probe.status).toBe(200);
    }
    expect(refused?.status).toBe(503);
    expect(JSON.parse(refused!.text)).toMatchObject({ code: 'OVERLOADED' });
    expect(refused!.headers['retry-after']).toBe('1');
    expect(refused!.text).toMatch(/--max-inflight/);
    // What fits beside it is taken.
    expect((await post(body(150))).status).toBe(200);
    first.req.end(held.slice(100));
    expect((await first.answer).status).toBe(200);
    expect((await post(body(300))).status).toBe(200);
    expect((await post(body(CAP))).status).toBe(200);
  });

  it('refuses one body larger than the cap (413: it could never fit), and a chunked body when it passes the cap; answers afterwards', async () => {
    const large = await post(body(CAP + 1));
    expect(large.status).toBe(413);
    expect(JSON.parse(large.text)).toMatchObject({ code: 'TOO_LARGE' });
    expect(large.headers.connection).toBe('close');
    const chunked = open({ 'transfer-encoding': 'chunked' });
    const text = body(CAP + 500);
    chunked.req.write(text.slice(0, 600));
    chunked.req.end(text.slice(600));
    const answer = await chunked.answer.catch((error: Error) => ({ status: -1, headers: {}, text: error.message }));
    // The server may close the connection before the client has sent everything: then the client sees a reset instead.
    if (answer.status !== -1) {
      expect(answer.status).toBe(413);
      expect(JSON.parse(answer.text)).toMatchObject({ code: 'TOO_LARGE' });
    }
    // A chunked body that fits alone but not beside one in flight: 503.
    const held = open({ 'content-length': '800' });
    held.req.write(body(800).slice(0, 10));
    held.req.flushHeaders();
    let refused: Answer | undefined;
    for (let k = 0; k < 200 && refused === undefined; k++) {
      const probe = open({ 'transfer-encoding': 'chunked' });
      const piece = body(300);
      probe.req.write(piece.slice(0, 100));
      probe.req.end(piece.slice(100));
      const got = await probe.answer;
      if (got.status === 503) refused = got;
      else expect(got.status).toBe(200);
    }
    expect(refused?.headers['retry-after']).toBe('1');
    expect(JSON.parse(refused!.text)).toMatchObject({ code: 'OVERLOADED' });
    held.req.end(body(800).slice(10));
    expect((await held.answer).status).toBe(200);
    const live = await new Promise<number>((resolve, reject) =>
      httpRequest({ host: '127.0.0.1', port, path: '/v2/health/live', agent: false }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      })
        .on('error', reject)
        .end(),
    );
    expect(live).toBe(200);
    expect((await post(body(CAP))).status).toBe(200);
  });
});
