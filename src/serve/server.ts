/**
 * The server's life: start-up (the model is loaded and verified before the server listens), SIGHUP
 * reload and graceful shutdown (docs/SERVE.md). Loaded only when `iris serve` runs, so other
 * commands never load Fastify, piscina or prom-client.
 */
import { DataError } from '../core/errors.js';
import { buildApp, served, type AppOptions, type ServerState } from './app.js';
import { createResultCache } from './cache.js';
import { JobStore } from './jobs.js';
import { createMetrics } from './metrics.js';
import { loadServedModel } from './model.js';
import { createEmbeddedScorer, type Scorer } from './scorer.js';

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
}

/**
 * Serves until SIGTERM or SIGINT has drained the server; resolves then (exit 0). Start-up failures
 * (the model, the address) reject with typed errors before anything listens.
 */
export async function serve(settings: ServeSettings, stderr: NodeJS.WritableStream): Promise<0> {
  const first = await loadServedModel(settings.model);
  const state: ServerState = { model: served(first, settings.name), draining: false };

  const jobs = new JobStore(settings.jobTtl);
  // Declared before the metrics that read it, assigned once the cache (which reports to them) exists.
  let scorer: Scorer | undefined;
  // Queue mode: Redis is checked (reachable, maxmemory-policy noeviction: exit 3 otherwise) before the server listens.
  let queue: import('./queue/server-queue.js').ServerQueue | undefined;
  let queueJobs = { queued: 0, running: 0, done: 0, failed: 0 };
  if (settings.queue !== undefined) {
    const { checkQueueUrl } = await import('./queue/connection.js');
    checkQueueUrl(settings.queue);
    const { ServerQueue } = await import('./queue/server-queue.js');
    queue = await ServerQueue.open({ url: settings.queue, checksum: first.checksum });
  }
  const metrics = createMetrics({ queueDepth: () => scorer?.queueDepth() ?? 0, jobCounts: () => (queue === undefined ? jobs.counts() : queueJobs) });
  const jobCounter = queue === undefined ? undefined : setInterval(() => void queue?.jobCounts().then((counts) => (queueJobs = counts)), 5000);
  jobCounter?.unref();
  metrics.setModel(settings.name, first.version, first.checksum);
  const cache =
    settings.cache > 0
      ? createResultCache(
          settings.cache,
          (n) => metrics.cacheHits.inc(n),
          (n) => metrics.cacheMisses.inc(n),
        )
      : null;
  if (queue === undefined) {
    scorer = await createEmbeddedScorer({
      threads: settings.threads,
      workerUrl: new URL('./pool-worker.js', import.meta.url),
      cache,
      maxQueue: Math.max(64, settings.threads * 32),
    });
  } else {
    const { createQueueScorer } = await import('./queue/scorer.js');
    scorer = createQueueScorer({
      queue,
      cacheEntries: settings.cache,
      onHits: (n) => metrics.cacheHits.inc(n),
      onMisses: (n) => metrics.cacheMisses.inc(n),
    });
  }
  const app = await buildApp({ options: settings, state, scorer, metrics, jobs, ...(queue === undefined ? {} : { queue: { server: queue, jobTtl: settings.jobTtl } }) });

  let address: string;
  try {
    address = await app.listen({ host: settings.host, port: settings.port });
  } catch (error) {
    await scorer.close();
    jobs.close();
    clearInterval(jobCounter);
    const code = (error as NodeJS.ErrnoException).code;
    const reason = code === 'EADDRINUSE' ? 'the address is in use' : code === 'EACCES' ? 'permission denied' : code === 'EADDRNOTAVAIL' ? 'no such local address' : String((error as Error).message);
    throw new DataError(`cannot listen on ${settings.host}:${settings.port}: ${reason}`, {
      hint: code === 'EADDRINUSE' ? 'pick another --port, or 0 for a free one' : undefined,
      cause: error,
    });
  }
  // The address is always on stderr: in the JSON ready line, or as a plain line when info lines are off.
  if (settings.logLevel === 'silent' || !['info', 'debug', 'trace'].includes(settings.logLevel)) stderr.write(`iris serve: listening on ${address}\n`);
  else app.log.info({ address, model: settings.model, name: settings.name, version: first.version, threads: settings.threads }, `listening on ${address}`);

  // SIGHUP: reload off the request path; a request keeps the model it started with.
  let reloading = Promise.resolve();
  const reload = () => {
    reloading = reloading.then(async () => {
      try {
        const next = await loadServedModel(settings.model);
        state.model = served(next, settings.name);
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
            await scorer?.close();
            jobs.close();
            clearInterval(jobCounter);
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
