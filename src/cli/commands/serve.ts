/**
 * `iris serve`: the options (flags > config `serve: {}` > defaults, docs/SERVE.md), then the server
 * in src/serve, imported only now so that other commands never load Fastify, piscina or prom-client.
 */
import { availableParallelism } from 'node:os';
import { UsageError } from '../../core/errors.js';
import { packageInfo } from '../../io/package-info.js';
import { defaultModelName } from '../../serve/model.js';
import type { ServeSettings } from '../../serve/server.js';
import type { CommandInput, CommandResult } from '../command.js';
import { modelPathOf, resolveSettings } from '../settings.js';

const NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

export function serveSettings({ flags, config, ctx }: Pick<CommandInput, 'flags' | 'config' | 'ctx'>): ServeSettings {
  const s = resolveSettings('serve', flags, config);
  const model = modelPathOf(s, config);
  const name = s.name ?? defaultModelName(model);
  if (!NAME_PATTERN.test(name)) {
    throw new UsageError(`--name ${JSON.stringify(name)}: a model name is letters, digits, '.', '_' and '-' (at most 128), starting with a letter or digit`);
  }
  const envToken = ctx.io.env.IRIS_TOKEN;
  return {
    model,
    name,
    host: s.host ?? '127.0.0.1',
    port: s.port ?? 8080,
    threads: s.threads ?? Math.max(availableParallelism() - 1, 1),
    // Queue mode: a cache hit saves a Redis round trip, worth far more than the lookup.
    cache: s.cache ?? (s.queue === undefined ? 0 : 100_000),
    queue: s.queue,
    connectTimeout: s.connectTimeout ?? 10_000,
    maxBody: s.maxBody ?? 64 * 1024 * 1024,
    maxInflight: s.maxInflight ?? 256 * 1024 * 1024,
    maxRows: s.maxRows ?? 1_000_000,
    timeout: s.timeout ?? 60_000,
    token: s.token ?? (envToken === undefined || envToken === '' ? undefined : envToken),
    logLevel: s.logLevel ?? 'info',
    grace: s.grace ?? 1000,
    jobTtl: s.jobTtl ?? 3_600_000,
    packageVersion: packageInfo().version,
  };
}

export async function run(input: CommandInput): Promise<CommandResult> {
  const settings = serveSettings(input);
  const { serve } = await import('../../serve/server.js');
  return serve(settings, input.ctx.io.stderr);
}
