import { appendFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { DataError, ModelError, UsageError } from '../../core/errors.js';
import { matrix, takeRows } from '../../core/matrix.js';
import { evaluateLabels, splitRows } from '../../core/pipeline.js';
import type { Matrix } from '../../core/types.js';
import { readLabelledCsv, sha256File, type LabelledData } from '../../io/csv.js';
import { digestIndices } from '../../io/model/index.js';
import type { Model } from '../../lib/model.js';
import { BUNDLED_DATA_PATH } from '../../io/package-info.js';
import { fixed, jsonLine, metricsJson, renderEvaluation } from '../format.js';
import type { CommandInput, CommandResult } from '../command.js';
import { gateLine, renderJUnit, renderMarkdown, type EvaluationSummary, type Gate } from '../report-formats.js';
import { modelPathOf, resolveSettings } from '../settings.js';

/** Columns `columns` of X, in that order, as a new matrix. */
function selectColumns(X: Matrix, from: readonly string[], columns: readonly string[]): Matrix {
  const index = columns.map((c) => from.indexOf(c));
  const d = columns.length;
  const out = new Float64Array(X.rows * d);
  for (let i = 0; i < X.rows; i++) {
    for (let j = 0; j < d; j++) out[i * d + j] = X.data[i * X.cols + (index[j] as number)] as number;
  }
  return matrix(out, X.rows, d);
}

interface Rows {
  data: LabelledData;
  /** Data row positions to score, or undefined for every row. */
  indices: number[] | undefined;
  source: string;
}

/** The model's own held-out rows: its training file read again, verified, and split as it was at training time. */
async function heldOutRows(modelPath: string, model: Model, features: string[], stdin: NodeJS.ReadableStream): Promise<Rows> {
  const { data: recorded, split } = model.training;
  const needData = 'pass the labelled rows to score with --data <file>';
  if (recorded === null || split === undefined) {
    throw new DataError(`${modelPath}: the model records no training data file (it was fitted in memory), so it has no held-out rows`, { hint: needData });
  }
  if (recorded.path === '-') {
    throw new DataError(`${modelPath}: the model was trained from stdin, so its test rows cannot be read again`, { hint: needData });
  }
  const path = recorded.bundled ? BUNDLED_DATA_PATH : resolve(dirname(modelPath), recorded.path);
  const changed = () =>
    new DataError(`${path}: the training data changed since ${modelPath} was trained (SHA-256 differs)`, {
      hint: `${needData}, or retrain the model`,
    });
  let data: LabelledData;
  try {
    data = await readLabelledCsv(path, { target: model.target, features, stdin: stdin as never });
  } catch (error) {
    // A file that changed so much that it no longer parses is first of all a changed file.
    if (error instanceof DataError) {
      const now = await sha256File(path).catch(() => undefined);
      if (now !== undefined && now !== recorded.sha256) throw changed();
    }
    if (error instanceof DataError) {
      throw new DataError(`cannot read the training data of ${modelPath} again: ${error.message}`, { hint: needData, cause: error });
    }
    throw error;
  }
  if (data.sha256 !== recorded.sha256) throw changed();
  const { test } = splitRows(data.labels, {
    testSize: split.testSize,
    seed: split.seed,
    stratify: split.stratify,
    splitShuffle: split.shuffle,
  });
  if (test.length !== split.test || digestIndices(test) !== split.testIndicesSha256) {
    throw new ModelError(`${modelPath}: the recorded test split cannot be reproduced from ${recorded.path}`, { hint: needData });
  }
  return { data, indices: test, source: `the held-out test split of ${recorded.bundled ? 'the bundled Iris data' : recorded.path}` };
}

function takeLabels(labels: readonly string[], indices: number[] | undefined): string[] {
  return indices === undefined ? [...labels] : indices.map((i) => labels[i] as string);
}

function scoreOn(model: Model, rows: Rows): { labels: string[]; predictions: Int32Array } {
  const { data, indices } = rows;
  // Rows first: the held-out rows are a fraction of the file.
  const rowsToScore = indices === undefined ? data.X : takeRows(data.X, indices);
  const X = selectColumns(rowsToScore, data.features, model.features);
  const { predictions } = model.scoreRows(X);
  return { labels: takeLabels(data.labels, indices), predictions };
}

export async function run({ ctx, flags, config }: CommandInput): Promise<CommandResult> {
  const started = performance.now();
  const s = resolveSettings('evaluate', flags, config);
  const format = s.json === true ? 'json' : s.format ?? 'text';
  ctx.quiet = s.quiet === true;
  ctx.machineOutput = format !== 'text';
  // A config file may set evaluate.maxDrop for the runs that compare; only the flag itself needs --baseline.
  if (s.maxDrop !== undefined && s.baseline === undefined && flags.source('maxDrop') === 'cli') {
    throw new UsageError('--max-drop needs --baseline <model>');
  }
  const modelPath = modelPathOf(s, config);
  const model = await ctx.model(modelPath);
  const baseline = s.baseline === undefined ? undefined : await ctx.model(s.baseline);
  const target = model.target;
  if (baseline !== undefined && baseline.target !== target) {
    throw new ModelError(`${s.baseline}: the baseline predicts "${baseline.target}", the model "${target}"`, {
      hint: 'compare models trained for the same target',
    });
  }
  const features = [...new Set([...model.features, ...(baseline?.features ?? [])])];

  const spinner = await ctx.spinner('scoring');
  let rows: Rows;
  try {
    rows =
      s.data === undefined
        ? await heldOutRows(modelPath, model, features, ctx.io.stdin)
        : {
            data: await readLabelledCsv(s.data, { target, features, stdin: ctx.io.stdin }),
            indices: undefined,
            source: s.data === '-' ? 'stdin' : s.data,
          };
  } finally {
    spinner.stop();
  }
  const scored = scoreOn(model, rows);
  const evaluation = evaluateLabels(scored.labels, scored.predictions, model.classes);
  const { report } = evaluation;
  if (evaluation.unseen.length > 0) {
    ctx.warn(`labels the model never saw, counted as errors: ${evaluation.unseen.join(', ')}`);
  }

  const gates: Gate[] = [];
  if (s.minAccuracy !== undefined) {
    gates.push({ name: 'min-accuracy', description: `accuracy >= ${s.minAccuracy}`, threshold: s.minAccuracy, value: report.accuracy, passed: report.accuracy >= s.minAccuracy });
  }
  if (s.minF1 !== undefined) {
    const f1 = report.macro.f1;
    gates.push({ name: 'min-f1', description: `macro F1 >= ${s.minF1}`, threshold: s.minF1, value: f1, passed: f1 >= s.minF1 });
  }
  let baselineAccuracy: number | undefined;
  if (baseline !== undefined) {
    const base = scoreOn(baseline, rows);
    const baseAccuracy = evaluateLabels(base.labels, base.predictions, baseline.classes).report.accuracy;
    baselineAccuracy = baseAccuracy;
    const maxDrop = s.maxDrop ?? 0;
    const drop = baseAccuracy - report.accuracy;
    gates.push({
      name: 'max-drop',
      description: `accuracy drop from baseline ${s.baseline} (${baseAccuracy}) <= ${maxDrop}`,
      threshold: maxDrop,
      value: drop,
      passed: drop <= maxDrop,
    });
  }
  const passed = gates.every((g) => g.passed);
  const metrics = metricsJson(evaluation);
  const summary: EvaluationSummary = { model: modelPath, source: rows.source, labels: evaluation.labels, ...metrics, gates, passed };

  if (ctx.io.env.GITHUB_STEP_SUMMARY) {
    try {
      await appendFile(ctx.io.env.GITHUB_STEP_SUMMARY, renderMarkdown(summary));
    } catch (error) {
      ctx.warn(`could not append to GITHUB_STEP_SUMMARY (${ctx.io.env.GITHUB_STEP_SUMMARY}): ${(error as Error).message}`);
    }
  }
  if (ctx.quiet) return passed ? 0 : 1;
  const seconds = (performance.now() - started) / 1000;
  switch (format) {
    case 'json':
      ctx.write(
        jsonLine({
          model: modelPath,
          data: rows.source,
          target,
          features: model.features,
          classes: model.classes,
          labels: evaluation.labels,
          unseenLabels: evaluation.unseen,
          ...metrics,
          ...(baseline === undefined ? {} : { baseline: { model: s.baseline, accuracy: baselineAccuracy } }),
          gates: gates.map(({ name, threshold, value, passed: ok }) => ({ name, threshold, value, passed: ok })),
          passed,
        }),
      );
      break;
    case 'junit':
      ctx.write(renderJUnit(summary, seconds));
      break;
    case 'markdown':
      ctx.write(renderMarkdown(summary));
      break;
    default: {
      const c = ctx.out;
      const gateText =
        gates.length === 0
          ? '  (none: pass --min-accuracy, --min-f1 or --baseline to gate)\n'
          : gates.map((g) => `  ${g.passed ? c.green('pass') : c.red('FAIL')}  ${gateLine(g)}\n`).join('');
      ctx.write(
        `${c.bold('Evaluated')} ${modelPath} on ${rows.source}: ${report.n} rows\n` +
          `  accuracy  ${fixed(report.accuracy)} (${report.misclassified} of ${report.n} misclassified)\n` +
          `  macro F1  ${fixed(report.macro.f1)}\n` +
          (baselineAccuracy === undefined ? '' : `  baseline  ${s.baseline}: accuracy ${fixed(baselineAccuracy)}\n`) +
          `\n${renderEvaluation(evaluation, c)}\n${c.bold('Gates')}\n${gateText}` +
          `\n${passed ? c.green('PASSED') : c.red('FAILED')}\n`,
      );
    }
  }
  return passed ? 0 : 1;
}
