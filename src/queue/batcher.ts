/**
 * The server's micro-batches (`iris serve --queue`): rows go to `iris worker`s through Redis,
 * gathered into few jobs. A Redis round trip costs about as much as scoring thousands of rows, so
 * requests are not sent one job each. At most MAX_IN_FLIGHT batches are out at once; requests that
 * arrive meanwhile wait in one pending batch, which leaves as soon as a slot frees. A batch leaves at
 * the end of the event loop's turn that started it (setImmediate, no timer): the requests read in
 * the same turn go together, and no request waits longer than that turn. Under heavy load batches
 * grow by themselves. Small batches carry their rows in the job (RowsJob.rows): no key to write,
 * read and delete.
 *
 * Answers come back on the server's own list (BLMPOP), pushed there by the worker: no event stream
 * to read, no second round trip. Errors carry their HTTP status (errors.ts): 503 QUEUE_DOWN while
 * Redis is unreachable, 502 WORKER_FAILED when a worker failed the job.
 */
import { coefRows } from '../core/linear.js';
import type { Model } from '../lib/model.js';
import type { QueueClient } from './client.js';
import { QueueError } from './errors.js';
import { queueKeys } from './keys.js';
import { INLINE_ROWS_BYTES, RESULT_TTL_SECONDS, decodeReply, decodeScored, encodeRows, type RowsJob, type Scored } from './protocol.js';

/** Batches out at once; more requests wait in the pending batch. */
const MAX_IN_FLIGHT = 4;
/** A pending batch leaves when it holds this many rows, even if no slot is free. */
const MAX_BATCH_ROWS = 50_000;
/** A batch whose answer has not come after this long is checked directly (a worker may have failed it without a word). */
const CHECK_AFTER_MS = 2000;

interface Waiting {
  X: Float64Array;
  n: number;
  resolve: (scored: Scored) => void;
  reject: (error: Error) => void;
}

interface Batch {
  id: string;
  model: Model;
  requests: Waiting[];
  n: number;
  /** The rows' key, or null when they travel in the job. */
  inputKey: string | null;
  sentAt: number;
  settled: boolean;
}

export class Batcher {
  private readonly pending = new Map<string, { model: Model; requests: Waiting[]; n: number }>();
  private readonly inFlight = new Map<string, Batch>();
  private counter = 0;
  /** A flush of the pending batches is scheduled for the end of this turn. */
  private flushing = false;
  private readonly checker: NodeJS.Timeout;
  private closed = false;
  /** Batches sent and rows in them, since start (how well requests are gathered). */
  readonly sent = { batches: 0, rows: 0 };

  constructor(private readonly client: QueueClient) {
    void this.readReplies();
    this.checker = setInterval(() => void this.checkLate(), 500);
    this.checker.unref();
  }

  /** Batches waiting for a slot or out at a worker (the pool-depth metric of the queue mode). */
  depth(): number {
    return this.inFlight.size + this.pending.size;
  }

  /** Reads the answers the workers push on this server's list, many at a time, until close(). */
  private async readReplies(): Promise<void> {
    while (!this.closed) {
      let reply: unknown;
      try {
        reply = await this.client.reader.callBuffer('BLMPOP', '1', '1', this.client.replies, 'LEFT', 'COUNT', '512');
      } catch {
        if (this.closed) return;
        await new Promise((resolve) => setTimeout(resolve, 200));
        continue;
      }
      if (!Array.isArray(reply)) continue;
      for (const frame of reply[1] as Buffer[]) {
        const { jobId, ok, payload } = decodeReply(frame);
        const batch = this.inFlight.get(jobId);
        if (batch === undefined) continue;
        if (ok) this.settle(batch, decodeScored(payload, batch.n), undefined);
        else this.settle(batch, undefined, new QueueError(502, 'WORKER_FAILED', `the worker failed the job: ${payload.toString('utf8')}`));
      }
    }
  }

  /** Scores rows on the workers, gathered with other requests' rows into one job. */
  score(model: Model, X: Float64Array, n: number): Promise<Scored> {
    if (this.closed || !this.client.up) return Promise.reject(this.client.down());
    if (n === 0) return Promise.resolve({ predictions: new Int32Array(0), scores: new Float64Array(0) });
    return new Promise<Scored>((resolve, reject) => {
      let batch = this.pending.get(model.checksum);
      if (batch === undefined) this.pending.set(model.checksum, (batch = { model, requests: [], n: 0 }));
      batch.requests.push({ X, n, resolve, reject });
      batch.n += n;
      if (batch.n >= MAX_BATCH_ROWS) this.send(model.checksum);
      else if (this.inFlight.size < MAX_IN_FLIGHT && !this.flushing) {
        this.flushing = true;
        setImmediate(() => {
          this.flushing = false;
          this.flush();
        });
      }
    });
  }

