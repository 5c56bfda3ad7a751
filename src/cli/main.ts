/**
 * The command-line entry: commander wiring, and the one place where errors become exit codes.
 * Commands are imported lazily so that `iris --help` loads none of the numeric or CSV code.
 */
import { createRequire } from 'node:module';
import { DataError, isIrisError } from '../core/errors.js';
import { packageInfo } from '../io/package-info.js';
import { Context, colorLevel, loadChalk, type CliEnvironment, type ColorChoice } from './context.js';
import type { Handler } from './command.js';
import { EXIT_INTERNAL, exitCodeOf } from './exit-codes.js';
import type { ParsedFlags } from './settings.js';

// commander is a CommonJS package: required directly, it loads a few milliseconds sooner than
// through its ES module wrapper, and start-up is most of what `iris --help` costs.
const { Command, CommanderError, Option } = createRequire(import.meta.url)('commander') as typeof import('commander');
type Command = import('commander').Command;

function lastColorFlag(argv: readonly string[]): ColorChoice {
  let choice: ColorChoice;
  for (const arg of argv) {
    if (arg === '--') break;
    if (arg === '--color') choice = true;
    else if (arg === '--no-color') choice = false;
  }
  return choice;
}

function flagsOf(command: Command): ParsedFlags {
  const values = command.optsWithGlobals();
  return { values, source: (key) => command.getOptionValueSourceWithGlobals(key) };
}

/** Every option name a command takes, its parents' and help included, as commander knows them (long without `--`, short without `-`). */
function optionNamesOf(command: Command): string[] {
  const names = new Set<string>();
  for (let c: Command | null = command; c !== null; c = c.parent) {
    for (const option of [...c.options, ...c.createHelp().visibleOptions(c)]) {
      if (option.long !== undefined) names.add(option.long.replace(/^--/, ''));
      if (option.short !== undefined) names.add(option.short.replace(/^-/, ''));
    }
  }
  return [...names];
}

/** The CSV dialect options (docs/CLI.md "CSV"), the same for every command that reads CSV. */
function addCsvOptions(command: Command, { exclude }: { exclude: boolean }): void {
  command
    .option('--delimiter <c>', 'field delimiter: , ; | tab, or auto to sniff it from the first line (default: ,)')
    .option('--decimal <mark>', 'decimal mark of the numbers: . or , (default: .)')
    .option('--skip-rows <n>', 'lines to skip before the header (default: 0)')
    .option('--names <a,b,...>', 'the column names; the file then has no header row');
  if (exclude) command.option('--exclude <a,b,...>', 'columns to leave out of the default features');
}

/** Tables with words and gaps (docs/CLI.md), the same in train, cv and tune. */
function addTableOptions(command: Command): void {
  command
    .option('--categorical <a,b,...>', 'read these columns as categories (one-hot encoded), whatever their values')
    .option('--na-values <a,b,...>', "more strings that mean a missing value (pandas' na_values)")
    .option('--no-default-na', "only the --na-values strings are missing values (pandas' keep_default_na=False)")
    .option('--dropna [target]', 'drop rows with a missing value (or, with target, only those missing the label)')
    .option('--impute <strategy>', 'fill missing values: mean, median, most_frequent or constant')
    .option('--fill-value <x>', 'the constant of --impute constant (default: 0, and missing_value for categories)')
    .option('--max-categories <n>', 'a categorical column with more distinct values is an error (default: 1000)');
}

/** The Perceptron's other parameters (docs/MODEL_SELECTION.md), the same in train, cv and tune. */
function addModelOptions(command: Command): void {
  command
    .option('--penalty <p>', 'none, l2, l1 or elasticnet (default: none)')
    .option('--alpha <x>', 'strength of the penalty (default: 0.0001)')
    .option('--l1-ratio <x>', 'the L1 share of elasticnet, 0 to 1 (default: 0.15)')
    .option('--no-fit-intercept', 'fit no intercept (it stays 0, or the --init-model one)')
    .option('--early-stopping', 'hold out a stratified validation split and stop when its accuracy stops improving')
    .option('--validation-fraction <x>', 'with --early-stopping: the share held out, in (0, 1) (default: 0.1)')
    .option('--class-weight <w>', 'balanced, or class=weight,... (classes not named weigh 1)')
    .option('--init-model <path>', "start from this model's weights (same features and classes)");
}

