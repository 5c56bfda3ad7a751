import { once } from 'node:events';
import { createReadStream } from 'node:fs';
import type { Readable } from 'node:stream';
import { UsageError } from '../../core/errors.js';
import { isNumericLabel } from '../../core/labels.js';
import { coefRows } from '../../core/linear.js';
import { matrix } from '../../core/matrix.js';
import type { CliEnvironment } from '../context.js';
import type { CommandInput, CommandResult } from '../command.js';
import { EMPTY_CONFIG, modelPathOf, resolveSettings, type Config } from '../settings.js';
import { loadSettingsConfig } from '../load-config.js';
import { csvDialect } from '../csv-options.js';
import { openAtomicStream } from '../../io/atomic-write.js';
import { RecordWriter, type Format } from '../../io/prediction-records.js';
import type { Model } from '../../lib/model.js';

/** Edit distance (insertions, deletions, substitutions, swaps of neighbours). */
function distance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) => Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let best = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) best = Math.min(best, d[i - 2]![j - 2]! + 1);
      d[i]![j] = best;
    }
  }
  return d[a.length]![b.length]!;
}

/**
 * An unknown `--name` that is a typo of one of predict's own options (`--formt`), as commander suggests
 * for the other commands. `options` are commander's names (CommandInput.options); a feature flag closer
 * to the typo than any option wins, so that `--petal-lenght` is not taken for an option.
 */
function optionTypo(name: string, flags: ReadonlyMap<string, string>, options: readonly string[]): string | undefined {
  if (flags.has(name)) return undefined;
  const longNames = options.filter((option) => option.length > 1);
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const option of [...longNames, ...flags.keys()]) {
    const dist = distance(name, option);
    if (dist < bestDistance) {
      best = option;
      bestDistance = dist;
    }
  }
  return best !== undefined && bestDistance <= Math.max(1, Math.floor(best.length / 3)) && longNames.includes(best) ? best : undefined;
}

/** The contract's flag name of a column: lower-cased, each run of other than letters and digits one '-', no '-' at the ends. */
export function featureFlagName(column: string): string {
  return column
    .toLowerCase()
    .replace(/[^\p{L}\p{N}]+/gu, '-')
    .replace(/^-+|-+$/g, '');
}

/**
 * Flag name → feature, for features whose flag is usable; the others are reachable only with -F.
 * `options` are the names commander already gives a meaning (a column named `queue` must not become `--queue`).
 */
export function featureFlags(features: readonly string[], options: readonly string[]): Map<string, string> {
  const reserved = new Set(options);
  const counts = new Map<string, number>();
  for (const feature of features) counts.set(featureFlagName(feature), (counts.get(featureFlagName(feature)) ?? 0) + 1);
  const flags = new Map<string, string>();
  for (const feature of features) {
    const name = featureFlagName(feature);
    if (name !== '' && !reserved.has(name) && counts.get(name) === 1) flags.set(name, feature);
  }
  return flags;
}

function expectedFlags(features: readonly string[], options: readonly string[]): string {
  const flags = featureFlags(features, options);
  const byFeature = new Map([...flags].map(([flag, feature]) => [feature, flag]));
  return features.map((f) => (byFeature.has(f) ? `--${byFeature.get(f)} <number>` : `-F ${JSON.stringify(`${f}=<number>`)}`)).join(' ');
}

