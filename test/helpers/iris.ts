/** Test-only loaders for the bundled Iris CSV and the scikit-learn reference fixture. */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));

export interface Table {
  header: string[];
  rows: string[][];
}

/** Naive CSV: the bundled files have no quoting. */
export function readCsv(relPath: string): Table {
  const text = readFileSync(ROOT + relPath, 'utf8');
  const lines = text.split(/\r?\n/).filter((l) => l.trim() !== '');
  const [head, ...rest] = lines;
  return { header: head!.split(','), rows: rest.map((l) => l.split(',')) };
}

export interface Dataset {
  features: string[];
  target: string;
  /** Row-major, rows x features.length. */
  X: Float64Array;
  labels: string[];
  rows: number;
}

export function loadIris(features?: readonly string[]): Dataset {
  const { header, rows } = readCsv('data/iris.csv');
  const target = header[header.length - 1]!;
  const feats = features ? [...features] : header.slice(0, -1);
  const cols = feats.map((f) => {
    const c = header.indexOf(f);
    if (c < 0) throw new Error(`no column ${f}`);
    return c;
  });
  const t = header.indexOf(target);
  const X = new Float64Array(rows.length * feats.length);
  rows.forEach((r, i) => cols.forEach((c, j) => (X[i * feats.length + j] = Number(r[c]))));
  return { features: feats, target, X, labels: rows.map((r) => r[t]!), rows: rows.length };
}

export interface ReferenceCase {
  name: string;
  data: string;
  cli: string[];
  target: string;
  features: string[];
  classes: string[];
  split: { train: number[]; test: number[] };
  scaler: { mean: number[]; scale: number[] };
  coef: number[][];
  intercept: number[];
  n_iter: number;
  test_predictions: string[];
  test_decision_function: number[][] | number[];
  accuracy: number;
  misclassified: number;
  confusion_matrix: number[][];
  per_class: Record<string, { precision: number; recall: number; f1: number; support: number }>;
}

export function loadReference(): ReferenceCase[] {
  const json = JSON.parse(readFileSync(ROOT + 'fixtures/reference/iris-sklearn.json', 'utf8')) as {
    cases: ReferenceCase[];
  };
  return json.cases;
}

export interface CliOptions {
  features?: string[];
  testSize: number;
  seed: number;
  stratify: boolean;
  splitShuffle: boolean;
  maxIter: number;
  eta0: number;
  tol: number | null;
  nIterNoChange: number;
  shuffle: boolean;
}

/** The `iris train` flags the fixture uses, with the CLI's defaults. */
export function parseCli(args: readonly string[]): CliOptions {
  const o: CliOptions = {
    testSize: 0.3,
    seed: 0,
    stratify: false,
    splitShuffle: true,
    maxIter: 40,
    eta0: 0.1,
    tol: 1e-3,
    nIterNoChange: 5,
    shuffle: true,
  };
  for (let i = 0; i < args.length; i++) {
    const flag = args[i]!;
    const value = (): string => {
      const v = args[++i];
      if (v === undefined) throw new Error(`${flag} needs a value`);
      return v;
    };
    switch (flag) {
      case '--max-iter':
        o.maxIter = Number(value());
        break;
      case '--eta0':
        o.eta0 = Number(value());
        break;
      case '--test-size': {
        const v = value();
        // Integer text is a row count; anything with a '.' is a fraction (1.0 is not a count).
        o.testSize = /^\d+$/.test(v) ? parseInt(v, 10) : Number(v);
        break;
      }
      case '--seed':
        o.seed = Number(value());
        break;
      case '--stratify':
        o.stratify = true;
        break;
      case '--no-split-shuffle':
        o.splitShuffle = false;
        break;
      case '--tol': {
        const v = value();
        o.tol = v === 'none' ? null : Number(v);
        break;
      }
      case '--n-iter-no-change':
        o.nIterNoChange = Number(value());
        break;
      case '--no-shuffle':
        o.shuffle = false;
        break;
      case '--features':
        o.features = value().split(',');
        break;
      default:
        throw new Error(`unknown flag ${flag}`);
    }
  }
  return o;
}

/** The error `fn` throws, so that a test can check both its class and its message. */
export function caught(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  throw new Error('expected the call to throw');
}
