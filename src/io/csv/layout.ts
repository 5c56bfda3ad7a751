/**
 * What the CSV engine and its two parsing paths share: how fields map to the output (the layout),
 * and the engine state the paths read and advance. Kept apart from engine.ts so that the paths do
 * not import the engine that imports them.
 */
import type { DataError } from '../../core/errors.js';
import type { LabelCache, RowStore } from './row-store.js';

/**
 * Reading a table (docs/CLI.md "Tables"): what the engine does with a feature field that is not a
 * plain number, with every field of a categorical feature, and with the label. Absent for plain
 * numeric reading, whose fast path is then exactly what it was.
 */
export interface CellReader {
  /** Per feature: 1 when its fields are categories (text), not numbers. */
  readonly textFeatures: Uint8Array;
  /** Per feature: decodes repeated values without a new string each time. */
  readonly caches: readonly LabelCache[];
  /** The number to store for `text` in feature `k` (NaN: a missing value; else a number or a category code), or undefined when the field is an error. */
  cell(k: number, text: string, line: number): number | undefined;
  /** The label to keep ('' for a missing target), or undefined when the field is an error. */
  label(text: string, line: number): string | undefined;
  /** The error of a field that `cell` refused. */
  fieldError(k: number, name: string, text: string, line: number): DataError;
}

/** Which parser handles the input: `auto` picks the fast path for quote-free chunks. */
export type ParserChoice = 'auto' | 'csv-parse';

/** For tests: how many chunks (segments) each path parsed. */
export const csvPathStats = { fast: 0, csvParse: 0 };

/** A field that is read but not used. */
export const SLOT_IGNORE = -1;
/** The field that holds the label (target). */
export const SLOT_LABEL = -2;
/** A field that must be empty: an unnamed last column that only a trailing delimiter makes. */
export const SLOT_EMPTY = -3;

/** How the fields of every data record map to the output, fixed once the first record is seen. */
export interface Layout {
  /** Number of fields every data record must have. */
  ncols: number;
  /** Per input field: the output feature index (>= 0), SLOT_IGNORE, SLOT_LABEL or SLOT_EMPTY. */
  slots: Int32Array;
  /** Per input field: its name, for error messages. */
  names: readonly string[];
  /** Number of output features (the row width of X). */
  nf: number;
}

export interface FirstRecord {
  layout: Layout;
  /** True when the first record is a data row (no header). */
  isData: boolean;
}

/** The engine as the parsing paths see it. */
export interface EngineState {
  readonly source: string;
  readonly layout: Layout | null;
  readonly store: RowStore | null;
  readonly keepRaw: boolean;
  readonly labelCache: LabelCache;
  /** Table reading, or null for plain numbers. */
  readonly cells: CellReader | null;
  /** The fast path's per-record notes: 3 entries per field of the layout. */
  readonly oddFields: Int32Array;
  /** The delimiter (resolved) and decimal mark, as bytes and as text. */
  readonly delim: number;
  readonly dec: number;
  readonly delimiter: string | null;
  /** Physical line number of the first byte of the pending data; the paths advance it. */
  line: number;
  /** A record split into strings (the first one decides the layout). */
  record(fields: string[], line: number): void;
  fieldCountError(line: number, found: number): DataError;
  fieldError(line: number, index: number, text: string): DataError;
}
