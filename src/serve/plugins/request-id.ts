/**
 * X-Request-Id: the client's value when it is 1 to 128 printable ASCII characters, else one made
 * here; echoed on every answer (a 500 names it).
 */
import type { IncomingMessage } from 'node:http';
import { unencapsulated } from './unencapsulated.js';

const ID_PATTERN = /^[\x21-\x7e]{1,128}$/;
let sequence = 0;
const ID_PREFIX = Math.floor(Math.random() * 2 ** 32).toString(36);

/** Fastify's genReqId. */
export function requestId(raw: IncomingMessage): string {
  const given = raw.headers['x-request-id'];
  if (typeof given === 'string' && ID_PATTERN.test(given)) return given;
  return `${ID_PREFIX}-${(++sequence).toString(36)}`;
}

export const echoRequestId = unencapsulated(async (app) => {
  app.addHook('onRequest', (request, reply, done) => {
    reply.header('x-request-id', request.id);
    done();
  });
});
