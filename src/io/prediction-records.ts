/**
 * The output records of `iris predict` (text, csv, jsonl, json): one place that makes their bytes, so
 * that a local run, a distributed run (`predict --queue`, whose workers format their own chunks) and
 * anything else that promises "the same bytes as iris predict" cannot drift apart.
 */
import { DataError } from '../core/errors.js';
import { coefRows } from '../core/linear.js';

export type Format = 'text' | 'csv' | 'jsonl' | 'json';

export function csvField(text: string): string {
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** Turns scored rows into output records of one format. */
export class RecordWriter {
  private readonly nScores: number;
  /** Per input column: whether it is a model feature (a number in JSON records; other columns keep their text). */
  private readonly numeric: boolean[];

  constructor(
    private readonly format: Format,
    private readonly classes: readonly string[],
    private readonly withScores: boolean,
    private readonly inputColumns: readonly string[] | null,
    features: readonly string[],
  ) {
    this.nScores = coefRows(classes.length);
    this.numeric = (inputColumns ?? []).map((column) => features.includes(column));
    if (inputColumns !== null && format !== 'text') {
      // A repeated input column must not shadow (json) or duplicate (csv) what the output adds.
      const added = format === 'csv' ? this.outputColumns() : ['prediction', ...(withScores ? ['scores'] : [])];
      const clash = inputColumns.find((column) => added.includes(column));
      if (clash !== undefined) {
        throw new DataError(`the input column ${JSON.stringify(clash)} has the name of an output field of --with-input`, {
          hint: 'rename that column, or leave out --with-input',
        });
      }
    }
  }

  private outputColumns(): string[] {
    const scoreColumns = !this.withScores ? [] : this.nScores === 1 ? ['score'] : this.classes.map((c) => `score_${c}`);
    return ['prediction', ...scoreColumns];
  }

  header(): string {
    if (this.format !== 'csv') return '';
    return `${[...(this.inputColumns ?? []), ...this.outputColumns()].map(csvField).join(',')}\n`;
  }

  record(input: readonly string[] | null, label: string, scores: Float64Array, offset: number): string {
    const n = this.nScores;
    switch (this.format) {
      case 'text': {
        const parts = [...(input ?? []), label];
        if (this.withScores) for (let k = 0; k < n; k++) parts.push(String(scores[offset + k]));
        return `${parts.join('\t')}\n`;
      }
      case 'csv': {
        const parts = [...(input ?? []).map(csvField), csvField(label)];
        if (this.withScores) for (let k = 0; k < n; k++) parts.push(String(scores[offset + k]));
        return `${parts.join(',')}\n`;
      }
      default: {
        const object: Record<string, unknown> = {};
        if (input !== null && this.inputColumns !== null) {
          this.inputColumns.forEach((column, j) => {
            const text = input[j] ?? '';
            object[column] = this.numeric[j] === true ? Number(text) : text;
          });
        }
        object.prediction = label;
        if (this.withScores) {
          if (n === 1) object.scores = scores[offset];
          else {
            const byClass: Record<string, number> = {};
            this.classes.forEach((c, k) => (byClass[c] = scores[offset + k] as number));
            object.scores = byClass;
          }
        }
        return JSON.stringify(object);
      }
    }
  }
}
