/**
 * Rows as records (`{ island: 'Biscoe', bill_length_mm: 39.1, … }`) or as a column table
 * (`{ island: [...], bill_length_mm: [...] }`), turned into the flat input rows a model scores:
 * numbers, category indices and NaN for a missing value (null, undefined and NaN are missing).
 */
import { DataError } from '../core/errors.js';
import type { Matrix } from '../core/types.js';

/** One input of a model, as the library describes it (Model.inputs). */
export interface ModelInput {
  /** The column name, as in the training data. */
  readonly name: string;
  readonly kind: 'numeric' | 'categorical';
  /** Categorical: the categories the model knows, in the order of its one-hot columns (sorted by code point). */
  readonly categories?: readonly string[];
  /** True when a missing value is filled in (the model was trained with --impute / `impute`); false: refused. */
  readonly imputed: boolean;
}

export type CellValue = string | number | boolean | null | undefined;
export type TableRecord = Readonly<Record<string, CellValue>>;
export type ColumnTable = Readonly<Record<string, readonly CellValue[]>>;

export interface EncodeOptions {
  /** 'ignore' (default): an unknown category encodes as all zeros; 'error': a DataError. */
  unknown?: 'ignore' | 'error';
  /** Called for each unknown category met (feature name, value as text), e.g. to count them. */
  onUnknown?: (feature: string, value: string) => void;
}

function show(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
  return typeof value === 'object' && value !== null ? (Array.isArray(value) ? 'an array' : 'an object') : String(value);
}

export function isRecordList(X: unknown): X is readonly TableRecord[] {
  return Array.isArray(X) && X.length > 0 && X[0] !== null && typeof X[0] === 'object' && !Array.isArray(X[0]);
}

export function isColumnTable(X: unknown): X is ColumnTable {
  if (X === null || typeof X !== 'object' || Array.isArray(X)) return false;
  if ('data' in X || 'rows' in X || typeof (X as { get?: unknown }).get === 'function') return false;
  const values = Object.values(X);
  return values.length > 0 && values.every((v) => Array.isArray(v));
}

/** A column table's rows as records (shared arrays, one small object per row). */
export function columnTableRows(table: ColumnTable): TableRecord[] {
  const names = Object.keys(table);
  const n = table[names[0]!]!.length;
  for (const name of names) {
    if (table[name]!.length !== n)
      throw new DataError(
        `column ${JSON.stringify(name)} has ${table[name]!.length} values, column ${JSON.stringify(names[0])} ${n}: columns must all be as long`,
      );
  }
  const rows: TableRecord[] = [];
  for (let i = 0; i < n; i++) {
    const row: Record<string, CellValue> = {};
    for (const name of names) row[name] = table[name]![i];
    rows.push(row);
  }
  return rows;
}

/**
 * Records as a model's input rows (in `inputs` order). A missing value is NaN when the input is
 * imputed, else an error naming the row and feature; a number given for a categorical input
 * matches the category spelled as String(n); an unknown feature name is an error.
 */
export function encodeRecords(records: readonly TableRecord[], inputs: readonly ModelInput[], options: EncodeOptions = {}): Matrix {
  const m = inputs.length;
  const out = new Float64Array(records.length * m);
  const index = inputs.map((input) => (input.kind === 'categorical' ? new Map((input.categories ?? []).map((c, i) => [c, i])) : null));
  const known = new Set(inputs.map((i) => i.name));
  for (let r = 0; r < records.length; r++) {
    const record = records[r];
    if (record === null || typeof record !== 'object' || Array.isArray(record))
      throw new DataError(`row ${r}: ${show(record)} is not a record (an object keyed by feature name)`);
    for (const key of Object.keys(record)) {
      if (!known.has(key)) throw new DataError(`row ${r}: unknown feature ${show(key)}; the model's features: ${[...known].join(', ')}`);
    }
    for (let c = 0; c < m; c++) {
      const input = inputs[c]!;
      const v: unknown = record[input.name];
      let cell: number;
      if (v === null || v === undefined || (typeof v === 'number' && Number.isNaN(v))) {
        if (!input.imputed) {
          throw new DataError(`row ${r}: feature ${show(input.name)} is missing, and the model does not impute`, {
            hint: 'give a value, or train with impute',
          });
        }
        cell = NaN;
      } else if (input.kind === 'numeric') {
        if (typeof v === 'boolean') cell = v ? 1 : 0;
        else if (typeof v === 'number' && Number.isFinite(v)) cell = v;
        else throw new DataError(`row ${r}: feature ${show(input.name)}: ${show(v)} is not ${typeof v === 'number' ? 'a finite number' : 'a number'}`);
      } else {
        if (typeof v !== 'string' && typeof v !== 'number' && typeof v !== 'boolean')
          throw new DataError(`row ${r}: feature ${show(input.name)}: ${show(v)} is not a category`);
        const text = String(v);
        const code = index[c]!.get(text);
        if (code !== undefined) cell = code;
        else {
          if (options.unknown === 'error') {
            throw new DataError(`row ${r}: feature ${show(input.name)}: ${show(text)} is not a category the model knows`, {
              hint: `the categories: ${(input.categories ?? []).slice(0, 10).join(', ')}`,
            });
          }
          options.onUnknown?.(input.name, text);
          cell = index[c]!.size; // past the last category: all zeros once expanded
        }
      }
      out[r * m + c] = cell;
    }
  }
  return { data: out, rows: records.length, cols: m };
}
