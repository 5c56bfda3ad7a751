/**
 * Redis connections for the queue mode: URL checks, ioredis options BullMQ needs, and the start-up
 * check of `maxmemory-policy` (an evicting Redis drops queued jobs without a word).
 */
import type { Redis, RedisOptions } from 'ioredis';
import { DataError, UsageError } from '../core/errors.js';

/** The URL as messages may show it: any password replaced by `***`. */
export function shownUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password !== '') parsed.password = '***';
    return parsed.toString().replace(/\/$/, '');
  } catch {
    return '<invalid url>';
  }
}

/** Refuses anything but `redis://` and `rediss://` URLs (exit 2), before any connection is tried. */
export function checkQueueUrl(url: string, flag = '--queue'): void {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new UsageError(`${flag} ${JSON.stringify(url.slice(0, 80))}: not a URL`, { hint: 'give a Redis URL such as redis://localhost:6379/0' });
  }
  if (parsed.protocol !== 'redis:' && parsed.protocol !== 'rediss:') {
    throw new UsageError(`${flag} ${shownUrl(url)}: expected a redis:// or rediss:// URL`, { hint: 'give a Redis URL such as redis://localhost:6379/0' });
  }
  const db = parsed.pathname.replace(/^\//, '');
  if (db !== '' && !/^\d+$/.test(db)) {
    throw new UsageError(`${flag} ${shownUrl(url)}: the path must be a database number`, { hint: 'for example redis://localhost:6379/0' });
  }
}

export interface OpenOptions {
  /**
   * Workers and blocking readers need `maxRetriesPerRequest: null` (BullMQ refuses to run a worker
   * otherwise): a command waits through a Redis restart instead of failing after 20 retries.
   * Clients that must answer quickly (predict's first contact, the server's readiness) set false:
   * a command fails at once while Redis is unreachable.
   */
  waitForever: boolean;
  /** Connection name shown by CLIENT LIST. */
  name: string;
}

/** A new ioredis client (ioredis is imported here, lazily: the CLI's other commands never load it). */
export async function openRedis(url: string, options: OpenOptions): Promise<Redis> {
  const { Redis } = await import('ioredis');
  const redisOptions: RedisOptions = {
    connectionName: options.name,
    maxRetriesPerRequest: options.waitForever ? null : 1,
    enableOfflineQueue: options.waitForever,
    // Reconnect forever, backing off to 2 s: Redis coming back is the normal end of an outage.
    retryStrategy: (times) => Math.min(100 * times, 2000),
    lazyConnect: true,
  };
  const client = new Redis(url, redisOptions);
  // Connection errors are reported by the commands that fail; unhandled 'error' events would only
  // repeat them on stderr with a stack.
  client.on('error', () => undefined);
  return client;
}

/** Connects, waiting up to `ms` (0: forever); throws a DataError naming the URL when Redis cannot be reached. */
export async function connectRedis(client: Redis, url: string, ms: number): Promise<void> {
  const started = Date.now();
  let last: unknown;
  for (;;) {
    try {
      if (client.status === 'wait' || client.status === 'end') await client.connect();
      await client.ping();
      return;
    } catch (error) {
      last = error;
    }
    if (ms > 0 && Date.now() - started >= ms) {
      const reason = last instanceof Error ? last.message : String(last);
      throw new DataError(`cannot reach Redis at ${shownUrl(url)}: ${reason}`, {
        hint: 'is redis-server running there? check the --queue URL (host, port, password)',
        cause: last,
      });
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/**
 * The Redis server's maxmemory-policy: CONFIG GET where it is allowed, else INFO memory (managed
 * Redis services often rename CONFIG). undefined when neither tells.
 */
export async function evictionPolicy(client: Redis): Promise<string | undefined> {
  try {
    const reply = (await client.call('CONFIG', 'GET', 'maxmemory-policy')) as string[];
    if (Array.isArray(reply) && typeof reply[1] === 'string') return reply[1];
  } catch {
    // fall through to INFO
  }
  try {
    const info = await client.info('memory');
    return /^maxmemory_policy:(\S+)/m.exec(info)?.[1];
  } catch {
    return undefined;
  }
}

/** Exit 3 naming the setting unless Redis keeps every key (an evicting Redis silently loses jobs). */
export async function requireNoEviction(client: Redis, url: string): Promise<void> {
  const policy = await evictionPolicy(client);
  if (policy === undefined || policy === 'noeviction') return;
  throw new DataError(`Redis at ${shownUrl(url)} has maxmemory-policy ${policy}; the queue needs maxmemory-policy noeviction (an evicting Redis silently drops queued jobs)`, {
    hint: 'set `maxmemory-policy noeviction` in redis.conf (or run CONFIG SET maxmemory-policy noeviction)',
  });
}
