/** The Open Inference Protocol v2 routes (docs/SERVE.md): health (public), server and model metadata, readiness, inference. */
import type { FastifyPluginAsync } from 'fastify';
import { coefRows } from '../../core/linear.js';
import { headerLength } from '../codec/binary.js';
import { modelNamed, notReady, type ServeContext } from '../context.js';
import { retryHeaders } from '../errors.js';
import { anyMediaAsJson, bodyOf, rawBodies } from '../plugins/bodies.js';
import { INFER_REQUEST, INFER_RESPONSE, LIVE, MODEL_METADATA, MODEL_READY, NAME_PARAMS, READY, SERVER_METADATA, VERSION_PARAMS } from '../schemas.js';
import { runAndSend, taskOf } from './scoring.js';

type ModelParams = { Params: { name: string; version?: string } };

export const oipHealth: FastifyPluginAsync<{ ctx: ServeContext }> = async (app, { ctx }) => {
  app.get('/v2/health/live', { schema: { summary: 'liveness', tags: ['OIP v2'], response: { 200: LIVE } } }, async () => ({ live: true }));
  app.get('/v2/health/ready', { schema: { summary: 'readiness', tags: ['OIP v2'], response: { 200: READY, 503: READY } } }, async (_request, reply) => {
    const not = notReady(ctx);
    if (not === undefined) return { ready: true };
    return reply.code(503).headers(retryHeaders(503)).send({ ready: false, reason: not.reason });
  });
};

export const oipInference: FastifyPluginAsync<{ ctx: ServeContext }> = async (app, { ctx }) => {
  rawBodies(app, ctx.options.maxBody);
  const { options } = ctx;
  const serverMetadata = { schema: { summary: 'server metadata', tags: ['OIP v2'], response: { 200: SERVER_METADATA } } };
  const answer = async () => ({ name: 'iris', version: options.packageVersion, extensions: ['binary_tensor_data'] });
  app.get('/v2', serverMetadata, answer);
  app.get('/v2/', serverMetadata, answer);

  const metadata = (params: ModelParams['Params']) => {
    const model = modelNamed(ctx, params);
    const m = coefRows(model.classes.length);
    return {
      name: options.name,
      versions: [model.version],
      platform: 'iris_perceptron',
      // One [N, F] tensor; a model with a categorical feature takes one input per feature instead.
      inputs: model.inputs.some((input) => input.kind === 'categorical')
        ? model.inputs.map((input) => ({
            name: input.name,
            datatype: input.kind === 'categorical' ? 'BYTES' : 'FP64',
            shape: [-1],
            parameters: { kind: input.kind, imputed: input.imputed, ...(input.categories === undefined ? {} : { categories: input.categories }) },
          }))
        : [{ name: 'input-0', datatype: 'FP64', shape: [-1, model.inputs.length] }],
      outputs: [
        { name: 'label', datatype: 'BYTES', shape: [-1] },
        { name: 'decision_function', datatype: 'FP64', shape: m === 1 ? [-1] : [-1, m] },
      ],
      parameters: { features: model.inputs.map((input) => input.name), classes: model.classes, target: model.target, checksum: model.checksum },
    };
  };

  for (const [suffix, params] of [
    ['', NAME_PARAMS],
    ['/versions/:version', VERSION_PARAMS],
  ] as const) {
    const base = `/v2/models/:name${suffix}`;
    app.get<ModelParams>(base, { schema: { summary: 'model metadata', tags: ['OIP v2'], params, response: { 200: MODEL_METADATA } } }, async (request) =>
      metadata(request.params),
    );
    app.get<ModelParams>(
      `${base}/ready`,
      { schema: { summary: 'model readiness', tags: ['OIP v2'], params, response: { 200: MODEL_READY } } },
      async (request) => {
        modelNamed(ctx, request.params);
        return { name: options.name, ready: notReady(ctx) === undefined };
      },
    );
    app.post<ModelParams>(
      `${base}/infer`,
      {
        config: { timed: true },
        // The name is checked before a byte of the body is read; any content type is read as JSON.
        onRequest: [anyMediaAsJson, async (request) => void modelNamed(ctx, request.params)],
        schema: {
          summary: 'inference',
          description:
            'The body is read as JSON whatever its content type (as Triton and KServe do). Binary tensor extension: with Inference-Header-Content-Length, a JSON header then raw input bytes; outputs asked for with binary_data come back the same way (application/octet-stream).',
          tags: ['OIP v2'],
          params,
          requestBody: { 'application/json': INFER_REQUEST },
          response: { 200: INFER_RESPONSE },
          produces: ['application/octet-stream'],
        },
      },
      async (request, reply) => {
        const model = modelNamed(ctx, request.params);
        const body = bodyOf(request);
        const header = headerLength(request.headers['inference-header-content-length'], body.byteLength);
        return runAndSend(ctx, request, reply, taskOf(ctx, 'infer', body, model, true, header));
      },
    );
  }
};
