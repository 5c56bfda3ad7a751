/**
 * The server's life: start-up (the model is loaded and verified before the server listens), SIGHUP
 * reload and graceful shutdown (docs/SERVE.md). Loaded only when `iris serve` runs, so other
 * commands never load Fastify, piscina or prom-client; the queue mode's modules (src/queue, BullMQ,
 * ioredis) load only with --queue.
 */
import type { FastifyBaseLogger, FastifyInstance } from 'fastify';
import { DataError } from '../core/errors.js';
import type { Model } from '../lib/model.js';
import { buildApp, type AppOptions, type ServeContext, type ServerState } from './app.js';
import { createResultCache } from './cache.js';
import { MemoryJobStore } from './jobs/memory.js';
import type { JobStore } from './jobs/store.js';
import { createMetrics } from './metrics.js';
import { loadModel } from './model.js';
import { createEmbeddedScorer, type Scorer } from './scorer.js';

type Logger = Pick<FastifyBaseLogger, 'info' | 'warn' | 'error'>;
const silentLog: Logger = { info: () => undefined, warn: () => undefined, error: () => undefined };

export interface ServeSettings extends AppOptions {
  model: string;
  host: string;
  port: number;
  threads: number;
  cache: number;
  grace: number;
  jobTtl: number;
  /** Queue mode: the Redis URL (docs/QUEUE.md). */
  queue?: string | undefined;
  /** Queue mode: how long to wait for Redis at start (--connect-timeout, ms). */
  connectTimeout?: number | undefined;
}

/** The scorer and job store of the queue mode: Redis is checked (reachable, noeviction: exit 3 otherwise) before the server listens. */
async function queueMode(settings: ServeSettings & { queue: string }, state: ServerState, metrics: () => ServeContext['metrics'], log: () => Logger) {
  const { checkQueueUrl, shownUrl } = await import('../queue/connection.js');
  checkQueueUrl(settings.queue);
  const { QueueClient } = await import('../queue/client.js');
  const { Batcher } = await import('../queue/batcher.js');
  const { RedisJobStore } = await import('./jobs/redis.js');
  const { createQueueScorer } = await import('./queue-scorer.js');
  const client = await QueueClient.open({
    url: settings.queue,
    connectMs: settings.connectTimeout ?? 10_000,
    served: () => state.model.checksum,
    workerCommand: `iris worker --queue ${shownUrl(settings.queue)} --model ${settings.model}`,
    log: (level, message, fields) => log()[level](fields ?? {}, message),
  });
  // Model versions this server has served (a reload adds one): where its jobs may be.
  const served = new Set<string>([state.model.checksum]);
  const scorer = createQueueScorer({
    client,
    batcher: new Batcher(client),
    cacheEntries: settings.cache,
    onHits: (n) => metrics().cacheHits.inc(n),
    onMisses: (n) => metrics().cacheMisses.inc(n),
  });
  const jobs = new RedisJobStore({
    client,
    ttlMs: settings.jobTtl,
    checksums: () => {
      served.add(state.model.checksum);
      return [state.model.checksum, ...[...served].filter((c) => c !== state.model.checksum)];
    },
    onDone: (rows) => metrics().scored(rows),
  });
  return { scorer, jobs };
}

/**
 * Serves until SIGTERM or SIGINT has drained the server; resolves then (exit 0). Start-up failures
 * (the model, Redis, the address) reject with typed errors before anything listens.
 */
