/**
 * `iris cv`: cross_validate(pipeline, X, y, cv=…, scoring=…) on every data row (docs/MODEL_SELECTION.md).
 * Reports per fold and mean ± std; gates on the means (exit 1).
 */
import { DataError } from '../../core/errors.js';
import { assignFolds } from '../../core/folds.js';
import { encodeLabels } from '../../core/labels.js';
import { validatePerceptronParams } from '../../core/perceptron.js';
import type { Scorer } from '../../core/selection.js';
import { BUNDLED_DATA_PATH } from '../../io/package-info.js';
import { summarise } from '../../lib/select-engine.js';
import type { CommandInput, CommandResult } from '../command.js';
import { jsonLine, table } from '../format.js';
import { checkClassWeightNames, checkInitShape, loadInitModel, perceptronParamsOf } from '../model-options.js';
import { gateNumbers, type Gate } from '../report-formats.js';
import { jsonScore, progressBar, checkQueue, fitAll, score4, threadsOf } from '../select-common.js';
import { resolveSettings } from '../settings.js';
import { readTrainingTable, tableSettings } from '../table-options.js';

export async function run({ ctx, flags, config }: CommandInput): Promise<CommandResult> {
  const s = resolveSettings('cv', flags, config);
  ctx.quiet = s.quiet === true;
  const format = s.json === true ? 'json' : (s.format ?? 'text');
  ctx.machineOutput = format !== 'text';
  await checkQueue(s.queue);
  const seed = s.seed ?? 0;
  const params = { ...perceptronParamsOf(s), randomState: seed };
  validatePerceptronParams(params);
  const scorers: Scorer[] = [...(s.scoring ?? ['accuracy', 'f1_macro'])];
  // A gate needs its scorer.
  if (s.minAccuracy !== undefined && !scorers.includes('accuracy')) scorers.push('accuracy');
  if (s.minF1 !== undefined && !scorers.includes('f1_macro')) scorers.push('f1_macro');
  const cv = { folds: s.folds ?? 5, kind: s.cv ?? 'stratified', shuffle: s.cvShuffle ?? false, seed };
  const initModel = await loadInitModel(ctx, s.initModel);
  if (initModel !== undefined) params.initModel = { checksum: initModel.checksum };

  const dataPath = s.data ?? BUNDLED_DATA_PATH;
  const tables = tableSettings(s);
  const { data, prepared } = await readTrainingTable(dataPath, s, tables, ctx.io.stdin);
  for (const warning of data.warnings) ctx.warn(warning);
  // Rows dropped by --dropna are gone before the folds are made, as pandas' dropna comes before cross_validate.
  const rowsTable = prepared.table;
  const { classes: names, codes } = encodeLabels(prepared.labels);
  checkClassWeightNames(params.classWeight, names);
  // With categories the expanded columns exist only per fold; a fit whose shape differs fails there.
  if (initModel !== undefined && rowsTable.columns.every((c) => c.kind === 'numeric')) checkInitShape(initModel, data.features, names);
  const foldOf = assignFolds(codes, cv);
  const jobs = Array.from({ length: cv.folds }, (_, fold) => ({ candidate: 0, fold, params }));
  const bar = progressBar(ctx, 'cross-validating');
  let folds;
  try {
    const X = { data: rowsTable.data, rows: rowsTable.rows, cols: rowsTable.cols };
    folds = await fitAll(
      s.queue,
      { X, codes, names, foldOf, features: data.features, target: data.target, table: { columns: rowsTable.columns, fit: tables.fit } },
      jobs,
      {
        scorers,
        threads: threadsOf(s.threads, rowsTable.rows, jobs.length),
        init: initModel?.init,
        connectTimeout: s.connectTimeout,
        onProgress: (done, total) => bar.update(done, total),
      },
    );
  } finally {
    bar.stop();
  }
  const failed = folds.filter((f) => f.error !== undefined);
  if (failed.length === folds.length) throw new DataError(`every fold failed to fit: ${failed[0]!.error}`);
  for (const f of failed) ctx.warn(`fold ${f.fold} failed to fit and scores nan: ${f.error}`);
  const stats = summarise(folds, scorers);

  const gates: Gate[] = [];
  const gate = (name: string, scorer: Scorer, threshold: number | undefined) => {
    if (threshold === undefined) return;
    const value = stats[scorer]!.mean;
    gates.push({ name, description: `mean ${scorer} >= ${threshold}`, threshold, value, passed: value >= threshold });
  };
  gate('min-accuracy', 'accuracy', s.minAccuracy);
  gate('min-f1', 'f1_macro', s.minF1);
  const passed = gates.every((g) => g.passed);
  const exit = passed ? 0 : 1;
  if (ctx.quiet) return exit;

  const report = {
    data: dataPath === BUNDLED_DATA_PATH ? 'iris.csv (bundled)' : dataPath,
    rows: rowsTable.rows,
    ...(prepared.dropped === 0 ? {} : { dropped: prepared.dropped }),
    target: data.target,
    features: data.features,
    classes: names,
    params,
    cv,
    scoring: scorers,
    folds: folds.map((f) => ({
      fold: f.fold,
      trainRows: f.trainRows,
      testRows: f.testRows,
      classes: f.classes,
      nIter: f.nIter,
      scores: Object.fromEntries(scorers.map((k) => [k, jsonScore(f.scores[k]!)])),
      ...(f.error === undefined ? {} : { error: f.error }),
    })),
    mean: Object.fromEntries(scorers.map((k) => [k, jsonScore(stats[k]!.mean)])),
    std: Object.fromEntries(scorers.map((k) => [k, jsonScore(stats[k]!.std)])),
    gates,
    passed,
  };
  if (format === 'json') {
    ctx.write(jsonLine(report));
    return exit;
  }
  const cvName = `${cv.kind === 'stratified' ? 'StratifiedKFold' : 'KFold'}(${cv.folds}${cv.shuffle ? `, shuffle, seed ${seed}` : ''})`;
  const header = ['fold', 'train', 'test', 'epochs', ...scorers];
  const rows = folds.map((f) => [String(f.fold), String(f.trainRows), String(f.testRows), String(f.nIter), ...scorers.map((k) => score4(f.scores[k]!))]);
  const meanRow = ['mean', '', '', '', ...scorers.map((k) => score4(stats[k]!.mean))];
  const stdRow = ['std', '', '', '', ...scorers.map((k) => score4(stats[k]!.std))];
  if (format === 'markdown') {
    const line = (cells: string[]) => `| ${cells.join(' | ')} |`;
    ctx.write(
      `### iris cv: ${cvName} on ${rowsTable.rows} rows\n\n` +
        [line(header), line(header.map(() => '---')), ...[...rows, meanRow, stdRow].map(line)].join('\n') +
        '\n' +
        (gates.length === 0 ? '' : `\n${gates.map((g) => `- ${g.passed ? '✅' : '❌'} ${g.description}: ${gateNumbers(g).value}`).join('\n')}\n`),
    );
    return exit;
  }
  const c = ctx.out;
  ctx.write(
    `${c.bold('Cross-validated')} a Perceptron with ${cvName} on ${rowsTable.rows} rows (target ${data.target})` +
      `${prepared.dropped === 0 ? '' : `; ${prepared.dropped} of ${data.X.rows} rows dropped by --dropna`}\n\n` +
      `${table([header, ...rows, meanRow, stdRow])}\n` +
      gates.map((g) => `\n${g.passed ? c.green('PASS') : c.red('FAIL')} ${g.description} (value ${gateNumbers(g).value})`).join('') +
      (gates.length > 0 ? '\n' : ''),
  );
  return exit;
}
