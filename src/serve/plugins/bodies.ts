/**
 * How bodies are read, per scope (content-type parsers are encapsulated in Fastify):
 * - OIP: the body is read as JSON whatever its content type, even a malformed one (as Triton and
 *   KServe do): a route hook sets the type aside before Fastify would refuse it, and one parser
 *   takes every type, as a Buffer of at most --max-body bytes (413 past it).
 * - MLflow: `application/json` and `text/csv` (no parameter but charset=utf-8) and
 *   `application/x-ndjson`; anything else is 415 in a route hook, before a byte is read. NDJSON
 *   reaches /invocations as a stream (it is scored line by line); everything else as a Buffer.
 */
import type { Readable } from 'node:stream';
import type { FastifyInstance, FastifyRequest, onRequestHookHandler } from 'fastify';
import { HttpError, quote } from '../errors.js';
import { tooLargeBody } from './errors.js';

export type MediaFormat = 'json' | 'csv' | 'ndjson';

const MEDIA: Record<string, MediaFormat> = { 'application/json': 'json', 'text/csv': 'csv', 'application/x-ndjson': 'ndjson' };

const JSON_MEDIA = { format: 'json', mediaType: 'application/json' } as const;

/** The MLflow media type of a request, strictly (415 otherwise). */
export function mediaFormat(request: FastifyRequest): { format: MediaFormat; mediaType: string } {
  const header = request.headers['content-type'];
  if (header === 'application/json') return JSON_MEDIA;
  const unsupported = (what: string) =>
    new HttpError(
      415,
      'UNSUPPORTED_MEDIA_TYPE',
      `${what}: send application/json, text/csv or application/x-ndjson (charset=utf-8 is the only parameter taken)`,
    );
  if (header === undefined) throw unsupported('no Content-Type');
  const [type, ...params] = header.split(';');
  const mediaType = (type as string).trim().toLowerCase();
  const format = MEDIA[mediaType];
  if (format === undefined) throw unsupported(`the content type ${quote(header.slice(0, 60))}`);
  for (const param of params) {
    const [key, value] = param.split('=').map((s) => s.trim().toLowerCase());
    if (key === '' && value === undefined) continue;
    if (key !== 'charset' || (value !== 'utf-8' && value !== '"utf-8"')) throw unsupported(`the content type ${quote(header.slice(0, 60))}`);
  }
  return { format, mediaType };
}

// Callback hooks, not async ones: an async hook costs a promise on every request.

/** Route hook of /invocations and /v1/jobs: 415 before the body is read. */
export const requireMlflowMedia: onRequestHookHandler = (request, _reply, done) => {
  try {
    mediaFormat(request);
  } catch (error) {
    return done(error as Error);
  }
  done();
};

/** Route hook of /infer: any content type reads as JSON (the parser below takes it). */
export const anyMediaAsJson: onRequestHookHandler = (request, _reply, done) => {
  if (request.headers['content-type'] !== undefined) request.raw.headers['content-type'] = 'application/octet-stream';
  done();
};

const asBuffer = (_request: FastifyRequest, body: Buffer, done: (error: Error | null, body?: unknown) => void) => done(null, body);

/** OIP scope: every body a Buffer. */
export function rawBodies(scope: FastifyInstance, maxBody: number): void {
  scope.removeAllContentTypeParsers();
  scope.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: maxBody }, asBuffer);
}

/** MLflow scope: the three media types; NDJSON as a stream when `streamNdjson`. */
export function mlflowBodies(scope: FastifyInstance, maxBody: number, streamNdjson: boolean): void {
  scope.removeAllContentTypeParsers();
  scope.addContentTypeParser(['application/json', 'text/csv'], { parseAs: 'buffer', bodyLimit: maxBody }, asBuffer);
  if (streamNdjson) {
    scope.addContentTypeParser('application/x-ndjson', (request, payload, done) => {
      // The stream is read by the route; only a declared length is checked here.
      if (Number(request.headers['content-length']) > maxBody) return done(tooLargeBody(maxBody));
      done(null, payload);
    });
  } else scope.addContentTypeParser('application/x-ndjson', { parseAs: 'buffer', bodyLimit: maxBody }, asBuffer);
}

/** The body a route was given: a Buffer, or nothing (no body sent). */
export function bodyOf(request: FastifyRequest): Buffer {
  const body = request.body as Buffer | Readable | undefined | null;
  return Buffer.isBuffer(body) ? body : Buffer.alloc(0);
}