export async function serve(settings: ServeSettings, stderr: NodeJS.WritableStream): Promise<0> {
  const first: Model = await loadModel(settings.model);
  const state: ServerState = { model: first, draining: false };

  // The metrics read the scorer and the jobs, which report to the metrics: the gauges look them up when scraped.
  const parts: { scorer?: Scorer; jobs?: JobStore; app?: FastifyInstance; log?: (error: unknown, id: string) => void } = {};
  let scorer: Scorer;
  let jobs: JobStore;
  const metrics = createMetrics({ queueDepth: () => parts.scorer?.queueDepth() ?? 0, jobCounts: () => parts.jobs?.counts() ?? Promise.resolve({}) });
  metrics.setModel(settings.name, first.version, first.checksum);
  if (settings.queue !== undefined) {
    ({ scorer, jobs } = await queueMode(
      { ...settings, queue: settings.queue },
      state,
      () => metrics,
      () => parts.app?.log ?? silentLog,
    ));
  } else {
    const cache =
      settings.cache > 0
        ? createResultCache(
            settings.cache,
            (n) => metrics.cacheHits.inc(n),
            (n) => metrics.cacheMisses.inc(n),
          )
        : null;
    scorer = await createEmbeddedScorer({
      threads: settings.threads,
      workerUrl: new URL('./pool-worker.js', import.meta.url),
      cache,
      maxQueue: Math.max(64, settings.threads * 32),
    });
    jobs = new MemoryJobStore({ ttlMs: settings.jobTtl, scorer, onDone: (rows) => metrics.scored(rows), onBug: (error, id) => parts.log?.(error, id) });
  }
  Object.assign(parts, { scorer, jobs });
  const ctx: ServeContext = { options: settings, state, scorer, jobs, metrics };
  const app = await buildApp(ctx);
  parts.app = app;
  parts.log = (error, id) => app.log.error({ err: error, job: id }, 'job failed');

  let address: string;
  try {
    address = await app.listen({ host: settings.host, port: settings.port });
  } catch (error) {
    await jobs.close();
    await scorer.close();
    const code = (error as NodeJS.ErrnoException).code;
    const reason =
      code === 'EADDRINUSE'
        ? 'the address is in use'
        : code === 'EACCES'
          ? 'permission denied'
          : code === 'EADDRNOTAVAIL'
            ? 'no such local address'
            : String((error as Error).message);
    throw new DataError(`cannot listen on ${settings.host}:${settings.port}: ${reason}`, {
      hint: code === 'EADDRINUSE' ? 'pick another --port, or 0 for a free one' : undefined,
      cause: error,
    });
  }
  // The address is always on stderr: in the JSON ready line, or as a plain line when info lines are off.
  if (settings.logLevel === 'silent' || !['info', 'debug', 'trace'].includes(settings.logLevel)) stderr.write(`iris serve: listening on ${address}\n`);
  else app.log.info({ address, model: settings.model, name: settings.name, version: first.version, threads: settings.threads }, `listening on ${address}`);
  // Queue mode with no worker yet: said once now (the client says it again only when it changes).
  const not = scorer.notReady?.();
  if (not?.reason === 'no worker')
    app.log.warn({ reason: not.error.message }, 'no iris worker listens for the served model; readiness is 503 and predictions NO_WORKER until one starts');

  // SIGHUP: reload off the request path; a request keeps the model it started with.
  let reloading = Promise.resolve();
  const reload = () => {
    reloading = reloading.then(async () => {
      try {
        const next = await loadModel(settings.model);
        state.model = next;
        metrics.setModel(settings.name, next.version, next.checksum);
        metrics.reloads.inc({ result: 'success' });
        app.log.info({ version: next.version, checksum: next.checksum }, 'model reloaded');
      } catch (error) {
        metrics.reloads.inc({ result: 'failure' });
        app.log.error({ reason: error instanceof Error ? error.message : String(error) }, 'model reload failed; the old model keeps serving');
      }
    });
  };

  return new Promise<0>((resolve) => {
    let stopping = false;
    const stop = (signal: NodeJS.Signals) => {
      if (stopping) return;
      stopping = true;
      state.draining = true;
      const grace = signal === 'SIGINT' ? 0 : settings.grace;
      app.log.info({ signal, grace }, 'shutting down: readiness is 503, draining');
      setTimeout(() => {
        // In-flight requests finish (up to --timeout); then whatever is left is cut.
        const force = setTimeout(() => app.server.closeAllConnections(), settings.timeout + 1000);
        force.unref();
        void app
          .close()
          .catch((error: unknown) => app.log.error({ err: error }, 'close failed'))
          .then(async () => {
            clearTimeout(force);
            await reloading;
            await jobs.close();
            await scorer.close();
            process.off('SIGTERM', onTerm);
            process.off('SIGINT', onInt);
            process.off('SIGHUP', reload);
            app.log.info('stopped');
            resolve(0);
          });
      }, grace);
    };
    const onTerm = () => stop('SIGTERM');
    const onInt = () => stop('SIGINT');
    process.on('SIGTERM', onTerm);
    process.on('SIGINT', onInt);
    process.on('SIGHUP', reload);
  });
}
