/**
 * One way out for every error: an error that carries its status and code (HttpError, the queue's
 * QueueError) is sent as it is; Fastify's own (validation, body limits, media types) are given the
 * contract's codes; anything else is a bug, answered 500 with the request id and logged.
 * Bodies are `{"error", "code"}`, plus MLflow's `error_code` and `message` on the MLflow routes.
 */
import type { Socket } from 'node:net';
import type { FastifyReply } from 'fastify';
import { HttpError, badRequest, errorBody, isStatusError, notFound, quote, type StatusError } from '../errors.js';
import { unencapsulated } from './unencapsulated.js';

export function sendError(reply: FastifyReply, error: StatusError): FastifyReply {
  if (reply.sent) return reply;
  // A body that was not read to its end must not be taken for the next request on the connection.
  const raw = reply.request.raw;
  const hasBody = (raw.headers['content-length'] ?? '0') !== '0' || raw.headers['transfer-encoding'] !== undefined;
  if (hasBody && !raw.complete) reply.header('connection', 'close');
  const mlflow = reply.request.routeOptions.config?.mlflow === true;
  return reply
    .code(error.status)
    .headers(error.headers ?? {})
    .type('application/json; charset=utf-8')
    .send(errorBody(error.code, error.message, error.line === undefined ? {} : { line: error.line }, mlflow));
}

/** Answers for what Node's HTTP parser refuses before Fastify sees a request (slow or malformed headers). */
export function clientErrorHandler(timeout: number) {
  return (error: Error, socket: Socket) => {
    if (!socket.writable) return socket.destroy();
    const code = (error as NodeJS.ErrnoException).code;
    const [status, errCode, message] =
      code === 'ERR_HTTP_REQUEST_TIMEOUT'
        ? [504, 'TIMEOUT', `the request did not arrive within ${timeout} ms (--timeout)`]
        : code === 'HPE_HEADER_OVERFLOW'
          ? [431, 'BAD_REQUEST', 'the request headers are too large']
          : [400, 'BAD_REQUEST', 'malformed HTTP request'];
    const body = errorBody(errCode as 'TIMEOUT', message);
    socket.end(
      `HTTP/1.1 ${status} ${status === 504 ? 'Gateway Timeout' : status === 431 ? 'Request Header Fields Too Large' : 'Bad Request'}\r\n` +
        `Content-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
    );
  };
}

export const tooLargeBody = (maxBody: number) =>
  new HttpError(413, 'TOO_LARGE', `the body is larger than ${maxBody} bytes (--max-body)`, { connection: 'close' });

export const errors = unencapsulated<{ timeout: number; maxBody: number }>(async (app, { timeout, maxBody }) => {
  app.setErrorHandler((error: unknown, request, reply) => {
    if (reply.sent) return;
    if (isStatusError(error)) return sendError(reply, error);
    const e = error as { validation?: unknown; validationContext?: string; message?: string; statusCode?: number; code?: string };
    if (e.validation !== undefined) return sendError(reply, badRequest(`${e.validationContext ?? 'request'}: ${e.message ?? 'invalid'}`));
    if (request.timedOut) return sendError(reply, new HttpError(504, 'TIMEOUT', `the request took longer than ${timeout} ms (--timeout)`));
    if (e.code === 'FST_ERR_CTP_BODY_TOO_LARGE') return sendError(reply, tooLargeBody(maxBody));
    if (e.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') {
      return sendError(
        reply,
        new HttpError(415, 'UNSUPPORTED_MEDIA_TYPE', `the content type ${quote(request.headers['content-type'] ?? '')} is not accepted here`),
      );
    }
    if (e.code === 'ECONNRESET' || e.code === 'ERR_STREAM_PREMATURE_CLOSE' || (error as Error)?.message === 'aborted') {
      // The client went away mid-body: nobody to answer.
      reply.header('connection', 'close');
      return sendError(reply, badRequest('the request body ended early'));
    }
    if (typeof e.statusCode === 'number' && e.statusCode >= 400 && e.statusCode < 500) return sendError(reply, badRequest(e.message ?? 'bad request'));
    request.log.error({ err: error }, 'internal error');
    return sendError(reply, new HttpError(500, 'INTERNAL', `internal error (request id ${request.id})`));
  });
  app.setNotFoundHandler((request, reply) => {
    const path = request.url.split('?')[0] ?? '';
    sendError(reply, notFound(`no route ${request.method} ${quote(path).slice(1, -1)}`));
  });
});
