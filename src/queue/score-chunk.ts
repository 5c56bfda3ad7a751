/**
 * A worker's half of `iris predict --queue`: one chunk of the input file in, the exact bytes a
 * local `iris predict` writes for those rows out. It reads with the same CSV reader, scores with the
 * same scoreRows and formats with the same RecordWriter as predict; only the header (csv) and the
 * brackets (json) are left to the coordinator, which writes them once.
 */
import { Readable } from 'node:stream';
import { DataError, isIrisError } from '../core/errors.js';
import { coefRows } from '../core/linear.js';
import { matrix } from '../core/matrix.js';
import { openFeatureRows } from '../io/csv/index.js';
import { RecordWriter } from '../io/prediction-records.js';
import { ModelCells } from '../io/csv/table-cells.js';
import type { Model } from '../lib/model.js';
import type { CsvChunkJob } from './protocol.js';

const NO_SCORES = new Float64Array(0);
const SLICE = 1 << 20;

function countLf(text: string): number {
  let n = 0;
  for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) n++;
  return n;
}

/**
 * The reader numbers lines from the start of what it is given (head, then the chunk); messages must
 * name the line of the original file. The chunk's first line is line `headLines + 1` for the
 * reader and `firstLine` in the file.
 */
export function relocateError(error: unknown, source: string, headLines: number, firstLine: number): unknown {
  if (!isIrisError(error) || !(error instanceof DataError)) return error;
  const prefix = `${source}:`;
  if (!error.message.startsWith(prefix)) return error;
  const match = /^(\d+)(:.*)$/s.exec(error.message.slice(prefix.length));
  if (match === null) return error;
  const line = Number(match[1]);
  if (line <= headLines) return error;
  const moved = new DataError(`${prefix}${firstLine + line - headLines - 1}${match[2]}`, {
    ...(error.hint === undefined ? {} : { hint: error.hint }),
    cause: error.cause,
  });
  return moved;
}

/** Scores one chunk; the body is what predict writes for its rows (json: the records joined by ",\n"). */
export async function scoreCsvChunk(job: CsvChunkJob, chunk: Buffer, model: Model): Promise<{ body: Buffer; rows: number }> {
  const { classes } = model;
  // The columns a row holds (the features of an all-numeric model, else its inputs), read as predict reads them.
  const features = model.inputs.map((input) => input.name);
  const cells = model.isTable ? new ModelCells(job.source, model.fitted.preprocessing, '.', job.unknown ?? 'ignore') : undefined;
  const headLines = countLf(job.head);
  // Fed in slices of 1 MiB, as predict reads a file: each slice is one batch, small enough to stay
  // in the cache (one 50,000-row batch would be grown and copied several times over).
  const slices: Buffer[] = [Buffer.from(job.head)];
  for (let at = 0; at < chunk.length; at += SLICE) slices.push(chunk.subarray(at, at + SLICE));
  const input = Readable.from(slices);
  const rows = openFeatureRows(input, { features, source: job.source, keepRaw: job.withInput, ...(cells === undefined ? {} : { cells }) });
  const nScores = coefRows(classes.length);
  const parts: string[] = [];
  const buffers: Buffer[] = [];
  let n = 0;
  try {
    const writer = new RecordWriter(job.format, classes, job.scores, job.withInput ? await rows.inputColumns() : null, features);
    const sep = job.format === 'jsonl' ? '\n' : '';
    // Without scores or input columns a record depends on the class alone: made once per class.
    const byClass = !job.scores && !job.withInput ? classes.map((label) => writer.record(null, label, NO_SCORES, 0) + sep) : undefined;
    // The same record bytes, copied per row into one buffer (no string per row), when json's
    // separators are not needed.
    const byClassBytes = byClass !== undefined && job.format !== 'json' ? byClass.map((record) => Buffer.from(record)) : undefined;
    for await (const batch of rows.batches()) {
      const { predictions, scores } = model.scoreInputRows(matrix(batch.X, batch.n, features.length));
      n += batch.n;
      if (byClassBytes !== undefined) {
        let size = 0;
        for (let i = 0; i < batch.n; i++) size += (byClassBytes[predictions[i] as number] as Buffer).length;
        const out = Buffer.allocUnsafe(size);
        let o = 0;
        for (let i = 0; i < batch.n; i++) o += (byClassBytes[predictions[i] as number] as Buffer).copy(out, o);
        buffers.push(out);
        continue;
      }
      for (let i = 0; i < batch.n; i++) {
        const code = predictions[i] as number;
        parts.push(byClass?.[code] ?? writer.record(batch.raw?.[i] ?? null, classes[code] as string, scores, i * nScores) + sep);
      }
    }
  } catch (error) {
    throw relocateError(error, job.source, headLines, job.firstLine);
  }
  if (buffers.length > 0) return { body: Buffer.concat(buffers), rows: n };
  return { body: Buffer.from(job.format === 'json' ? parts.join(',\n') : parts.join('')), rows: n };
}
