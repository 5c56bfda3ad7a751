/**
 * Every route registered is noted (trackRoutes, first of all plugins); once all are known
 * (notAllowed, last), each known path answers the methods it lacks with `405` and `Allow`, behind
 * the token when the path's own routes are. /openapi.json is made from the same notes.
 */
import type { FastifyInstance, FastifyPluginAsync, RouteOptions } from 'fastify';
import { HttpError } from '../errors.js';
import type { RouteDoc, RouteSchema } from '../openapi.js';
import { auth } from './auth.js';
import { unencapsulated } from './unencapsulated.js';

const ALL_METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS'] as const;

/** The routes of the application, as registered (their config is read later: the auth scope marks it after this note). */
export class RouteIndex {
  readonly routes: RouteOptions[] = [];

  /** The documented routes (HEAD and 405 routes left out). */
  docs(): RouteDoc[] {
    const docs: RouteDoc[] = [];
    for (const route of this.routes) {
      const methods = Array.isArray(route.method) ? route.method : [route.method];
      const schema = route.schema as RouteSchema | undefined;
      if (schema === undefined || methods.includes('HEAD') || route.config?.notAllowed === true) continue;
      for (const method of methods) docs.push({ method, url: route.url, schema: { ...schema, secured: route.config?.secured === true } });
    }
    return docs;
  }
}

export const trackRoutes = unencapsulated<{ index: RouteIndex }>(async (app, { index }) => {
  app.addHook('onRoute', (route) => {
    index.routes.push(route);
  });
});

export const notAllowed: FastifyPluginAsync<{ index: RouteIndex; token: string | undefined }> = async (app, { index, token }) => {
  // A 405 reads no body, whatever its type (the answer closes the connection).
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', (_request, _payload, done) => done(null, undefined));
  const byUrl = new Map<string, { methods: Set<string>; secured: boolean }>();
  for (const route of index.routes) {
    if (route.config?.notAllowed === true) continue;
    const entry = byUrl.get(route.url) ?? { methods: new Set<string>(), secured: false };
    for (const method of Array.isArray(route.method) ? route.method : [route.method]) entry.methods.add(method);
    entry.secured ||= route.config?.secured === true;
    byUrl.set(route.url, entry);
  }
  const add = (scope: FastifyInstance, url: string, methods: Set<string>) => {
    const missing = ALL_METHODS.filter((method) => !methods.has(method));
    if (missing.length === 0) return;
    const allow = [...methods].sort().join(', ');
    scope.route({
      method: missing,
      url,
      config: { notAllowed: true },
      handler: async (request, reply) => {
        reply.header('allow', allow);
        throw new HttpError(405, 'METHOD_NOT_ALLOWED', `${request.method} is not allowed here; use ${allow}`);
      },
    });
  };
  for (const [url, { methods, secured }] of byUrl) if (!secured) add(app, url, methods);
  await app.register(async (secured) => {
    await secured.register(auth, { token });
    for (const [url, entry] of byUrl) if (entry.secured) add(secured, url, entry.methods);
  });
};
