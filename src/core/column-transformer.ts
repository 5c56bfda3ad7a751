/**
 * scikit-learn's ColumnTransformer of docs/MODEL_FORMAT.md (version 3), fitted and applied:
 *   numeric:     SimpleImputer(strategy) -> StandardScaler      (F-ordered: pairwise column sums)
 *   categorical: SimpleImputer('most_frequent'|'constant') -> OneHotEncoder(handle_unknown='ignore')
 * The input is a RawTable: one row-major Float64Array holding numbers, category codes and NaN for
 * a missing value, so a table costs what an all-numeric matrix costs and no row is an object.
 */
import { DataError, InvalidParameterError } from './errors.js';
import { imputeMean, imputeMedian, imputeMostFrequent, mostFrequentText } from './impute.js';
import { codePointLess, expandedWidth, sortByCodePoint, type ColumnSpec, type ImputeStrategy, type Preprocessing } from './preprocessing.js';
import { fitStandardScaler } from './scaler.js';
import type { Matrix } from './types.js';

/** One input column of a RawTable. */
export interface RawColumn {
  readonly name: string;
  readonly kind: 'numeric' | 'categorical';
  /** Categorical: the text each code stands for (code k is dictionary[k]). */
  readonly dictionary?: readonly string[];
}

/** Rows x columns, row-major: numbers, codes into the column's dictionary, NaN for missing. */
export interface RawTable {
  readonly data: Float64Array;
  readonly rows: number;
  readonly cols: number;
  readonly columns: readonly RawColumn[];
}

export interface ImputeOptions {
  strategy: ImputeStrategy;
  /** --fill-value as written; null for scikit-learn's defaults (0 and "missing_value"). */
  fillValue: string | null;
}

export interface FitTableOptions {
  impute: ImputeOptions | null;
  naValues: readonly string[];
  dropna: Preprocessing['dropna'];
  /** More distinct training values than this in a categorical column is an error (an id or free text). */
  maxCategories: number;
}

/** The fitted transformer: the model's preprocessing, scaler statistics per expanded column, and how to read the table. */
export interface FittedTable {
  preprocessing: Preprocessing;
  mean: Float64Array;
  scale: Float64Array;
  /** Per model column: its column in the RawTable it was fitted on. */
  source: Int32Array;
  /** Per model column: dictionary code -> category index (-1: not a category), null for numeric. */
  remap: (Int32Array | null)[];
}

export const DEFAULT_FILL_TEXT = 'missing_value';

/** The model order: numeric columns as given, then categorical ones as given. */
export function modelOrder(columns: readonly RawColumn[]): number[] {
  const order: number[] = [];
  columns.forEach((c, k) => c.kind === 'numeric' && order.push(k));
  columns.forEach((c, k) => c.kind === 'categorical' && order.push(k));
  return order;
}

/** A numeric --fill-value: a number, or a usage error (exit 2) naming it. */
export function numericFill(fill: string | null): number {
  if (fill === null) return 0;
  const v = Number(fill.trim());
  if (fill.trim() === '' || !Number.isFinite(v)) {
    throw new InvalidParameterError(`--fill-value ${JSON.stringify(fill.slice(0, 40))} is not a number, and the model has a numeric column`, {
      hint: 'give a number, or leave --fill-value out (0 for numbers, "missing_value" for categories)',
    });
  }
  return v;
}

function column(table: RawTable, k: number, rows: ArrayLike<number>): Float64Array {
  const out = new Float64Array(rows.length);
  const { data, cols } = table;
  for (let i = 0; i < rows.length; i++) out[i] = data[rows[i]! * cols + k]!;
  return out;
}

