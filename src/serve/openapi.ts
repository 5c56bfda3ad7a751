/**
 * /openapi.json, generated from the schemas the routes are registered with (schemas.ts): params and
 * querystring (validated by Fastify), `requestBody` (the body forms the codec checks; bodies are
 * read by the routes themselves, so that large ones are parsed off the event loop) and `response`.
 */
import { ERROR_SCHEMA, type JsonSchema } from './schemas.js';

export type { JsonSchema };

export interface RouteDoc {
  method: string;
  url: string;
  schema: RouteSchema;
}

export interface RouteSchema {
  summary?: string;
  description?: string;
  tags?: string[];
  params?: JsonSchema;
  querystring?: JsonSchema;
  headers?: JsonSchema;
  /** Media type → schema of the request body. */
  requestBody?: Record<string, JsonSchema>;
  /** Status → schema (JSON), or { content: { media type → schema } } for other media types. */
  response?: Record<string, JsonSchema>;
  /** Media types of the 200 answer besides JSON. */
  produces?: string[];
  /** Whether --token guards the route. */
  secured?: boolean;
}

function parameters(schema: JsonSchema | undefined, where: 'path' | 'query' | 'header'): unknown[] {
  if (schema === undefined) return [];
  const properties = (schema.properties ?? {}) as Record<string, JsonSchema>;
  const required = new Set((schema.required ?? []) as string[]);
  return Object.entries(properties).map(([name, property]) => {
    const { description, ...rest } = property;
    return { name, in: where, required: where === 'path' || required.has(name), schema: rest, ...(description === undefined ? {} : { description }) };
  });
}

export function buildOpenApi(routes: readonly RouteDoc[], info: { title: string; version: string; description: string }): JsonSchema {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const route of routes) {
    const s = route.schema;
    const path = route.url.replace(/:(\w+)/g, '{$1}');
    const operation: Record<string, unknown> = {};
    if (s.summary !== undefined) operation.summary = s.summary;
    if (s.description !== undefined) operation.description = s.description;
    if (s.tags !== undefined) operation.tags = s.tags;
    const params = [...parameters(s.params, 'path'), ...parameters(s.querystring, 'query'), ...parameters(s.headers, 'header')];
    if (params.length > 0) operation.parameters = params;
    if (s.requestBody !== undefined) {
      operation.requestBody = {
        required: true,
        content: Object.fromEntries(Object.entries(s.requestBody).map(([type, schema]) => [type, { schema }])),
      };
    }
    const responses: Record<string, unknown> = {};
    for (const [status, schema] of Object.entries(s.response ?? {})) {
      const { description, ...rest } = schema as { description?: string };
      const content: Record<string, unknown> = { 'application/json': { schema: rest } };
      if (status.startsWith('2')) for (const type of s.produces ?? []) content[type] = { schema: { type: 'string' } };
      responses[status] = { description: description ?? `status ${status}`, content };
    }
    responses.default = { description: 'an error (see the status table)', content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } };
    operation.responses = responses;
    if (s.secured === false) operation.security = [];
    (paths[path] ??= {})[route.method.toLowerCase()] = operation;
  }
  return {
    openapi: '3.1.0',
    info,
    paths,
    components: {
      schemas: { Error: ERROR_SCHEMA },
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer', description: 'needed when the server runs with --token' } },
    },
    security: [{ bearer: [] }, {}],
  };
}
