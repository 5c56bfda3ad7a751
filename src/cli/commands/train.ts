import { access, constants, stat } from 'node:fs/promises';
import { dirname, relative, resolve, sep } from 'node:path';
import { DataError } from '../../core/errors.js';
import { splitRows, type TrainOutcome } from '../../core/pipeline.js';
import { sortClasses } from '../../core/labels.js';
import { trainTablePipeline } from '../../core/table-pipeline.js';
import { readTrainingTable, tableSettings } from '../table-options.js';
import { digestIndices, type TrainingJson } from '../../io/model/index.js';
import { BUNDLED_DATA_NAME, BUNDLED_DATA_PATH } from '../../io/package-info.js';
import { Model } from '../../lib/model.js';
import { rocOf } from '../roc-metrics.js';
import { fixed, jsonLine, metricsJson, renderEvaluation } from '../format.js';
import type { CommandInput, CommandResult } from '../command.js';
import { recordedDialect } from '../csv-options.js';
import { checkClassWeightNames, checkInitShape, loadInitModel, perceptronParamsOf } from '../model-options.js';
import { modelPathOf, resolveSettings } from '../settings.js';

export const TRAIN_DEFAULTS = { testSize: 0.3, seed: 0 } as const;

/** Fails before any work when the artifact could not be written anyway. */
export async function checkOutputFolder(out: string): Promise<void> {
  const folder = dirname(resolve(out));
  let info;
  try {
    info = await stat(folder);
  } catch {
    throw new DataError(`${out}: the folder "${dirname(out)}" does not exist`, { hint: `create it first: mkdir -p ${dirname(out)}` });
  }
  if (!info.isDirectory()) throw new DataError(`${out}: "${dirname(out)}" is not a folder`);
  try {
    await access(folder, constants.W_OK);
  } catch {
    throw new DataError(`${out}: the folder "${dirname(out)}" is not writable`);
  }
  const target = await stat(out).catch(() => undefined);
  if (target?.isDirectory() === true) throw new DataError(`${out}: is a folder, not a file`, { hint: 'pass a file name with --out' });
  // A device or named pipe (`--out /dev/null`) cannot be replaced atomically; writeFileAtomic refuses it too.
  if (target !== undefined && !target.isFile()) {
    throw new DataError(`${out}: is not a regular file`, { hint: 'the model is written by replacing a regular file; pass a file path with --out' });
  }
}

/**
 * What a written model records of its training run (docs/MODEL_FORMAT.md): the data file, how it was
 * read, the split and the metrics; train and tune write the same record.
 */
export function trainingRecord(run: {
  bundled: boolean;
  dataPath: string;
  out: string;
  data: { sha256: string; rows: number };
  dialect: ReturnType<typeof recordedDialect>;
  split: { testSize: number; seed: number; shuffle: boolean; stratify: boolean; train: number[]; test: number[] };
  metrics: Record<string, unknown>;
}): TrainingJson {
  const { bundled, dataPath, out, split } = run;
  return {
    data: {
      // Relative to the model's folder, with / whatever the platform.
      path: bundled
        ? BUNDLED_DATA_NAME
        : dataPath === '-'
          ? '-'
          : relative(dirname(resolve(out)), resolve(dataPath))
              .split(sep)
              .join('/'),
      bundled,
      sha256: run.data.sha256,
      rows: run.data.rows,
      // How to read the file again (evaluate's held-out rows); only when it is not plain CSV.
      ...run.dialect,
    },
    split: {
      testSize: split.testSize,
      seed: split.seed,
      shuffle: split.shuffle,
      stratify: split.stratify,
      train: split.train.length,
      test: split.test.length,
      testIndicesSha256: digestIndices(split.test),
    },
    metrics: run.metrics,
  };
}

/** rocAuc beside the other test metrics (docs/CLI.md), as evaluate --json gives it. */
export function testMetricsOf(outcome: Pick<TrainOutcome, 'test' | 'testCodes' | 'testScores'>, classes: readonly string[]) {
  const labels = Array.from(outcome.testCodes, (code) => outcome.test.labels[code]!);
  return { ...metricsJson(outcome.test), rocAuc: rocOf({ labels, scores: outcome.testScores }, classes).auc };
}