/** Cross-validation options of cv and tune. */
function addCvOptions(command: Command): void {
  command
    .option('--folds <k>', 'number of folds, at least 2 (default: 5)')
    .option('--cv <kind>', 'stratified (StratifiedKFold) or kfold (KFold) (default: stratified)')
    .option('--cv-shuffle', 'shuffle before making the folds (random_state = --seed)')
    .option('--threads <n>', 'fit folds in this many worker threads; results are identical (default: the number of cores, 1 for small searches)')
    .option('--queue <url>', 'fit folds on `iris worker --fits` processes through this Redis URL')
    .option('--connect-timeout <ms>', 'with --queue: give up when Redis, or any worker, does not answer within this time (default: 10000)');
}

export async function main(argv: readonly string[], environment: Partial<CliEnvironment> = {}): Promise<number> {
  const io: CliEnvironment = {
    stdin: environment.stdin ?? process.stdin,
    stdout: environment.stdout ?? process.stdout,
    stderr: environment.stderr ?? process.stderr,
    env: environment.env ?? process.env,
    cwd: environment.cwd ?? process.cwd(),
  };
  const debug = argv.includes('--debug') || io.env.IRIS_DEBUG === '1';
  // chalk is loaded only when some output may be coloured: piped and NO_COLOR runs never load it.
  const colorChoice = lastColorFlag(argv);
  if (colorLevel(colorChoice, io.env, io.stdout.isTTY) + colorLevel(colorChoice, io.env, io.stderr.isTTY) > 0) await loadChalk();
  const ctx = new Context(io, colorChoice, debug);
  const output = watchOutput(io.stdout, io.stderr);
  let exitCode: number = 0;

  const run =
    (load: () => Promise<{ run: Handler }>) =>
    async (...actionArgs: unknown[]) => {
      // commander passes the command itself last.
      const command = actionArgs.at(-1) as Command;
      const { loadSettingsConfig } = await import('./load-config.js');
      const config = await loadSettingsConfig(command.optsWithGlobals().config as string | undefined, io.cwd);
      if (colorChoice === undefined && config.top.color !== undefined) {
        if (config.top.color) await loadChalk();
        ctx.setColor(config.top.color);
      }
      const { run: handler } = await load();
      exitCode = await handler({ ctx, flags: flagsOf(command), config, args: command.args, options: optionNamesOf(command) });
    };

  const program = new Command('iris')
    .description('Train, evaluate and apply a scikit-learn-compatible Perceptron on CSV data.')
    .version(packageInfo().version, '-V, --version', 'print the version')
    .helpOption('-h, --help', 'show help')
    .option('--color', 'force colour on')
    .option('--no-color', 'turn colour off')
    .option('--config <file>', 'read settings from this file instead of searching for .irisrc and friends')
    .option('--debug', 'print stack traces for errors (also IRIS_DEBUG=1)')
    .exitOverride()
    .configureOutput({
      writeOut: (text) => io.stdout.write(text),
      writeErr: (text) => io.stderr.write(text),
      outputError: () => {},
    });

  const train = program
    .command('train')
    .description('train a Perceptron (split, scale, fit) and write the model artifact')
    .option('-d, --data <path>', 'labelled CSV with a header row; - reads stdin (default: the bundled Iris CSV)')
    .option('-t, --target <column>', 'the label column (default: the last column)')
    .option('-f, --features <a,b,...>', 'feature columns, in this order (default: every column but the target)')
    .option('--test-size <n>', 'a fraction in (0, 1) or a whole number of test rows (default: 0.3)')
    .option('--seed <int>', 'random_state of the split and the perceptron (default: 0)')
    .option('--stratify', 'keep class proportions in the split (stratify=y)')
    .option('--no-split-shuffle', 'do not shuffle before splitting: the last rows are the test set')
    .option('--max-iter <int>', 'maximum number of epochs (default: 40)')
    .option('--eta0 <x>', 'learning rate (default: 0.1)')
    .option('--tol <x|none>', 'stopping tolerance; none runs all max-iter epochs (default: 0.001)')
    .option('--n-iter-no-change <int>', 'epochs without improvement before stopping (default: 5)')
    .option('--no-shuffle', 'do not shuffle the training rows between epochs')
    .option('-o, --out <path>', 'where to write the model artifact (default: model.json)')
    .option('--json', 'print the training report as one JSON document')
    .option('-q, --quiet', 'print nothing but errors');
  addModelOptions(train);
  addCsvOptions(train, { exclude: true });
  addTableOptions(train);
  train.action(run(() => import('./commands/train.js')));

  const cv = program
    .command('cv')
    .description('cross-validate the model options on folds of all the data rows (scikit-learn cross_validate)')
    .option('-d, --data <path>', 'labelled CSV with a header row; - reads stdin (default: the bundled Iris CSV)')
    .option('-t, --target <column>', 'the label column (default: the last column)')
    .option('-f, --features <a,b,...>', 'feature columns, in this order (default: every column but the target)')
    .option('--seed <int>', 'random_state of the perceptron and of --cv-shuffle (default: 0)')
    .option('--max-iter <int>', 'maximum number of epochs (default: 40)')
    .option('--eta0 <x>', 'learning rate (default: 0.1)')
    .option('--tol <x|none>', 'stopping tolerance; none runs all max-iter epochs (default: 0.001)')
    .option('--n-iter-no-change <int>', 'epochs without improvement before stopping (default: 5)')
    .option('--no-shuffle', 'do not shuffle the training rows between epochs')
    .option('--scoring <a,b>', 'scorers: accuracy, f1_macro (default: accuracy,f1_macro)')
    .option('--min-accuracy <x>', 'gate: fail (exit 1) when the mean accuracy is below x')
    .option('--min-f1 <x>', 'gate: fail (exit 1) when the mean macro F1 is below x')
    .option('--format <fmt>', 'text, json or markdown (default: text)')
    .option('--json', 'same as --format json')
    .option('-q, --quiet', 'print nothing but errors');
  addModelOptions(cv);
  addCvOptions(cv);
  addCsvOptions(cv, { exclude: true });
  addTableOptions(cv);
  cv.action(run(() => import('./commands/cv.js')));

  const tune = program
    .command('tune')
    .description('grid search with cross-validation on the training rows, refit the best, write it (GridSearchCV)')
    .option('-d, --data <path>', 'labelled CSV with a header row; - reads stdin (default: the bundled Iris CSV)')
    .option('-t, --target <column>', 'the label column (default: the last column)')
    .option('-f, --features <a,b,...>', 'feature columns, in this order (default: every column but the target)')
    .option('--grid <spec>', 'the grid: "eta0=0.01,0.1,1 penalty=l2,l1" (space-separated name=values)')
    .option('--grid-file <path>', "the grid as JSON: scikit-learn's param_grid (a dict or a list of dicts)")
    .option('--scoring <name>', 'the scorer that ranks: accuracy or f1_macro (default: accuracy)')
    .option('--test-size <n>', 'a fraction in (0, 1) or a whole number of test rows (default: 0.3)')
    .option('--seed <int>', 'random_state of the split, the perceptron and --cv-shuffle (default: 0)')
    .option('--stratify', 'keep class proportions in the split (stratify=y)')
    .option('--no-split-shuffle', 'do not shuffle before splitting: the last rows are the test set')
    .option('--max-iter <int>', 'maximum number of epochs (default: 40)')
    .option('--eta0 <x>', 'learning rate (default: 0.1)')
    .option('--tol <x|none>', 'stopping tolerance; none runs all max-iter epochs (default: 0.001)')
    .option('--n-iter-no-change <int>', 'epochs without improvement before stopping (default: 5)')
    .option('--no-shuffle', 'do not shuffle the training rows between epochs')
    .option('-o, --out <path>', 'where to write the refitted best model (default: model.json)')
    .option('--format <fmt>', 'text, json or markdown (default: text)')
    .option('--json', 'same as --format json')
    .option('-q, --quiet', 'print nothing but errors');
  addModelOptions(tune);
  addCvOptions(tune);
  addCsvOptions(tune, { exclude: true });
  addTableOptions(tune);
  tune.action(run(() => import('./commands/tune.js')));

  const predict = program
    .command('predict')
    .description('predict the class of one row given as flags, or of CSV rows streamed on stdin')
    .usage('[options] [--<feature> <number> ...]')
    .option('-m, --model <path>', 'the model artifact (default: model.json)')
    .addOption(
      new Option('-F, --feature <name=value>', 'a feature value by its exact column name; repeatable').argParser(
        (value: string, previous: string[] | undefined) => [...(previous ?? []), value],
      ),
    )
    .option('-i, --input <path>', 'CSV rows to score when no feature flags are given; - is stdin (default: stdin)')
    .option('--format <fmt>', 'text, csv, jsonl or json (default: text)')
    .option('--json', 'same as --format json')
    .option('--scores', 'add the decision function')
    .option('--with-input', 'repeat the input columns before the prediction')
    .option('-o, --output <path>', 'write the predictions to this file (atomically) instead of stdout')
    .option('--queue <url>', 'score --input on `iris worker`s through this Redis URL, in chunks')
    .option('--chunk-rows <n>', 'with --queue: rows per chunk job (default: 50000)')
    .option('--connect-timeout <ms>', 'with --queue: give up when Redis does not answer within this time (default: 10000)')
    .option('--timeout <ms>', 'with --queue: give up when no worker listens within this time (default: 60000)')
    .option('--unknown <what>', 'a category the model never saw: ignore (all zeros, counted on stderr) or error (default: ignore)')
    .allowUnknownOption()
    .allowExcessArguments();
  addCsvOptions(predict, { exclude: false });
  predict.action(run(() => import('./commands/predict.js')));

  const evaluate = program
    .command('evaluate')
    .description('score a model on labelled rows and apply quality gates (exit 1 when one fails)')
    .option('-m, --model <path>', 'the model artifact (default: model.json)')
    .option('-d, --data <path>', "labelled CSV; - is stdin (default: the model's own held-out test split)")
    .option('--min-accuracy <x>', 'gate: fail when accuracy is below x')
    .option('--min-f1 <x>', 'gate: fail when macro F1 is below x')
    .option('--baseline <path>', 'a second model scored on the same rows')
    .option('--max-drop <x>', "with --baseline: fail when accuracy falls more than x below the baseline's (default: 0)")
    .option('--format <fmt>', 'text, json, junit, markdown or html (default: text)')
    .option('--json', 'same as --format json')
    .option('-o, --out <path>', 'with --format html: write the page to this file (atomically) instead of stdout')
    .option('--html <path>', 'also write the HTML report to this file, beside the output of --format')
    .option('-q, --quiet', 'no text report: errors, and the gate results in the exit code (a --format document is still printed)');
  addCsvOptions(evaluate, { exclude: true });
  evaluate.action(run(() => import('./commands/evaluate.js')));

  program
    .command('inspect')
    .description('show what a model artifact holds, and whether its checksum verifies')
    .argument('[model]', 'the model artifact (default: model.json)')
    .option('-m, --model <path>', 'the model artifact, as a flag')
    .option('--json', "print the artifact's fields as JSON, plus checksumVerified")
    .action(run(() => import('./commands/inspect.js')));

  program
    .command('export')
    .description('write the model in a format other runtimes run: ONNX (ai.onnx.ml Scaler and LinearClassifier)')
    .option('-m, --model <path>', 'the model artifact (default: model.json)')
    .option('--format <fmt>', 'onnx (default: onnx)')
    .option('-o, --out <path>', "where to write it, atomically; - is stdout (default: the model's path with .onnx)")
    .option('-q, --quiet', 'print nothing but errors')
    .action(run(() => import('./commands/export.js')));

  program
    .command('worker')
    .description('score batches from a Redis queue (BullMQ) for `iris serve --queue` and `iris predict --queue`')
    .option('-m, --model <path>', 'the model artifact; the worker takes only jobs of this model version (default: model.json)')
    .option('--queue <url>', 'the Redis URL, e.g. redis://localhost:6379/0 (required)')
    .option('--concurrency <n>', 'jobs processed at once (default: the number of cores)')
    .option('--log-level <level>', 'debug, info, warn, error or silent (default: info)')
    .option('--connect-timeout <ms>', 'give up when Redis does not answer within this time (default: 10000)')
    .option('--fits', 'take the fits of `iris cv --queue` and `iris tune --queue` instead of scoring jobs (no model needed)')
    .action(run(() => import('./commands/worker.js')));

  program
    .command('serve')
    .description('serve the model over HTTP (Open Inference Protocol v2, MLflow scoring, async jobs, metrics)')
    .option('-m, --model <path>', 'the model artifact (default: model.json)')
    .option('--name <name>', "the model name in /v2/models/{name} (default: the model file's base name)")
    .option('--host <addr>', 'listen address; 0.0.0.0 must be asked for (default: 127.0.0.1)')
    .option('-p, --port <n>', '0 picks a free port, printed on stderr (default: 8080)')
    .option('--threads <n>', 'worker threads for large batches (default: cores - 1, at least 1)')
    .option('--queue <url>', 'queue mode: score on `iris worker`s through this Redis URL (redis://host:6379/0)')
    .option('--cache <n>', 'result-cache entries; 0 turns it off (default: 0, 100000 with --queue)')
    .option('--connect-timeout <ms>', 'with --queue: give up when Redis does not answer within this time (default: 10000)')
    .option('--max-body <size>', 'request body limit, e.g. 64mb (default: 64mb)')
    .option('--max-inflight <size>', 'request bodies in flight, in total; beyond it 503 OVERLOADED (default: 256mb)')
    .option('--max-rows <n>', 'rows in one request (default: 1000000)')
    .option('--timeout <ms>', 'a request that takes longer gets 504 (default: 60000)')
    .option('--token <secret>', 'require Authorization: Bearer <secret> (also IRIS_TOKEN)')
    .option('--log-level <lvl>', 'fatal, error, warn, info, debug, trace or silent (default: info)')
    .option('--grace <ms>', 'after SIGTERM, how long new requests are still served (default: 1000)')
    .option('--job-ttl <ms>', 'how long finished async jobs are kept (default: 3600000)')
    .action(run(() => import('./commands/serve.js')));

  try {
    if (argv[0] === 'predict' && argv.some((arg) => arg === '--help' || arg === '-h')) {
      const { modelHelpText } = await import('./commands/predict.js');
      predict.addHelpText('after', await modelHelpText(argv.slice(1), io, optionNamesOf(predict)));
    }
    await program.parseAsync([...argv], { from: 'user' });
    await output.settle();
    const failed = output.failure();
    return failed === undefined ? exitCode : reportError(ctx, failed);
  } catch (error) {
    await output.settle();
    return reportError(ctx, output.failure() ?? error);
  }
}

