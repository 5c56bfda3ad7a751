import { execa, type Options } from 'execa';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect } from 'vitest';
import { ROOT, loadReference, type ReferenceCase } from './iris.js';

export { ROOT, type ReferenceCase };

export const BIN = join(ROOT, 'bin', 'iris.js');
export const IRIS_CSV = join(ROOT, 'data', 'iris.csv');

export const REFERENCE = { cases: loadReference() };

/**
 * An environment without the colour and CI variables of the machine running the tests, nor its extra
 * CA certificates: nothing spawned here makes a TLS connection, and Node parses NODE_EXTRA_CA_CERTS at
 * every start (on a machine that sets it, about 30 ms of CPU for each of the suite's ~1000 processes).
 */
export function cleanEnv(extra: Record<string, string> = {}): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (value !== undefined && !/^(NO_COLOR|FORCE_COLOR|CI|IRIS_DEBUG|GITHUB_STEP_SUMMARY|TERM|NODE_EXTRA_CA_CERTS)$/.test(key)) env[key] = value;
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

/** Trains one model per reference case into `dir` (as `<case name>.json`) before the tests of a file. */
export function trainReferenceModels(dir: string): (refCase: ReferenceCase) => string {
  const modelOf = (refCase: ReferenceCase) => join(dir, `${refCase.name}.json`);
  beforeAll(async () => {
    await Promise.all(
      REFERENCE.cases.map(async (refCase) => {
        const { exitCode, stderr } = await iris(['train', '--data', IRIS_CSV, '--out', modelOf(refCase), '-q', ...refCase.cli]);
        if (exitCode !== 0) throw new Error(stderr);
      }),
    );
  }, 60_000);
  return modelOf;
}

/** Test metrics as the CLI prints them (train --json, evaluate --json) against scikit-learn's. */
export function expectReferenceMetrics(
  metrics: { accuracy: number; misclassified: number; confusionMatrix: number[][]; perClass: Record<string, Record<string, number>> },
  refCase: ReferenceCase,
): void {
  expect(metrics.accuracy).toBe(refCase.accuracy);
  expect(metrics.misclassified).toBe(refCase.misclassified);
  expect(metrics.confusionMatrix).toEqual(refCase.confusion_matrix);
  for (const [label, scores] of Object.entries(refCase.per_class)) {
    expect(metrics.perClass[label]?.support).toBe(scores.support);
    for (const key of ['precision', 'recall', 'f1'] as const) {
      expect(relDiff(metrics.perClass[label]?.[key] as number, scores[key])).toBeLessThanOrEqual(1e-12);
    }
  }
}
