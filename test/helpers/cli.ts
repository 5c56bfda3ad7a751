import { execa, type Options } from 'execa';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll } from 'vitest';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const BIN = join(ROOT, 'bin', 'iris.js');
export const IRIS_CSV = join(ROOT, 'data', 'iris.csv');

export interface ReferenceCase {
  name: string;
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

export const REFERENCE: { cases: ReferenceCase[] } = JSON.parse(
  readFileSync(join(ROOT, 'fixtures', 'reference', 'iris-sklearn.json'), 'utf8'),
);

/** An environment without the colour and CI variables of the machine running the tests. */
export function cleanEnv(extra: Record<string, string> = {}): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (value !== undefined && !/^(NO_COLOR|FORCE_COLOR|CI|IRIS_DEBUG|GITHUB_STEP_SUMMARY|TERM)$/.test(key)) env[key] = value;
  }
  return { ...env, ...extra };
}

export interface RunOptions {
  cwd?: string;
  input?: string;
  env?: Record<string, string>;
}

/** Runs the built CLI as users do: a separate process, exit code, stdout and stderr apart. */
export async function iris(args: string[], options: RunOptions = {}) {
  const execaOptions: Options = {
    cwd: options.cwd ?? ROOT,
    env: cleanEnv(options.env),
    extendEnv: false,
    reject: false,
    stripFinalNewline: false,
    ...(options.input === undefined ? { stdin: 'ignore' as const } : { input: options.input }),
  };
  const result = await execa('node', [BIN, ...args], execaOptions);
  return { exitCode: result.exitCode ?? -1, stdout: String(result.stdout), stderr: String(result.stderr) };
}

/** A fresh folder for one test file, removed afterwards. */
export function tempDir(prefix = 'iris-e2e-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** Relative difference, for numbers scikit-learn printed and we recomputed. */
export function relDiff(a: number, b: number): number {
  if (a === b) return 0;
  return Math.abs(a - b) / Math.max(Math.abs(a), Math.abs(b), 1e-300);
}

/** The test rows of a reference case as CSV text (features in the given order, optional extra column). */
export function testRowsCsv(
  refCase: ReferenceCase,
  { header = true, order, extra = false, target = false }: { header?: boolean; order?: string[]; extra?: boolean; target?: boolean } = {},
): string {
  const lines = readFileSync(IRIS_CSV, 'utf8').trim().split('\n');
  const columns = (lines[0] as string).split(',');
  const rows = lines.slice(1).map((line) => line.split(','));
  const features = order ?? refCase.features;
  const outColumns = [...(extra ? ['id'] : []), ...features, ...(target ? [refCase.target] : [])];
  const body = refCase.split.test.map((index) => {
    const row = rows[index] as string[];
    return outColumns.map((c) => (c === 'id' ? `row${index}` : (row[columns.indexOf(c)] as string))).join(',');
  });
  return `${header ? `${outColumns.join(',')}\n` : ''}${body.join('\n')}\n`;
}
