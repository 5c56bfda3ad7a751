/**
 * One server's connections to Redis (`iris serve --queue`): a command connection that fails at once
 * while Redis is unreachable (a request gets 503, not a hang), a blocking reader for the answers of
 * micro-batches, the BullMQ queue of each model version it has sent work to, and the health that
 * readiness reports. The batcher (batcher.ts) and the async jobs (jobs.ts) share it.
 */
import { randomBytes } from 'node:crypto';
import type { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { closeRedis, connectRedis, openRedis, requireNoEviction, shownUrl } from './connection.js';
import { QueueError } from './errors.js';
import { KEY_PREFIX, queueKeys, queueName, repliesKey } from './keys.js';

export type QueueLog = (level: 'info' | 'warn' | 'error', message: string, fields?: Record<string, unknown>) => void;

export interface QueueClientOptions {
  url: string;
  /** How long to wait for Redis at start (--connect-timeout). */
  connectMs: number;
  /** The checksum of the model served now: its queue's live workers are watched (readiness, NO_WORKER). */
  served?: () => string;
  /** The command that starts a worker for the served model (said in NO_WORKER answers). */
  workerCommand?: string;
  log?: QueueLog;
}

export class QueueClient {
  private readonly queues = new Map<string, Queue>();
  private pinger: NodeJS.Timeout | undefined;
  private healthy = false;
  /** Live workers on the served model's queue (BullMQ's worker list); undefined: not known, or Redis cannot tell (CLIENT LIST refused). */
  private workers: number | undefined;
  closed = false;
  /** This process's name in keys (its reply list, its batch ids). */
  readonly id = randomBytes(8).toString('hex');
  readonly replies = repliesKey(this.id);

  private constructor(
    readonly options: QueueClientOptions,
    readonly redis: Redis,
    readonly reader: Redis,
    private readonly QueueClass: typeof Queue,
  ) {}

  /** Connects (waiting up to --connect-timeout) and checks maxmemory-policy (exit 3 otherwise). */
  static async open(options: QueueClientOptions): Promise<QueueClient> {
    process.env.MSGPACKR_NATIVE_ACCELERATION_DISABLED ??= 'true';
    const redis = await openRedis(options.url, { waitForever: false, name: 'iris-serve' });
    let reader: Redis | undefined;
    try {
      await connectRedis(redis, options.url, options.connectMs);
      await requireNoEviction(redis, options.url);
      // The reader blocks (BLMPOP), so it needs BullMQ's maxRetriesPerRequest: null.
      reader = await openRedis(options.url, { waitForever: true, name: 'iris-serve-replies' });
      await connectRedis(reader, options.url, options.connectMs);
    } catch (error) {
      redis.disconnect();
      reader?.disconnect();
      throw error;
    }
    const { Queue: QueueClass } = await import('bullmq');
    const client = new QueueClient(options, redis, reader, QueueClass);
    client.healthy = true;
    // Readiness is right from the first request: the workers are counted before the server listens.
    await client.ping();
    client.pinger = setInterval(() => void client.ping(), 1000);
    client.pinger.unref();
    redis.on('close', () => (client.healthy = false));
    redis.on('ready', () => void client.ping());
    return client;
  }

  /** Redis answers (readiness): false from the first failed command until a PING succeeds again. */
  get up(): boolean {
    return this.healthy && this.redis.status === 'ready';
  }

  /** No live worker for the served model (Redis up, and its worker list says none). */
  get noWorker(): boolean {
    return this.up && this.workers === 0;
  }

  private async ping(): Promise<void> {
    try {
      await this.redis.ping();
      if (!this.healthy) this.options.log?.('info', 'Redis is reachable again', { queue: shownUrl(this.options.url) });
      this.healthy = true;
    } catch {
      if (this.healthy) this.options.log?.('warn', 'Redis is unreachable; readiness is 503 until it answers', { queue: shownUrl(this.options.url) });
      this.healthy = false;
      return;
    }
    if (this.options.served === undefined) return;
    const checksum = this.options.served();
    const before = this.workers;
    try {
      this.workers = await this.queueFor(checksum).getWorkersCount();
    } catch {
      // CLIENT LIST is renamed or refused on some managed Redis: no worker list, so no verdict.
      this.workers = undefined;
    }
    if (this.workers === 0 && before !== 0) {
      this.options.log?.('warn', 'no iris worker listens for the served model; readiness is 503 and predictions NO_WORKER until one starts', {
        queue: queueKeys(checksum).queue,
      });
    } else if (before === 0 && this.workers !== 0)
      this.options.log?.('info', 'a worker listens again', { queue: queueKeys(checksum).queue, workers: this.workers });
  }

  /** The error of a prediction while no worker listens (async jobs are still accepted: they wait in Redis). */
  noWorkerError(): QueueError {
    const queue = this.options.served === undefined ? 'its queue' : queueKeys(this.options.served()).queue;
    return new QueueError(
      503,
      'NO_WORKER',
      `no iris worker listens on ${queue} (the served model's queue); start one: ${this.options.workerCommand ?? `iris worker --queue ${shownUrl(this.options.url)} --model <the model file>`}`,
    );
  }

  /** The error of every request while Redis is unreachable. */
  down(): QueueError {
    return new QueueError(503, 'QUEUE_DOWN', `the queue (Redis at ${shownUrl(this.options.url)}) is unreachable; try again shortly`);
  }

  /** The BullMQ queue of a model version (made once, on this client's command connection). */
  queueFor(checksum: string): Queue {
    let queue = this.queues.get(checksum);
    if (queue === undefined) {
      queue = new this.QueueClass(queueName(checksum), { connection: this.redis, prefix: KEY_PREFIX });
      queue.on('error', () => undefined);
      this.queues.set(checksum, queue);
    }
    return queue;
  }

  async close(): Promise<void> {
    this.closed = true;
    clearInterval(this.pinger);
    this.reader.disconnect();
    for (const queue of this.queues.values()) await queue.close().catch(() => undefined);
    await closeRedis(this.redis);
  }
}
