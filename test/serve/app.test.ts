/**
 * The Fastify application in-process (`inject`), with everything scored inline: readiness during
 * a shutdown, the model name check before the body, 405/401, the request timeout, and the
 * OVERLOADED answer of a full pool queue.
 */
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildApp, type ServerState } from '../../src/serve/app.js';
import { MemoryJobStore } from '../../src/serve/jobs/memory.js';
import { createMetrics } from '../../src/serve/metrics.js';
import { loadModel, scoreFlat } from '../../src/serve/model.js';
import { createEmbeddedScorer, type Scorer } from '../../src/serve/scorer.js';
import { HttpError } from '../../src/serve/errors.js';
import { BIN, IRIS_CSV, tempDir } from '../helpers/cli.js';

const dir = tempDir('iris-serve-inject-');
const MODEL = join(dir, 'iris.json');

beforeAll(() => {
  execFileSync(process.execPath, [BIN, 'train', '-q', '--data', IRIS_CSV, '--out', MODEL]);
});

async function make(overrides: { token?: string; timeout?: number; scorer?: Scorer } = {}) {
  const model = await loadModel(MODEL);
  const state: ServerState = { model, draining: false };
  const scorer = overrides.scorer ?? (await createEmbeddedScorer({ threads: 1, workerUrl: null, cache: null, maxQueue: 10 }));
  const jobs = new MemoryJobStore({ ttlMs: 60_000, scorer });
  const metrics = createMetrics({ queueDepth: () => 0, jobCounts: () => jobs.counts() });
  const app = await buildApp({
    options: {
      name: 'iris',
      token: overrides.token,
      maxBody: 1 << 20,
      maxRows: 1000,
      timeout: overrides.timeout ?? 10_000,
      logLevel: 'silent',
      packageVersion: '0.0.0-test',
    },
    state,
    scorer,
    metrics,
    jobs,
  });
  return { app, state, model };
}

const ROW = [5.1, 3.5, 1.4, 0.2];

describe('the application', () => {
  it('answers infer inline with the scores of the project scorer', async () => {
    const { app, model } = await make();
    const res = await app.inject({
      method: 'POST',
      url: '/v2/models/iris/infer',
      payload: { inputs: [{ name: 'input-0', datatype: 'FP64', shape: [1, 4], data: ROW }] },
    });
    expect(res.statusCode).toBe(200);
    const want = scoreFlat(model, Float64Array.from(ROW), 1);
    expect(res.json().outputs[1].data).toEqual(Array.from(want.scores));
    expect(res.headers['x-model-checksum']).toBe(model.checksum);
  });

  it('turns readiness and /ping to 503 when draining, keeps liveness and predictions', async () => {
    const { app, state } = await make();
    state.draining = true;
    expect((await app.inject({ url: '/v2/health/ready' })).statusCode).toBe(503);
    expect((await app.inject({ url: '/v2/health/ready' })).headers['retry-after']).toBe('1');
    expect((await app.inject({ url: '/ping' })).json()).toMatchObject({ code: 'NOT_READY' });
    expect((await app.inject({ url: '/v2/models/iris/ready' })).json()).toEqual({ name: 'iris', ready: false });
    expect((await app.inject({ url: '/v2/health/live' })).statusCode).toBe(200);
    const res = await app.inject({ method: 'POST', url: '/invocations', payload: { instances: [ROW] } });
    expect(res.statusCode).toBe(200);
  });

  it('checks the model name before the body, the token before the name', async () => {
    const { app } = await make({ token: 't' });
    const noToken = await app.inject({ method: 'POST', url: '/v2/models/other/infer', payload: 'not json' });
    expect(noToken.statusCode).toBe(401);
    const named = await app.inject({ method: 'POST', url: '/v2/models/other/infer', payload: 'not json', headers: { authorization: 'Bearer t' } });
    expect(named.statusCode).toBe(404);
  });

  it('answers 504 when scoring takes longer than --timeout, and 503 OVERLOADED from a full pool', async () => {
    const never: Scorer = {
      run: () => new Promise(() => undefined),
      parse: () => new Promise(() => undefined),
      score: () => new Promise(() => undefined),
      queueDepth: () => 0,
      close: async () => undefined,
    };
    const slow = await make({ timeout: 200, scorer: never });
    const timedOut = await slow.app.inject({ method: 'POST', url: '/invocations', payload: { instances: [ROW] } });
    expect(timedOut.statusCode).toBe(504);
    expect(timedOut.json().code).toBe('TIMEOUT');
    const full: Scorer = {
      ...never,
      run: async () => {
        throw new HttpError(503, 'OVERLOADED', 'the scoring pool is full', { 'retry-after': '1' });
      },
    };
    const busy = await make({ scorer: full });
    const refused = await busy.app.inject({ method: 'POST', url: '/invocations', payload: { instances: [ROW] } });
    expect(refused.statusCode).toBe(503);
    expect(refused.headers['retry-after']).toBe('1');
    expect(refused.json().code).toBe('OVERLOADED');
  });

  it('answers a bug with 500 "internal error" and the request id, never the stack', async () => {
    const broken: Scorer = {
      run: async () => {
        throw new TypeError('secret detail');
      },
      parse: async () => ({ X: new Float64Array(0), n: 0 }),
      score: async () => ({ predictions: new Int32Array(0), scores: new Float64Array(0) }),
      queueDepth: () => 0,
      close: async () => undefined,
    };
    const { app } = await make({ scorer: broken });
    const res = await app.inject({ method: 'POST', url: '/invocations', payload: { instances: [ROW] }, headers: { 'x-request-id': 'req-9' } });
    expect(res.statusCode).toBe(500);
    expect(res.json()).toEqual({
      error: 'internal error (request id req-9)',
      code: 'INTERNAL',
      error_code: 'INTERNAL',
      message: 'internal error (request id req-9)',
    });
  });
});
