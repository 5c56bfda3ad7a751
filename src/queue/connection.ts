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
    // A connection given up on (a refused password) must not hold the process for ioredis' default 2 s.
    disconnectTimeout: 100,
  };
  const client = new Redis(url, redisOptions);
  // Connection errors are reported by the commands that fail; unhandled 'error' events would only
  // repeat them on stderr with a stack.
  client.on('error', () => undefined);
  return client;
}

/** What Redis or the network said, as the one line a person reads (never a stack). */
export function redisProblem(error: unknown, url: string, ms: number): { message: string; hint?: string; fatal: boolean } {
  const shown = shownUrl(url);
  let host = '';
  let db = '0';
  try {
    const parsed = new URL(url);
    host = `${parsed.hostname}:${parsed.port === '' ? '6379' : parsed.port}`;
    db = parsed.pathname.replace(/^\//, '') || '0';
  } catch {
    // checkQueueUrl refused it already
  }
  const e = error as (Error & { code?: string }) | undefined;
  const text = e?.message ?? '';
  const code = e?.code ?? '';
  if (/^NOAUTH/.test(text)) {
    return {
      message: `Redis at ${host} needs a password (NOAUTH)`,
      hint: 'give it in the URL: redis://:<password>@host:port/db (or redis://<user>:<password>@… with ACL users)',
      fatal: true,
    };
  }
  if (/^WRONGPASS|invalid (username-)?password|^ERR AUTH/.test(text)) {
    return {
      message: `Redis at ${host} refused the password (${text.split(' ')[0] === 'WRONGPASS' ? 'WRONGPASS' : text.split('\n')[0]?.slice(0, 80)})`,
      hint: 'check the user and password in the URL',
      fatal: true,
    };
  }
  if (/DB index is out of range/i.test(text)) {
    return {
      message: `Redis at ${host} has no database ${db} (DB index is out of range)`,
      hint: "use a database number below the server's `databases` setting (16 by default), such as redis://host:port/0",
      fatal: true,
    };
  }
  if (/SSL|TLS|CERT|certificate/i.test(`${code} ${text}`)) {
    return {
      message: `cannot talk TLS with Redis at ${host}: ${text.split('\n')[0]?.slice(0, 120)}`,
      hint: 'rediss:// needs a Redis that speaks TLS; redis:// one that does not',
      fatal: true,
    };
  }
  if (/Unknown RESP type|Protocol error/i.test(text)) {
    return {
      message: `what answers at ${host} is not Redis (it does not speak the Redis protocol)`,
      hint: 'check the host and port of the --queue URL',
      fatal: true,
    };
  }
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN')
    return { message: `cannot reach Redis at ${shown}: no such host`, hint: 'check the host in the --queue URL', fatal: false };
  if (code === 'ECONNREFUSED') {
    return {
      message: `cannot reach Redis at ${host}: connection refused (no answer within ${ms} ms, --connect-timeout)`,
      hint: 'is redis-server running there? check the host and port of the --queue URL',
      fatal: false,
    };
  }
  return {
    message: `cannot reach Redis at ${shown}: no answer within ${ms} ms (--connect-timeout)${text === '' ? '' : `; last error: ${text.split('\n')[0]?.slice(0, 120)}`}`,
    hint: 'is redis-server running there? check the --queue URL (host, port, password)',
    fatal: false,
  };
}

/**
 * Connects, waiting up to `ms` (--connect-timeout): Redis may come up a moment after iris. What
 * cannot get better by waiting (a password missing or wrong, a database out of range, TLS) fails at
 * once; anything else fails when the time is up. Either way, one DataError (exit 3) saying what
 * Redis said, and the client is disconnected so that nothing retries in the background.
 */
export async function connectRedis(client: Redis, url: string, ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  let seen: unknown;
  const onError = (error: unknown) => {
    // ioredis reports the cause (refused, NOAUTH, WRONGPASS…) as an event; a command only learns that the stream is closed.
    seen = error;
  };
  client.on('error', onError);
  // The timer holds the process while it waits (nothing else may: a refused socket closes), and is cleared when the wait ends.
  const within = <T>(promise: Promise<T>): Promise<T> => {
    let timer: NodeJS.Timeout | undefined;
    const expired = new Promise<never>((_resolve, reject) => (timer = setTimeout(() => reject(new Error('')), Math.max(deadline - Date.now(), 0))));
    return Promise.race([promise, expired]).finally(() => clearTimeout(timer));
  };
  try {
    for (;;) {
      let last: unknown;
      try {
        if (client.status === 'wait' || client.status === 'end') await within(client.connect());
        await within(client.ping());
        // ioredis selects the URL's database on connect but only reports a refusal as an event: asked here, it is an answer.
        const db = Number(new URL(url).pathname.replace(/^\//, '') || '0');
        if (db !== 0) await within(client.select(db));
        return;
      } catch (error) {
        last = error;
      }
      const problem = redisProblem(seen ?? last, url, ms);
      const lastProblem = redisProblem(last, url, ms);
      const fatal = problem.fatal ? problem : lastProblem.fatal ? lastProblem : undefined;
      if (fatal !== undefined || Date.now() >= deadline) {
        const { message, hint } = fatal ?? problem;
        // No reconnection after this (a refused AUTH closes the socket later, which would schedule one).
        client.options.retryStrategy = () => null;
        client.disconnect();
        throw new DataError(message, { ...(hint === undefined ? {} : { hint }), cause: seen ?? last });
      }
      await new Promise((resolve) => setTimeout(resolve, Math.min(200, Math.max(deadline - Date.now(), 1))));
    }
  } finally {
    client.off('error', onError);
  }
}

/** Closes a client: QUIT when connected, else at once (a QUIT queued on a dead connection would wait forever). */
export async function closeRedis(client: Redis): Promise<void> {
  if (client.status === 'ready') await client.quit().catch(() => client.disconnect());
  else client.disconnect();
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
  throw new DataError(
    `Redis at ${shownUrl(url)} has maxmemory-policy ${policy}; the queue needs maxmemory-policy noeviction (an evicting Redis silently drops queued jobs)`,
    {
      hint: 'set `maxmemory-policy noeviction` in redis.conf (or run CONFIG SET maxmemory-policy noeviction)',
    },
  );
}
