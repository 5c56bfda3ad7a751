/**
 * What a model does to a table's columns before the linear model sees them (docs/MODEL_FORMAT.md,
 * "preprocessing"): scikit-learn's
 *   ColumnTransformer([('num', make_pipeline(SimpleImputer(s), StandardScaler()), numeric),
 *                      ('cat', make_pipeline(SimpleImputer('most_frequent'|'constant'),
 *                                            OneHotEncoder(handle_unknown='ignore')), categorical)])
 * as plain fitted data. The scaler's statistics stay in FittedModel.mean/scale, one per expanded
 * column (a one-hot column has mean 0 and scale 1, which leaves 0 and 1 exactly as they are), so
 * scoring an expanded row is the all-numeric scoring, unchanged.
 */

export type ColumnKind = 'numeric' | 'categorical';
export type ImputeStrategy = 'mean' | 'median' | 'most_frequent' | 'constant';
export const IMPUTE_STRATEGIES: readonly ImputeStrategy[] = ['mean', 'median', 'most_frequent', 'constant'];
/** 'any': rows missing the target or any feature were dropped; 'target': rows missing the target. */
export type DropnaPolicy = 'none' | 'any' | 'target';
export const DROPNA_POLICIES: readonly DropnaPolicy[] = ['none', 'any', 'target'];

export interface NumericColumn {
  readonly name: string;
  readonly kind: 'numeric';
  /** SimpleImputer's statistic; null when the model does not impute (a missing value is refused). */
  readonly impute: number | null;
}

export interface CategoricalColumn {
  readonly name: string;
  readonly kind: 'categorical';
  /** The distinct training values, sorted by code point: one 0/1 column each, in this order. */
  readonly categories: readonly string[];
  readonly impute: string | null;
}

export type ColumnSpec = NumericColumn | CategoricalColumn;

export interface Preprocessing {
  /** Input columns in model order: the numeric features in the order given, then the categorical ones. */
  readonly columns: readonly ColumnSpec[];
  /** A field that is exactly one of these strings is a missing value (pandas' na_values). */
  readonly naValues: readonly string[];
  /** null: no imputation (a missing feature value is an error). */
  readonly impute: { readonly strategy: ImputeStrategy; readonly fillValue: string | null } | null;
  readonly dropna: DropnaPolicy;
}

/** pandas 1.5's STR_NA_VALUES, in code-point order (docs/SKLEARN_PARITY.md §9.8). */
export const DEFAULT_NA_VALUES: readonly string[] = Object.freeze([
  '',
  '#N/A',
  '#N/A N/A',
  '#NA',
  '-1.#IND',
  '-1.#QNAN',
  '-NaN',
  '-nan',
  '1.#IND',
  '1.#QNAN',
  '<NA>',
  'N/A',
  'NA',
  'NULL',
  'NaN',
  'n/a',
  'nan',
  'null',
]);

/** The preprocessing of an all-numeric model without imputation: what every model before format 3 did. */
export function numericPreprocessing(features: readonly string[]): Preprocessing {
  return {
    columns: features.map((name) => ({ name, kind: 'numeric', impute: null })),
    naValues: DEFAULT_NA_VALUES,
    impute: null,
    dropna: 'none',
  };
}

/** The linear model's column names: numeric names as they are, then `name=category` per category. */
export function expandedNames(columns: readonly ColumnSpec[]): string[] {
  const out: string[] = [];
  for (const c of columns) {
    if (c.kind === 'numeric') out.push(c.name);
    else for (const cat of c.categories) out.push(`${c.name}=${cat}`);
  }
  return out;
}

/** Numbers a row becomes: one per numeric column, one per category. */
export function expandedWidth(columns: readonly ColumnSpec[]): number {
  let d = 0;
  for (const c of columns) d += c.kind === 'numeric' ? 1 : c.categories.length;
  return d;
}

/** True when the model reads plain numbers into its columns one to one (today's fast path). */
export function isPlainNumeric(p: Preprocessing): boolean {
  return p.impute === null && p.columns.every((c) => c.kind === 'numeric');
}

/** Strict code-point order of two strings (JS `<` compares UTF-16 units, which differs above U+FFFF). */
export function codePointLess(a: string, b: string): boolean {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.codePointAt(i)!;
    const y = b.codePointAt(i)!;
    if (x !== y) return x < y;
    if (x > 0xffff) i++;
  }
  return a.length < b.length;
}

/** Sorts strings by code point, as numpy and Python sort `str`. */
export function sortByCodePoint(values: readonly string[]): string[] {
  return [...values].sort((a, b) => (a === b ? 0 : codePointLess(a, b) ? -1 : 1));
}