/** `iris predict --model m.json --help`: the model's own flags, read before commander prints the help. */
export async function modelHelpText(args: readonly string[], io: CliEnvironment, options: readonly string[]): Promise<string> {
  let path: string | undefined;
  let configPath: string | undefined;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] as string;
    if (arg === '--model' || arg === '-m') path = args[i + 1];
    else if (arg.startsWith('--model=')) path = arg.slice('--model='.length);
    else if (arg === '--config') configPath = args[i + 1];
  }
  if (path === undefined) {
    const config: Config = await loadSettingsConfig(configPath, io.cwd).catch(() => EMPTY_CONFIG);
    path = modelPathOf({ model: config.groups.predict?.model as string | undefined }, config);
  }
  try {
    const { loadModel } = await import('../../lib/model.js');
    const model = await loadModel(path);
    const names = model.inputs.map((input) => input.name);
    const flags = featureFlags(names, options);
    const byFeature = new Map([...flags].map(([flag, feature]) => [feature, flag]));
    const lines = model.inputs.map((input) => {
      const flag = byFeature.get(input.name);
      const value = input.kind === 'categorical' ? '<word>' : '<number>';
      const about =
        input.kind === 'categorical'
          ? `${input.name}: ${(input.categories ?? []).slice(0, 8).join(', ')}${(input.categories?.length ?? 0) > 8 ? ', …' : ''}`
          : input.name;
      return flag === undefined ? `  -F "${input.name}=${value}"` : `  --${flag} ${value}`.padEnd(32) + about;
    });
    const imputed = model.inputs[0]?.imputed === true;
    return `\nFeature flags of ${path} (${imputed ? 'a flag left out is a missing value, imputed' : 'give all of them to predict one row'}; classes: ${model.classes.join(', ')}):\n${lines.join('\n')}\n`;
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    return `\nFeature flags: one --<feature> <number> per model feature; pass --model to list them (${reason}).\n`;
  }
}

/**
 * Feature values from flags (`--petal-length 1.4`, `--petal-length=1.4`) and -F (`-F "petal length=1.4"`).
 * `table` (a model with categorical inputs or imputation): a categorical input takes a word, and
 * an omitted flag or a missing-value string is a missing value, allowed where the model imputes.
 */
function featureValuesFromFlags(
  tokens: readonly string[],
  byName: readonly string[],
  features: readonly string[],
  options: readonly string[],
  table?: { model: Model; unknown: 'ignore' | 'error'; onUnknown: (feature: string, value: string) => void },
): Float64Array | undefined {
  if (tokens.length === 0 && byName.length === 0) return undefined;
  const flags = featureFlags(features, options);
  const given = new Map<string, { value: string; as: string }>();
  const put = (feature: string, value: string, as: string) => {
    if (given.has(feature)) throw new UsageError(`${as}: the feature ${feature} is given twice`);
    given.set(feature, { value, as });
  };
  const usage = (message: string) => new UsageError(message, { hint: `the model expects: ${expectedFlags(features, options)}` });
  for (let i = 0; i < tokens.length; i++) {
    const token = tokens[i] as string;
    if (!token.startsWith('--')) {
      throw usage(token.startsWith('-') ? `unknown option '${token}'` : `unexpected argument '${token}'`);
    }
    const eq = token.indexOf('=');
    const name = token.slice(2, eq === -1 ? undefined : eq);
    const feature = flags.get(name);
    if (feature === undefined) {
      const typo = optionTypo(name, flags, options);
      if (typo !== undefined) throw typoError(name, typo);
      throw usage(`unknown option '--${name}'`);
    }
    let value: string | undefined;
    if (eq !== -1) value = token.slice(eq + 1);
    else {
      value = tokens[i + 1];
      i++;
    }
    if (value === undefined) throw usage(`--${name}: a number is missing`);
    put(feature, value, `--${name}`);
  }
  const known = new Set(features);
  for (const item of byName) {
    const eq = item.indexOf('=');
    const feature = eq === -1 ? item : item.slice(0, eq);
    if (eq === -1 || !known.has(feature)) throw usage(`-F ${item}: expected <feature>=<number> with a feature of the model`);
    put(feature, item.slice(eq + 1), `-F ${feature}`);
  }
  const imputed = table?.model.inputs[0]?.imputed === true;
  const missing = features.filter((f) => !given.has(f));
  if (missing.length > 0 && !imputed) throw usage(`missing feature${missing.length > 1 ? 's' : ''}: ${missing.join(', ')}`);
  if (table !== undefined) {
    const na = new Set(table.model.naValues);
    const record: Record<string, string | number | null> = {};
    for (const input of table.model.inputs) {
      const entry = given.get(input.name);
      if (entry === undefined || na.has(entry.value)) {
        if (!imputed) throw usage(`${entry?.as ?? input.name} ${JSON.stringify(entry?.value ?? '')}: a missing value, and the model does not impute`);
        record[input.name] = null;
      } else if (input.kind === 'numeric') {
        const bool = /^(true|True|TRUE)$/.test(entry.value) ? 1 : /^(false|False|FALSE)$/.test(entry.value) ? 0 : undefined;
        const number = bool ?? (isNumericLabel(entry.value) ? Number(entry.value) : Number.NaN);
        if (!Number.isFinite(number)) throw usage(`${entry.as} ${JSON.stringify(entry.value)}: not a finite number`);
        record[input.name] = number;
      } else {
        record[input.name] = entry.value;
      }
    }
    return table.model.encodeRecords([record], { unknown: table.unknown, onUnknown: table.onUnknown }).data;
  }
  const row = new Float64Array(features.length);
  features.forEach((feature, j) => {
    const { value, as } = given.get(feature) as { value: string; as: string };
    // True/False are 1/0, as a column of them was read in training.
    const bool = /^(true|True|TRUE)$/.test(value) ? 1 : /^(false|False|FALSE)$/.test(value) ? 0 : undefined;
    const number = bool ?? (isNumericLabel(value) ? Number(value) : Number.NaN);
    if (!Number.isFinite(number)) throw usage(`${as} ${JSON.stringify(value)}: not a finite number`);
    row[j] = number;
  });
  return row;
}

