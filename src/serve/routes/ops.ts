/** Routes for operators and people: /metrics, the model card, /openapi.json (behind the token), and the page (public). */
import type { FastifyPluginAsync } from 'fastify';
import type { ServeContext } from '../context.js';
import { buildOpenApi } from '../openapi.js';
import { pageHtml } from '../page.js';
import type { RouteIndex } from '../plugins/not-allowed.js';
import { MODEL_CARD } from '../schemas.js';

export const page: FastifyPluginAsync<{ ctx: ServeContext }> = async (app, { ctx }) => {
  // The page holds no model data (it reads /v1/model), so it needs no token.
  app.get('/', { schema: { summary: 'a page for a person: model card and a form', tags: ['operations'], produces: ['text/html'] } }, async (_request, reply) =>
    reply.type('text/html; charset=utf-8').send(pageHtml(ctx.options.name)),
  );
};

export const operations: FastifyPluginAsync<{ ctx: ServeContext; index: RouteIndex }> = async (app, { ctx, index }) => {
  const { metrics, options } = ctx;
  app.get('/metrics', { schema: { summary: 'Prometheus metrics', tags: ['operations'], produces: ['text/plain'] } }, async (_request, reply) => {
    const text = await metrics.scrape();
    return reply.type(metrics.registry.contentType).send(text);
  });
  app.get('/v1/model', { schema: { summary: 'the model card (what GET / shows)', tags: ['operations'], response: { 200: MODEL_CARD } } }, async () => {
    const model = ctx.state.model;
    const example = Array.from(model.fitted.mean, (mean) => Number(mean.toPrecision(3)));
    return {
      name: options.name,
      version: model.version,
      checksum: model.checksum,
      target: model.target,
      features: model.features,
      // What a row holds (lib's Model.inputs): a form field per input, a list of categories for a categorical one.
      inputs: model.inputs,
      classes: model.classes,
      metrics: model.training.metrics,
      example,
    };
  });
  let openapi: string | undefined;
  app.get('/openapi.json', { schema: { summary: 'this document', tags: ['operations'] } }, async (_request, reply) => {
    openapi ??= JSON.stringify(
      buildOpenApi(index.docs(), {
        title: 'iris serve',
        version: options.packageVersion,
        description: 'Predictions from one iris model artifact: Open Inference Protocol v2, MLflow scoring, async jobs, metrics.',
      }),
    );
    return reply.type('application/json; charset=utf-8').send(openapi);
  });
};
