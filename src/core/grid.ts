/**
 * scikit-learn's `ParameterGrid` over the Perceptron's parameters (docs/SKLEARN_PARITY.md §16.1):
 * a dict or a list of dicts, keys sorted within each, the last key varying fastest, values in the
 * order given. Names are scikit-learn's (`-` and `_` alike); values are checked by type here.
 */
import { validateClassWeight } from './class-weight.js';
import { UsageError } from './errors.js';
import type { PerceptronParams } from './perceptron.js';

export type GridValue = number | string | boolean | null | Readonly<Record<string, number>>;
/** One candidate: scikit-learn parameter name → value. */
export type Candidate = Readonly<Record<string, GridValue>>;
export type ParamGrid = Readonly<Record<string, readonly GridValue[]>> | readonly Readonly<Record<string, readonly GridValue[]>>[];

type Check = (v: GridValue) => boolean;
const isNum = (v: GridValue): v is number => typeof v === 'number' && Number.isFinite(v);
const isWhole = (v: GridValue) => isNum(v) && Number.isInteger(v);

/** scikit-learn name → [iris parameter, what the value must be, the check]. */
export const GRID_PARAMETERS: Readonly<Record<string, readonly [keyof PerceptronParams, string, Check]>> = {
  alpha: ['alpha', 'a number >= 0', (v) => isNum(v) && v >= 0],
  class_weight: [
    'classWeight',
    'none, balanced or {class:weight,...}',
    (v) => {
      try {
        validateClassWeight(v);
        return true;
      } catch {
        return false;
      }
    },
  ],
  early_stopping: ['earlyStopping', 'true or false', (v) => typeof v === 'boolean'],
  eta0: ['eta0', 'a number > 0', (v) => isNum(v) && v > 0],
  fit_intercept: ['fitIntercept', 'true or false', (v) => typeof v === 'boolean'],
  l1_ratio: ['l1Ratio', 'a number from 0 to 1', (v) => isNum(v) && v >= 0 && v <= 1],
  max_iter: ['maxIter', 'a whole number >= 1', (v) => isWhole(v) && (v as number) >= 1],
  n_iter_no_change: ['nIterNoChange', 'a whole number >= 1', (v) => isWhole(v) && (v as number) >= 1],
  penalty: ['penalty', 'none, l2, l1 or elasticnet', (v) => v === null || v === 'l2' || v === 'l1' || v === 'elasticnet'],
  shuffle: ['shuffle', 'true or false', (v) => typeof v === 'boolean'],
  tol: ['tol', 'none or a number >= 0', (v) => v === null || (isNum(v) && v >= 0)],
  validation_fraction: ['validationFraction', 'a number between 0 and 1 (excluded)', (v) => isNum(v) && v > 0 && v < 1],
};

function show(v: unknown): string {
  const text = JSON.stringify(v) ?? String(v);
  return text.length > 40 ? `${text.slice(0, 37)}...` : text;
}

