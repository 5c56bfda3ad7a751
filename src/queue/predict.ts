/**
 * `iris predict --queue`: the coordinator. It cuts the input into chunks of whole records, queues one
 * job per chunk on the model version's queue, and writes what the workers return in input order, so
 * that the output is the bytes a local `iris predict` would write. At most WINDOW chunks are out at a
 * time: memory and Redis hold a bounded part of a file of any size.
 *
 * Failures: a chunk that fails for its data ends the run with that chunk's message (which names the
 * line of the original file), after the chunks before it; chunks are awaited in order, so the first
 * failure reported is the first one in the file, as a local run would report it. Under --output the
 * file appears only complete. A chunk whose worker died is put back by BullMQ's stall check and taken
 * by another worker; its result is read once, under its own key, so no row is written twice.
 */
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { createReadStream } from 'node:fs';
import { Readable } from 'node:stream';
import type { Job, Queue, QueueEvents } from 'bullmq';
import type { Redis } from 'ioredis';
import { DataError, ModelError, UsageError } from '../core/errors.js';
import type { Model } from '../lib/model.js';
import { openAtomicStream, type AtomicOutput } from '../io/atomic-write.js';
import { openFeatureRows, parseNumber } from '../io/csv/index.js';
import { RecordWriter, csvField, type Format } from '../io/prediction-records.js';
import { ModelCells } from '../io/csv/table-cells.js';
import { closeRedis, connectRedis, openRedis, requireNoEviction, shownUrl } from './connection.js';
import { KEY_PREFIX, jobIds, queueKeys, queueName } from './keys.js';
import { RESULT_TTL_SECONDS, type CsvChunkJob, type CsvChunkResult } from './protocol.js';
import type { ChunkFailure } from './worker.js';

/** Chunks queued or being scored at once, per run. */
const WINDOW = 16;
/** A chunk is also cut at this size, so that a file of very long records makes no huge job. */
const MAX_CHUNK_BYTES = 16 << 20;

export interface PredictIo {
  io: { stdin: NodeJS.ReadableStream; stdout: NodeJS.WritableStream };
  note(message: string): void;
  spinner(text: string): Promise<{ update(text: string): void; stop(): void }>;
}

export interface QueuePredictOptions {
  ctx: PredictIo;
  url: string;
  model: Model;
  /** The model file as the user named it (for messages). */
  modelPath: string;
  input: string;
  output: string | undefined;
  chunkRows: number;
  /** How long to wait for Redis at start before giving up (--connect-timeout; exit 3). */
  connectTimeout: number;
  /** How long to wait for a worker when none listens (--timeout; exit 3). */
  timeout: number;
  /** A category the model never saw: encoded as zeros, or an error naming the line (--unknown). */
  unknown: 'ignore' | 'error';
  format: Format;
  withScores: boolean;
  withInput: boolean;
}

interface Chunk {
  firstLine: number;
  bytes: Buffer;
}

function countLf(buf: Buffer, from = 0, to = buf.length): number {
  let n = 0;
  for (let i = buf.indexOf(0x0a, from); i !== -1 && i < to; i = buf.indexOf(0x0a, i + 1)) n++;
  return n;
}

/**
 * Reads the input up to the end of its first non-blank record (outside quotes): that record is the
 * header, if the CSV reader says so. Returns the bytes read so far and where that record ends.
 */
async function readHead(input: AsyncIterator<Buffer>): Promise<{ buffered: Buffer; headEnd: number; done: boolean }> {
  let buffered: Buffer = Buffer.alloc(0);
  let inQuote = false;
  let blank = true;
  let scanned = 0;
  for (;;) {
    for (let i = scanned; i < buffered.length; i++) {
      const b = buffered[i] as number;
      if (b === 0x22) inQuote = !inQuote;
      if (inQuote) {
        blank = false;
        continue;
      }
      if (b === 0x0a) {
        if (!blank) return { buffered, headEnd: i + 1, done: false };
        blank = true;
      } else if (b !== 0x20 && b !== 0x09 && b !== 0x0d && !(i < 3 && (b === 0xef || b === 0xbb || b === 0xbf))) {
        blank = false;
      }
    }
    scanned = buffered.length;
    const next = await input.next();
    if (next.done === true) return { buffered, headEnd: buffered.length, done: true };
    buffered = buffered.length === 0 ? next.value : Buffer.concat([buffered, next.value]);
  }
}