  /** Sends pending batches while slots are free. */
  private flush(): void {
    for (const checksum of [...this.pending.keys()]) if (this.inFlight.size < MAX_IN_FLIGHT) this.send(checksum);
  }

  private send(checksum: string): void {
    const gathered = this.pending.get(checksum);
    if (gathered === undefined) return;
    this.pending.delete(checksum);
    const { model, requests, n } = gathered;
    const d = model.inputs.length;
    const id = `${this.client.id}-${this.counter++}`;
    const keys = queueKeys(model.checksum);
    const inline = n * d * 8 <= INLINE_ROWS_BYTES;
    const batch: Batch = { id, model, requests, n, inputKey: inline ? null : keys.batchRows(id), sentAt: Date.now(), settled: false };
    this.inFlight.set(id, batch);
    this.sent.batches++;
    this.sent.rows += n;
    const X = requests.length === 1 ? (requests[0] as Waiting).X.subarray(0, n * d) : new Float64Array(n * d);
    if (requests.length > 1) {
      let offset = 0;
      for (const request of requests) {
        X.set(request.X.subarray(0, request.n * d), offset);
        offset += request.n * d;
      }
    }
    const data: RowsJob = {
      kind: 'rows',
      checksum: model.checksum,
      n,
      inputKey: keys.batchRows(id),
      ...(inline ? { rows: encodeRows(X).toString('base64') } : {}),
      resultKey: keys.batchScored(id),
      replyTo: this.client.replies,
    };
    // One connection, commands in order: the rows are stored before the job that names them.
    const stored = batch.inputKey === null ? undefined : this.client.redis.set(batch.inputKey, encodeRows(X), 'EX', RESULT_TTL_SECONDS);
    const added = this.client.queueFor(model.checksum).add('rows', data, { jobId: id, removeOnComplete: true, removeOnFail: { age: 3600 } });
    Promise.all([stored, added]).catch((error: unknown) => {
      this.settle(batch, undefined, this.client.up ? (error instanceof Error ? error : new Error(String(error))) : this.client.down());
    });
  }

  /** Batches with no answer after a while: a worker may have failed them before it could reply (a stall limit, a foreign model). */
  private async checkLate(): Promise<void> {
    if (!this.client.up) return;
    const now = Date.now();
    for (const batch of this.inFlight.values()) {
      if (batch.settled || now - batch.sentAt < CHECK_AFTER_MS) continue;
      try {
        const job = await this.client.queueFor(batch.model.checksum).getJob(batch.id);
        if (job !== undefined && job.failedReason !== undefined && (await job.isFailed())) {
          this.settle(batch, undefined, new QueueError(502, 'WORKER_FAILED', `the worker failed the job: ${job.failedReason}`));
        }
      } catch {
        // Redis went away again; the next check retries.
      }
    }
  }

  private settle(batch: Batch, scored: Scored | undefined, error: Error | undefined): void {
    if (batch.settled) return;
    batch.settled = true;
    this.inFlight.delete(batch.id);
    if (batch.inputKey !== null) void this.client.redis.del(batch.inputKey).catch(() => undefined);
    if (scored === undefined) for (const request of batch.requests) request.reject(error as Error);
    else {
      const m = coefRows(batch.model.classes.length);
      let row = 0;
      for (const request of batch.requests) {
        request.resolve({
          predictions: scored.predictions.slice(row, row + request.n),
          scores: scored.scores.slice(row * m, (row + request.n) * m),
        });
        row += request.n;
      }
    }
    // A slot is free: the requests that waited leave now.
    this.flush();
  }

  /** Stops taking work; batches in flight get their answers if they come within `ms`. */
  async close(ms = 5000): Promise<void> {
    this.closed = true;
    clearInterval(this.checker);
    const deadline = Date.now() + ms;
    while (this.inFlight.size > 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
    for (const batch of this.inFlight.values()) this.settle(batch, undefined, this.client.down());
  }
}
