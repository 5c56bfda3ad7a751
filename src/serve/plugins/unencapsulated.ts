/**
 * Marks a plugin whose hooks and decorations belong to the instance that registers it (what
 * fastify-plugin does, with the symbol Fastify reads): the request-id, deadline, metrics and error
 * plugins apply to every route. A plugin left as it is (auth) is a scope of its own.
 */
import type { FastifyPluginAsync } from 'fastify';

export function unencapsulated<Options extends Record<string, unknown>>(plugin: FastifyPluginAsync<Options>): FastifyPluginAsync<Options> {
  Object.assign(plugin, { [Symbol.for('skip-override')]: true });
  return plugin;
}