/** Python's sorted() on str: code-point order. */
function byCodePoint(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Checks a param_grid (names normalised to `_`) and returns it as a list of dicts. */
export function normaliseGrid(grid: unknown, where = 'grid'): Record<string, GridValue[]>[] {
  const dicts = Array.isArray(grid) ? grid : [grid];
  if (dicts.length === 0) throw new UsageError(`${where}: the list of grids is empty`);
  return dicts.map((dict, g) => {
    const at = Array.isArray(grid) ? `${where}[${g}]` : where;
    if (typeof dict !== 'object' || dict === null || Array.isArray(dict)) throw new UsageError(`${at}: expected an object of name: [values]`);
    const out: Record<string, GridValue[]> = {};
    for (const [raw, values] of Object.entries(dict as Record<string, unknown>)) {
      const name = raw.replace(/-/g, '_');
      const spec = Object.hasOwn(GRID_PARAMETERS, name) ? GRID_PARAMETERS[name] : undefined;
      if (spec === undefined) {
        throw new UsageError(`${at}: unknown parameter ${show(raw)}`, { hint: `the grid takes ${Object.keys(GRID_PARAMETERS).join(', ')}` });
      }
      if (Object.hasOwn(out, name)) throw new UsageError(`${at}: parameter ${name} is given twice`);
      if (!Array.isArray(values)) throw new UsageError(`${at}: ${name}: expected a list of values, got ${show(values)}`);
      if (values.length === 0) throw new UsageError(`${at}: ${name}: the list of values is empty`, { hint: 'give at least one value' });
      for (const v of values as GridValue[]) {
        if (!spec[2](v)) throw new UsageError(`${at}: ${name}: ${show(v)} is not ${spec[1]}`);
      }
      out[name] = [...(values as GridValue[])];
    }
    return out;
  });
}

/** ParameterGrid order: each dict in turn, keys sorted, itertools.product (last key fastest). */
export function parameterGrid(grid: ParamGrid | Record<string, GridValue[]>[]): Candidate[] {
  const out: Candidate[] = [];
  for (const dict of normaliseGrid(grid)) {
    const keys = Object.keys(dict).sort(byCodePoint);
    if (keys.length === 0) {
      out.push({});
      continue;
    }
    const lists = keys.map((k) => dict[k]!);
    const pos = new Array<number>(keys.length).fill(0);
    for (;;) {
      const cand: Record<string, GridValue> = {};
      keys.forEach((k, i) => (cand[k] = lists[i]![pos[i]!]!));
      out.push(cand);
      let i = keys.length - 1;
      while (i >= 0 && ++pos[i]! === lists[i]!.length) pos[i--] = 0;
      if (i < 0) break;
    }
  }
  return out;
}

/** A candidate over the base hyperparameters (scikit-learn's set_params). */
export function applyCandidate<P extends Partial<PerceptronParams>>(base: P, candidate: Candidate): P {
  const out: Record<string, unknown> = { ...base };
  for (const [name, value] of Object.entries(candidate)) out[GRID_PARAMETERS[name]![0]] = value;
  return out as P;
}

/**
 * The command line's grid: space-separated `name=v1,v2,...`; values are numbers, none, true/false,
 * words (l2, balanced), or {class:weight,...} for class_weight (commas inside braces belong to it).
 */
export function parseGridSpec(spec: string): Record<string, GridValue[]> {
  const dict: Record<string, GridValue[]> = {};
  const items = spec.trim() === '' ? [] : spec.trim().split(/\s+/);
  if (items.length === 0) throw new UsageError('--grid is empty', { hint: 'e.g. --grid "eta0=0.01,0.1,1 penalty=l2,l1"' });
  for (const item of items) {
    const eq = item.indexOf('=');
    if (eq <= 0) throw new UsageError(`--grid: ${show(item)} is not name=values`, { hint: 'e.g. --grid "eta0=0.01,0.1,1 penalty=l2,l1"' });
    const name = item.slice(0, eq);
    if (Object.hasOwn(dict, name)) throw new UsageError(`--grid: parameter ${name} is given twice`);
    const text = item.slice(eq + 1);
    dict[name] = text === '' ? [] : splitTop(text).map((v) => parseValue(v, name));
  }
  return dict;
}

function splitTop(text: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (ch === '{') depth++;
    else if (ch === '}') depth--;
    else if (ch === ',' && depth === 0) {
      parts.push(text.slice(start, i));
      start = i + 1;
    }
  }
  parts.push(text.slice(start));
  return parts;
}

const NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

function parseValue(text: string, name: string): GridValue {
  const v = text.trim();
  if (v === 'none' || v === 'None' || v === 'null') return null;
  if (v === 'true' || v === 'True') return true;
  if (v === 'false' || v === 'False') return false;
  if (NUMBER.test(v)) return Number(v);
  if (v.startsWith('{') && v.endsWith('}')) {
    const out: Record<string, number> = {};
    const body = v.slice(1, -1).trim();
    for (const pair of body === '' ? [] : body.split(',')) {
      const at = pair.lastIndexOf(':');
      const key = pair
        .slice(0, at)
        .trim()
        .replace(/^["']|["']$/g, '');
      const w = pair.slice(at + 1).trim();
      if (at <= 0 || key === '' || !NUMBER.test(w)) throw new UsageError(`--grid: ${name}: ${show(v)} is not {class:weight,...}`);
      out[key] = Number(w);
    }
    return out;
  }
  if (v === '') throw new UsageError(`--grid: ${name}: an empty value`);
  return v;
}
