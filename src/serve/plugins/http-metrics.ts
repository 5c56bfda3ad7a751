/** `iris_requests_total{route,code}` and `iris_request_duration_seconds{route}` for every answer (`route` is the pattern, or `unmatched`). */
import type { Metrics } from '../metrics.js';
import { unencapsulated } from './unencapsulated.js';

type CounterChild = ReturnType<Metrics['requests']['labels']>;
type HistogramChild = ReturnType<Metrics['duration']['labels']>;

export const httpMetrics = unencapsulated<{ metrics: Metrics }>(async (app, { metrics }) => {
  // The label children, made once per route and code: prom-client otherwise hashes the label object on every answer.
  const counters = new Map<string, Map<number, CounterChild>>();
  const durations = new Map<string, HistogramChild>();
  app.addHook('onResponse', (request, reply, done) => {
    const route = request.routeOptions.url ?? 'unmatched';
    const code = reply.statusCode;
    let byCode = counters.get(route);
    if (byCode === undefined) counters.set(route, (byCode = new Map()));
    let counter = byCode.get(code);
    if (counter === undefined) byCode.set(code, (counter = metrics.requests.labels({ route, code: String(code) })));
    counter.inc();
    let duration = durations.get(route);
    if (duration === undefined) durations.set(route, (duration = metrics.duration.labels({ route })));
    duration.observe(reply.elapsedTime / 1000);
    done();
  });
});
