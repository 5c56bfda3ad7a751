/**
 * Async jobs (docs/SERVE.md): POST /v1/jobs takes any body /invocations takes and answers 202 at
 * once; the job store (jobs/store.ts: memory or Redis, one interface) does the rest. A malformed body
 * is 400 at the POST, not a failed job.
 */
import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import type { ServeContext } from '../context.js';
import { badRequest, notFound, quote } from '../errors.js';
import { jobId, jobStatusBody } from '../jobs/store.js';
import { bodyOf, mediaFormat, mlflowBodies, requireMlflowMedia } from '../plugins/bodies.js';
import { signalOf } from '../plugins/deadline.js';
import { INVOCATION_BODIES, JOB_PARAMS, JOB_STATUS, PREDICTIONS, SCORES_QUERY, WAIT_QUERY } from '../schemas.js';
import { STREAM_ROWS, outputChunks, streamOf } from '../answer.js';
import { formatAs } from '../work.js';
import { taskOf } from './scoring.js';

function waitMs(text: string | undefined, timeout: number): number {
  if (text === undefined) return 0;
  if (!/^\d{1,15}$/.test(text)) throw badRequest(`?wait=${quote(text)}: expected a whole number of milliseconds`);
  // Capped just under --timeout, so that the answer comes before the request's own 504.
  return Math.min(Number(text), Math.max(timeout - 100, 0));
}

/** The answer's format, as Accept asks. */
function output(request: FastifyRequest): { output: 'ndjson' | 'csv' | 'mlflow'; type: string } {
  const accept = request.headers.accept ?? '';
  if (accept.includes('application/x-ndjson')) return { output: 'ndjson', type: 'application/x-ndjson' };
  if (accept.includes('text/csv')) return { output: 'csv', type: 'text/csv; charset=utf-8' };
  return { output: 'mlflow', type: 'application/json; charset=utf-8' };
}

export const jobRoutes: FastifyPluginAsync<{ ctx: ServeContext }> = async (app, { ctx }) => {
  mlflowBodies(app, ctx.options.maxBody, false);
  const { jobs, options } = ctx;

  app.post<{ Querystring: { scores?: 'true' | 'false' } }>(
    '/v1/jobs',
    {
      config: { timed: true, mlflow: true },
      onRequest: requireMlflowMedia,
      schema: {
        summary: 'submit an async job',
        description: 'Any body /invocations takes. Embedded mode: jobs are kept in memory and lost when the server stops; queue mode: in Redis.',
        tags: ['jobs'],
        querystring: SCORES_QUERY,
        requestBody: INVOCATION_BODIES,
        response: { 202: JOB_STATUS },
      },
    },
    async (request, reply) => {
      const { format, mediaType } = mediaFormat(request);
      const model = ctx.state.model;
      const queryScores = request.query.scores === 'true';
      const body = bodyOf(request);
      const id = jobId(model.checksum, mediaType, queryScores, body);
      const accepted = (view: Parameters<typeof jobStatusBody>[0]) => reply.code(202).header('location', `/v1/jobs/${id}`).send(jobStatusBody(view));
      const known = await jobs.get(id);
      if (known !== undefined && known.status !== 'failed') return accepted(known);
      const rows = await ctx.scorer.parse(taskOf(ctx, format, body, model, queryScores), signalOf(request));
      if (reply.sent) return reply;
      ctx.metrics.unknownCategories(rows.unknown);
      return accepted(await jobs.submit({ id, model, mediaType, withScores: queryScores || rows.withScores === true, rows }));
    },
  );

  app.get<{ Params: { id: string }; Querystring: { wait?: string } }>(
    '/v1/jobs/:id',
    {
      config: { timed: true, mlflow: true },
      schema: { summary: 'a job status', tags: ['jobs'], params: JOB_PARAMS, querystring: WAIT_QUERY, response: { 200: JOB_STATUS } },
    },
    async (request) => {
      const view = await jobs.wait(request.params.id, waitMs(request.query.wait, options.timeout), signalOf(request)());
      if (view === undefined) throw notFound(`no job ${quote(request.params.id)} (unknown, or removed after --job-ttl)`);
      return jobStatusBody(view);
    },
  );

  app.get<{ Params: { id: string } }>(
    '/v1/jobs/:id/result',
    {
      config: { mlflow: true },
      schema: {
        summary: "a job's predictions",
        description: 'As Accept asks: application/x-ndjson, text/csv, or JSON (the /invocations answer). 409 while the job is not done.',
        tags: ['jobs'],
        params: JOB_PARAMS,
        response: { 200: PREDICTIONS },
        produces: ['application/x-ndjson', 'text/csv'],
      },
    },
    async (request, reply) => {
      const { view, scored } = await jobs.result(request.params.id);
      const { output: as, type } = output(request);
      // Formatted with the classes of the model version that computed the job, not the one loaded now.
      // Many rows: written as the client reads them (answer.ts).
      const body =
        view.rows >= STREAM_ROWS
          ? streamOf(outputChunks(as, view, scored, view.rows, view.withScores))
          : formatAs(as, view, scored, view.rows, view.withScores);
      return reply.header('x-model-checksum', view.checksum).type(type).send(body);
    },
  );
};