/**
 * Cuts the rest of the input into chunks of `rows` records (line ends outside quotes), keeping line
 * numbers. Native indexOf finds line ends and quotes; bytes are not visited one by one in JavaScript.
 */
async function* cutChunks(first: Buffer, rest: AsyncIterator<Buffer>, firstLine: number, rows: number): AsyncGenerator<Chunk> {
  let pieces: Buffer[] = [];
  let pendingBytes = 0;
  let records = 0;
  let inQuote = false;
  let line = firstLine;
  let chunkLine = firstLine;
  let buf: Buffer | undefined = first;
  while (buf !== undefined) {
    let start = 0;
    let pos = 0;
    let quote = buf.indexOf(0x22, 0);
    for (;;) {
      const lf = buf.indexOf(0x0a, pos);
      if (lf === -1) break;
      // Quotes before this line end toggle the state (a doubled quote toggles twice).
      while (quote !== -1 && quote < lf) {
        inQuote = !inQuote;
        quote = buf.indexOf(0x22, quote + 1);
      }
      pos = lf + 1;
      line++;
      if (!inQuote && (++records >= rows || pendingBytes + pos - start >= MAX_CHUNK_BYTES)) {
        pieces.push(buf.subarray(start, pos));
        yield { firstLine: chunkLine, bytes: pieces.length === 1 ? (pieces[0] as Buffer) : Buffer.concat(pieces) };
        pieces = [];
        pendingBytes = 0;
        records = 0;
        start = pos;
        chunkLine = line;
      }
    }
    while (quote !== -1) {
      inQuote = !inQuote;
      quote = buf.indexOf(0x22, quote + 1);
    }
    if (start < buf.length) {
      pieces.push(buf.subarray(start));
      pendingBytes += buf.length - start;
    }
    const next = await rest.next();
    buf = next.done === true ? undefined : next.value;
  }
  if (pendingBytes > 0) yield { firstLine: chunkLine, bytes: Buffer.concat(pieces) };
}

/** Writes with back-pressure; a write error (a closed pipe, a full disk) rejects. */
async function writeAll(stream: NodeJS.WritableStream, data: string | Buffer): Promise<void> {
  if (data.length === 0) return;
  if (stream.write(data)) return;
  await new Promise<void>((resolve, reject) => {
    const done = (error?: Error) => {
      stream.off('drain', ok);
      stream.off('error', done);
      if (error === undefined) resolve();
      else reject(error);
    };
    const ok = () => done();
    stream.once('drain', ok);
    stream.once('error', done);
  });
}

function progressBar(done: number, total: number | undefined, rows: number): string {
  const width = 20;
  if (total === undefined || total === 0) return `scoring on the queue: ${done} chunks, ${rows} rows`;
  const filled = Math.round((done / total) * width);
  return `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${done}/${total} chunks, ${rows} rows`;
}

