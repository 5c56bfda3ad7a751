/**
 * The worker-thread side of the embedded pool (piscina). A task carries the model's artifact (plain
 * data; tasks only come here when they are large), so a worker needs no model file and a reload can
 * never mix two versions within one request. Each thread makes lib's Model from an artifact once per
 * checksum (Model.fromJSON verifies it) and keeps it.
 *
 * Results travel back by transfer, not by copy: a success is one buffer, 16 bytes of row count and
 * binary header length (float64 each; -1: a plain body) followed by the response body; a parse
 * result is the rows' Float64Array followed by the row count and the params.scores flag. Errors the client caused
 * come back as plain `{ error }` objects. An answer of many rows is not formatted here: the scored
 * rows come back instead (packScored), and the event loop writes the answer as the client reads it
 * (answer.ts), so it is never held whole.
 */
import { move } from 'piscina';
import type { ModelArtifact } from '../io/model/index.js';
import { Model } from '../lib/model.js';
import { packScored, streamable } from './answer.js';
import type { Scored } from './codec/format.js';
import { scoreFlat } from './model.js';
import { errorData, formatTask, parseTask, type Parsed, type Task } from './work.js';

/** A task as it crosses to a thread: the model as its artifact. */
export type PoolTask = Omit<Task, 'model'> & { artifact: ModelArtifact };

export type PoolJob = { op: 'run'; task: PoolTask } | { op: 'parse'; task: PoolTask } | { op: 'score'; artifact: ModelArtifact; X: Float64Array; n: number };

const models = new Map<string, Model>();

function modelOf(artifact: ModelArtifact): Model {
  let model = models.get(artifact.checksum);
  if (model === undefined) {
    model = Model.fromJSON(artifact);
    // A server serves one model at a time (two during a reload): keep the last few only.
    if (models.size >= 4) models.delete(models.keys().next().value as string);
    models.set(artifact.checksum, model);
  }
  return model;
}

function taskOf({ artifact, ...rest }: PoolTask): Task {
  return { ...rest, model: modelOf(artifact) };
}

export default async function handle(job: PoolJob): Promise<unknown> {
  switch (job.op) {
    case 'run': {
      const task = taskOf(job.task);
      let parsed: Parsed;
      let scored: Scored;
      let answer: { body: string | Buffer; headerLength?: number };
      try {
        parsed = await parseTask(task);
        scored = scoreFlat(task.model, parsed.X, parsed.n);
        if (streamable(task, parsed, parsed.n)) return move(packScored(parsed, scored));
        answer = formatTask(task, parsed, scored, parsed.n);
      } catch (error) {
        return { error: errorData(error) };
      }
      const body = answer.body;
      const packed = Buffer.allocUnsafeSlow(16 + (typeof body === 'string' ? Buffer.byteLength(body) : body.byteLength));
      packed.writeDoubleLE(parsed.n, 0);
      packed.writeDoubleLE(answer.headerLength ?? -1, 8);
      if (typeof body === 'string') packed.write(body, 16, 'utf8');
      else packed.set(body, 16);
      return move(packed);
    }
    case 'parse': {
      try {
        const { X, n, withScores } = await parseTask(taskOf(job.task));
        const packed = new Float64Array(X.length + 2);
        packed.set(X);
        packed[X.length] = n;
        packed[X.length + 1] = withScores === true ? 1 : 0;
        return move(packed);
      } catch (error) {
        return { error: errorData(error) };
      }
    }
    case 'score': {
      const { predictions, scores } = scoreFlat(modelOf(job.artifact), job.X, job.n);
      const packed = new Float64Array(predictions.length + scores.length);
      packed.set(predictions);
      packed.set(scores, predictions.length);
      return move(packed);
    }
  }
}
