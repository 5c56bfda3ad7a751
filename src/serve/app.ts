/**
 * The HTTP application (Fastify): every route of docs/SERVE.md, error statuses, auth, timeouts,
 * metrics. Built without listening so that tests can use `inject`; server.ts listens and handles
 * signals.
 *
 * Bodies are not parsed by Fastify: one catch-all content-type parser hands the routes the raw
 * stream, so that a route checks the model name before reading a byte, streams NDJSON, enforces
 * --max-body itself and sends large bodies to the worker pool unparsed.
 */
import { timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { once } from 'node:events';
import { PassThrough, type Readable } from 'node:stream';
import { StringDecoder } from 'node:string_decoder';
import Fastify, { LogController, type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { formatter, putNdjsonLine } from './codec.js';
import { HttpError, badRequest, errorBody, notFound, quote, retryHeaders } from './errors.js';
import { jobId, type Job, type JobStore } from './jobs.js';
import type { Metrics } from './metrics.js';
import type { ServedModel } from './model.js';
import { buildOpenApi, type JsonSchema, type RouteDoc, type RouteSchema } from './openapi.js';
import { pageHtml } from './page.js';
import type { Scorer } from './scorer.js';
import { httpErrorOf } from './queue/scorer.js';
import type { QueueJobView, ServerQueue } from './queue/server-queue.js';

/** A queue-mode job as the routes show it. */
function queueJobView(view: QueueJobView) {
  return { id: view.id, status: view.status, rows: view.rows, progress: view.progress, ...(view.error === undefined ? {} : { error: view.error }) };
}
import { formatAs, type Task, type TaskFormat, type TaskModel } from './work.js';

export interface AppOptions {
  name: string;
  token: string | undefined;
  maxBody: number;
  maxRows: number;
  timeout: number;
  logLevel: string;
  packageVersion: string;
  /** For tests: a logger stream other than stderr. */
  logStream?: NodeJS.WritableStream;
}

/** The model as the routes use it: what scoring tasks carry plus the card. */
export interface Served extends TaskModel {
  checksum: string;
  target: string;
  metrics: Record<string, unknown>;
}

export interface ServerState {
  model: Served;
  /** Set at SIGTERM/SIGINT: readiness answers 503 from then on. */
  draining: boolean;
}

export function served(model: ServedModel, name: string): Served {
  return {
    name,
    version: model.version,
    checksum: model.checksum,
    target: model.target,
    features: model.features,
    classes: model.classes,
    nScores: model.nScores,
    metrics: model.metrics,
    params: model.params,
  };
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
    /** No --token needed (probes and the page). */
    public?: boolean;
    /** Under --timeout (504). */
    timed?: boolean;
  }
  interface FastifyRequest {
    /** Made on first use (most requests never need one): aborted when --timeout passes. */
    deadline: AbortController | null;
    deadlineTimer: NodeJS.Timeout | null;
    timedOut: boolean;
  }
}

const PUBLIC = { public: true } as const;
const TIMED = { timed: true } as const;
const ALL_METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS'] as const;

/** The media types /invocations and /v1/jobs take. */
function mediaFormat(request: FastifyRequest): { format: TaskFormat | 'ndjson'; mediaType: string } {
  const header = request.headers['content-type'];
  const mediaType = (header ?? '').split(';')[0]!.trim().toLowerCase();
  if (mediaType === 'application/json') return { format: 'json', mediaType };
  if (mediaType === 'text/csv') return { format: 'csv', mediaType };
  if (mediaType === 'application/x-ndjson') return { format: 'ndjson', mediaType };
  throw new HttpError(
    415,
    'UNSUPPORTED_MEDIA_TYPE',
    `${header === undefined ? 'no Content-Type' : `the content type ${quote(mediaType)}`}: send application/json, text/csv or application/x-ndjson`,
  );
}

const ID_PATTERN = /^[\x21-\x7e]{1,128}$/;
let sequence = 0;
const ID_PREFIX = Math.floor(Math.random() * 2 ** 32).toString(36);

function requestId(raw: IncomingMessage): string {
  const given = raw.headers['x-request-id'];
  if (typeof given === 'string' && ID_PATTERN.test(given)) return given;
  return `${ID_PREFIX}-${(++sequence).toString(36)}`;
}

function sameSecret(given: string, expected: Buffer): boolean {
  const bytes = Buffer.from(given, 'utf8');
  return bytes.length === expected.length && timingSafeEqual(bytes, expected);
}

function sendError(reply: FastifyReply, error: HttpError): FastifyReply {
  if (reply.sent) return reply;
  // A body that was not read to its end must not be taken for the next request on the connection.
  const raw = reply.request.raw;
  const hasBody = (raw.headers['content-length'] ?? '0') !== '0' || raw.headers['transfer-encoding'] !== undefined;
  if (hasBody && !raw.complete) reply.header('connection', 'close');
  return reply
    .code(error.status)
    .headers(error.headers)
    .type('application/json; charset=utf-8')
    .send(errorBody(error.code, error.message, error.line === undefined ? {} : { line: error.line }));
}

/** Reads a whole body, refusing more than maxBody bytes (413) as soon as they are seen. */
function readBody(request: FastifyRequest, maxBody: number): Promise<Buffer> {
  const tooBig = () => new HttpError(413, 'TOO_LARGE', `the body is larger than ${maxBody} bytes (--max-body)`, { connection: 'close' });
  const declared = Number(request.headers['content-length']);
  if (declared > maxBody) return Promise.reject(tooBig());
  const stream = request.body as Readable | undefined;
  if (stream === undefined || stream === null || typeof (stream as Readable).on !== 'function') return Promise.resolve(Buffer.alloc(0));
  // Plain listeners rather than `for await`: an async iterator per request costs more than the read.
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let total = 0;
    const cleanup = () => {
      stream.off('data', onData);
      stream.off('end', onEnd);
      stream.off('error', onError);
      stream.off('close', onClose);
    };
    const onData = (chunk: Buffer) => {
      total += chunk.length;
      if (total > maxBody) {
        cleanup();
        stream.pause();
        reject(tooBig());
      } else chunks.push(chunk);
    };
    const onEnd = () => {
      cleanup();
      resolve(chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks, total));
    };
    const onError = (error: Error) => {
      cleanup();
      reject(error);
    };
    const onClose = () => {
      if (stream.readableEnded) return;
      cleanup();
      reject(Object.assign(new Error('aborted'), { code: 'ECONNRESET' }));
    };
    stream.on('data', onData);
    stream.on('end', onEnd);
    stream.on('error', onError);
    stream.on('close', onClose);
  });
}

