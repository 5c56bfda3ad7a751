/**
 * The MLflow scoring server's routes (docs/SERVE.md): /ping and /health (public), /version and
 * /invocations. Errors on these routes also carry MLflow's `error_code` and `message`.
 */
import type { FastifyPluginAsync } from 'fastify';
import { notReady, type ServeContext } from '../context.js';
import { HttpError } from '../errors.js';
import { bodyOf, mediaFormat, mlflowBodies, requireMlflowMedia } from '../plugins/bodies.js';
import { sendError } from '../plugins/errors.js';
import { INVOCATION_BODIES, PREDICTIONS, SCORES_QUERY, TEXT } from '../schemas.js';
import { streamNdjson } from './ndjson.js';
import { runAndSend, taskOf } from './scoring.js';

export const mlflowHealth: FastifyPluginAsync<{ ctx: ServeContext }> = async (app, { ctx }) => {
  for (const url of ['/ping', '/health']) {
    app.get(
      url,
      { config: { mlflow: true }, schema: { summary: 'MLflow: 200 when ready', tags: ['MLflow'], response: { 200: TEXT } } },
      async (_request, reply) => {
        const not = notReady(ctx);
        if (not !== undefined) return sendError(reply, new HttpError(503, 'NOT_READY', `the server is not ready: ${not.reason}`, { 'retry-after': '1' }));
        return reply.type('text/plain; charset=utf-8').send('\n');
      },
    );
  }
};

export const mlflowScoring: FastifyPluginAsync<{ ctx: ServeContext }> = async (app, { ctx }) => {
  mlflowBodies(app, ctx.options.maxBody, true);
  app.get(
    '/version',
    { config: { mlflow: true }, schema: { summary: 'MLflow: the package version', tags: ['MLflow'], response: { 200: TEXT } } },
    async (_request, reply) => reply.type('text/plain; charset=utf-8').send(ctx.options.packageVersion),
  );
  app.post<{ Querystring: { scores?: 'true' | 'false' } }>(
    '/invocations',
    {
      config: { timed: true, mlflow: true },
      onRequest: requireMlflowMedia,
      schema: {
        summary: 'MLflow scoring',
        description: 'The labels by default, as MLflow answers for a classifier; ?scores=true or "params": {"scores": true} adds the decision values.',
        tags: ['MLflow'],
        querystring: SCORES_QUERY,
        requestBody: INVOCATION_BODIES,
        response: { 200: PREDICTIONS },
        produces: ['application/x-ndjson'],
      },
    },
    // Not async: a small body is answered synchronously (runAndSend).
    (request, reply) => {
      const { format } = mediaFormat(request);
      const model = ctx.state.model;
      const withScores = request.query.scores === 'true';
      if (format === 'ndjson') return streamNdjson(ctx, request, reply, model, withScores);
      return runAndSend(ctx, request, reply, taskOf(ctx, format, bodyOf(request), model, withScores));
    },
  );
};
