/**
 * What the plugins and routes of the application share: the options, the model being served now
 * (a request keeps the one it started with), the scorer, the job store, the metrics, and readiness.
 * Also the one place where Fastify's types learn the members iris adds to routes and requests.
 */
import type { Model } from '../lib/model.js';
import { notFound, quote, HttpError } from './errors.js';
import type { JobStore } from './jobs/store.js';
import type { Metrics } from './metrics.js';
import type { JsonSchema } from './schemas.js';
import type { Scorer } from './scorer.js';

export interface AppOptions {
  name: string;
  token: string | undefined;
  maxBody: number;
  /** Request bodies in flight, in bytes, in total (--max-inflight; 256 MiB when not given). */
  maxInflight?: number | undefined;
  maxRows: number;
  timeout: number;
  logLevel: string;
  packageVersion: string;
  /** For tests: a logger stream other than stderr. */
  logStream?: NodeJS.WritableStream;
}

export interface ServerState {
  model: Model;
  /** Set at SIGTERM/SIGINT: readiness answers 503 from then on. */
  draining: boolean;
}

export interface ServeContext {
  options: AppOptions;
  state: ServerState;
  scorer: Scorer;
  jobs: JobStore;
  metrics: Metrics;
}

/** Why the server cannot predict now (readiness 503), with the error a prediction gets; undefined when ready. */
export function notReady(ctx: ServeContext): { reason: string; error: Error } | undefined {
  if (ctx.state.draining) return { reason: 'shutting down', error: new HttpError(503, 'NOT_READY', 'the server is shutting down', { 'retry-after': '1' }) };
  return ctx.scorer.notReady?.();
}

/** The model a request names (404 for another name or version). */
export function modelNamed(ctx: ServeContext, params: { name: string; version?: string | undefined }): Model {
  const model = ctx.state.model;
  const name = ctx.options.name;
  if (params.name !== name) throw notFound(`no model named ${quote(params.name)} (this server serves ${quote(name)})`);
  if (params.version !== undefined && params.version !== model.version) {
    throw notFound(`the model ${quote(name)} has no version ${quote(params.version)} (it serves ${model.version})`);
  }
  return model;
}

declare module 'fastify' {
  /** Documentation members, read by openapi.ts (Fastify ignores them). */
  interface FastifySchema {
    summary?: string;
    description?: string;
    tags?: string[];
    requestBody?: Record<string, JsonSchema>;
    produces?: string[];
  }
  interface FastifyContextConfig {
    /** Under --timeout (504). */
    timed?: boolean;
    /** Errors also carry MLflow's error_code and message. */
    mlflow?: boolean;
    /** Set by the auth plugin on the routes of its scope. */
    secured?: boolean;
    /** A 405 route made by plugins/not-allowed.ts (not a route of the contract). */
    notAllowed?: boolean;
  }
  interface FastifyRequest {
    /** Made on first use (most requests never need one): aborted when --timeout passes. */
    deadline: AbortController | null;
    /** When --timeout passes for this request (performance.now()), on timed routes. */
    deadlineAt: number;
    timedOut: boolean;
    /** Bytes of this request's body counted against --max-inflight. */
    inflightBytes: number;
  }
}
