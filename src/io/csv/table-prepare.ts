/**
 * From a table read from a file to the rows training (or evaluation) uses: pandas' dropna, and the
 * errors of docs/CLI.md "Tables" for a missing label or missing values the model cannot handle,
 * named by file and line.
 */
import type { RawTable } from '../../core/column-transformer.js';
import { DataError } from '../../core/errors.js';
import type { DropnaPolicy } from '../../core/preprocessing.js';
import { compactRows, MISSING_LABEL, rowsToKeep } from '../../core/table-pipeline.js';
import type { LabelledData } from './labelled.js';
import { columnName } from './names.js';

export interface PreparedTable {
  table: RawTable;
  labels: string[];
  /** File line of each kept row. */
  lines: Int32Array;
  /** Rows dropped, and the file lines of the first few. */
  dropped: number;
  droppedLines: number[];
}

/** How many dropped lines a report names. */
const SHOW_LINES = 5;

export function prepareTable(data: LabelledData, options: { dropna: DropnaPolicy; imputes: boolean }): PreparedTable {
  const read = data.table;
  if (read === undefined) throw new Error('prepareTable needs data read with options.table');
  const { source } = data;
  if (read.missingLabels > 0 && options.dropna === 'none') {
    throw new DataError(
      `${source}:${read.firstMissingLabel}: the target ${columnName(data.target)} is missing${read.missingLabels > 1 ? ` (and in ${read.missingLabels - 1} more rows)` : ''}`,
      {
        hint: 'drop the rows without a label with --dropna target (or --dropna)',
      },
    );
  }
  let table: RawTable = { data: data.X.data, rows: data.X.rows, cols: data.X.cols, columns: read.columns };
  let labels = data.labels;
  let lines = data.lines;
  let dropped = 0;
  const droppedLines: number[] = [];
  const policy = options.dropna === 'none' ? 'target' : options.dropna;
  const keep = read.missingLabels > 0 || (policy === 'any' && read.missing.some((n) => n > 0)) ? rowsToKeep(table, labels, policy) : null;
  if (keep !== null) {
    dropped = table.rows - keep.length;
    let k = 0;
    for (let i = 0; i < table.rows && droppedLines.length < SHOW_LINES; i++) {
      if (keep[k] === i) k++;
      else droppedLines.push(lines[i]!);
    }
    lines = Int32Array.from(keep, (i) => lines[i]!);
    ({ table, labels } = compactRows(table, labels, keep));
    if (table.rows === 0)
      throw new DataError(`${source}: every row has a missing value; --dropna leaves none`, { hint: 'use --impute instead, or --dropna target' });
  }
  if (!options.imputes && read.missing.some((n) => n > 0)) {
    const counts = missingCounts(table, lines);
    if (counts.length > 0) {
      const total = counts.reduce((a, c) => a + c.count, 0);
      const first = Math.min(...counts.map((c) => c.first));
      throw new DataError(
        `${source}:${first}: ${total} missing value${total === 1 ? '' : 's'} in the features: ` +
          counts.map((c) => `${columnName(c.name)} ${c.count} (first at line ${c.first})`).join(', '),
        {
          hint: "fill them with --impute mean (or median, most_frequent, constant), or drop those rows with --dropna; scikit-learn's Perceptron refuses missing values too",
        },
      );
    }
  }
  if (labels !== data.labels && labels.includes(MISSING_LABEL)) throw new Error('a missing label survived dropna');
  return { table, labels: labels as string[], lines, dropped, droppedLines };
}

function missingCounts(table: RawTable, lines: Int32Array): { name: string; count: number; first: number }[] {
  const { data, rows, cols, columns } = table;
  const count = new Float64Array(cols);
  const first = new Int32Array(cols);
  for (let i = 0; i < rows; i++) {
    const from = i * cols;
    for (let j = 0; j < cols; j++) {
      if (data[from + j] !== data[from + j]) {
        if (count[j] === 0) first[j] = lines[i]!;
        count[j]! += 1;
      }
    }
  }
  return columns.flatMap((c, j) => (count[j]! > 0 ? [{ name: c.name, count: count[j]!, first: first[j]! }] : []));
}
