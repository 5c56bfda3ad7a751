/** What the scoring routes share: a whole body scored by the Scorer and sent, in JSON or as a binary tensor answer. */
import { Readable } from 'node:stream';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Model } from '../../lib/model.js';
import type { ServeContext } from '../context.js';
import { HttpError } from '../errors.js';
import { signalOf } from '../plugins/deadline.js';
import type { Task, TaskFormat, TaskResult } from '../work.js';

export function taskOf(ctx: ServeContext, format: TaskFormat, body: Uint8Array, model: Model, withScores: boolean, headerLength?: number): Task {
  return { format, body, model, name: ctx.options.name, withScores, maxRows: ctx.options.maxRows, ...(headerLength === undefined ? {} : { headerLength }) };
}

/**
 * Scores a task and sends its answer. Small bodies are done synchronously (the answer is sent
 * before this returns, and undefined comes back: what a synchronous Fastify handler returns after
 * sending); others come back as a promise of the reply.
 */
export function runAndSend(ctx: ServeContext, request: FastifyRequest, reply: FastifyReply, task: Task): Promise<FastifyReply> | undefined {
  const inline = ctx.scorer.runInline?.(task);
  if (inline !== undefined) {
    send(ctx, reply, task, inline);
    return undefined;
  }
  return ctx.scorer.run(task, signalOf(request)).then((result) => send(ctx, reply, task, result));
}

function send(ctx: ServeContext, reply: FastifyReply, task: Task, result: TaskResult): FastifyReply {
  if (reply.sent) return reply;
  if (!result.ok) throw HttpError.from(result.error);
  ctx.metrics.scored(result.rows);
  ctx.metrics.unknownCategories(result.unknown);
  reply.header('x-model-checksum', task.model.checksum);
  if (result.headerLength !== undefined) {
    if (result.body instanceof Readable) throw new Error('a binary answer is never streamed');
    const body = typeof result.body === 'string' ? Buffer.from(result.body) : Buffer.from(result.body.buffer, result.body.byteOffset, result.body.byteLength);
    return reply.header('inference-header-content-length', String(result.headerLength)).type('application/octet-stream').send(body);
  }
  // A string body goes out in one write with the headers (a Buffer would be a second chunk); a stream as the client reads it.
  const body =
    typeof result.body === 'string' || result.body instanceof Readable
      ? result.body
      : Buffer.from(result.body.buffer, result.body.byteOffset, result.body.byteLength);
  return reply.type('application/json; charset=utf-8').send(body);
}
