/**
 * `iris tune`: GridSearchCV(pipeline, param_grid, cv=…, scoring=…, refit=True).fit(X_train, y_train),
 * then best_estimator_.score(X_test, y_test); writes the refitted model with the search recorded
 * (docs/MODEL_SELECTION.md).
 */
import { readFile } from 'node:fs/promises';
import { DataError, UsageError } from '../../core/errors.js';
import { assignFolds } from '../../core/folds.js';
import { applyCandidate, normaliseGrid, parameterGrid, parseGridSpec, type Candidate } from '../../core/grid.js';
import { encodeLabels, sortClasses } from '../../core/labels.js';
import { takeRows } from '../../core/matrix.js';
import { validatePerceptronParams, type PerceptronParams } from '../../core/perceptron.js';
import { splitRows } from '../../core/pipeline.js';
import { trainTablePipeline } from '../../core/table-pipeline.js';
import { f1MacroOfLabels, type Scorer } from '../../core/selection.js';
import { type TrainingJson } from '../../io/model/index.js';
import { BUNDLED_DATA_PATH } from '../../io/package-info.js';
import { searchResults } from '../../lib/select-engine.js';
import { Model } from '../../lib/model.js';
import type { CommandInput, CommandResult } from '../command.js';
import { recordedDialect } from '../csv-options.js';
import { jsonLine, table } from '../format.js';
import { checkClassWeightNames, checkInitShape, loadInitModel, perceptronParamsOf } from '../model-options.js';
import { progressBar, checkQueue, fitAll, score4, showValue, threadsOf } from '../select-common.js';
import { modelPathOf, resolveSettings } from '../settings.js';
import { readTrainingTable, tableSettings } from '../table-options.js';
import { checkOutputFolder, testMetricsOf, trainingRecord } from './train.js';

async function loadGrid(grid: string | undefined, gridFile: string | undefined): Promise<unknown> {
  if (grid !== undefined && gridFile !== undefined) throw new UsageError('give either --grid or --grid-file, not both');
  if (grid !== undefined) return parseGridSpec(grid);
  if (gridFile === undefined) {
    throw new UsageError('iris tune needs a grid', { hint: 'e.g. --grid "eta0=0.01,0.1,1 penalty=l2,l1", or --grid-file grid.json' });
  }
  let text;
  try {
    text = await readFile(gridFile, 'utf8');
  } catch (error) {
    throw new UsageError(`--grid-file ${gridFile}: cannot be read (${(error as NodeJS.ErrnoException).code ?? String(error)})`);
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new UsageError(`--grid-file ${gridFile}: is not JSON (${error instanceof Error ? error.message.slice(0, 80) : String(error)})`);
  }
}

