/**
 * Slowness without a sleep hook in the product: a worker process is paused (SIGSTOP) while it
 * holds a job, and the job it holds is read from Redis (BullMQ's active list), so a test knows for
 * certain that a job is in hand. If the pause fell between two jobs, the worker is let go (SIGCONT)
 * and paused again at its next job.
 */
import { readFileSync } from 'node:fs';
import type { Proc } from '../helpers/queue.js';

export async function pauseInJob(worker: Proc, url: string, modelPath: string): Promise<string> {
  const { Queue } = await import('bullmq');
  const { Redis } = await import('ioredis');
  const { checksum } = JSON.parse(readFileSync(modelPath, 'utf8')) as { checksum: string };
  const connection = new Redis(url, { maxRetriesPerRequest: null });
  const queue = new Queue(checksum.slice(7, 19), { connection, prefix: 'iris' });
  try {
    for (let seen = 0; ;) {
      while (worker.logs('job started').length <= seen) {
        if (worker.child.exitCode !== null) throw new Error(`the worker exited before it took a job:\n${worker.stderr}`);
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
      seen = worker.logs('job started').length;
      worker.kill('SIGSTOP');
      const active = await queue.getActive();
      if (active.length > 0) return String(active[0]!.id);
      worker.kill('SIGCONT');
    }
  } finally {
    await queue.close();
    connection.disconnect();
  }
}
