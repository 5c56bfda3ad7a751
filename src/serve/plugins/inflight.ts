/**
 * `--max-inflight`: the request bodies being read or held by requests not yet answered are capped
 * in total, so that many large requests at once cannot take the process past its memory. A body's
 * declared Content-Length is reserved before a byte is read (503 OVERLOADED with Retry-After at
 * once when it does not fit beside the others, 413 when it could never fit, even alone); a chunked
 * body is counted as it arrives and cut the same way when it passes the cap. The reservation is given back when the answer is sent (or the client leaves):
 * the body, its parsed rows and the answer live that long.
 */
import { Transform, type TransformCallback } from 'node:stream';
import type { FastifyRequest } from 'fastify';
import { HttpError } from '../errors.js';
import { sendError } from './errors.js';
import { unencapsulated } from './unencapsulated.js';

/** A body that could never fit, even alone: retrying would not help. */
export const largerThanCap = (maxInflight: number) =>
  new HttpError(413, 'TOO_LARGE', `the body is larger than ${maxInflight} bytes (--max-inflight)`, { connection: 'close' });

export const overloaded = (maxInflight: number) =>
  new HttpError(503, 'OVERLOADED', `request bodies in flight would pass ${maxInflight} bytes (--max-inflight); try again shortly`, { 'retry-after': '1' });

export const inflight = unencapsulated<{ maxInflight: number; maxBody: number }>(async (app, { maxInflight, maxBody }) => {
  let total = 0;
  app.decorateRequest('inflightBytes', 0);
  const release = (request: FastifyRequest) => {
    total -= request.inflightBytes;
    request.inflightBytes = 0;
  };
  app.addHook('onRequest', (request, reply, done) => {
    const headers = request.raw.headers;
    const length = headers['content-length'];
    if (length !== undefined && length !== '0') {
      const bytes = Number(length);
      if (bytes > 0) {
        // Answered here; the chain stops (done is not called once the reply is sent). A body over
        // --max-body is left to the parser (413 before it is read).
        if (bytes > maxBody) return done();
        if (bytes > maxInflight) return void sendError(reply, largerThanCap(maxInflight));
        if (total + bytes > maxInflight) return void sendError(reply, overloaded(maxInflight));
        total += bytes;
        request.inflightBytes = bytes;
      }
    }
    done();
  });
  // Chunked bodies: counted as they come.
  app.addHook('preParsing', (request, _reply, payload, done) => {
    if (request.raw.headers['content-length'] !== undefined || request.raw.headers['transfer-encoding'] === undefined) return done(null, payload);
    const counted = new Transform({
      transform(chunk: Buffer, _encoding, callback: TransformCallback) {
        if (request.inflightBytes + chunk.length > maxInflight) return callback(largerThanCap(maxInflight));
        if (total + chunk.length > maxInflight) return callback(overloaded(maxInflight));
        total += chunk.length;
        request.inflightBytes += chunk.length;
        callback(null, chunk);
      },
    });
    payload.on('error', (error) => counted.destroy(error));
    done(null, payload.pipe(counted));
  });
  app.addHook('onResponse', (request, _reply, done) => {
    release(request);
    done();
  });
  app.addHook('onRequestAbort', (request, done) => {
    release(request);
    done();
  });
});