export async function predictOnQueue(options: QueuePredictOptions): Promise<0> {
  const { ctx, url, format, withScores, withInput } = options;
  const { model } = options;
  const { classes } = model;
  // The columns a row holds: the features of an all-numeric model, else its inputs (island, not island=Biscoe).
  const features = model.inputs.map((input) => input.name);
  const keys = queueKeys(model.checksum);
  const source = options.input === '-' ? '<stdin>' : options.input;

  // The input first: a missing file is reported before any connection is tried.
  let stream: Readable;
  let totalBytes: number | undefined;
  if (options.input === '-') stream = Readable.from(ctx.io.stdin as AsyncIterable<Buffer>);
  else {
    const file = createReadStream(options.input, { highWaterMark: 1 << 20 });
    try {
      await once(file, 'open');
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      const reason =
        code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a directory' : code === 'EACCES' ? 'permission denied' : String((error as Error).message);
      throw new DataError(`${options.input}: ${reason}`, { cause: error });
    }
    stream = file;
    const { stat } = await import('node:fs/promises');
    totalBytes = (await stat(options.input)).size;
  }
  const input = stream[Symbol.asyncIterator]() as AsyncIterator<Buffer>;

  let output: AtomicOutput | undefined;
  let redis: Redis | undefined;
  let eventsRedis: Redis | undefined;
  let queue: Queue | undefined;
  let events: QueueEvents | undefined;
  let spinner: { update(text: string): void; stop(): void } | undefined;
  const inflight: { job: Job; resultKey: string; inputKey: string; done: Promise<{ ok: true } | { ok: false; reason: string }> }[] = [];
  try {
    // The header decides the column layout of every chunk; it is checked here, once, as predict checks it.
    const { buffered, headEnd, done } = await readHead(input);
    const firstRecord = buffered.subarray(0, headEnd);
    const cells = model.isTable ? new ModelCells(source, model.fitted.preprocessing, '.', 'ignore') : undefined;
    const probe = openFeatureRows(Readable.from([firstRecord]), { features, source, keepRaw: withInput, ...(cells === undefined ? {} : { cells }) });
    const columns = await probe.inputColumns();
    let isHeader = true;
    for await (const batch of probe.batches()) if (batch.n > 0) isHeader = false;
    // Without a header, chunks start at the first byte and carry a header made of the model's
    // features, so that no chunk's first line can be taken for a header (unless every feature name
    // is a number, when no header can be told from data anyway).
    const madeHeader = features.every((f) => parseNumber(f) !== undefined) ? '' : `${features.map(csvField).join(',')}\n`;
    let head: string;
    let rest: Buffer;
    let firstLine: number;
    if (isHeader) {
      head = firstRecord.toString('utf8');
      rest = buffered.subarray(headEnd);
      firstLine = 1 + countLf(firstRecord);
    } else {
      head = madeHeader;
      // A BOM opens the file, not the chunk (the reader drops it only at the very start).
      rest = buffered[0] === 0xef && buffered[1] === 0xbb && buffered[2] === 0xbf ? buffered.subarray(3) : buffered;
      firstLine = 1;
    }
    const writer = new RecordWriter(format, classes, withScores, withInput ? columns : null, features);

    redis = await openRedis(url, { waitForever: true, name: 'iris-predict' });
    await connectRedis(redis, url, options.connectTimeout);
    await requireNoEviction(redis, url);
    process.env.MSGPACKR_NATIVE_ACCELERATION_DISABLED ??= 'true';
    const { Queue: QueueClass, QueueEvents: QueueEventsClass } = await import('bullmq');
    const name = queueName(model.checksum);
    queue = new QueueClass(name, { connection: redis, prefix: KEY_PREFIX });
    // Each chunk awaited adds a 'closing' listener to the queue until it is done.
    queue.setMaxListeners(WINDOW + 10);
    eventsRedis = await openRedis(url, { waitForever: true, name: 'iris-predict-events' });
    await connectRedis(eventsRedis, url, options.connectTimeout);
    events = new QueueEventsClass(name, { connection: eventsRedis, prefix: KEY_PREFIX });
    await events.waitUntilReady();
    // -1: Redis cannot list its clients (CLIENT LIST refused); then the chunks simply wait.
    if ((await queue.getWorkersCount().catch(() => -1)) === 0) {
      ctx.note(
        `iris: no worker listens on queue ${keys.queue} yet; waiting up to ${options.timeout} ms (start one: iris worker --queue ${shownUrl(url)} --model ${options.modelPath})`,
      );
      const deadline = Date.now() + options.timeout;
      while ((await queue.getWorkersCount().catch(() => -1)) === 0) {
        if (Date.now() >= deadline) {
          throw new DataError(`no iris worker listened on queue ${keys.queue} within ${options.timeout} ms (--timeout)`, {
            hint: `start one: iris worker --queue ${shownUrl(url)} --model ${options.modelPath}`,
          });
        }
        await new Promise((resolve) => setTimeout(resolve, Math.min(250, Math.max(deadline - Date.now(), 1))));
      }
    }

    output = options.output === undefined ? undefined : await openAtomicStream(options.output);
    const sink = output?.stream ?? ctx.io.stdout;
    spinner = await ctx.spinner(progressBar(0, undefined, 0));
    const estimate = (bytesSoFar: number, chunksSoFar: number) =>
      totalBytes === undefined || bytesSoFar === 0 ? undefined : Math.max(chunksSoFar, Math.round((totalBytes / bytesSoFar) * chunksSoFar));

    await writeAll(sink, writer.header());
    const runId = randomBytes(6).toString('hex');
    let jsonOpen = false;
    let written = 0;
    let rows = 0;
    let queuedBytes = head.length;
    let queued = 0;

    const flushOne = async () => {
      const next = inflight.shift() as (typeof inflight)[number];
      const result = await next.done;
      if (!result.ok) {
        const detail = await redis!.get(keys.chunkFailure(next.resultKey)).catch(() => null);
        const failure = detail === null ? undefined : (JSON.parse(detail) as ChunkFailure).error;
        await redis!.del(next.inputKey, next.resultKey, keys.chunkFailure(next.resultKey)).catch(() => undefined);
        await next.job.remove().catch(() => undefined);
        const message = failure?.message ?? `a chunk of ${source} failed in the worker: ${result.reason}`;
        const hint = failure?.hint === undefined ? {} : { hint: failure.hint };
        // The worker's error, of its own kind (bad data: exit 3, as a local run would end).
        throw failure?.kind === 'model'
          ? new ModelError(message, hint)
          : failure?.kind === 'usage'
            ? new UsageError(message, hint)
            : new DataError(message, hint);
      }
      const body = await redis!.getBuffer(next.resultKey);
      if (body === null) throw new DataError(`the result of chunk ${next.job.id} is missing from Redis (expired or deleted)`);
      if (format === 'json' && body.length > 0) {
        await writeAll(sink, jsonOpen ? ',\n' : '[\n');
        jsonOpen = true;
      }
      await writeAll(sink, body);
      rows += (next.job.returnvalue as CsvChunkResult | undefined)?.rows ?? 0;
      written++;
      await redis!.del(next.resultKey, next.inputKey);
      await next.job.remove().catch(() => undefined);
      spinner?.update(progressBar(written, estimate(queuedBytes, queued), rows));
    };

    const chunks = cutChunks(rest, input, firstLine, options.chunkRows);
    if (!done || rest.length > 0) {
      for await (const chunk of chunks) {
        while (inflight.length >= WINDOW) await flushOne();
        const resultKey = keys.chunkResult(runId, queued);
        const inputKey = keys.chunkInput(runId, queued);
        await redis.set(inputKey, chunk.bytes, 'EX', RESULT_TTL_SECONDS);
        const data: CsvChunkJob = {
          kind: 'csv',
          checksum: model.checksum,
          source,
          head,
          firstLine: chunk.firstLine,
          inputKey,
          unknown: options.unknown,
          format,
          scores: withScores,
          withInput,
          resultKey,
        };
        const job = await queue.add('chunk', data, { jobId: jobIds.chunk(runId, queued), attempts: 1, removeOnComplete: false, removeOnFail: false });
        const ev = events;
        const doneP = job.waitUntilFinished(ev).then(
          (value: unknown) => {
            job.returnvalue = value;
            return { ok: true as const };
          },
          (error: unknown) => ({ ok: false as const, reason: error instanceof Error ? error.message : String(error) }),
        );
        inflight.push({ job, resultKey, inputKey, done: doneP });
        queued++;
        queuedBytes += chunk.bytes.length;
      }
    }
    while (inflight.length > 0) await flushOne();
    if (format === 'json') await writeAll(sink, jsonOpen ? '\n]\n' : '[]\n');
    await output?.commit();
    return 0;
  } finally {
    spinner?.stop();
    // A failed run takes back its queued chunks (a chunk being scored finishes; its result expires).
    for (const item of inflight) {
      await item.job.remove().catch(() => undefined);
      await redis?.del(item.resultKey, item.inputKey, keys.chunkFailure(item.resultKey)).catch(() => undefined);
    }
    await output?.abort();
    stream.destroy();
    await events?.close().catch(() => undefined);
    await queue?.close().catch(() => undefined);
    for (const client of [eventsRedis, redis]) if (client !== undefined) await closeRedis(client);
  }
}