/** Fits imputers, scaler and encoder on the given training rows of `table`. */
export function fitColumnTransformer(table: RawTable, rows: ArrayLike<number>, options: FitTableOptions): FittedTable {
  const order = modelOrder(table.columns);
  const imp = options.impute;
  const specs: ColumnSpec[] = [];
  const remap: (Int32Array | null)[] = [];
  const means: number[] = [];
  const scales: number[] = [];
  const noValue = (name: string) =>
    new DataError(`column ${JSON.stringify(name)} has no value in the training rows (every one is missing)`, {
      hint: `leave it out with --exclude ${/^[\w.:+-]+$/.test(name) ? name : JSON.stringify(name)}`,
    });
  for (const k of order) {
    const raw = table.columns[k]!;
    const col = column(table, k, rows);
    if (raw.kind === 'numeric') {
      let stat: number | null = null;
      let observed = false;
      for (let i = 0; i < col.length && !observed; i++) observed = col[i] === col[i];
      if (!observed) throw noValue(raw.name);
      if (imp !== null) {
        const s =
          imp.strategy === 'mean'
            ? imputeMean(col)
            : imp.strategy === 'median'
              ? imputeMedian(col)
              : imp.strategy === 'most_frequent'
                ? imputeMostFrequent(col)
                : numericFill(imp.fillValue);
        if (s === undefined || !Number.isFinite(s)) {
          throw new DataError(`column ${JSON.stringify(raw.name)}: the ${imp.strategy} of the training rows is not a finite number`, {
            hint: 'check the column for huge values',
          });
        }
        stat = s;
        for (let i = 0; i < col.length; i++) if (col[i] !== col[i]) col[i] = s;
      }
      for (let i = 0; i < col.length; i++) {
        if (col[i] !== col[i])
          throw new DataError(`column ${JSON.stringify(raw.name)} has missing values and the model does not impute`, {
            hint: 'add --impute mean, or --dropna',
          });
      }
      // One column is contiguous: StandardScaler sums it pairwise, as it does every column of a DataFrame.
      const scaler = fitStandardScaler({ data: col, rows: col.length, cols: 1 });
      means.push(scaler.mean[0]!);
      scales.push(scaler.scale[0]!);
      specs.push({ name: raw.name, kind: 'numeric', impute: stat });
      remap.push(null);
    } else {
      const dict = raw.dictionary ?? [];
      let fill: string | null = null;
      let anyMissing = false;
      const present = new Uint8Array(dict.length);
      for (let i = 0; i < col.length; i++) {
        const c = col[i]!;
        if (c === c) present[c] = 1;
        else anyMissing = true;
      }
      if (!present.includes(1)) throw noValue(raw.name);
      if (imp !== null) {
        fill = imp.strategy === 'constant' ? (imp.fillValue ?? DEFAULT_FILL_TEXT) : mostFrequentText(col, dict, codePointLess)!;
      }
      if (anyMissing && fill === null) {
        throw new DataError(`column ${JSON.stringify(raw.name)} has missing values and the model does not impute`, {
          hint: 'add --impute most_frequent, or --dropna',
        });
      }
      const texts = dict.filter((_, c) => present[c] === 1);
      if (anyMissing && fill !== null && !texts.includes(fill)) texts.push(fill);
      const categories = sortByCodePoint(texts);
      if (categories.length > options.maxCategories) {
        throw new DataError(
          `column ${JSON.stringify(raw.name)} has ${categories.length} distinct values in the training rows, more than --max-categories ${options.maxCategories}: an id or free-text column?`,
          {
            hint: `leave it out with --exclude ${/^[\w.:+-]+$/.test(raw.name) ? raw.name : JSON.stringify(raw.name)}, or raise --max-categories`,
          },
        );
      }
      const index = new Map(categories.map((t, i) => [t, i]));
      const map = new Int32Array(dict.length);
      for (let c = 0; c < dict.length; c++) map[c] = index.get(dict[c]!) ?? -1;
      for (let i = 0; i < categories.length; i++) {
        means.push(0);
        scales.push(1);
      }
      specs.push({ name: raw.name, kind: 'categorical', categories, impute: fill });
      remap.push(map);
    }
  }
  return {
    preprocessing: {
      columns: specs,
      naValues: [...options.naValues],
      impute: imp === null ? null : { strategy: imp.strategy, fillValue: imp.fillValue },
      dropna: options.dropna,
    },
    mean: Float64Array.from(means),
    scale: Float64Array.from(scales),
    source: Int32Array.from(order),
    remap,
  };
}