function positiveInt(text: string | undefined, name: string, fallback: number): number {
  if (text === undefined) return fallback;
  if (!/^\d{1,15}$/.test(text)) throw badRequest(`?${name}=${quote(text)}: expected a whole number of milliseconds`);
  return Number(text);
}

// ---------------------------------------------------------------------------------------------
// Schemas (validated by Fastify where they are params and querystrings; all go to /openapi.json)

const NAME_PARAMS: JsonSchema = { type: 'object', properties: { name: { type: 'string', description: 'the model name (--name)' } }, required: ['name'] };
const VERSION_PARAMS: JsonSchema = {
  type: 'object',
  properties: {
    name: { type: 'string', description: 'the model name (--name)' },
    version: { type: 'string', description: "the first 12 hex digits of the artifact's checksum" },
  },
  required: ['name', 'version'],
};
const SCORES_QUERY: JsonSchema = {
  type: 'object',
  properties: { scores: { type: 'string', enum: ['true', 'false'], description: 'false leaves the decision values out' } },
};
const TENSOR: JsonSchema = {
  type: 'object',
  required: ['name', 'datatype', 'shape', 'data'],
  properties: {
    name: { type: 'string', description: '"input-0" for the [N, F] tensor, or a feature name for one [N] tensor per feature' },
    datatype: { type: 'string', enum: ['FP64', 'FP32', 'INT64', 'INT32'] },
    shape: { type: 'array', items: { type: 'integer', minimum: 0 } },
    data: { type: 'array', description: 'row-major values, flat or nested' },
    parameters: { type: 'object' },
  },
};
const INFER_REQUEST: JsonSchema = {
  type: 'object',
  required: ['inputs'],
  properties: {
    id: { type: 'string' },
    parameters: { type: 'object' },
    inputs: { type: 'array', minItems: 1, items: TENSOR },
    outputs: { type: 'array', items: { type: 'object', required: ['name'], properties: { name: { type: 'string', enum: ['label', 'decision_function'] } } } },
  },
};
const OUTPUT_TENSOR: JsonSchema = {
  type: 'object',
  required: ['name', 'datatype', 'shape', 'data'],
  properties: {
    name: { type: 'string', enum: ['label', 'decision_function'] },
    datatype: { type: 'string', enum: ['BYTES', 'FP64'] },
    shape: { type: 'array', items: { type: 'integer' } },
    data: { type: 'array', items: { type: ['string', 'number'] } },
  },
};
const INFER_RESPONSE: JsonSchema = {
  type: 'object',
  required: ['model_name', 'model_version', 'outputs'],
  properties: { id: { type: 'string' }, model_name: { type: 'string' }, model_version: { type: 'string' }, outputs: { type: 'array', items: OUTPUT_TENSOR } },
};
const ROW: JsonSchema = {
  description: 'a row: values in the model feature order, or a record naming the features',
  oneOf: [{ type: 'array', items: { type: 'number' } }, { type: 'object', additionalProperties: { type: 'number' } }],
};
const ROWS: JsonSchema = {
  oneOf: [
    { type: 'array', items: ROW },
    { type: 'object', description: 'columnar: one array of values per feature', additionalProperties: { type: 'array', items: { type: 'number' } } },
  ],
};
const INVOCATION_JSON: JsonSchema = {
  type: 'object',
  description: 'exactly one of dataframe_split, dataframe_records, instances, inputs; plus optional params (ignored)',
  properties: {
    dataframe_split: {
      type: 'object',
      required: ['columns', 'data'],
      properties: { columns: { type: 'array', items: { type: 'string' } }, data: { type: 'array', items: { type: 'array' } }, index: { type: 'array' } },
    },
    dataframe_records: { type: 'array', items: { type: 'object', additionalProperties: { type: 'number' } } },
    instances: ROWS,
    inputs: ROWS,
    params: { type: 'object' },
  },
  additionalProperties: false,
  minProperties: 1,
};
const INVOCATION_BODIES: Record<string, JsonSchema> = {
  'application/json': INVOCATION_JSON,
  'text/csv': { type: 'string', description: 'a header row naming the features (any order, extra columns ignored), then rows' },
  'application/x-ndjson': { type: 'string', description: 'one record or array a line' },
};
const PREDICTION: JsonSchema = {
  type: 'object',
  required: ['label'],
  properties: {
    label: { type: 'string' },
    scores: { description: 'decision value per class; one number for a two-class model', oneOf: [{ type: 'number' }, { type: 'object', additionalProperties: { type: 'number' } }] },
  },
};
const PREDICTIONS: JsonSchema = { type: 'object', required: ['predictions'], properties: { predictions: { type: 'array', items: PREDICTION } } };
const JOB_STATUS: JsonSchema = {
  type: 'object',
  required: ['id', 'status'],
  properties: {
    id: { type: 'string' },
    status: { type: 'string', enum: ['queued', 'running', 'done', 'failed'] },
    rows: { type: 'integer' },
    progress: { type: 'number', minimum: 0, maximum: 1 },
    error: { type: 'string' },
  },
};
const JOB_PARAMS: JsonSchema = { type: 'object', properties: { id: { type: 'string' } }, required: ['id'] };
const MODEL_METADATA: JsonSchema = {
  type: 'object',
  required: ['name', 'versions', 'platform', 'inputs', 'outputs', 'parameters'],
  properties: {
    name: { type: 'string' },
    versions: { type: 'array', items: { type: 'string' } },
    platform: { type: 'string' },
    inputs: { type: 'array', items: { type: 'object', additionalProperties: true } },
    outputs: { type: 'array', items: { type: 'object', additionalProperties: true } },
    parameters: {
      type: 'object',
      properties: {
        features: { type: 'array', items: { type: 'string' } },
        classes: { type: 'array', items: { type: 'string' } },
        target: { type: 'string' },
        checksum: { type: 'string' },
      },
    },
  },
};
const MODEL_CARD: JsonSchema = {
  type: 'object',
  required: ['name', 'version', 'checksum', 'target', 'features', 'classes', 'metrics'],
  properties: {
    name: { type: 'string' },
    version: { type: 'string' },
    checksum: { type: 'string' },
    target: { type: 'string' },
    features: { type: 'array', items: { type: 'string' } },
    classes: { type: 'array', items: { type: 'string' } },
    metrics: { type: 'object', additionalProperties: true, description: "the artifact's training metrics (train and test accuracy, confusion matrix, per class)" },
    example: { type: 'array', items: { type: 'number' }, description: "a typical row: each feature's training mean to 3 significant digits (the page's placeholders)" },
  },
};

