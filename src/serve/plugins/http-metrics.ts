/** `iris_requests_total{route,code}` and `iris_request_duration_seconds{route}` for every answer (`route` is the pattern, or `unmatched`). */
import type { Metrics } from '../metrics.js';
import { unencapsulated } from './unencapsulated.js';

export const httpMetrics = unencapsulated<{ metrics: Metrics }>(async (app, { metrics }) => {
  app.addHook('onResponse', (request, reply, done) => {
    const route = request.routeOptions.url ?? 'unmatched';
    metrics.requests.inc({ route, code: String(reply.statusCode) });
    metrics.duration.observe({ route }, reply.elapsedTime / 1000);
    done();
  });
});
