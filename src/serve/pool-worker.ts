/**
 * The worker-thread side of the embedded pool (piscina). Each task carries the model's scoring
 * parameters (a few hundred bytes for a typical model; tasks only come here when they are large),
 * so a worker needs no model file and a reload can never mix two versions within one request.
 *
 * Results travel back by transfer, not by copy: a success is one buffer, 8 bytes of row count
 * (float64) followed by the response body; a parse result is the rows' Float64Array with the row
 * count in its last slot. Errors the client caused come back as plain `{ error }` objects.
 */
import { move } from 'piscina';
import { scoreFlat, type ScoringParams } from './model.js';
import { errorData, parseTask, runTask, type Task } from './work.js';

export type PoolJob =
  | { op: 'run'; task: Task }
  | { op: 'parse'; task: Task }
  | { op: 'score'; params: ScoringParams; X: Float64Array; n: number };

export default async function handle(job: PoolJob): Promise<unknown> {
  switch (job.op) {
    case 'run': {
      const result = await runTask(job.task);
      if (!result.ok) return { error: result.error };
      const packed = Buffer.allocUnsafeSlow(8 + result.body.byteLength);
      packed.writeDoubleLE(result.rows, 0);
      packed.set(result.body, 8);
      return move(packed);
    }
    case 'parse': {
      try {
        const { X, n } = await parseTask(job.task);
        const packed = new Float64Array(X.length + 1);
        packed.set(X);
        packed[X.length] = n;
        return move(packed);
      } catch (error) {
        return { error: errorData(error) };
      }
    }
    case 'score': {
      const { predictions, scores } = scoreFlat(job.params, job.X, job.n);
      const packed = new Float64Array(predictions.length + scores.length);
      packed.set(predictions);
      packed.set(scores, predictions.length);
      return move(packed);
    }
  }
}
