/**
 * What the CLI needs of the queue mode (src/serve/queue), declared here because cli may not import
 * serve: bin/iris.js passes a loader of src/serve/queue/index.js in CliEnvironment.queue, and a
 * compile-time test checks that the module fits this shape.
 */
import type { Model } from '../lib/model.js';

export type PredictFormat = 'text' | 'csv' | 'jsonl' | 'json';
export type WorkerLogLevel = 'debug' | 'info' | 'warn' | 'error' | 'silent';

export interface QueueServices {
  /** Refuses anything but redis:// and rediss:// URLs (a UsageError). */
  checkQueueUrl(url: string, flag?: string): void;
  runWorker(options: {
    model: string;
    queue: string;
    concurrency: number;
    logLevel: WorkerLogLevel;
    stderr: NodeJS.WritableStream;
    env: NodeJS.ProcessEnv;
    /** Resolves with the signal's name when the worker should finish its jobs in hand and stop. */
    stop: Promise<string>;
  }): Promise<void>;
  predictOnQueue(options: {
    ctx: {
      io: { stdin: NodeJS.ReadableStream; stdout: NodeJS.WritableStream };
      note(message: string): void;
      spinner(text: string): Promise<{ update(text: string): void; stop(): void }>;
    };
    url: string;
    model: Model;
    modelPath: string;
    input: string;
    output: string | undefined;
    chunkRows: number;
    format: PredictFormat;
    withScores: boolean;
    withInput: boolean;
  }): Promise<0>;
}

export type QueueServicesLoader = () => Promise<QueueServices>;

/** The queue mode, loaded on first use (BullMQ and ioredis load only then). */
export async function queueServices(load: QueueServicesLoader | undefined): Promise<QueueServices> {
  // A bug of the embedding (main() called without the loader), not of the user: exit 70.
  if (load === undefined) throw new Error('the queue mode was not given to main() (bin/iris.js passes it)');
  return load();
}