/** Streams that already carry the permanent no-op 'error' listener of watchOutput. */
const guardedStreams = new WeakSet<object>();

/**
 * Write errors of stdout and stderr arrive as 'error' events (on the next tick, or later for an
 * asynchronous pipe), which would otherwise be uncaught: a stack trace and exit 1. A reader that
 * goes away (EPIPE: `iris inspect | head -1`) ends the output quietly and the command keeps its own
 * exit code; any other failure to write stdout (a full disk) is exit 3 naming stdout. Each stream
 * keeps one no-op listener for good, so that an error after `main` returned is not fatal either.
 */
function watchOutput(stdout: NodeJS.WritableStream, stderr: NodeJS.WritableStream) {
  let first: NodeJS.ErrnoException | undefined;
  const onError = (error: NodeJS.ErrnoException) => {
    first ??= error;
  };
  stdout.on('error', onError);
  for (const stream of [stdout, stderr]) {
    if (!guardedStreams.has(stream)) {
      guardedStreams.add(stream);
      stream.on('error', () => undefined);
    }
  }
  return {
    /** Lets the write errors of the last writes be emitted (process.nextTick), then stops recording. */
    async settle(): Promise<void> {
      await new Promise((resolve) => setImmediate(resolve));
      stdout.off('error', onError);
    },
    /** A write error that must be reported (not EPIPE), as the DataError to report. */
    failure(): DataError | undefined {
      if (first === undefined || first.code === 'EPIPE') return undefined;
      const reason = first.code === undefined ? first.message : `${first.message.replace(/^\w+: /, '').replace(/, write$/, '')} (${first.code})`;
      return new DataError(`cannot write the output to stdout: ${reason}`, {
        hint: 'check where stdout goes (a full disk, a closed file?)',
        cause: first,
      });
    },
  };
}