export interface AppParts {
  options: AppOptions;
  state: ServerState;
  scorer: Scorer;
  metrics: Metrics;
  jobs: JobStore;
  /** Queue mode (`--queue`): readiness follows Redis, and async jobs live in Redis (src/serve/queue). */
  queue?: { server: ServerQueue; jobTtl: number };
}

export async function buildApp({ options, state, scorer, metrics, jobs, queue }: AppParts): Promise<FastifyInstance> {
  const timeout = options.timeout;
  const app = Fastify({
    logger: options.logLevel === 'silent' ? false : { level: options.logLevel, stream: options.logStream ?? process.stderr },
    // Per-request log lines cost more than a prediction; errors are logged by the handlers.
    logController: new LogController({ disableRequestLogging: true }),
    genReqId: requestId,
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
    clientErrorHandler(error, socket) {
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
    },
  });

  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', (_request, payload, done) => done(null, payload));
  app.decorateRequest('deadline', null);
  app.decorateRequest('deadlineTimer', null);
  app.decorateRequest('timedOut', false);

  const token = options.token === undefined ? undefined : Buffer.from(options.token, 'utf8');
  const docs: RouteDoc[] = [];
  const methodsByUrl = new Map<string, Set<string>>();
  const publicUrls = new Set<string>();

  app.addHook('onRoute', (route) => {
    const methods = Array.isArray(route.method) ? route.method : [route.method];
    if (route.config?.public) publicUrls.add(route.url);
    if ((route.config as { allowHandler?: boolean } | undefined)?.allowHandler) return;
    const set = methodsByUrl.get(route.url) ?? new Set<string>();
    for (const method of methods) set.add(method);
    methodsByUrl.set(route.url, set);
    const schema = route.schema as RouteSchema | undefined;
    if (schema !== undefined && !methods.includes('HEAD')) {
      for (const method of methods) docs.push({ method, url: route.url, schema: { ...schema, secured: route.config?.public !== true } });
    }
  });

  app.addHook('onRequest', (request, reply, done) => {
    reply.header('x-request-id', request.id);
    const config = request.routeOptions.config;
    if (token !== undefined && config.public !== true) {
      const header = request.headers.authorization;
      if (typeof header !== 'string' || !header.startsWith('Bearer ') || !sameSecret(header.slice(7), token)) {
        reply.header('www-authenticate', 'Bearer');
        sendError(reply, new HttpError(401, 'UNAUTHORIZED', header === undefined ? 'this server needs Authorization: Bearer <token>' : 'the bearer token is wrong'));
        return done();
      }
    }
    if (config.timed === true) {
      const timer = setTimeout(() => {
        request.timedOut = true;
        request.deadline?.abort();
        sendError(reply, new HttpError(504, 'TIMEOUT', `the request took longer than ${timeout} ms (--timeout)`));
        (request.body as Readable | undefined)?.destroy?.();
      }, timeout);
      timer.unref();
      request.deadlineTimer = timer;
    }
    done();
  });

  /** The request's abort signal, for work that can be abandoned (pool tasks, waits). */
  const signalOf = (request: FastifyRequest) => (): AbortSignal => {
    if (request.deadline === null) {
      request.deadline = new AbortController();
      if (request.timedOut) request.deadline.abort();
    }
    return request.deadline.signal;
  };

  const finish = (request: FastifyRequest) => {
    if (request.deadlineTimer !== null) clearTimeout(request.deadlineTimer);
    request.deadlineTimer = null;
  };
  app.addHook('onRequestAbort', (request, done) => {
    finish(request);
    request.deadline?.abort();
    done();
  });
  app.addHook('onResponse', (request, reply, done) => {
    finish(request);
    const route = request.routeOptions.url ?? 'unmatched';
    metrics.requests.inc({ route, code: String(reply.statusCode) });
    metrics.duration.observe({ route }, reply.elapsedTime / 1000);
    done();
  });

  app.setErrorHandler((error: unknown, request, reply) => {
    if (reply.sent) return;
    if (error instanceof HttpError) return sendError(reply, error);
    const e = error as { validation?: unknown; validationContext?: string; message?: string; statusCode?: number; code?: string };
    if (e.validation !== undefined) return sendError(reply, badRequest(`${e.validationContext ?? 'request'}: ${e.message ?? 'invalid'}`));
    if (request.timedOut) return sendError(reply, new HttpError(504, 'TIMEOUT', `the request took longer than ${timeout} ms (--timeout)`));
    if (e.code === 'ECONNRESET' || e.code === 'ERR_STREAM_PREMATURE_CLOSE' || (error as Error)?.message === 'aborted') {
      // The client went away mid-body: nobody to answer.
      reply.header('connection', 'close');
      return sendError(reply, badRequest('the request body ended early'));
    }
    if (typeof e.statusCode === 'number' && e.statusCode >= 400 && e.statusCode < 500) {
      return sendError(reply, badRequest(e.message ?? 'bad request'));
    }
    request.log.error({ err: error }, 'internal error');
    return sendError(reply, new HttpError(500, 'INTERNAL', `internal error (request id ${request.id})`));
  });

  app.setNotFoundHandler((request, reply) => {
    const path = request.url.split('?')[0] ?? '';
    sendError(reply, notFound(`no route ${request.method} ${quote(path).slice(1, -1)}`));
  });

  // ------------------------------------------------------------------------------------------
  // Helpers of the routes

  const current = () => state.model;
  const checkModel = (params: { name: string; version?: string }): Served => {
    const model = current();
    if (params.name !== options.name) throw notFound(`no model named ${quote(params.name)} (this server serves ${quote(options.name)})`);
    if (params.version !== undefined && params.version !== model.version) {
      throw notFound(`the model ${quote(options.name)} has no version ${quote(params.version)} (it serves ${model.version})`);
    }
    return model;
  };
  const ready = () => !state.draining && (queue === undefined || queue.server.up);
  const taskOf = (format: TaskFormat, body: Uint8Array, model: Served, withScores: boolean): Task => ({
    format,
    body,
    model: { name: model.name, version: model.version, features: model.features, classes: model.classes, nScores: model.nScores, params: model.params, checksum: model.checksum } as TaskModel,
    withScores,
    maxRows: options.maxRows,
  });

  async function runAndSend(request: FastifyRequest, reply: FastifyReply, task: Task, model: Served): Promise<FastifyReply> {
    const result = await scorer.run(task, signalOf(request));
    if (reply.sent) return reply;
    if (!result.ok) return sendError(reply, HttpError.from(result.error));
    metrics.scored(result.rows);
    // A string body goes out in one write with the headers (a Buffer would be a second chunk).
    const body = typeof result.body === 'string' ? result.body : Buffer.from(result.body.buffer, result.body.byteOffset, result.body.byteLength);
    return reply.header('x-model-checksum', model.checksum).type('application/json; charset=utf-8').send(body);
  }

  // ------------------------------------------------------------------------------------------
  // Open Inference Protocol v2

  app.get('/v2/health/live', { config: PUBLIC, schema: { summary: 'liveness', tags: ['OIP v2'], response: { 200: { type: 'object', properties: { live: { type: 'boolean' } } } } } }, async () => ({
    live: true,
  }));
  app.get(
    '/v2/health/ready',
    { config: PUBLIC, schema: { summary: 'readiness', tags: ['OIP v2'], response: { 200: { type: 'object', properties: { ready: { type: 'boolean' } } }, 503: { type: 'object', properties: { ready: { type: 'boolean' } } } } } },
    async (_request, reply) => {
      if (ready()) return { ready: true };
      return reply.code(503).headers(retryHeaders(503)).send({ ready: false });
    },
  );
  app.get(
    '/v2',
    { schema: { summary: 'server metadata', tags: ['OIP v2'], response: { 200: { type: 'object', properties: { name: { type: 'string' }, version: { type: 'string' }, extensions: { type: 'array', items: { type: 'string' } } } } } } },
    async () => ({ name: 'iris', version: options.packageVersion, extensions: [] }),
  );

  const metadata = (model: Served) => ({
    name: options.name,
    versions: [model.version],
    platform: 'iris_perceptron',
    inputs: [{ name: 'input-0', datatype: 'FP64', shape: [-1, model.features.length] }],
    outputs: [
      { name: 'label', datatype: 'BYTES', shape: [-1] },
      { name: 'decision_function', datatype: 'FP64', shape: model.nScores === 1 ? [-1] : [-1, model.nScores] },
    ],
    parameters: { features: model.features, classes: model.classes, target: model.target, checksum: model.checksum },
  });
  for (const [suffix, params] of [
    ['', NAME_PARAMS],
    ['/versions/:version', VERSION_PARAMS],
  ] as const) {
    const base = `/v2/models/:name${suffix}`;
    app.get<{ Params: { name: string; version?: string } }>(base, { schema: { summary: 'model metadata', tags: ['OIP v2'], params, response: { 200: MODEL_METADATA } } }, async (request) =>
      metadata(checkModel(request.params)),
    );
    app.get<{ Params: { name: string; version?: string } }>(
      `${base}/ready`,
      { schema: { summary: 'model readiness', tags: ['OIP v2'], params, response: { 200: { type: 'object', properties: { name: { type: 'string' }, ready: { type: 'boolean' } } } } } },
      async (request) => {
        checkModel(request.params);
        return { name: options.name, ready: ready() };
      },
    );
    app.post<{ Params: { name: string; version?: string } }>(
      `${base}/infer`,
      {
        config: TIMED,
        schema: {
          summary: 'inference',
          description: 'The body is read as JSON whatever its content type (as Triton and KServe do).',
          tags: ['OIP v2'],
          params,
          requestBody: { 'application/json': INFER_REQUEST },
          response: { 200: INFER_RESPONSE },
        },
      },
      async (request, reply) => {
        const model = checkModel(request.params);
        const body = await readBody(request, options.maxBody);
        if (reply.sent) return reply;
        return runAndSend(request, reply, taskOf('infer', body, model, true), model);
      },
    );
  }

  // ------------------------------------------------------------------------------------------
  // MLflow scoring server

  app.get('/ping', { config: PUBLIC, schema: { summary: 'MLflow: 200 when ready', tags: ['MLflow'], response: { 200: { type: 'string' } } } }, async (_request, reply) => {
    if (!ready()) return sendError(reply, new HttpError(503, 'NOT_READY', 'the server is shutting down', retryHeaders(503)));
    return reply.type('text/plain; charset=utf-8').send('\n');
  });
  app.get('/health', { config: PUBLIC, schema: { summary: 'MLflow: 200 when ready', tags: ['MLflow'], response: { 200: { type: 'string' } } } }, async (_request, reply) => {
    if (!ready()) return sendError(reply, new HttpError(503, 'NOT_READY', 'the server is shutting down', retryHeaders(503)));
    return reply.type('text/plain; charset=utf-8').send('\n');
  });
  app.get('/version', { schema: { summary: 'MLflow: the package version', tags: ['MLflow'], response: { 200: { type: 'string' } } } }, async (_request, reply) =>
    reply.type('text/plain; charset=utf-8').send(options.packageVersion),
  );

  app.post<{ Querystring: { scores?: 'true' | 'false' } }>(
    '/invocations',
    {
      config: TIMED,
      schema: {
        summary: 'MLflow scoring',
        tags: ['MLflow'],
        querystring: SCORES_QUERY,
        requestBody: INVOCATION_BODIES,
        response: { 200: PREDICTIONS },
        produces: ['application/x-ndjson'],
      },
    },
    async (request, reply) => {
      const { format } = mediaFormat(request);
      const model = current();
      const withScores = request.query.scores !== 'false';
      if (format === 'ndjson') return streamNdjson(request, reply, model, withScores);
      const body = await readBody(request, options.maxBody);
      if (reply.sent) return reply;
      return runAndSend(request, reply, taskOf(format, body, model, withScores), model);
    },
  );

  /**
   * NDJSON in and out, chunk by chunk: each chunk's complete lines are parsed, scored and written
   * before the next chunk is read, so a body larger than memory goes through. The answer begins
   * with the first chunk that holds a line; an error in that chunk is a plain 400, an error after
   * it ends the answer with one error line (the lines before it stand).
   */
  async function streamNdjson(request: FastifyRequest, reply: FastifyReply, model: Served, withScores: boolean): Promise<FastifyReply> {
    const stream = request.body as Readable | undefined;
    const declared = Number(request.headers['content-length']);
    if (declared > options.maxBody) throw new HttpError(413, 'TOO_LARGE', `the body is larger than ${options.maxBody} bytes (--max-body)`, { connection: 'close' });
    const d = model.features.length;
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
          if (putNdjsonLine(text.endsWith('\r') ? text.slice(0, -1) : text, model, X, n, line)) {
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
      const scored = await scorer.score({ ...model, checksum: model.checksum }, X.subarray(0, n * d), n, signal);
      rows += n;
      metrics.scored(n);
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
          if (bytes > options.maxBody) throw new HttpError(413, 'TOO_LARGE', `the body is larger than ${options.maxBody} bytes (--max-body)`, { connection: 'close' }, line + 1);
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
      const error =
        caught instanceof HttpError
          ? caught
          : timedOut
            ? new HttpError(504, 'TIMEOUT', `the request took longer than ${timeout} ms (--timeout)`)
            : undefined;
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

  // ------------------------------------------------------------------------------------------
  // Async jobs (in memory in the embedded mode)

  const jobView = (job: Job) => ({
    id: job.id,
    status: job.status,
    rows: job.rows,
    progress: job.progress,
    ...(job.error === undefined ? {} : { error: job.error }),
  });

  async function runJob(job: Job, X: Float64Array, model: Served): Promise<void> {
    const n = job.rows;
    const d = model.features.length;
    const m = model.nScores;
    const predictions = new Int32Array(n);
    const scores = new Float64Array(n * m);
    const chunk = 100_000;
    job.status = 'running';
    try {
      for (let start = 0; start < n || (n === 0 && start === 0); start += chunk) {
        const k = Math.min(chunk, n - start);
        if (k > 0) {
          const part = await scorer.score(model, X.subarray(start * d, (start + k) * d), k);
          predictions.set(part.predictions, start);
          scores.set(part.scores, start * m);
        }
        job.progress = n === 0 ? 1 : (start + k) / n;
        if (n === 0) break;
      }
      job.result = { predictions, scores };
      job.status = 'done';
      job.progress = 1;
      metrics.scored(n);
    } catch (error) {
      job.status = 'failed';
      job.error = error instanceof HttpError ? error.message : 'internal error';
      if (!(error instanceof HttpError)) app.log.error({ err: error, job: job.id }, 'job failed');
    }
    jobs.changed(job);
  }

  app.post<{ Querystring: { scores?: 'true' | 'false' } }>(
    '/v1/jobs',
    {
      config: TIMED,
      schema: {
        summary: 'submit an async job',
        description: 'Any body /invocations takes. Jobs are kept in memory and lost when the server stops (embedded mode).',
        tags: ['jobs'],
        querystring: SCORES_QUERY,
        requestBody: INVOCATION_BODIES,
        response: { 202: JOB_STATUS },
      },
    },
    async (request, reply) => {
      const { format, mediaType } = mediaFormat(request);
      const model = current();
      const withScores = request.query.scores !== 'false';
      const body = await readBody(request, options.maxBody);
      if (reply.sent) return reply;
      const id = jobId(model.checksum, mediaType, withScores, body);
      if (queue !== undefined) {
        const sent = (view: QueueJobView) => reply.code(202).header('location', `/v1/jobs/${id}`).send(queueJobView(view));
        const known = await queue.server.getJob(id).catch((error: unknown) => Promise.reject(httpErrorOf(error)));
        if (known !== undefined && known.status !== 'failed') return sent(known);
        const parsed = await scorer.parse(taskOf(format as TaskFormat, body, model, withScores), signalOf(request));
        if (reply.sent) return reply;
        const shape = { checksum: model.checksum, nFeatures: model.features.length, nScores: model.nScores };
        const view = await queue.server
          .submitJob(shape, { id, mediaType, withScores, ttlMs: queue.jobTtl }, parsed.X, parsed.n)
          .catch((error: unknown) => Promise.reject(httpErrorOf(error)));
        return sent(view);
      }
      const accepted = (job: Job) => reply.code(202).header('location', `/v1/jobs/${id}`).send(jobView(job));
      const existing = jobs.get(id);
      if (existing !== undefined && existing.status !== 'failed') return accepted(existing);
      const rows = await scorer.parse(taskOf(format as TaskFormat, body, model, withScores), signalOf(request));
      if (reply.sent) return reply;
      const job: Job = { id, status: 'queued', rows: rows.n, progress: 0, withScores, checksum: model.checksum, shape: model };
      jobs.add(job);
      setImmediate(() => void runJob(job, rows.X, model));
      return accepted(job);
    },
  );

  const jobOf = (id: string): Job => {
    const job = jobs.get(id);
    if (job === undefined) throw notFound(`no job ${quote(id)} (unknown, or removed after --job-ttl)`);
    return job;
  };

  app.get<{ Params: { id: string }; Querystring: { wait?: string } }>(
    '/v1/jobs/:id',
    {
      config: TIMED,
      schema: {
        summary: 'a job status',
        tags: ['jobs'],
        params: JOB_PARAMS,
        querystring: { type: 'object', properties: { wait: { type: 'string', pattern: '^[0-9]{1,15}$', description: 'milliseconds to hold the request until the job ends (at most --timeout)' } } },
        response: { 200: JOB_STATUS },
      },
    },
    async (request) => {
      if (queue !== undefined) {
        const wait = Math.min(positiveInt(request.query.wait, 'wait', 0), Math.max(timeout - 100, 0));
        const view = await queue.server.waitJob(request.params.id, wait, signalOf(request)()).catch((error: unknown) => Promise.reject(httpErrorOf(error)));
        if (view === undefined) throw notFound(`no job ${quote(request.params.id)} (unknown, or removed after --job-ttl)`);
        return queueJobView(view);
      }
      jobOf(request.params.id);
      const wait = Math.min(positiveInt(request.query.wait, 'wait', 0), Math.max(timeout - 100, 0));
      await jobs.wait(request.params.id, wait, signalOf(request)());
      return jobView(jobOf(request.params.id));
    },
  );

  app.get<{ Params: { id: string }; Querystring: { scores?: 'true' | 'false' } }>(
    '/v1/jobs/:id/result',
    {
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
      if (queue !== undefined) {
        const { view, scored } = await queue.server.jobResult(request.params.id).catch((error: unknown) => Promise.reject(httpErrorOf(error)));
        const accept = request.headers.accept ?? '';
        const output = accept.includes('application/x-ndjson') ? 'ndjson' : accept.includes('text/csv') ? 'csv' : 'mlflow';
        const type = output === 'ndjson' ? 'application/x-ndjson' : output === 'csv' ? 'text/csv; charset=utf-8' : 'application/json; charset=utf-8';
        // The labels of the model the job was computed with (the one served now, unless a reload came between).
        return reply.header('x-model-checksum', view.checksum).type(type).send(formatAs(output, current(), scored, view.rows, view.withScores));
      }
      const job = jobOf(request.params.id);
      if (job.status !== 'done' || job.result === undefined) {
        throw new HttpError(409, 'CONFLICT', job.status === 'failed' ? `the job failed: ${job.error ?? 'unknown reason'}` : `the job is ${job.status}; its result is not ready`);
      }
      const accept = request.headers.accept ?? '';
      const output = accept.includes('application/x-ndjson') ? 'ndjson' : accept.includes('text/csv') ? 'csv' : 'mlflow';
      const type = output === 'ndjson' ? 'application/x-ndjson' : output === 'csv' ? 'text/csv; charset=utf-8' : 'application/json; charset=utf-8';
      return reply.header('x-model-checksum', job.checksum).type(type).send(formatAs(output, job.shape, job.result, job.rows, job.withScores));
    },
  );

  // ------------------------------------------------------------------------------------------
  // Metrics, documents, page

  app.get('/metrics', { schema: { summary: 'Prometheus metrics', tags: ['operations'], produces: ['text/plain'] } }, async (_request, reply) => {
    const text = await metrics.registry.metrics();
    return reply.type(metrics.registry.contentType).send(text);
  });
  app.get(
    '/v1/model',
    { schema: { summary: 'the model card (what GET / shows)', tags: ['operations'], response: { 200: MODEL_CARD } } },
    async () => {
      const model = current();
      const example = Array.from(model.params.mean, (mean) => Number(mean.toPrecision(3)));
      return { name: options.name, version: model.version, checksum: model.checksum, target: model.target, features: model.features, classes: model.classes, metrics: model.metrics, example };
    },
  );
  let openapi: string | undefined;
  app.get('/openapi.json', { schema: { summary: 'this document', tags: ['operations'] } }, async (_request, reply) => {
    openapi ??= JSON.stringify(
      buildOpenApi(docs, {
        title: 'iris serve',
        version: options.packageVersion,
        description: 'Predictions from one iris model artifact: Open Inference Protocol v2, MLflow scoring, async jobs, metrics.',
      }),
    );
    return reply.type('application/json; charset=utf-8').send(openapi);
  });
  app.get('/', { config: PUBLIC, schema: { summary: 'a page for a person: model card and a form', tags: ['operations'], produces: ['text/html'] } }, async (_request, reply) =>
    reply.type('text/html; charset=utf-8').send(pageHtml(options.name)),
  );

  // 405 with Allow for every known path (registered last, when all routes are known).
  for (const [url, methods] of methodsByUrl) {
    const missing = ALL_METHODS.filter((method) => !methods.has(method));
    if (missing.length === 0) continue;
    const allow = [...methods].sort().join(', ');
    app.route({
      method: missing,
      url,
      config: { allowHandler: true, public: publicUrls.has(url) } as never,
      handler: async (request, reply) => {
        reply.header('allow', allow);
        return sendError(reply, new HttpError(405, 'METHOD_NOT_ALLOWED', `${request.method} is not allowed here; use ${allow}`));
      },
    });
  }

  return app;
}
