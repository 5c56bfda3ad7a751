/**
 * `--token`, for the encapsulated scope that registers this plugin: the routes of that scope need
 * `Authorization: Bearer <token>` (compared in constant time; 401 with `WWW-Authenticate: Bearer`);
 * routes outside it (probes, the page) do not. The scope's routes are marked `secured` for
 * /openapi.json and the 405 routes.
 */
import { timingSafeEqual } from 'node:crypto';
import { HttpError } from '../errors.js';
import { unencapsulated } from './unencapsulated.js';

function sameSecret(given: string, expected: Buffer): boolean {
  const bytes = Buffer.from(given, 'utf8');
  return bytes.length === expected.length && timingSafeEqual(bytes, expected);
}

export const auth = unencapsulated<{ token: string | undefined }>(async (scope, { token }) => {
  scope.addHook('onRoute', (route) => {
    route.config = Object.assign(route.config ?? {}, { secured: true });
  });
  if (token === undefined) return;
  const expected = Buffer.from(token, 'utf8');
  scope.addHook('onRequest', async (request, reply) => {
    const header = request.headers.authorization;
    if (typeof header === 'string' && header.startsWith('Bearer ') && sameSecret(header.slice(7), expected)) return;
    reply.header('www-authenticate', 'Bearer');
    throw new HttpError(401, 'UNAUTHORIZED', header === undefined ? 'this server needs Authorization: Bearer <token>' : 'the bearer token is wrong');
  });
});