/**
 * A prepared expansion: per model column, where to read it, its imputed value and its category
 * lookup, so that expanding a row allocates nothing.
 */
export class TableExpander {
  readonly width: number;
  private readonly kinds: Uint8Array;
  private readonly fills: Float64Array;
  private readonly sizes: Int32Array;
  private readonly names: string[];

  constructor(
    readonly preprocessing: Preprocessing,
    /** Per model column: its column in the input rows. */
    private readonly source: Int32Array,
    /** Per model column: input code -> category index (-1: unknown), or null when codes are category indices already. */
    private readonly remap: readonly (Int32Array | null)[],
  ) {
    const cols = preprocessing.columns;
    this.width = expandedWidth(cols);
    this.kinds = Uint8Array.from(cols, (c) => (c.kind === 'numeric' ? 0 : 1));
    this.sizes = Int32Array.from(cols, (c) => (c.kind === 'numeric' ? 1 : c.categories.length));
    this.names = cols.map((c) => c.name);
    // The imputed value as the expansion uses it: a number, or the category index (-1 when the
    // constant is not a training category, so a missing value then encodes as all zeros); NaN = refuse.
    this.fills = Float64Array.from(cols, (c) => {
      if (c.impute === null) return NaN;
      if (c.kind === 'numeric') return c.impute;
      return c.categories.indexOf(c.impute);
    });
  }

  /**
   * Rows of `input` (row-major, `inputCols` wide) into `out` (rows x width, row-major): imputed
   * numbers as they are (the scaler applies after), one 0/1 column per category. A category index
   * out of range (an unknown word) gives all zeros, scikit-learn's handle_unknown='ignore'.
   */
  expand(input: Float64Array, inputCols: number, rows: number, out: Float64Array): void {
    const m = this.kinds.length;
    const d = this.width;
    for (let i = 0; i < rows; i++) {
      const from = i * inputCols;
      let o = i * d;
      for (let c = 0; c < m; c++) {
        let v = input[from + this.source[c]!]!;
        const missing = v !== v;
        if (missing) {
          v = this.fills[c]!;
          if (v !== v) throw new DataError(`row ${i + 1}: column ${JSON.stringify(this.names[c])} is missing and the model does not impute`);
        }
        if (this.kinds[c] === 0) {
          out[o++] = v;
          continue;
        }
        const size = this.sizes[c]!;
        for (let k = 0; k < size; k++) out[o + k] = 0;
        // The imputed value is a category index already; an input code goes through the remap.
        const map = missing ? null : this.remap[c];
        const idx = map === null || map === undefined ? v : v >= 0 && v < map.length ? map[v]! : -1;
        if (idx >= 0 && idx < size) out[o + idx] = 1;
        o += size;
      }
    }
  }

  expandTable(table: RawTable, rows: ArrayLike<number> | null): Matrix {
    const n = rows === null ? table.rows : rows.length;
    const out = new Float64Array(n * this.width);
    if (rows === null) {
      this.expand(table.data, table.cols, n, out);
    } else {
      const row = new Float64Array(table.cols);
      const one = new Float64Array(this.width);
      for (let i = 0; i < n; i++) {
        const r = rows[i]!;
        for (let j = 0; j < table.cols; j++) row[j] = table.data[r * table.cols + j]!;
        this.expand(row, table.cols, 1, one);
        out.set(one, i * this.width);
      }
    }
    return { data: out, rows: n, cols: this.width };
  }
}

/** The expander of a fitted table (training and held-out rows of the same RawTable). */
export function expanderOf(fitted: FittedTable): TableExpander {
  return new TableExpander(fitted.preprocessing, fitted.source, fitted.remap);
}
