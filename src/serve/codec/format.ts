/** Scored rows to response bodies. Numbers are written as JSON.stringify writes them, as `iris predict` does. */
import { coefRows } from '../../core/linear.js';
import type { Model } from '../../lib/model.js';

/** Class codes and decision values of rows, as lib's Model.scoreRows gives them. */
export type Scored = ReturnType<Model['scoreRows']>;

export interface Formatter {
  /**
   * MLflow, comma-separated (no brackets): the labels as JSON strings, as MLflow's server answers
   * for a scikit-learn classifier; with scores, one `{"label", "scores"}` per row.
   */
  predictions(scored: Scored, n: number, withScores: boolean): string;
  /** NDJSON: the `iris predict --format jsonl [--scores]` record of each row, one a line. */
  ndjson(scored: Scored, n: number, withScores: boolean): string;
}

/** Formatting reads the class names only (a job's result is formatted with the classes of the model that computed it). */
export type Classes = Pick<Model, 'classes'>;

/** One formatter per class list (the answer of every request of a model reuses it). */
const formatters = new WeakMap<readonly string[], Formatter>();

export function formatter(model: Classes): Formatter {
  let made = formatters.get(model.classes);
  if (made === undefined) formatters.set(model.classes, (made = makeFormatter(model)));
  return made;
}

function makeFormatter(model: Classes): Formatter {
  const labels = model.classes.map((c) => JSON.stringify(c));
  const keys = model.classes.map((c) => `${JSON.stringify(c)}:`);
  const m = coefRows(model.classes.length);
  const scoresOf = (scores: Float64Array, offset: number): string => {
    if (m === 1) return String(scores[offset]);
    let s = '{';
    for (let k = 0; k < m; k++) s += (k === 0 ? '' : ',') + keys[k] + String(scores[offset + k]);
    return `${s}}`;
  };
  const rows = (scored: Scored, n: number, head: string | null, withScores: boolean, sep: string, tail: string): string => {
    const parts = new Array<string>(n);
    for (let i = 0; i < n; i++) {
      const label = labels[scored.predictions[i] as number] as string;
      parts[i] = head === null ? label : withScores ? `${head}${label},"scores":${scoresOf(scored.scores, i * m)}}` : `${head}${label}}`;
    }
    return n === 0 ? '' : parts.join(sep) + tail;
  };
  return {
    predictions: (scored, n, withScores) => rows(scored, n, withScores ? '{"label":' : null, withScores, ',', ''),
    ndjson: (scored, n, withScores) => rows(scored, n, '{"prediction":', withScores, '\n', '\n'),
  };
}

/** The MLflow response body. */
export function invocationBody(model: Classes, scored: Scored, n: number, withScores: boolean): string {
  return `{"predictions":[${formatter(model).predictions(scored, n, withScores)}]}`;
}

/** `iris predict --format csv [--scores]` output: for job results asked for as text/csv. */
export function csvBody(model: Classes, scored: Scored, n: number, withScores: boolean): string {
  const field = (text: string) => (/[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text);
  const m = coefRows(model.classes.length);
  const scoreColumns = !withScores ? [] : m === 1 ? ['score'] : model.classes.map((c) => field(`score_${c}`));
  const lines = [['prediction', ...scoreColumns].join(',')];
  const labels = model.classes.map(field);
  for (let i = 0; i < n; i++) {
    let line = labels[scored.predictions[i] as number] as string;
    if (withScores) for (let k = 0; k < m; k++) line += `,${String(scored.scores[i * m + k])}`;
    lines.push(line);
  }
  return `${lines.join('\n')}\n`;
}