export async function run({ ctx, flags, config }: CommandInput): Promise<CommandResult> {
  const s = resolveSettings('tune', flags, config);
  ctx.quiet = s.quiet === true;
  const format = s.json === true ? 'json' : (s.format ?? 'text');
  ctx.machineOutput = format !== 'text';
  await checkQueue(s.queue);
  const gridSource = s.grid !== undefined ? '--grid' : (s.gridFile ?? '--grid-file');
  const grid = normaliseGrid(await loadGrid(s.grid, s.gridFile), gridSource);
  const candidates = parameterGrid(grid);
  const seed = s.seed ?? 0;
  const base: PerceptronParams = { ...perceptronParamsOf(s), randomState: seed };
  validatePerceptronParams(base);
  const candidateParams = candidates.map((cand) => applyCandidate(base, cand));
  candidateParams.forEach((p) => validatePerceptronParams(p));
  const scorer: Scorer = s.scoring ?? 'accuracy';
  const cv = { folds: s.folds ?? 5, kind: s.cv ?? 'stratified', shuffle: s.cvShuffle ?? false, seed };
  const out = modelPathOf({ model: s.out }, config);
  const testSize = s.testSize ?? 0.3;
  const stratify = s.stratify ?? false;
  const splitShuffle = s.splitShuffle ?? true;
  // Fails before the search when the model could not be written anyway.
  await checkOutputFolder(out);
  const initModel = await loadInitModel(ctx, s.initModel);
  if (initModel !== undefined) for (const p of [base, ...candidateParams]) p.initModel = { checksum: initModel.checksum };

  const dataPath = s.data ?? BUNDLED_DATA_PATH;
  const bundled = s.data === undefined;
  const tables = tableSettings(s);
  const { data, prepared } = await readTrainingTable(dataPath, s, tables, ctx.io.stdin);
  for (const warning of data.warnings) ctx.warn(warning);
  // pandas' dropna comes before the split, as in train.
  const rowsTable = prepared.table;
  const labels = prepared.labels;
  const split = splitRows(labels, { testSize, seed, stratify, splitShuffle });
  // GridSearchCV sees X_train in split order: folds are positions in it.
  const trainLabels = split.train.map((i) => labels[i]!);
  const { classes: names, codes } = encodeLabels(trainLabels);
  checkClassWeightNames(base.classWeight, new Set(labels));
  for (const cand of candidates) {
    const cw = cand['class_weight'];
    if (cw !== undefined) checkClassWeightNames(cw as PerceptronParams['classWeight'], new Set(labels));
  }
  // With categories the expanded columns exist only per fit; a fit whose shape differs fails there.
  if (initModel !== undefined && rowsTable.columns.every((c) => c.kind === 'numeric')) checkInitShape(initModel, data.features, sortClasses(names));
  const foldOf = assignFolds(codes, cv);
  const jobs = candidateParams.flatMap((params, candidate) => Array.from({ length: cv.folds }, (_, fold) => ({ candidate, fold, params })));
  const bar = progressBar(ctx, 'tuning');
  let fits;
  try {
    const XTrain = takeRows({ data: rowsTable.data, rows: rowsTable.rows, cols: rowsTable.cols }, split.train);
    const table = { columns: rowsTable.columns, fit: tables.fit };
    fits = await fitAll(s.queue, { X: XTrain, codes, names, foldOf, features: data.features, target: data.target, table }, jobs, {
      scorers: [scorer],
      threads: threadsOf(s.threads, split.train.length, jobs.length),
      init: initModel?.init,
      connectTimeout: s.connectTimeout,
      onProgress: (done, total) => bar.update(done, total),
    });
  } finally {
    bar.stop();
  }
  const failed = fits.filter((f) => f.error !== undefined);
  if (failed.length === fits.length) throw new DataError(`every fit failed: ${failed[0]!.error}`);
  for (const f of failed) ctx.warn(`a fit failed and scores nan (fold ${f.fold}): ${f.error}`);
  const { results, bestIndex } = searchResults(candidates, cv.folds, fits, scorer);
  const best = results[bestIndex]!;

  // refit=True: the best setting on all training rows, then scored on the test rows.
  const outcome = trainTablePipeline(rowsTable, labels, {
    target: data.target,
    testSize,
    seed,
    stratify,
    splitShuffle,
    perceptron: candidateParams[bestIndex]!,
    ...tables.fit,
    ...(initModel === undefined ? {} : { init: initModel.init }),
  });
  const { model, test } = outcome;
  if (initModel !== undefined) checkInitShape(initModel, model.features, model.classes);
  const testLabels = split.test.map((i) => labels[i]!);
  const predicted = Array.from(outcome.testPredictions, (k) => model.classes[k]!);
  const testScores: Record<string, number> = { accuracy: test.report.accuracy };
  if (scorer === 'f1_macro') testScores['f1_macro'] = f1MacroOfLabels(testLabels, predicted);

  const search = {
    grid,
    folds: cv.folds,
    cv: cv.kind,
    shuffle: cv.shuffle,
    scoring: scorer,
    bestParams: best.params,
    bestScore: best.meanTestScore,
    results: results.map((r) => ({ params: r.params, meanTestScore: r.meanTestScore, stdTestScore: r.stdTestScore, rank: r.rank })),
  };
  const training: TrainingJson = {
    ...trainingRecord({
      bundled,
      dataPath,
      out,
      data: { sha256: data.sha256, rows: data.X.rows },
      dialect: recordedDialect(s),
      split: { testSize, seed, shuffle: splitShuffle, stratify, train: split.train, test: split.test },
      metrics: { train: { accuracy: outcome.trainAccuracy }, test: { ...testMetricsOf(outcome, model.classes), ...testScores } },
    }),
    search,
  };
  await Model.fromFitted(model, training).save(out);
  if (ctx.quiet) return 0;

  const report = {
    model: out,
    target: data.target,
    features: data.features,
    cv,
    scoring: scorer,
    candidates: results.map((r) => ({ ...r, splitScores: r.splitScores })),
    bestIndex,
    bestParams: best.params,
    bestScore: best.meanTestScore,
    refit: { classes: model.classes, nIter: model.nIter, converged: model.converged },
    test: testScores,
    split: { train: split.train.length, test: split.test.length, testIndices: split.test },
  };
  if (format === 'json') {
    ctx.write(jsonLine(report));
    return 0;
  }
  // Text and markdown: best first, ties in grid order.
  const order = [...results].sort((a, b) => a.rank - b.rank || a.index - b.index);
  const show = (p: Candidate) =>
    Object.entries(p)
      .map(([k, v]) => `${k}=${showValue(v)}`)
      .join(' ') || '(defaults)';
  const header = ['rank', `mean ${scorer}`, 'std', 'parameters'];
  const rows = order.map((r) => [String(r.rank), score4(r.meanTestScore), score4(r.stdTestScore), show(r.params)]);
  const testLine = Object.entries(testScores)
    .map(([k, v]) => `${k} ${score4(v)}`)
    .join(', ');
  if (format === 'markdown') {
    const line = (cells: string[]) => `| ${cells.join(' | ')} |`;
    ctx.write(
      `### iris tune: ${candidates.length} candidates × ${cv.folds} folds\n\n` +
        [line(header), line(header.map(() => '---')), ...rows.map(line)].join('\n') +
        `\n\n**Best**: ${show(best.params)} (mean ${scorer} ${score4(best.meanTestScore)}); test ${testLine}\n`,
    );
    return 0;
  }
  const c = ctx.out;
  ctx.write(
    `${c.bold('Tuned')} a Perceptron: ${candidates.length} candidates × ${cv.folds} folds (${cv.kind}${cv.shuffle ? ', shuffled' : ''}) on ${split.train.length} training rows\n\n` +
      `${table(header.length > 0 ? [header, ...rows] : [], '  ', false)}\n\n` +
      `  best      ${show(best.params)} (mean ${scorer} ${score4(best.meanTestScore)})\n` +
      `  refitted  ${model.nIter} epochs on ${split.train.length} rows; test ${testLine} on ${split.test.length} rows\n\n` +
      `Model written to ${out}\n`,
  );
  return 0;
}
