/** The Prometheus metrics of docs/SERVE.md, on a registry of their own (prom-client). */
import client from 'prom-client';

export type Metrics = ReturnType<typeof createMetrics>;

export function createMetrics(sources: { queueDepth: () => number; jobCounts: () => Promise<Record<string, number>> }) {
  const registry = new client.Registry();
  /** Job counts as of the scrape in progress (scrape() reads them first: a job seen done there counts its rows in the same scrape). */
  let lastCounts: Record<string, number> = {};
  client.collectDefaultMetrics({ register: registry });
  // Gauges that prom-client names with a counter's _total suffix: `promtool check metrics` refuses
  // them, and the count of handles is of no use to an operator of this server.
  for (const name of ['nodejs_active_handles_total', 'nodejs_active_requests_total', 'nodejs_active_resources_total']) registry.removeSingleMetric(name);
  const registers = [registry];
  const requests = new client.Counter({
    name: 'iris_requests_total',
    help: 'HTTP requests answered, by route and status code',
    labelNames: ['route', 'code'] as const,
    registers,
  });
  const duration = new client.Histogram({
    name: 'iris_request_duration_seconds',
    help: 'Time from the request to the end of the response, by route',
    labelNames: ['route'] as const,
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
    registers,
  });
  const rowsPredicted = new client.Counter({ name: 'iris_rows_predicted_total', help: 'Rows scored', registers });
  const batchRows = new client.Histogram({
    name: 'iris_batch_rows',
    help: 'Rows per scored request or job',
    buckets: [1, 10, 100, 1000, 10_000, 100_000, 1_000_000],
    registers,
  });
  new client.Gauge({
    name: 'iris_pool_queue_depth',
    help: 'Scoring tasks waiting for a worker thread',
    registers,
    collect() {
      this.set(sources.queueDepth());
    },
  });
  const cacheHits = new client.Counter({ name: 'iris_cache_hits_total', help: 'Rows answered from the result cache', registers });
  const cacheMisses = new client.Counter({ name: 'iris_cache_misses_total', help: 'Rows looked up in the result cache and scored', registers });
  const unknownCategories = new client.Counter({
    name: 'iris_unknown_categories_total',
    help: 'Values of a categorical feature the model never saw (encoded as all zeros), by feature',
    labelNames: ['feature'] as const,
    registers,
  });
  const modelInfo = new client.Gauge({
    name: 'iris_model_info',
    help: 'The model being served (value 1)',
    labelNames: ['name', 'version', 'checksum'] as const,
    registers,
  });
  const reloads = new client.Counter({
    name: 'iris_model_reloads_total',
    help: 'Model reloads (SIGHUP) by result',
    labelNames: ['result'] as const,
    registers,
  });
  reloads.inc({ result: 'success' }, 0);
  reloads.inc({ result: 'failure' }, 0);
  new client.Gauge({
    name: 'iris_jobs',
    help: 'Async jobs kept, by status',
    labelNames: ['status'] as const,
    registers,
    collect() {
      const counts = lastCounts;
      for (const status of ['queued', 'running', 'done', 'failed']) this.set({ status }, counts[status] ?? 0);
    },
  });

  return {
    registry,
    requests,
    duration,
    rowsPredicted,
    batchRows,
    cacheHits,
    cacheMisses,
    reloads,
    setModel(name: string, version: string, checksum: string) {
      modelInfo.reset();
      modelInfo.set({ name, version, checksum }, 1);
    },
    /** The text of /metrics: job counts first (reading them may count a finished job's rows), then every metric. */
    async scrape(): Promise<string> {
      lastCounts = await sources.jobCounts().catch(() => ({}) as Record<string, number>);
      return registry.metrics();
    },
    /** Unknown categories one request met, per feature; the map is emptied (a stream reports as it goes). */
    unknownCategories(counts: Map<string, number> | undefined) {
      if (counts === undefined) return;
      for (const [feature, n] of counts) unknownCategories.inc({ feature }, n);
      counts.clear();
    },
    /** Rows of one scored request or job. */
    scored(rows: number) {
      rowsPredicted.inc(rows);
      batchRows.observe(rows);
    },
  };
}