function reportError(ctx: Context, error: unknown): number {
  const stderr = ctx.io.stderr;
  const label = ctx.err.red('iris: error:');
  if (error instanceof CommanderError) {
    // Help and version end with code 0; `iris` alone prints help as an error: a missing command is a usage error.
    if (error.exitCode === 0) return 0;
    if (error.code === 'commander.help') return 2;
    // commander puts its suggestion on a line of its own ("(Did you mean --min-f1?)"): it goes into the hint.
    const [first = '', ...rest] = error.message.replace(/^error: /, '').split('\n');
    const suggestion = /^\(Did you mean (.+)\?\)$/.exec(rest.join(' ').trim())?.[1];
    stderr.write(`${label} ${first}\n`);
    stderr.write(
      `${ctx.err.dim('iris: hint:')} ${suggestion === undefined ? '' : `did you mean ${suggestion}? `}` +
        'run `iris --help` or `iris <command> --help` for the options\n',
    );
    return 2;
  }
  if (isIrisError(error)) {
    stderr.write(`${label} ${error.message}\n`);
    if (error.hint !== undefined) stderr.write(`${ctx.err.dim('iris: hint:')} ${error.hint}\n`);
    if (ctx.debug && error.stack !== undefined) stderr.write(`${error.stack}\n`);
    return exitCodeOf(error);
  }
  const message = error instanceof Error ? error.message : String(error);
  stderr.write(`${label} internal error: ${message}\n`);
  stderr.write(
    `${ctx.err.dim('iris: hint:')} this is a bug in iris; please report it with the command you ran` +
      `${ctx.debug ? '' : ' and the output of the same command with --debug'}\n`,
  );
  if (ctx.debug && error instanceof Error && error.stack !== undefined) stderr.write(`${error.stack}\n`);
  return EXIT_INTERNAL;
}
