/**
 * NDJSON in and out of /invocations, chunk by chunk: each chunk's complete lines are parsed, scored
 * and written before the next chunk is read, so a body larger than memory goes through.
 */
import { once } from 'node:events';
import { PassThrough, type Readable } from 'node:stream';
import { StringDecoder } from 'node:string_decoder';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Model } from '../../lib/model.js';
import { formatter } from '../codec/format.js';
import { cellsOf, putNdjsonLine } from '../codec/rows.js';
import type { ServeContext } from '../context.js';
import { HttpError, badRequest } from '../errors.js';
import { signalOf, timeoutError } from '../plugins/deadline.js';
import { tooLargeBody } from '../plugins/errors.js';

/**
 * NDJSON in and out, chunk by chunk: each chunk's complete lines are parsed, scored and written
 * before the next chunk is read, so a body larger than memory goes through. The answer begins
 * with the first chunk that holds a line; an error in that chunk is a plain 400, an error after
 * it ends the answer with one error line (the lines before it stand).
 */
export async function streamNdjson(ctx: ServeContext, request: FastifyRequest, reply: FastifyReply, model: Model, withScores: boolean): Promise<FastifyReply> {
  const { options, scorer, metrics } = ctx;
  const timeout = options.timeout;
  const stream = request.body as Readable | undefined;
  const cells = cellsOf(model);
  const d = cells.names.length;
  const fmt = formatter(model);
  const decoder = new StringDecoder('utf8');
  const signal = signalOf(request);
  let out: PassThrough | null = null;
  let partial = '';
  let line = 0;
  let bytes = 0;
  let rows = 0;
  let X = new Float64Array(256 * d);

  const score = async (lines: string[]): Promise<{ text: string; error?: HttpError }> => {
    if (X.length < lines.length * d) X = new Float64Array(lines.length * d);
    let n = 0;
    let error: HttpError | undefined;
    for (const text of lines) {
      line++;
      try {
        if (putNdjsonLine(text.endsWith('\r') ? text.slice(0, -1) : text, cells, X, n, line)) {
          if (rows + n + 1 > options.maxRows) throw new HttpError(413, 'TOO_LARGE', `more than ${options.maxRows} rows in one request (--max-rows)`, {}, line);
          n++;
        }
      } catch (caught) {
        if (!(caught instanceof HttpError)) throw caught;
        error = caught;
        break;
      }
    }
    if (n === 0) return error === undefined ? { text: '' } : { text: '', error };
    const scored = await scorer.score(model, X.subarray(0, n * d), n, signal);
    rows += n;
    metrics.scored(n);
    metrics.unknownCategories(cells.unknown);
    const text = fmt.ndjson(scored, n, withScores);
    return error === undefined ? { text } : { text, error };
  };

  const write = async (text: string) => {
    if (out === null || text === '') return;
    if (!out.write(text)) {
      await Promise.race([once(out, 'drain'), once(reply.raw, 'close')]);
    }
  };
  const begin = () => {
    out = new PassThrough();
    reply.code(200).header('x-model-checksum', model.checksum).type('application/x-ndjson').send(out);
  };

  try {
    if (stream !== undefined && stream !== null && typeof stream.on === 'function') {
      for await (const chunk of stream) {
        bytes += (chunk as Buffer).length;
        if (bytes > options.maxBody) throw new HttpError(413, 'TOO_LARGE', tooLargeBody(options.maxBody).message, { connection: 'close' }, line + 1);
        const lines = (partial + decoder.write(chunk as Buffer)).split('\n');
        partial = lines.pop() as string;
        if (lines.length === 0) continue;
        const { text, error } = await score(lines);
        if (reply.sent && out === null) return reply;
        if (error !== undefined && out === null) throw error;
        if (out === null && text !== '') begin();
        await write(text);
        if (error !== undefined) throw error;
        if (reply.raw.destroyed) return reply;
      }
    }
    const last = partial + decoder.end();
    if (last !== '') {
      const { text, error } = await score([last]);
      if (error !== undefined) throw error;
      if (out === null && text !== '') begin();
      await write(text);
    }
    if (out === null) {
      if (reply.sent) return reply;
      if (rows === 0) throw badRequest(`the body has no rows${line === 0 ? '' : ' (only blank lines)'}; expected one JSON record or array a line`);
      begin();
    }
    (out as PassThrough | null)?.end();
    return reply;
  } catch (caught) {
    const timedOut = request.timedOut;
    const error = caught instanceof HttpError ? caught : timedOut ? timeoutError(timeout) : undefined;
    if (out === null) {
      if (error !== undefined) throw error;
      throw caught;
    }
    const o = out as PassThrough;
    if (error === undefined) {
      // The client went away, or a bug: end the answer without a verdict.
      if (!(request.raw.destroyed || reply.raw.destroyed)) request.log.error({ err: caught }, 'NDJSON stream failed');
      o.destroy();
      return reply;
    }
    o.end(`${JSON.stringify({ error: error.message, code: error.code, line: error.line ?? line })}\n`);
    return reply;
  }
}
