/**
 * `evaluate` on a table model (docs/CLI.md "Tables"): the data is read as `train` read it (the
 * model's missing-value strings, its categorical columns as categories), rows are dropped as its
 * --dropna dropped them, and each row becomes the model's input row (category indices by name).
 */
import { DataError } from '../core/errors.js';
import type { Matrix } from '../core/types.js';
import type { LabelledData } from '../io/csv/index.js';
import { prepareTable } from '../io/csv/table-prepare.js';
import type { TableReadOptions } from '../io/csv/table-cells.js';
import type { Model } from '../lib/model.js';

/** How to read data for these models: as train read it (the first model's missing-value strings, every categorical input as categories). */
export function tableReadOf(models: readonly (Model | undefined)[]): TableReadOptions {
  const present = models.filter((m): m is Model => m !== undefined);
  const categorical = new Set<string>();
  const numeric = new Set<string>();
  for (const m of present) for (const input of m.inputs) (input.kind === 'categorical' ? categorical : numeric).add(input.name);
  return { naValues: present[0]!.naValues, categorical: [...categorical], numeric: [...numeric].filter((n) => !categorical.has(n)) };
}

/** The rows as training used them: dropna as the model recorded it; a missing value it cannot fill is an error. */
export function prepareLike(data: LabelledData, model: Model): { data: LabelledData; dropped: number } {
  if (data.table === undefined) return { data, dropped: 0 };
  const prepared = prepareTable(data, { dropna: model.fitted.preprocessing.dropna, imputes: model.inputs[0]?.imputed === true });
  const { table } = prepared;
  return {
    data: {
      ...data,
      X: { data: table.data, rows: table.rows, cols: table.cols },
      labels: prepared.labels,
      lines: prepared.lines,
      table: { ...data.table, columns: [...table.columns] },
    },
    dropped: prepared.dropped,
  };
}

/** The model's input rows (its inputs in model order) of the given rows of a table read by readLabelledCsv. */
export function inputRowsOf(model: Model, data: LabelledData, indices: readonly number[] | undefined): Matrix {
  const read = data.table!;
  const m = model.inputs.length;
  const n = indices === undefined ? data.X.rows : indices.length;
  const out = new Float64Array(n * m);
  const cols = data.X.cols;
  model.inputs.forEach((input, c) => {
    const j = data.features.indexOf(input.name);
    const column = read.columns[j]!;
    let map: Float64Array | null = null;
    if (input.kind === 'categorical') {
      const index = new Map((input.categories ?? []).map((t, i) => [t, i]));
      map = Float64Array.from(column.dictionary ?? [], (t) => index.get(t) ?? index.size);
    } else if (column.kind === 'categorical') {
      throw new DataError(`${data.source}: column ${JSON.stringify(input.name)} holds words; the model reads it as numbers`);
    }
    for (let i = 0; i < n; i++) {
      const r = indices === undefined ? i : indices[i]!;
      const v = data.X.data[r * cols + j]!;
      out[i * m + c] = map === null || v !== v ? v : map[v]!;
    }
  });
  return { data: out, rows: n, cols: m };
}
