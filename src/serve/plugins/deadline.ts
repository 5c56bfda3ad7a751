/**
 * `--timeout` for the routes whose config says `timed`: when it passes, the request is answered
 * `504 TIMEOUT`, its work is abandoned (pool tasks, waits) and a body still arriving is dropped. The
 * abort signal is made on first use: most requests finish inline and never need one.
 *
 * No timer per request (a setTimeout and its clearTimeout cost more than a one-row prediction):
 * timed requests join a set in arrival order, so in deadline order (one --timeout for all), and one
 * interval looks at the oldest ones. A request times out between --timeout and --timeout + one tick
 * (a tenth of --timeout, between 10 and 250 ms).
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Readable } from 'node:stream';
import { HttpError } from '../errors.js';
import { sendError } from './errors.js';
import { unencapsulated } from './unencapsulated.js';

export const timeoutError = (timeout: number) => new HttpError(504, 'TIMEOUT', `the request took longer than ${timeout} ms (--timeout)`);

/** The request's abort signal, for work that can be abandoned (pool tasks, waits). */
export const signalOf = (request: FastifyRequest) => (): AbortSignal => {
  if (request.deadline === null) {
    request.deadline = new AbortController();
    if (request.timedOut) request.deadline.abort();
  }
  return request.deadline.signal;
};

export const deadline = unencapsulated<{ timeout: number }>(async (app, { timeout }) => {
  app.decorateRequest('deadline', null);
  app.decorateRequest('deadlineAt', 0);
  app.decorateRequest('timedOut', false);
  /** Timed requests not yet answered, oldest first. */
  const timed = new Map<FastifyRequest, FastifyReply>();
  const finish = (request: FastifyRequest) => void timed.delete(request);
  const expire = (request: FastifyRequest, reply: FastifyReply) => {
    request.timedOut = true;
    request.deadline?.abort();
    sendError(reply, timeoutError(timeout));
    (request.body as Readable | undefined)?.destroy?.();
  };
  const tick = Math.max(10, Math.min(250, Math.ceil(timeout / 10)));
  const sweep = setInterval(() => {
    if (timed.size === 0) return;
    const now = performance.now();
    for (const [request, reply] of timed) {
      if (request.deadlineAt > now) break;
      timed.delete(request);
      expire(request, reply);
    }
  }, tick);
  sweep.unref();
  app.addHook('onClose', (_app, done) => {
    clearInterval(sweep);
    done();
  });
  app.addHook('onRequest', (request, reply, done) => {
    if (request.routeOptions.config.timed === true) {
      request.deadlineAt = performance.now() + timeout;
      timed.set(request, reply);
    }
    done();
  });
  app.addHook('onRequestAbort', (request, done) => {
    finish(request);
    request.deadline?.abort();
    done();
  });
  app.addHook('onResponse', (request, _reply, done) => {
    finish(request);
    done();
  });
});