function typoError(name: string, typo: string): UsageError {
  return new UsageError(`unknown option '--${name}'`, { hint: `did you mean --${typo}? run \`iris predict --help\` for the options` });
}

const NO_SCORES = new Float64Array(0);

/** The text given for an input (an unknown category is shown as the user typed it). */
function flagValue(tokens: readonly string[], byName: readonly string[], name: string): string {
  const flag = featureFlagName(name);
  for (let i = 0; i < tokens.length; i++) {
    const token = tokens[i]!;
    if (token === `--${flag}`) return tokens[i + 1] ?? '';
    if (token.startsWith(`--${flag}=`)) return token.slice(flag.length + 3);
  }
  const item = byName.find((b) => b.startsWith(`${name}=`));
  return item === undefined ? '' : item.slice(name.length + 1);
}

async function openInput(path: string, stdin: Readable): Promise<{ stream: Readable; source: string }> {
  if (path === '-') return { stream: stdin, source: '<stdin>' };
  // Reads of 1 MiB rather than the default 64 KiB: a file is there in full, and every read costs a
  // batch of its own (a parse call, a scoring call, a write).
  const stream = createReadStream(path, { highWaterMark: 1 << 20 });
  try {
    await once(stream, 'open');
  } catch (error) {
    const { readError } = await import('../../io/csv/errors.js');
    throw readError(path, error);
  }
  return { stream, source: path };
}