export async function run({ ctx, flags, config }: CommandInput): Promise<CommandResult> {
  const s = resolveSettings('train', flags, config);
  ctx.quiet = s.quiet === true;
  ctx.machineOutput = s.json === true;
  const out = modelPathOf({ model: s.out }, config);
  const dataPath = s.data ?? BUNDLED_DATA_PATH;
  const bundled = s.data === undefined;
  const params = perceptronParamsOf(s);
  const seed = s.seed ?? TRAIN_DEFAULTS.seed;
  const testSize = s.testSize ?? TRAIN_DEFAULTS.testSize;
  const stratify = s.stratify ?? false;
  const splitShuffle = s.splitShuffle ?? true;

  const tables = tableSettings(s);
  await checkOutputFolder(out);
  const initModel = await loadInitModel(ctx, s.initModel);
  if (initModel !== undefined) params.initModel = { checksum: initModel.checksum };
  const spinner = await ctx.spinner(`reading ${bundled ? 'the bundled Iris data' : dataPath}`);
  let data;
  let outcome;
  let prepared;
  try {
    ({ data, prepared } = await readTrainingTable(dataPath, s, tables, ctx.io.stdin));
    spinner.update(`training on ${prepared.table.rows} rows`);
    checkClassWeightNames(params.classWeight, new Set(prepared.labels));
    if (initModel !== undefined) {
      // Before the fit when the columns are the features (no categories to expand); after it otherwise.
      const { train } = splitRows(prepared.labels, { testSize, seed, stratify, splitShuffle });
      const labels = prepared.labels;
      const numeric = prepared.table.columns.every((c) => c.kind === 'numeric');
      checkInitShape(initModel, numeric ? data.features : initModel.features, sortClasses([...new Set(train.map((i) => labels[i]!))]));
    }
    // The parsed rows are not needed afterwards: the pipeline may reorder and scale them in place.
    outcome = trainTablePipeline(prepared.table, prepared.labels, {
      target: data.target,
      testSize,
      seed,
      stratify,
      splitShuffle,
      perceptron: params,
      ...tables.fit,
      ...(initModel === undefined ? {} : { init: initModel.init }),
    });
  } finally {
    spinner.stop();
  }
  const droppedText =
    prepared.dropped === 0
      ? ''
      : `${prepared.dropped} of ${data.X.rows} rows dropped by --dropna (lines ${prepared.droppedLines.join(', ')}${prepared.dropped > prepared.droppedLines.length ? ', …' : ''})`;
  for (const warning of data.warnings) ctx.warn(warning);
  const { model, split, test } = outcome;
  // One-hot columns are known only after the fit: the init model must have had the same ones.
  if (initModel !== undefined) checkInitShape(initModel, model.features, model.classes);
  const { classes } = model;
  const testMetrics = testMetricsOf(outcome, classes);
  const metrics = { train: { accuracy: outcome.trainAccuracy }, test: testMetrics };
  const training = trainingRecord({
    bundled,
    dataPath,
    out,
    data: { sha256: data.sha256, rows: data.X.rows },
    dialect: recordedDialect(s),
    split: { testSize, seed, shuffle: splitShuffle, stratify, train: split.train, test: split.test },
    metrics,
  });
  await Model.fromFitted(model, training).save(out);

  if (params.tol !== null && !model.converged) {
    ctx.warn(
      `ConvergenceWarning: stopped after max_iter=${params.maxIter} epochs without meeting tol=${params.tol}; ` +
        'consider increasing --max-iter (the model was written anyway)',
    );
  }
  if (test.unseen.length > 0) {
    ctx.warn(`the test rows hold labels the training rows lack, counted as errors: ${test.unseen.join(', ')}`);
  }
  // --quiet silences what is written for people; the --json report is data and is printed all the same.
  if (s.json === true) {
    ctx.write(
      jsonLine({
        model: out,
        data: training.data,
        target: data.target,
        features: data.features,
        ...(model.features.length === data.features.length && prepared.dropped === 0
          ? {}
          : {
              columns: model.features,
              rows: { read: data.X.rows, dropped: prepared.dropped, used: prepared.table.rows, droppedLines: prepared.droppedLines },
            }),
        classes,
        nIter: model.nIter,
        converged: model.converged,
        params: model.params,
        split: { train: split.train.length, test: split.test.length, testIndices: split.test },
        metrics,
      }),
    );
    return 0;
  }
  if (ctx.quiet) return 0;
  const c = ctx.out;
  const source = bundled ? 'the bundled Iris data' : dataPath === '-' ? 'stdin' : dataPath;
  const status = model.converged ? c.green('converged') : c.yellow(params.tol === null ? 'tol none: ran every epoch' : 'did not converge');
  ctx.write(
    `${c.bold('Trained')} a Perceptron on ${source}: ${prepared.table.rows} rows (${split.train.length} train, ${split.test.length} test)\n` +
      `  target    ${data.target}\n` +
      `  features  ${data.features.join(', ')}\n` +
      (model.features.length === data.features.length ? '' : `  columns   ${model.features.join(', ')}\n`) +
      (droppedText === '' ? '' : `  dropped   ${droppedText}\n`) +
      `  classes   ${classes.join(', ')}\n` +
      `  epochs    ${model.nIter} of at most ${params.maxIter} (${status})\n` +
      `  accuracy  train ${fixed(outcome.trainAccuracy)}, test ${fixed(testMetrics.accuracy)} ` +
      `(${testMetrics.misclassified} of ${testMetrics.n} test rows misclassified)\n\n` +
      `Test rows\n${renderEvaluation(test, c)}\n` +
      `Model written to ${out}\n`,
  );
  return 0;
}
