/**
 * The HTTP application, laid out as Fastify's reference application is: a small root that makes
 * the instance and registers plugins. Hooks are plugins (plugins/: request id, deadline, metrics,
 * errors, 405, auth as a scope of its own); routes are grouped per protocol (routes/: oip, mlflow,
 * jobs, ops); schemas live in schemas.ts. Built without listening so that tests can use `inject`;
 * server.ts listens and handles signals.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import Fastify, { LogController, type FastifyInstance } from 'fastify';
import type { ServeContext } from './context.js';
import { auth } from './plugins/auth.js';
import { deadline } from './plugins/deadline.js';
import { clientErrorHandler, errors } from './plugins/errors.js';
import { httpMetrics } from './plugins/http-metrics.js';
import { inflight } from './plugins/inflight.js';
import { lazyChildLogger } from './plugins/lazy-logger.js';
import { RouteIndex, notAllowed, trackRoutes } from './plugins/not-allowed.js';
import { echoRequestId, requestId } from './plugins/request-id.js';
import { jobRoutes } from './routes/jobs.js';
import { mlflowHealth, mlflowScoring } from './routes/mlflow.js';
import { oipHealth, oipInference } from './routes/oip.js';
import { operations, page } from './routes/ops.js';

export type { AppOptions, ServeContext, ServerState } from './context.js';

/** --max-inflight's default. */
export const DEFAULT_MAX_INFLIGHT = 256 * 1024 * 1024;

export async function buildApp(ctx: ServeContext): Promise<FastifyInstance> {
  const { options } = ctx;
  const timeout = options.timeout;
  const app = Fastify({
    logger: options.logLevel === 'silent' ? false : { level: options.logLevel, stream: options.logStream ?? process.stderr },
    // Per-request log lines cost more than a prediction; errors are logged by the error handler.
    logController: new LogController({ disableRequestLogging: true }),
    genReqId: requestId,
    childLoggerFactory: lazyChildLogger,
    bodyLimit: options.maxBody,
    return503OnClosing: false,
    forceCloseConnections: 'idle',
    ajv: { customOptions: { coerceTypes: false, removeAdditional: false } },
    serverFactory: (handler) =>
      createServer(
        {
          // Slow clients: headers must arrive within --timeout; a body's own deadline is the
          // request's timer (a JSON 504); Node's request timeout is only a backstop.
          headersTimeout: timeout,
          requestTimeout: timeout + 5000,
          connectionsCheckingInterval: Math.min(1000, timeout),
          keepAliveTimeout: 5000,
        },
        handler as (req: IncomingMessage, res: ServerResponse) => void,
      ),
    clientErrorHandler: clientErrorHandler(timeout),
  });

  const index = new RouteIndex();
  await app.register(trackRoutes, { index });
  await app.register(echoRequestId);
  await app.register(inflight, { maxInflight: options.maxInflight ?? DEFAULT_MAX_INFLIGHT, maxBody: options.maxBody });
  await app.register(deadline, { timeout });
  await app.register(httpMetrics, { metrics: ctx.metrics });
  await app.register(errors, { timeout, maxBody: options.maxBody });

  // Public: probes and the page.
  await app.register(oipHealth, { ctx });
  await app.register(mlflowHealth, { ctx });
  await app.register(page, { ctx });
  // Behind --token: everything else.
  await app.register(async (secured) => {
    await secured.register(auth, { token: options.token });
    await secured.register(oipInference, { ctx });
    await secured.register(mlflowScoring, { ctx });
    await secured.register(jobRoutes, { ctx });
    await secured.register(operations, { ctx, index });
  });
  // Last, when every route is known: 405 with Allow.
  await app.register(notAllowed, { index, token: options.token });
  return app;
}
