import { fixed, jsonLine, table } from '../format.js';
import type { CommandInput, CommandResult } from '../command.js';
import { modelPathOf, resolveSettings } from '../settings.js';
import type { ModelArtifact } from '../../io/model/index.js';
import { DEFAULT_NA_VALUES } from '../../core/preprocessing.js';

/** features (all-numeric, no imputation, as before tables), or the inputs with their kinds, the expanded columns and the missing-value handling. */
function inputRows(artifact: ModelArtifact): string[][] {
  const pre = artifact.preprocessing;
  const plain = pre.impute === null && pre.columns.every((c) => c.kind === 'numeric');
  const na =
    pre.naValues.length === DEFAULT_NA_VALUES.length && pre.naValues.every((v, i) => v === DEFAULT_NA_VALUES[i])
      ? "pandas' defaults"
      : pre.naValues.map((v) => JSON.stringify(v)).join(', ');
  const naRow = [
    'missing values',
    `${pre.impute === null ? 'refused' : `imputed (${pre.impute.strategy}${pre.impute.fillValue === null ? '' : ` ${JSON.stringify(pre.impute.fillValue)}`})`}${pre.dropna === 'none' ? '' : `, --dropna${pre.dropna === 'target' ? ' target' : ''}`}; markers: ${na}`,
  ];
  if (plain)
    return na === "pandas' defaults" && pre.dropna === 'none'
      ? [['features', artifact.features.join(', ')]]
      : [['features', artifact.features.join(', ')], naRow];
  const inputs = pre.columns.map((c) => {
    const fill = c.impute === null ? '' : `, missing -> ${typeof c.impute === 'string' ? JSON.stringify(c.impute) : c.impute}`;
    return c.kind === 'numeric' ? `${c.name} (numeric${fill})` : `${c.name} (categorical: ${c.categories.length} categories${fill})`;
  });
  return [['inputs', inputs.join(', ')], ['columns', artifact.features.join(', ')], naRow];
}

export async function run({ ctx, flags, config, args }: CommandInput): Promise<CommandResult> {
  const s = resolveSettings('inspect', flags, config);
  ctx.machineOutput = s.json === true;
  // Loading verifies the checksum: a model that reaches this point has passed every check.
  const path = args[0] ?? modelPathOf(s, config);
  const model = await ctx.model(path);
  const artifact = model.toJSON();
  const migratedFrom = model.fileFormatVersion === artifact.formatVersion ? undefined : model.fileFormatVersion;
  if (s.json === true) {
    ctx.write(jsonLine({ ...artifact, checksumVerified: true, ...(migratedFrom === undefined ? {} : { migratedFrom }) }));
    return 0;
  }
  const c = ctx.out;
  const { perceptron, training } = artifact;
  const test = training.metrics.test as { accuracy?: number; misclassified?: number; n?: number } | undefined;
  const train = training.metrics.train as { accuracy?: number } | undefined;
  const params = Object.entries(perceptron.params)
    .map(([key, value]) => `${key}=${value === null ? 'none' : typeof value === 'object' ? JSON.stringify(value) : String(value)}`)
    .join(' ');
  const { data, split } = training;
  const rows = [
    ['file', path],
    ['format', `${artifact.format} version ${migratedFrom === undefined ? artifact.formatVersion : `${migratedFrom}, migrated to ${artifact.formatVersion}`}`],
    ['producer', `${artifact.producer.name} ${artifact.producer.version}`],
    ['created', artifact.createdAt],
    ['target', artifact.target],
    ...inputRows(artifact),
    ['classes', artifact.classes.join(', ')],
    ['parameters', params],
    ['epochs', `${perceptron.nIter}${perceptron.converged ? ' (converged)' : ''}`],
    [
      'training data',
      data === null ? 'not recorded (fitted in memory)' : `${data.bundled ? `${data.path} (bundled)` : data.path}, ${data.rows} rows, sha256 ${data.sha256}`,
    ],
  ];
  if (split !== undefined) {
    rows.push([
      'split',
      `test size ${split.testSize}, seed ${split.seed}${split.stratify ? ', stratified' : ''}${split.shuffle ? '' : ', not shuffled'}: ` +
        `${split.train} train, ${split.test} test`,
    ]);
  }
  if (train?.accuracy !== undefined) rows.push(['train accuracy', fixed(train.accuracy)]);
  if (test?.accuracy !== undefined) {
    rows.push(['test accuracy', `${fixed(test.accuracy)} (${test.misclassified ?? '?'} of ${test.n ?? '?'} misclassified)`]);
  }
  // iris tune records its grid search (docs/MODEL_SELECTION.md).
  const search = training.search;
  if (search !== undefined) {
    rows.push([
      'grid search',
      `${search.results.length} candidates, ${search.folds} ${search.cv} folds, scoring ${search.scoring}; ` +
        `best ${JSON.stringify(search.bestParams)} (mean ${fixed(search.bestScore)})`,
    ]);
  }
  rows.push(['checksum', `${artifact.checksum} ${c.green('verified')}`]);
  ctx.write(`${table(rows, '', false)}\n`);
  return 0;
}
