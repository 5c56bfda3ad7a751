/**
 * Every Redis key iris makes, built here and nowhere else (as BullMQ builds its own in
 * queue-keys.ts): a change of a name is a change of the wire format between `iris serve --queue`,
 * `iris worker` and `iris predict --queue` (docs/QUEUE.md lists them).
 *
 *   iris:<version>:…                 BullMQ's own keys of the model version's queue (prefix + name)
 *   iris:<version>:input:<run>:<k>   a CSV chunk of predict --queue, and its output (…:result:…)
 *   iris:<version>:rows:<batch>      a server's micro-batch rows (raw float64)
 *   iris:<version>:job:<id>          an async job's record (hash), its rows and its result
 *   iris:<version>:workers           live workers (sorted set: worker id -> heartbeat expiry, ms)
 *   iris:replies:<server>            the list a server reads its micro-batch answers from
 *   iris:fits:…                      BullMQ's keys of the fits queue (cv/tune --queue, worker --fits)
 *   iris:fits:<run>:<what>           a search's rows (x, codes, folds, meta), results and done list
 */

/** Key prefix of every key iris makes; BullMQ's `prefix` option. */
export const KEY_PREFIX = 'iris';

/** The model version: the first 12 hex digits of the artifact's checksum (`sha256:<hex>`). */
export function modelVersion(checksum: string): string {
  return checksum.replace(/^sha256:/, '').slice(0, 12);
}

/**
 * The queue of one model version. A worker listens on its own model's queue only, so two versions
 * can share one Redis during a rolling upgrade and a job never reaches a worker of another model.
 */
export function queueName(checksum: string): string {
  return modelVersion(checksum);
}

/** The keys of one model version's queue. */
export function queueKeys(checksum: string) {
  const base = `${KEY_PREFIX}:${queueName(checksum)}`;
  return {
    /** The queue as people see it (log lines, messages). */
    queue: base,
    chunkInput: (run: string, k: number) => `${base}:input:${run}:${k}`,
    chunkResult: (run: string, k: number) => `${base}:result:${run}:${k}`,
    /** What a failed chunk leaves for the coordinator beside BullMQ's one-line reason. */
    chunkFailure: (resultKey: string) => `${resultKey}:error`,
    batchRows: (batch: string) => `${base}:rows:${batch}`,
    batchScored: (batch: string) => `${base}:scored:${batch}`,
    jobRecord: (id: string) => `${base}:job:${id}`,
    jobRows: (id: string) => `${base}:jobrows:${id}`,
    jobResult: (id: string) => `${base}:jobresult:${id}`,
    workers: `${base}:workers`,
  };
}

/** The list one server process reads its micro-batch answers from. */
export function repliesKey(server: string): string {
  return `${KEY_PREFIX}:replies:${server}`;
}

/** The queue of model selection's fits (no model version: any `iris worker --fits` takes them). */
export const FITS_QUEUE = 'fits';

/** A key of one search on the fits queue: its rows (`x`, `codes`, `folds`, `meta`), `result:<k>`, `done`. */
export function fitsKey(run: string, what: string): string {
  return `${KEY_PREFIX}:${FITS_QUEUE}:${run}:${what}`;
}

/** BullMQ job ids (not keys: BullMQ builds those from them). */
export const jobIds = {
  chunk: (run: string, k: number) => `${run}-${k}`,
  asyncJob: (id: string) => `job-${id}`,
};