export async function run({ ctx, flags, config, args, options = [] }: CommandInput): Promise<CommandResult> {
  const s = resolveSettings('predict', flags, config);
  const format: Format = s.json === true ? 'json' : (s.format ?? 'text');
  const byName = (flags.values.feature as string[] | undefined) ?? [];
  const usesFlags = args.length > 0 || byName.length > 0;
  if (usesFlags && s.input !== undefined && flags.source('input') === 'cli') {
    // With --input no feature flag is expected: an unknown `--scroes` is far likelier a typo of an option.
    for (const token of args) {
      const name = token.startsWith('--') ? token.slice(2).split('=')[0]! : '';
      const typo = name === '' ? undefined : optionTypo(name, new Map(), options);
      if (typo !== undefined) throw typoError(name, typo);
    }
    throw new UsageError('give feature flags or --input, not both');
  }
  const modelPath = modelPathOf(s, config);
  const model = await ctx.model(modelPath);
  const { classes } = model;
  // The columns a row holds: the features of an all-numeric model, else its inputs (island, not island=Biscoe).
  const features = model.inputs.map((input) => input.name);
  const withScores = s.scores === true;
  const withInput = s.withInput === true;
  const unknownMode = s.unknown ?? 'ignore';
  const unknownSeen = new Map<string, { rows: number; values: string[] }>();
  const onUnknown = (feature: string, value: string) => {
    const seen = unknownSeen.get(feature) ?? { rows: 0, values: [] };
    seen.rows++;
    if (seen.values.length < 3 && !seen.values.includes(value)) seen.values.push(value);
    unknownSeen.set(feature, seen);
  };
  const reportUnknown = (counts: { feature: string; rows: number; values: string[] }[]) => {
    for (const c of counts) {
      const shown = c.values.map((v) => JSON.stringify(v.length > 20 ? `${v.slice(0, 20)}…` : v)).join(', ');
      ctx.warn(
        `${c.rows} row${c.rows === 1 ? '' : 's'} with a category of ${c.feature} the model never saw (${shown}${c.rows > c.values.length ? ', …' : ''}): encoded as all zeros (--unknown error refuses them)`,
      );
    }
  };

  const single = featureValuesFromFlags(args, byName, features, options, model.isTable ? { model, unknown: unknownMode, onUnknown } : undefined);
  if (s.queue !== undefined) {
    if (single !== undefined) throw new UsageError('--queue scores a CSV file (--input), not feature flags');
    const dialect = Object.keys(csvDialect(s));
    if (dialect.length > 0) {
      throw new UsageError(`--queue does not take --${dialect.map((k) => k.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)).join(', --')} yet`, {
        hint: 'convert the file to comma-separated CSV first, or score it without --queue',
      });
    }
    // Distributed scoring: workers format their own chunks with the same RecordWriter and scoreRows.
    const { checkQueueUrl, predictOnQueue } = await import('../../queue/index.js');
    checkQueueUrl(s.queue);
    return predictOnQueue({
      ctx,
      url: s.queue,
      model,
      modelPath,
      input: s.input ?? '-',
      output: s.output,
      chunkRows: s.chunkRows ?? 50_000,
      connectTimeout: s.connectTimeout ?? 10_000,
      timeout: s.timeout ?? 60_000,
      unknown: s.unknown ?? 'ignore',
      format,
      withScores,
      withInput,
    });
  }
  if (s.chunkRows !== undefined) throw new UsageError('--chunk-rows needs --queue');
  if (s.connectTimeout !== undefined || s.timeout !== undefined)
    throw new UsageError(`--${s.timeout === undefined ? 'connect-timeout' : 'timeout'} needs --queue`);
  if (single !== undefined) {
    const output = s.output === undefined ? undefined : await openAtomicStream(s.output);
    const { predictions, scores } = model.scoreInputRows(matrix(single, 1, features.length));
    reportUnknown([...unknownSeen].map(([feature, seen]) => ({ feature, ...seen })));
    const writer = new RecordWriter(format, classes, withScores, withInput ? features : null, features);
    const shown = model.inputs.map((input, j) => {
      const v = single[j]!;
      if (Number.isNaN(v)) return '';
      return input.kind === 'categorical' ? (input.categories?.[v] ?? flagValue(args, byName, input.name)) : String(v);
    });
    const record = writer.record(withInput ? shown : null, classes[predictions[0] as number] as string, scores, 0);
    const text = writer.header() + (format === 'json' ? `[${record}]\n` : format === 'jsonl' ? `${record}\n` : record);
    if (output === undefined) ctx.write(text);
    else {
      output.stream.write(text);
      await output.commit();
    }
    return 0;
  }

  const { stream, source } = await openInput(s.input ?? '-', ctx.io.stdin);
  const output =
    s.output === undefined
      ? undefined
      : await openAtomicStream(s.output).catch((error: unknown) => {
          stream.destroy();
          throw error;
        });
  if (source === '<stdin>' && (ctx.io.stdin as { isTTY?: boolean }).isTTY === true) {
    ctx.note('iris: reading CSV rows from the terminal; end with Ctrl-D (or pass feature flags, see iris predict --help)');
  }
  // The CSV reader (and csv-parse behind it) is loaded only here: a one-off prediction from flags never needs it.
  const { openFeatureRows } = await import('../../io/csv/index.js');
  const { ModelCells } = await import('../../io/csv/table-cells.js');
  const cells = new ModelCells(source, model.fitted.preprocessing, s.decimal ?? '.', unknownMode);
  // Every model reads with the table reader: a plain number never reaches it (the fast path parses
  // it as before); a missing-value string, True/False (1/0) or a category does.
  const rows = openFeatureRows(stream, { features, source, keepRaw: withInput, ...csvDialect(s), cells });
  const stdout = output?.stream ?? ctx.io.stdout;
  let closed = false;
  let failure: Error | undefined;
  const onError = (error: NodeJS.ErrnoException) => {
    // A reader that goes away (`| head`) is not a failure: stop scoring quietly.
    if (error.code === 'EPIPE') closed = true;
    else failure = error;
    if (waiting !== undefined) waiting();
  };
  let waiting: (() => void) | undefined;
  const drained = () =>
    new Promise<void>((resolve) => {
      waiting = resolve;
      stdout.once('drain', resolve);
    }).finally(() => (waiting = undefined));
  stdout.on('error', onError);
  try {
    let writer: RecordWriter | undefined;
    let byClass: string[] | undefined;
    let byClassBytes: Buffer[] | undefined;
    const buffered: string[] = [];
    const nScores = coefRows(classes.length);
    for await (const batch of rows.batches()) {
      if (failure !== undefined) throw failure;
      if (closed) break;
      if (writer === undefined) {
        writer = new RecordWriter(format, classes, withScores, withInput ? await rows.inputColumns() : null, features);
        if (format === 'csv') stdout.write(writer.header());
        const plain = writer;
        if (!withScores && !withInput) {
          byClass = classes.map((label) => plain.record(null, label, NO_SCORES, 0));
          if (format !== 'json') byClassBytes = byClass.map((record) => Buffer.from(format === 'jsonl' ? `${record}\n` : record));
        }
      }
      const { predictions, scores } = model.scoreInputRows(matrix(batch.X, batch.n, features.length));
      if (byClassBytes !== undefined) {
        // Without scores or input columns a record depends on the class alone: its bytes are made
        // once per class and copied into one buffer per batch, so that no object is made per row
        // (the garbage of a long stream would grow the young generation, and the peak memory).
        let size = 0;
        for (let i = 0; i < batch.n; i++) size += (byClassBytes[predictions[i] as number] as Buffer).length;
        const out = Buffer.allocUnsafe(size);
        let o = 0;
        for (let i = 0; i < batch.n; i++) {
          const record = byClassBytes[predictions[i] as number] as Buffer;
          for (let k = 0; k < record.length; k++) out[o++] = record[k] as number;
        }
        if (size > 0 && !stdout.write(out)) await drained();
        continue;
      }
      let chunk = '';
      for (let i = 0; i < batch.n; i++) {
        const code = predictions[i] as number;
        // (json) A record that depends on the class alone is made once per class.
        const record = byClass?.[code] ?? writer.record(batch.raw?.[i] ?? null, classes[code] as string, scores, i * nScores);
        if (format === 'json') buffered.push(record);
        else chunk += format === 'jsonl' ? `${record}\n` : record;
      }
      if (chunk !== '' && !stdout.write(chunk)) await drained();
    }
    if (failure !== undefined) throw failure;
    if (closed) return 0;
    if (writer === undefined && format === 'csv') {
      stdout.write(new RecordWriter(format, classes, withScores, withInput ? await rows.inputColumns().catch(() => [...features]) : null, features).header());
    }
    if (format === 'json') stdout.write(buffered.length === 0 ? '[]\n' : `[\n${buffered.join(',\n')}\n]\n`);
    await output?.commit();
    reportUnknown(cells.unknownCounts());
    return 0;
  } finally {
    stdout.off('error', onError);
    stream.destroy();
    // A failed run leaves no partial file under --output (a committed one is not touched).
    await output?.abort();
  }
}
