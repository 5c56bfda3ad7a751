import { availableParallelism } from 'node:os';
import { UsageError } from '../../core/errors.js';
import type { CommandInput, CommandResult } from '../command.js';
import { resolveSettings } from '../settings.js';

export async function run({ ctx, flags, config }: CommandInput): Promise<CommandResult> {
  const s = resolveSettings('worker', flags, config);
  if (s.queue === undefined) {
    throw new UsageError('iris worker needs --queue <redis-url>', { hint: 'for example: iris worker --queue redis://localhost:6379/0 --model model.json' });
  }
  // BullMQ and ioredis load only now: other commands never pay for them.
  const queue = await import('../../queue/index.js');
  queue.checkQueueUrl(s.queue);
  // The first SIGTERM/SIGINT asks for a graceful stop; the listeners stay so that a second one does
  // not kill the process while jobs are finishing (send SIGKILL for that).
  let stopWith: (signal: string) => void = () => undefined;
  const stop = new Promise<string>((resolve) => (stopWith = resolve));
  const onSignal = (signal: NodeJS.Signals) => stopWith(signal);
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
  try {
    // Model selection's fits (docs/MODEL_SELECTION.md): no model, the `fits` queue.
    if (s.fits === true) {
      await queue.runFitWorker({
        queue: s.queue,
        // A fit holds the event loop; one at a time per process (run one worker per core).
        concurrency: s.concurrency ?? 1,
        logLevel: s.logLevel ?? 'info',
        connectTimeout: s.connectTimeout ?? 10_000,
        stderr: ctx.io.stderr,
        env: ctx.io.env,
        stop,
      });
      return 0;
    }
    await queue.runWorker({
      model: s.model ?? config.top.model ?? 'model.json',
      queue: s.queue,
      concurrency: s.concurrency ?? availableParallelism(),
      logLevel: s.logLevel ?? 'info',
      connectTimeout: s.connectTimeout ?? 10_000,
      stderr: ctx.io.stderr,
      env: ctx.io.env,
      stop,
    });
  } finally {
    process.off('SIGTERM', onSignal);
    process.off('SIGINT', onSignal);
  }
  return 0;
}
