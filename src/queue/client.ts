/**
 * One server's connections to Redis (`iris serve --queue`): a command connection that fails at once
 * while Redis is unreachable (a request gets 503, not a hang), a blocking reader for the answers of
 * micro-batches, the BullMQ queue of each model version it has sent work to, and the health that
 * readiness reports. The batcher (batcher.ts) and the async jobs (jobs.ts) share it.
 */
import { randomBytes } from 'node:crypto';
import type { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { connectRedis, openRedis, requireNoEviction, shownUrl } from './connection.js';
import { QueueError } from './errors.js';
import { KEY_PREFIX, queueName, repliesKey } from './keys.js';

export type QueueLog = (level: 'info' | 'warn' | 'error', message: string, fields?: Record<string, unknown>) => void;

export interface QueueClientOptions {
  url: string;
  /** How long to wait for Redis at start (--connect-timeout). */
  connectMs: number;
  log?: QueueLog;
}

export class QueueClient {
  private readonly queues = new Map<string, Queue>();
  private pinger: NodeJS.Timeout | undefined;
  private healthy = false;
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

  private async ping(): Promise<void> {
    try {
      await this.redis.ping();
      if (!this.healthy) this.options.log?.('info', 'Redis is reachable again', { queue: shownUrl(this.options.url) });
      this.healthy = true;
    } catch {
      if (this.healthy) this.options.log?.('warn', 'Redis is unreachable; readiness is 503 until it answers', { queue: shownUrl(this.options.url) });
      this.healthy = false;
    }
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
    await this.redis.quit().catch(() => this.redis.disconnect());
  }
}
