import { appendFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { DataError, isIrisError, ModelError, UsageError } from '../../core/errors.js';
import { isNumericLabel, wholeNumberName } from '../../core/labels.js';
import { matrix, takeRows } from '../../core/matrix.js';
import { evaluateLabels, splitRows } from '../../core/pipeline.js';
import type { Matrix } from '../../core/types.js';
import { readLabelledCsv, sha256File, type DialectOptions, type LabelledData } from '../../io/csv/index.js';
import { digestIndices } from '../../io/model/index.js';
import type { Model } from '../../lib/model.js';
import { BUNDLED_DATA_PATH } from '../../io/package-info.js';
import { fixed, jsonLine, metricsJson, renderEvaluation } from '../format.js';
import { rocOf } from '../roc-metrics.js';
import type { CommandInput, CommandResult } from '../command.js';
import { csvDialect, dialectOfModel } from '../csv-options.js';
import { gateLine, renderJUnit, renderJUnitError, renderMarkdown, renderMarkdownError, type EvaluationSummary, type Gate } from '../report-formats.js';
import { modelPathOf, resolveSettings, type Settings } from '../settings.js';
import { inputRowsOf, prepareLike, tableReadOf } from '../evaluate-table.js';
import type { TableReadOptions } from '../../io/csv/table-cells.js';

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
async function heldOutRows(
  modelPath: string,
  model: Model,
  features: string[],
  stdin: NodeJS.ReadableStream,
  dialect: DialectOptions,
  onHeader: (columns: readonly string[]) => void,
  table: TableReadOptions | undefined,
  prepare: (data: LabelledData) => LabelledData,
): Promise<Rows> {
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
    // The file is read as it was at training time (its recorded dialect), unless flags say otherwise.
    data = await readLabelledCsv(path, {
      target: model.target,
      features,
      ...dialectOfModel(recorded),
      ...dialect,
      onHeader,
      stdin: stdin as never,
      ...(table === undefined ? {} : { table }),
    });
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
  // The split counts the rows training kept (after its --dropna).
  data = prepare(data);
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

function scoreOn(model: Model, rows: Rows): { labels: string[]; predictions: Int32Array; scores: Float64Array } {
  const { data, indices } = rows;
  // Rows first: the held-out rows are a fraction of the file.
  if (data.table !== undefined) {
    const { predictions, scores } = model.scoreInputRows(inputRowsOf(model, data, indices));
    return { labels: inModelNames(takeLabels(data.labels, indices), model.classes), predictions, scores };
  }
  const rowsToScore = indices === undefined ? data.X : takeRows(data.X, indices);
  const X = selectColumns(rowsToScore, data.features, model.features);
  const { predictions, scores } = model.scoreRows(X);
  return { labels: inModelNames(takeLabels(data.labels, indices), model.classes), predictions, scores };
}

/**
 * Numeric labels are read as class names in plain digits (`2.0` as `2`); a model written before
 * that rule may name its classes as its data spelled them (`2.0`). Such labels are matched to the
 * model's own names, so an older model still scores its own data.
 */
function inModelNames(labels: string[], classes: readonly string[]): string[] {
  const rename = new Map<string, string>();
  for (const name of classes) {
    const plain = isNumericLabel(name) ? wholeNumberName(name) : undefined;
    if (plain !== undefined && plain !== name && !classes.includes(plain)) rename.set(plain, name);
  }
  return rename.size === 0 ? labels : labels.map((label) => rename.get(label) ?? label);
}

/**
 * How many of the scored rows were training rows of `model`: the same file (by SHA-256 and row
 * count) split as the model recorded it.
 */
function ownTrainingRows(model: Model, rows: Rows): number {
  const { data: recorded, split } = model.training;
  if (recorded === null || split === undefined || recorded.sha256 !== rows.data.sha256 || recorded.rows !== rows.data.X.rows) return 0;
  const { train } = splitRows(rows.data.labels, { testSize: split.testSize, seed: split.seed, stratify: split.stratify, splitShuffle: split.shuffle });
  const inTrain = new Uint8Array(rows.data.X.rows);
  for (const i of train) inTrain[i] = 1;
  const scored = rows.indices ?? Array.from({ length: rows.data.X.rows }, (_, i) => i);
  return scored.reduce((count, i) => count + (inTrain[i] ?? 0), 0);
}

type Format = 'text' | 'json' | 'junit' | 'markdown' | 'html';

/**
 * A run that fails before it has a report still leaves CI a document: a JUnit file with one
 * <error> test case, a short Markdown failure section (stdout and GITHUB_STEP_SUMMARY). The error
 * itself is then reported as usual, with its exit code.
 */
async function reportFailure(ctx: CommandInput['ctx'], error: unknown, modelPath: string, format: Format, seconds: number): Promise<void> {
  const failure = {
    model: modelPath,
    kind: isIrisError(error) ? error.name : 'InternalError',
    message: error instanceof Error ? error.message : String(error),
    hint: isIrisError(error) ? error.hint : undefined,
  };
  if (ctx.io.env.GITHUB_STEP_SUMMARY) {
    await appendFile(ctx.io.env.GITHUB_STEP_SUMMARY, renderMarkdownError(failure)).catch(() => undefined);
  }
  // --quiet silences the text report, which is for people; a document asked for with --format is data.
  if (ctx.quiet && format === 'text') return;
  if (format === 'junit') ctx.write(renderJUnitError(failure, seconds));
  else if (format === 'markdown') ctx.write(renderMarkdownError(failure));
}

export async function run({ ctx, flags, config }: CommandInput): Promise<CommandResult> {
  const started = performance.now();
  const s = resolveSettings('evaluate', flags, config);
  const format: Format = s.json === true ? 'json' : (s.format ?? 'text');
  ctx.quiet = s.quiet === true;
  ctx.machineOutput = format !== 'text';
  const modelPath = modelPathOf(s, config);
  try {
    return await evaluate({ ctx, flags, config, args: [] }, s, format, modelPath, started);
  } catch (error) {
    await reportFailure(ctx, error, modelPath, format, (performance.now() - started) / 1000);
    throw error;
  }
}

async function evaluate({ ctx, flags }: CommandInput, s: Settings<'evaluate'>, format: Format, modelPath: string, started: number): Promise<CommandResult> {
  // A config file may set evaluate.maxDrop for the runs that compare; only the flag itself needs --baseline.
  if (s.maxDrop !== undefined && s.baseline === undefined && flags.source('maxDrop') === 'cli') {
    throw new UsageError('--max-drop needs --baseline <model>');
  }
  if (s.out !== undefined && format !== 'html' && flags.source('out') === 'cli') {
    throw new UsageError('--out goes with --format html', { hint: 'to keep the HTML page beside another format, pass --html <path>' });
  }
  const model = await ctx.model(modelPath);
  const baseline = s.baseline === undefined ? undefined : await ctx.model(s.baseline);
  const target = model.target;
  if (baseline !== undefined && baseline.target !== target) {
    throw new ModelError(`${s.baseline}: the baseline predicts "${baseline.target}", the model "${target}"`, {
      hint: 'compare models trained for the same target',
    });
  }
  const table = tableReadOf([model, baseline]);
  // The columns read: the models' inputs (island, not island=Biscoe).
  const features = [...new Set([...model.inputs.map((i) => i.name), ...(baseline?.inputs.map((i) => i.name) ?? [])])];
  const dialect = csvDialect(s);
  let dropped = 0;
  const prepare = (data: LabelledData): LabelledData => {
    const prepared = prepareLike(data, model);
    dropped = prepared.dropped;
    return prepared.data;
  };
  let header: readonly string[] | undefined;
  const onHeader = (columns: readonly string[]) => (header = columns);

  const spinner = await ctx.spinner('scoring');
  let rows: Rows;
  try {
    rows =
      s.data === undefined
        ? await heldOutRows(modelPath, model, features, ctx.io.stdin, dialect, onHeader, table, prepare)
        : {
            data: prepare(
              await readLabelledCsv(s.data, {
                target,
                features,
                exclude: s.exclude,
                ...dialect,
                onHeader,
                stdin: ctx.io.stdin,
                ...(table === undefined ? {} : { table }),
              }),
            ),
            indices: undefined,
            source: s.data === '-' ? 'stdin' : s.data,
          };
  } catch (error) {
    // Columns that only the baseline needs: the baseline does not fit these rows, not the model.
    const columns = header;
    if (error instanceof DataError && baseline !== undefined && columns !== undefined && model.features.every((f) => columns.includes(f))) {
      const missing = baseline.features.filter((f) => !columns.includes(f));
      if (missing.length > 0) {
        throw new ModelError(
          `${s.baseline}: the baseline needs ${missing.length === 1 ? 'the column' : 'the columns'} ${missing.map((m) => JSON.stringify(m)).join(', ')}, ` +
            `which ${s.data ?? 'the data of the model'} lacks`,
          { hint: 'compare with a baseline trained on the same columns, or pass --data with every column both models need', cause: error },
        );
      }
    }
    throw error;
  } finally {
    spinner.stop();
  }
  if (dropped > 0) ctx.warn(`${dropped} row${dropped === 1 ? '' : 's'} with a missing value dropped, as --dropna did in training`);
  const scored = scoreOn(model, rows);
  const evaluation = evaluateLabels(scored.labels, scored.predictions, model.classes);
  const { report } = evaluation;
  if (evaluation.unseen.length > 0) {
    ctx.warn(`labels the model never saw, counted as errors: ${evaluation.unseen.join(', ')}`);
  }

  const gates: Gate[] = [];
  if (s.minAccuracy !== undefined) {
    gates.push({
      name: 'min-accuracy',
      description: `accuracy >= ${s.minAccuracy}`,
      threshold: s.minAccuracy,
      value: report.accuracy,
      passed: report.accuracy >= s.minAccuracy,
    });
  }
  if (s.minF1 !== undefined) {
    const f1 = report.macro.f1;
    gates.push({ name: 'min-f1', description: `macro F1 >= ${s.minF1}`, threshold: s.minF1, value: f1, passed: f1 >= s.minF1 });
  }
  let baselineAccuracy: number | undefined;
  if (baseline !== undefined) {
    const own = ownTrainingRows(baseline, rows);
    if (own > 0) {
      const n = rows.indices?.length ?? rows.data.X.rows;
      ctx.warn(
        `the baseline ${s.baseline} was trained on ${own} of the ${n} rows scored here (its split of the same data differs): ` +
          'its accuracy on them is optimistic; compare on rows neither model was trained on (--data)',
      );
    }
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
  const roc = rocOf(scored, model.classes);
  const metrics = { ...metricsJson(evaluation), rocAuc: roc.auc };
  const summary: EvaluationSummary = { model: modelPath, source: rows.source, labels: evaluation.labels, ...metrics, gates, passed };

  if (ctx.io.env.GITHUB_STEP_SUMMARY) {
    try {
      await appendFile(ctx.io.env.GITHUB_STEP_SUMMARY, renderMarkdown(summary));
    } catch (error) {
      ctx.warn(`could not append to GITHUB_STEP_SUMMARY (${ctx.io.env.GITHUB_STEP_SUMMARY}): ${(error as Error).message}`);
    }
  }
  // The HTML page (report-html.ts): the output itself with --format html, a file beside any format with --html.
  const html = format === 'html' ? (s.out ?? '-') : s.html;
  if (html !== undefined) {
    const { writeHtmlReport } = await import('../report-html.js');
    await writeHtmlReport(ctx, html, {
      modelPath,
      model,
      source: rows.source,
      evaluation,
      scored,
      roc: roc.curves,
      gates,
      passed,
      baseline: baselineAccuracy === undefined ? undefined : { model: s.baseline as string, accuracy: baselineAccuracy },
    });
  }
  // --quiet silences the text report only; the html page was written above.
  if ((ctx.quiet && format === 'text') || format === 'html') return passed ? 0 : 1;
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
