/**
 * `--timeout` for the routes whose config says `timed`: when it passes, the request is answered
 * `504 TIMEOUT`, its work is abandoned (pool tasks, waits) and a body still arriving is dropped. The
 * abort signal is made on first use: most requests finish inline and never need one.
 */
import type { FastifyRequest } from 'fastify';
import type { Readable } from 'node:stream';
import { HttpError } from '../errors.js';
import { sendError } from './errors.js';
import { unencapsulated } from './unencapsulated.js';

export const timeoutError = (timeout: number) => new HttpError(504, 'TIMEOUT', `the request took longer than ${timeout} ms (--timeout)`);

/** The request's abort signal, for work that can be abandoned (pool tasks, waits). */
export const signalOf =
  (request: FastifyRequest) =>
  (): AbortSignal => {
    if (request.deadline === null) {
      request.deadline = new AbortController();
      if (request.timedOut) request.deadline.abort();
    }
    return request.deadline.signal;
  };

function finish(request: FastifyRequest): void {
  if (request.deadlineTimer !== null) clearTimeout(request.deadlineTimer);
  request.deadlineTimer = null;
}

export const deadline = unencapsulated<{ timeout: number }>(async (app, { timeout }) => {
  app.decorateRequest('deadline', null);
  app.decorateRequest('deadlineTimer', null);
  app.decorateRequest('timedOut', false);
  app.addHook('onRequest', (request, reply, done) => {
    if (request.routeOptions.config.timed === true) {
      const timer = setTimeout(() => {
        request.timedOut = true;
        request.deadline?.abort();
        sendError(reply, timeoutError(timeout));
        (request.body as Readable | undefined)?.destroy?.();
      }, timeout);
      timer.unref();
      request.deadlineTimer = timer;
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
