/**
 * The bad-input suite: one row per (command, failure class) of the contract, run through the built
 * CLI. Every row checks the same things:
 *
 *   - the documented exit code;
 *   - stderr is exactly `iris: error: <message>` plus at most one `iris: hint: …` line, and the
 *     message matches the row's pattern, which names the culprit (file, line, column, value, key
 *     or the check that failed);
 *   - no stack trace;
 *   - stdout is empty (or holds exactly the answers written before the bad row, for predict);
 *   - the work folder is unchanged: the pre-existing model.json and every input file byte for byte,
 *     no file added (no partial model, no temporary file), none removed.
 *
 * Rows run concurrently (each in its own folder): one process costs about 0.2 s of CPU.
 * A row marked `knownBug` states the correct behaviour and runs as `it.fails` until the bug in a
 * file this suite may not change is fixed; then drop the mark.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, mkdirSync, readFileSync, readdirSync, lstatSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { computeChecksum } from '../../src/io/model/index.js';
import { IRIS_CSV, iris, tempDir } from '../helpers/cli.js';

type Command = 'train' | 'predict' | 'evaluate' | 'inspect';

/** What every row's files are made from, ready once beforeAll has trained the models. */
interface Base {
  /** model.json as `iris train --data iris.csv` wrote it (training.data.path "iris.csv"). */
  modelText: string;
  /** The same model trained from stdin. */
  stdinModelText: string;
}
type Content = string | Buffer | ((base: Base) => string | Buffer);

interface Row {
  command: Command;
  /** The failure class, as the issue names it. */
  what: string;
  args: string[];
  /** Files to create in the row's folder (besides model.json and iris.csv, always there). */
  files?: Record<string, Content>;
  /** Named pipes and folders to create in the row's folder. */
  fifos?: string[];
  dirs?: string[];
  /** Leave out the copy of the training data (iris.csv) from the folder. */
  noTrainingData?: boolean;
  input?: string;
  code: 2 | 3 | 4;
  /** The error message, after `iris: error: `. */
  error: RegExp;
  /** stdout, when answers precede the failure (predict). Default: empty. */
  stdout?: string;
  knownBug?: string;
}

// -------------------------------------------------------------------------------------------------
// Inputs

const IRIS_TEXT = readFileSync(IRIS_CSV, 'utf8');
const HEADER = 'sepal_length,sepal_width,petal_length,petal_width,species';
const ROWS = ['5.1,3.5,1.4,0.2,setosa', '7.0,3.2,4.7,1.4,versicolor', '6.3,3.3,6.0,2.5,virginica', '4.9,3.0,1.4,0.2,setosa'];
const csv = (...lines: string[]) => `${lines.join('\n')}\n`;
/** The Iris data with one line replaced (line numbers are physical: the header is line 1). */
const irisWithLine = (line: number, text: string) => {
  const lines = IRIS_TEXT.split('\n');
  lines[line - 1] = text;
  return lines.join('\n');
};
const FLAGS = ['--sepal-length', '5.1', '--sepal-width', '3.5', '--petal-length', '1.4', '--petal-width', '0.2'];

/** A labelled-data problem: the same file breaks `train --data` and `evaluate --data`. */
interface DataProblem {
  what: string;
  /** Content of data.csv, or undefined for "no such file". */
  data?: Content;
  /** Other files. */
  files?: Record<string, Content>;
  dirs?: string[];
  path?: string;
  error: RegExp;
}

const DATA_PROBLEMS: DataProblem[] = [
  { what: 'missing file', path: 'nothere.csv', error: /^nothere\.csv: no such file$/ },
  { what: 'a folder instead of a file', path: 'folder.csv', dirs: ['folder.csv'], error: /^folder\.csv: is a directory$/ },
  { what: 'empty file', data: '', error: /^data\.csv: the file is empty$/ },
  { what: 'blank lines only', data: '\n  \n\t\n', error: /^data\.csv: the file is empty$/ },
  { what: 'header-only file', data: csv(HEADER), error: /^data\.csv: has a header but no data rows$/ },
  // A zip archive (a spreadsheet saved as .xlsx): a NUL byte at offset 5.
  {
    what: 'binary file',
    data: Buffer.from([0x50, 0x4b, 0x03, 0x04, 0x14, 0x00, 0x00, 0x00, 0x08, 0x00]),
    error: /^data\.csv: looks like a binary file \(NUL byte at offset 5\)$/,
  },
  {
    what: 'UTF-16 file',
    data: Buffer.from(`\ufeff${csv(HEADER, ...ROWS)}`, 'utf16le'),
    error: /^data\.csv: looks like a binary file \(NUL byte at offset 3\)$/,
  },
  { what: 'ragged row (too few fields)', data: csv(HEADER, ROWS[0]!, '7.0,3.2,4.7,versicolor', ROWS[2]!), error: /^data\.csv:3: expected 5 fields, found 4$/ },
  { what: 'ragged row (too many fields)', data: irisWithLine(40, '5.1,3.4,1.5,0.2,0.1,setosa'), error: /^data\.csv:40: expected 5 fields, found 6$/ },
  { what: 'non-numeric value', data: irisWithLine(42, '4.5,abc,1.3,0.3,setosa'), error: /^data\.csv:42: column sepal_width: "abc" is not a number$/ },
  { what: 'decimal comma', data: irisWithLine(7, '"5,4",3.9,1.7,0.4,setosa'), error: /^data\.csv:7: column sepal_length: "5,4" is not a number$/ },
  {
    what: 'NaN',
    data: irisWithLine(61, '5.0,2.0,NaN,1.0,versicolor'),
    error: /^data\.csv:61: 1 missing value in the features: petal_length 1 \(first at line 61\)$/,
  },
  {
    what: 'Infinity',
    data: irisWithLine(100, '5.7,2.8,4.1,-Infinity,versicolor'),
    error: /^data\.csv:100: column petal_width: "-Infinity" is not a finite number$/,
  },
  {
    what: 'overflowing number',
    data: irisWithLine(151, '5.9,3.0,5.1,1e999,virginica'),
    error: /^data\.csv:151: column petal_width: "1e999" is not a finite number$/,
  },
  {
    what: 'empty field',
    data: irisWithLine(3, '4.9,,1.4,0.2,setosa'),
    error: /^data\.csv:3: 1 missing value in the features: sepal_width 1 \(first at line 3\)$/,
  },
  { what: 'empty label', data: irisWithLine(5, '4.6,3.1,1.5,0.2,'), error: /^data\.csv:5: the target species is missing$/ },
  { what: 'unterminated quote', data: irisWithLine(9, '"4.4,2.9,1.4,0.2,setosa'), error: /^data\.csv:9: unterminated quoted field$/ },
  {
    what: 'quote inside an unquoted field',
    data: irisWithLine(10, '4.9,3.1,1.5,0.1,set"osa'),
    error: /^data\.csv:10: column species: a double quote inside an unquoted field$/,
  },
  {
    what: 'duplicate columns',
    data: csv('sepal_length,sepal_width,petal_length,sepal_length,species', ...ROWS),
    error: /^data\.csv:1: duplicate column name "sepal_length"$/,
  },
];

/** A broken model file, derived from a valid one. */
interface ModelProblem {
  what: string;
  /** Content of bad.json, or undefined for "no such file". */
  model?: Content;
  /** Replaces bad.json as the path given (missing file, folder). */
  path?: string;
  dirs?: string[];
  /** Made sparse: a file of this size without writing it. */
  sparseBytes?: number;
  error: RegExp;
}

const parse = (text: string) => JSON.parse(text) as Record<string, any>;
/** The valid model with `edit` applied to its parsed JSON; `reseal` recomputes the checksum. */
const edited =
  (edit: (doc: Record<string, any>) => void, reseal = false) =>
  (base: Base) => {
    const doc = parse(base.modelText);
    edit(doc);
    if (reseal) doc.checksum = computeChecksum(doc);
    return `${JSON.stringify(doc, null, 2)}\n`;
  };
/** The valid model's text with one literal replaced (for values JSON.stringify cannot write, like 1e999). */
const replacedText = (from: RegExp, to: string) => (base: Base) => {
  if (!from.test(base.modelText)) throw new Error(`test set-up: ${from} not found in the model`);
  return base.modelText.replace(from, to);
};

const MODEL_PROBLEMS: ModelProblem[] = [
  { what: 'missing model', path: 'nothere.json', error: /^nothere\.json: no model file \(run `iris train` first\?\)$/ },
  { what: 'a folder instead of a model', path: 'models', dirs: ['models'], error: /^models: is a folder, not a model file$/ },
  { what: 'empty model', model: '', error: /^bad\.json: not valid JSON \(the file is empty\)$/ },
  { what: 'non-JSON model', model: 'model: iris\nweights: [1, 2]\n', error: /^bad\.json: not valid JSON \(line 1, column 1: unexpected "m"\)$/ },
  {
    what: 'binary model (not UTF-8)',
    model: Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0xff]),
    error: /^bad\.json: not valid JSON \(the file is not UTF-8 text\)$/,
  },
  {
    what: 'truncated model',
    model: (b) => b.modelText.slice(0, Math.floor(b.modelText.length * 0.6)),
    error: /^bad\.json: not valid JSON \(unexpected end of file at line \d+, column \d+; the file looks truncated\)$/,
  },
  {
    what: 'model edited into bad JSON (trailing comma)',
    model: replacedText(/"target": "species",/, '"target": "species",,'),
    error: /^bad\.json: not valid JSON \(line 9, column \d+: expected a property name in double quotes, found ","\)$/,
  },
  { what: 'JSON that is not an object', model: '[1, 2, 3]\n', error: /^bad\.json: is not an iris model \(the file holds an array, not a JSON object\)$/ },
  { what: 'wrong format', model: edited((d) => (d.format = 'onnx')), error: /^bad\.json: is not an iris model \(format: "onnx"\)$/ },
  {
    what: 'another JSON document (package.json)',
    model: '{ "name": "iris", "version": "0.1.0" }\n',
    error: /^bad\.json: is not an iris model \(it has no "format" field\)$/,
  },
  {
    what: 'future version',
    model: edited((d) => (d.formatVersion = 4), true),
    error: /^bad\.json: model format version 4 is newer than this iris supports \(3\); upgrade iris$/,
  },
  { what: 'invalid version', model: edited((d) => (d.formatVersion = '1')), error: /^bad\.json: formatVersion "1" is not a valid format version/ },
  {
    what: 'tampered weight',
    model: replacedText(/("coef": \[\s*\[)-?\d/, '$19'),
    error: /^bad\.json: checksum mismatch: the file was modified after training$/,
  },
  {
    what: 'tampered label',
    model: edited((d) => (d.classes[1] = 'versicolour')),
    error: /^bad\.json: checksum mismatch: the file was modified after training$/,
  },
  { what: 'checksum removed', model: edited((d) => delete d.checksum), error: /^bad\.json: required field checksum is missing$/ },
  { what: 'missing field', model: edited((d) => delete d.scaler), error: /^bad\.json: required field scaler is missing$/ },
  {
    what: 'wrong shape: short coef row',
    model: edited((d) => d.perceptron.coef[1].pop(), true),
    error: /^bad\.json: perceptron\.coef\[1\] has 3 numbers, expected 4$/,
  },
  {
    what: 'wrong shape: coef rows vs classes',
    model: edited((d) => d.classes.push('extra'), true),
    error: /^bad\.json: perceptron\.coef has 3 rows, expected 4 \(one per class\)$/,
  },
  {
    what: 'wrong shape: mean vs features',
    model: edited((d) => d.scaler.mean.push(0), true),
    error: /^bad\.json: scaler\.mean has 5 numbers, expected 4 \(one per feature\)$/,
  },
  {
    what: 'wrong type: a weight as text',
    model: edited((d) => (d.perceptron.intercept[0] = '0.1'), true),
    error: /^bad\.json: perceptron\.intercept\[0\] should be a number, found "0\.1"$/,
  },
  { what: 'zero scale', model: edited((d) => (d.scaler.scale[2] = 0), true), error: /^bad\.json: scaler\.scale\[2\] is 0, expected a number > 0$/ },
  { what: 'duplicate class', model: edited((d) => (d.classes[2] = d.classes[0]), true), error: /^bad\.json: classes has a duplicate: "setosa"$/ },
  {
    what: 'non-finite weight',
    model: replacedText(/("coef": \[\s*\[)-?[\d.e-]+/, '$11e999'),
    error: /^bad\.json: perceptron\.coef\[0\]\[0\] is not a finite number$/,
  },
  {
    what: 'non-finite metric',
    model: replacedText(/("accuracy": )[\d.e-]+/, '$1-1e400'),
    error: /^bad\.json: training\.metrics\.train\.accuracy is not a finite number$/,
  },
  {
    what: 'deeply nested JSON',
    model: `${'['.repeat(100_000)}${']'.repeat(100_000)}`,
    error: /^bad\.json: not valid JSON for a model \(nested more than 64 levels deep at line 1, column 65\)$/,
  },
  {
    what: 'absurd size: a million classes',
    model: (b) => b.modelText.replace(/"classes": \[[^\]]*\]/, `"classes": [${Array.from({ length: 1_000_000 }, (_, i) => `"c${i}"`).join(', ')}]`),
    error: /^bad\.json: classes has more than 10000 entries; a model may have at most 10000 classes$/,
  },
  {
    what: 'absurd size: coef of 5000 classes x 5000 features',
    model: edited((d) => {
      d.classes = Array.from({ length: 5000 }, (_, i) => `c${i}`);
      d.features = Array.from({ length: 5000 }, (_, i) => `f${i}`);
    }),
    error: /^bad\.json: perceptron\.coef would hold 5000 x 5000 = 25000000 numbers; a model may have at most 10000000$/,
  },
  {
    what: 'absurd size: a 70 MB file',
    model: '',
    sparseBytes: 70 * 1024 * 1024,
    error: /^bad\.json: the file is 70\.0 MiB, larger than the 64\.0 MiB a model may be; it is not an iris model$/,
  },
];

// -------------------------------------------------------------------------------------------------
// The rows

const rows: Row[] = [];
const add = (row: Row) => rows.push(row);

/** Every data problem as `--data` of a command: the same files, exit code and message. */
function addDataProblems(command: 'train' | 'evaluate'): void {
  for (const p of DATA_PROBLEMS) {
    add({
      command,
      what: p.what,
      args: ['--data', p.path ?? 'data.csv'],
      files: { ...(p.data === undefined ? {} : { 'data.csv': p.data }), ...p.files },
      ...(p.dirs === undefined ? {} : { dirs: p.dirs }),
      code: 3,
      error: p.error,
    });
  }
}

// train: data problems
addDataProblems('train');
add({
  command: 'train',
  what: 'a bad value under a column name holding a line break',
  args: ['--data', 'data.csv'],
  files: { 'data.csv': csv('"sepal\r\nlength",sepal_width,species', '5.1,3.5,setosa', 'abc,3.0,versicolor') },
  code: 3,
  error: /^data\.csv:4: column "sepal\\r\\nlength": "abc" is not a number$/,
});
add({ command: 'train', what: 'empty stdin', args: ['--data', '-'], input: '', code: 3, error: /^<stdin>: the input is empty$/ });
add({
  command: 'train',
  what: 'ragged row on stdin',
  args: ['--data', '-'],
  input: csv(HEADER, ROWS[0]!, '1,2'),
  code: 3,
  error: /^<stdin>:3: expected 5 fields, found 2$/,
});

// train: columns, classes and splits the data cannot satisfy
const trainData = { 'data.csv': IRIS_TEXT };
add({
  command: 'train',
  what: 'unknown target column',
  args: ['--data', 'data.csv', '--target', 'Species'],
  files: trainData,
  code: 3,
  error: /^data\.csv: no column "Species"$/,
});
add({
  command: 'train',
  what: 'unknown feature column',
  args: ['--data', 'data.csv', '--features', 'sepal_length,petal_size'],
  files: trainData,
  code: 3,
  error: /^data\.csv: no column "petal_size"$/,
});
add({
  command: 'train',
  what: 'target named as a feature',
  args: ['--data', 'data.csv', '--features', 'sepal_length,species'],
  files: trainData,
  code: 3,
  error: /^data\.csv: column "species" is the target and cannot also be a feature$/,
});
add({
  command: 'train',
  what: 'a feature named twice',
  args: ['--data', 'data.csv', '--features', 'petal_width,petal_width'],
  files: trainData,
  code: 3,
  error: /^data\.csv: column "petal_width" is named twice in the features$/,
});
add({
  command: 'train',
  what: 'only the target column',
  args: ['--data', 'data.csv'],
  files: { 'data.csv': csv('species', 'setosa', 'virginica') },
  code: 3,
  error: /^data\.csv: no feature columns$/,
});
add({
  command: 'train',
  what: 'a single class',
  args: ['--data', 'data.csv'],
  files: { 'data.csv': IRIS_TEXT.split('\n').slice(0, 51).join('\n') },
  code: 3,
  error: /^the training rows contain only the class "setosa"; a classifier needs at least two$/,
});
add({
  command: 'train',
  what: 'stratify with a one-member class',
  args: ['--data', 'data.csv', '--stratify'],
  files: { 'data.csv': `${IRIS_TEXT}6.0,3.0,4.0,1.0,hybrid\n` },
  code: 3,
  error: /^class "hybrid" has only 1 member; stratify needs at least 2 rows of every class$/,
});
add({
  command: 'train',
  what: 'more test rows than rows',
  args: ['--data', 'data.csv', '--test-size', '151'],
  files: trainData,
  code: 3,
  error: /^test size 151 is larger than the 150 rows available$/,
});
add({
  command: 'train',
  what: 'a test size that leaves no training rows',
  args: ['--data', 'data.csv', '--test-size', '150'],
  files: trainData,
  code: 3,
  error: /^test size 150 leaves no rows for training: the data has 150 rows$/,
});
add({
  command: 'train',
  what: 'too few rows',
  args: ['--data', 'data.csv'],
  files: { 'data.csv': csv(HEADER, ROWS[0]!) },
  code: 3,
  error: /^with 1 rows, test size 0\.3 .*the training set would be empty$/,
});
add({
  command: 'train',
  what: 'stratify with more classes than test rows',
  args: ['--data', 'data.csv', '--stratify', '--test-size', '2'],
  files: trainData,
  code: 3,
  error: /^the test set has 2 rows, fewer than the 3 classes that stratify must place in it$/,
});

// train: option values (usage errors, exit 2)
const badOptions: Array<[string, string, RegExp]> = [
  ['--test-size', '0', /^--test-size 0: must be a fraction in \(0, 1\) or a whole number of rows of at least 1, got "0"$/],
  ['--test-size', '1.0', /^--test-size 1\.0: must be a fraction in \(0, 1\)/],
  ['--test-size', '-0.2', /^--test-size -0\.2: must be a fraction in \(0, 1\)/],
  ['--test-size', 'abc', /^--test-size abc: "abc" is not a number$/],
  ['--test-size', 'NaN', /^--test-size NaN: "NaN" is not a number$/],
  ['--seed', '-1', /^--seed -1: must be a whole number from 0 to 4294967295, got -1$/],
  ['--seed', '4294967296', /^--seed 4294967296: must be a whole number from 0 to 4294967295/],
  ['--seed', '1.5', /^--seed 1\.5: "1\.5" is not a whole number$/],
  ['--seed', 'x', /^--seed x: "x" is not a whole number$/],
  ['--max-iter', '0', /^--max-iter 0: must be a whole number of at least 1, got 0$/],
  ['--max-iter', '1e3', /^--max-iter 1e3: "1e3" is not a whole number$/],
  ['--max-iter', '99999999999999999999', /^--max-iter 99999999999999999999: "99999999999999999999" is not a whole number$/],
  ['--eta0', '0', /^--eta0 0: must be a number greater than 0, got "0"$/],
  ['--eta0', 'abc', /^--eta0 abc: "abc" is not a number$/],
  ['--eta0', 'Infinity', /^--eta0 Infinity: "Infinity" is not a number$/],
  ['--eta0', '1e999', /^--eta0 1e999: must be a number greater than 0, got "1e999"$/],
  ['--tol', '-0.001', /^--tol -0\.001: must be a number of at least 0, got "-0\.001"$/],
  ['--tol', 'never', /^--tol never: "never" is not a number$/],
  ['--n-iter-no-change', '0', /^--n-iter-no-change 0: must be a whole number of at least 1, got 0$/],
  ['--features', ',', /^--features ,: expected column names separated by commas$/],
  ['--target', '', /^--target : expected a non-empty string$/],
];
for (const [flag, value, error] of badOptions) {
  add({ command: 'train', what: `option ${flag} ${JSON.stringify(value)}`, args: ['--data', 'data.csv', flag, value], files: trainData, code: 2, error });
}
add({
  command: 'train',
  what: 'unknown option',
  args: ['--data', 'data.csv', '--learning-rate', '0.1'],
  files: trainData,
  code: 2,
  error: /^unknown option '--learning-rate'$/,
});
add({ command: 'train', what: 'missing option value', args: ['--data'], code: 2, error: /^option '-d, --data <path>' argument missing$/ });
add({ command: 'train', what: 'unexpected argument', args: ['data.csv'], files: trainData, code: 2, error: /^too many arguments for 'train'/ });

// train: where the model goes
add({
  command: 'train',
  what: 'missing output folder',
  args: ['--data', 'data.csv', '--out', 'models/iris.json'],
  files: trainData,
  code: 3,
  error: /^models\/iris\.json: the folder "models" does not exist$/,
});
add({
  command: 'train',
  what: 'output is a folder',
  args: ['--data', 'data.csv', '--out', 'models'],
  files: trainData,
  dirs: ['models'],
  code: 3,
  error: /^models: is a folder, not a file$/,
});
add({
  command: 'train',
  what: 'output folder is a file',
  args: ['--data', 'data.csv', '--out', 'data.csv/model.json'],
  files: trainData,
  code: 3,
  error: /^data\.csv\/model\.json: "data\.csv" is not a folder$/,
});
add({
  command: 'train',
  what: 'output is a named pipe',
  args: ['--data', 'data.csv', '--out', 'pipe'],
  files: trainData,
  fifos: ['pipe'],
  code: 3,
  error: /^pipe: is not a regular file$/,
});

// predict: CSV rows
const predictRows: Array<[string, string, RegExp, string?]> = [
  ['rows of the wrong width (too few)', csv('5.1,3.5,1.4'), /^<stdin>:1: expected 4 fields, found 3$/],
  ['rows of the wrong width (too many)', csv('5.1,3.5,1.4,0.2,1.0'), /^<stdin>:1: expected 4 fields, found 5$/],
  ['ragged row after good rows', csv('5.1,3.5,1.4,0.2', '6.9,3.1,5.4,2.1', '5.9,3.0'), /^<stdin>:3: expected 4 fields, found 2$/, 'setosa\nvirginica\n'],
  [
    'non-numeric value',
    csv('sepal_length,sepal_width,petal_length,petal_width', '5.1,3.5,1.4,0.2', '6.9,3.1,five,2.1'),
    /^<stdin>:3: column petal_length: "five" is not a number$/,
    'setosa\n',
  ],
  ['NaN', csv('5.1,3.5,1.4,0.2', '5.1,NaN,1.4,0.2'), /^<stdin>:2: column sepal_width: missing value "NaN", and the model does not impute$/, 'setosa\n'],
  ['Infinity', csv('5.1,3.5,1.4,0.2', 'Infinity,3.5,1.4,0.2'), /^<stdin>:2: column sepal_length: "Infinity" is not a finite number$/, 'setosa\n'],
  ['overflowing number', csv('5.1,3.5,1.4,0.2', '5.1,3.5,1.4,-2e308'), /^<stdin>:2: column petal_width: "-2e308" is not a finite number$/, 'setosa\n'],
  ['empty field', csv('5.1,3.5,1.4,0.2', '5.1,3.5,,0.2'), /^<stdin>:2: column petal_length: missing value "", and the model does not impute$/, 'setosa\n'],
  ['header without a model column', csv('sepal_length,sepal_width,petal_length,petal_widht', '5.1,3.5,1.4,0.2'), /^<stdin>:1: missing column "petal_width"$/],
  [
    'duplicate columns',
    csv('sepal_length,sepal_width,petal_length,petal_width,sepal_width', '5.1,3.5,1.4,0.2,3.5'),
    /^<stdin>:1: duplicate column name "sepal_width"$/,
  ],
  ['binary input', 'PK\u0003\u0004\u0014\u0000\u0008', /^<stdin>: looks like a binary file \(NUL byte at offset 5\)$/],
  ['unterminated quote', csv('5.1,3.5,1.4,0.2', '"5.1,3.5,1.4,0.2'), /^<stdin>:2: unterminated quoted field$/, 'setosa\n'],
];
for (const [what, input, error, stdout] of predictRows) {
  add({ command: 'predict', what, args: [], input, code: 3, error, ...(stdout === undefined ? {} : { stdout }) });
}
add({ command: 'predict', what: 'missing input file', args: ['--input', 'rows.csv'], code: 3, error: /^rows\.csv: no such file$/ });
add({ command: 'predict', what: 'input is a folder', args: ['--input', 'rows'], dirs: ['rows'], code: 3, error: /^rows: is a directory$/ });
add({
  command: 'predict',
  what: 'ragged row in an input file',
  args: ['--input', 'rows.csv', '--format', 'csv'],
  files: { 'rows.csv': csv('5.1,3.5,1.4,0.2', '6.9,3.1,5.4') },
  code: 3,
  error: /^rows\.csv:2: expected 4 fields, found 3$/,
  stdout: 'prediction\nsetosa\n',
});
add({
  command: 'predict',
  what: 'json output is all or nothing',
  args: ['--format', 'json'],
  input: csv('5.1,3.5,1.4,0.2', '6.9,x,5.4,2.1'),
  code: 3,
  error: /^<stdin>:2: column sepal_width: "x" is not a number$/,
});

// predict: feature flags and options
const predictFlags: Array<[string, string[], RegExp]> = [
  ['missing feature flag', FLAGS.slice(0, 6), /^missing feature: petal_width$/],
  ['feature flag not a number', [...FLAGS.slice(0, 6), '--petal-width', 'wide'], /^--petal-width "wide": not a finite number$/],
  ['feature flag NaN', [...FLAGS.slice(0, 6), '--petal-width', 'NaN'], /^--petal-width "NaN": not a finite number$/],
  ['feature flag Infinity', ['--sepal-length', 'Infinity', ...FLAGS.slice(2)], /^--sepal-length "Infinity": not a finite number$/],
  ['feature flag overflowing', ['--sepal-length=1e309', ...FLAGS.slice(2)], /^--sepal-length "1e309": not a finite number$/],
  ['feature flag empty', ['--sepal-length=', ...FLAGS.slice(2)], /^--sepal-length "": not a finite number$/],
  ['feature flag without a value', [...FLAGS.slice(0, 6), '--petal-width'], /^--petal-width: a number is missing$/],
  ['unknown feature flag', [...FLAGS, '--petal-colour', '3'], /^unknown option '--petal-colour'$/],
  ['unknown short option', [...FLAGS, '-x'], /^unknown option '-x'$/],
  ['-F without =', ['-F', 'sepal_length', ...FLAGS.slice(2)], /^-F sepal_length: expected <feature>=<number> with a feature of the model$/],
  [
    '-F with an unknown column',
    ['-F', 'sepal length=5.1', ...FLAGS.slice(2)],
    /^-F sepal length=5\.1: expected <feature>=<number> with a feature of the model$/,
  ],
  [
    'a feature given twice',
    ['-F', 'sepal_length=5', ...FLAGS],
    /^--sepal-length: the feature sepal_length is given twice$|^-F sepal_length: the feature sepal_length is given twice$/,
  ],
  ['flags and --input together', [...FLAGS, '--input', 'rows.csv'], /^give feature flags or --input, not both$/],
  ['unexpected argument', ['rows.csv'], /^unexpected argument 'rows\.csv'$/],
  ['bad --format', ['--format', 'xml', ...FLAGS], /^--format xml: must be one of text, csv, jsonl, json, got "xml"$/],
  ['missing --model value', ['--model'], /^option '-m, --model <path>' argument missing$/],
];
for (const [what, args, error] of predictFlags) add({ command: 'predict', what, args, code: 2, error });

// evaluate: data problems (with --data), gates, baseline, held-out rows
addDataProblems('evaluate');
add({
  command: 'evaluate',
  what: 'data without the target column',
  args: ['--data', 'data.csv'],
  files: { 'data.csv': csv('sepal_length,sepal_width,petal_length,petal_width,label', '5.1,3.5,1.4,0.2,setosa') },
  code: 3,
  error: /^data\.csv: no column "species"$/,
});
add({
  command: 'evaluate',
  what: 'data without a model feature',
  args: ['--data', 'data.csv'],
  files: { 'data.csv': csv('sepal_length,sepal_width,petal_length,species', '5.1,3.5,1.4,setosa') },
  code: 3,
  error: /^data\.csv: no column "petal_width"$/,
});
add({ command: 'evaluate', what: 'empty stdin', args: ['--data', '-'], input: '', code: 3, error: /^<stdin>: the input is empty$/ });
add({
  command: 'evaluate',
  what: 'training data gone',
  args: [],
  noTrainingData: true,
  code: 3,
  error: /^cannot read the training data of model\.json again: .*iris\.csv: no such file$/,
});
add({
  command: 'evaluate',
  what: 'training data changed',
  args: [],
  files: { 'iris.csv': `${IRIS_TEXT}5.0,3.3,1.4,0.2,setosa\n` },
  code: 3,
  error: /^\S*iris\.csv: the training data changed since model\.json was trained \(SHA-256 differs\)$/,
});
add({
  command: 'evaluate',
  what: 'model trained from stdin, no --data',
  args: ['--model', 'stdin.json'],
  files: { 'stdin.json': (b) => b.stdinModelText },
  code: 3,
  error: /^stdin\.json: the model was trained from stdin, so its test rows cannot be read again$/,
});
add({
  command: 'evaluate',
  what: 'recorded split cannot be reproduced',
  args: [],
  files: { 'model.json': edited((d) => (d.training.split.testIndicesSha256 = '0'.repeat(64)), true) },
  code: 4,
  error: /^model\.json: the recorded test split cannot be reproduced from iris\.csv$/,
});
const badGates: Array<[string[], RegExp]> = [
  [['--min-accuracy', '1.5'], /^--min-accuracy 1\.5: must be a number from 0 to 1, got "1\.5"$/],
  [['--min-accuracy', 'high'], /^--min-accuracy high: "high" is not a number$/],
  [['--min-accuracy', 'NaN'], /^--min-accuracy NaN: "NaN" is not a number$/],
  [['--min-f1', '-0.1'], /^--min-f1 -0\.1: must be a number from 0 to 1, got "-0\.1"$/],
  [['--max-drop', '0.1'], /^--max-drop needs --baseline <model>$/],
  [['--baseline', 'model.json', '--max-drop', '-1'], /^--max-drop -1: must be a number of at least 0, got "-1"$/],
  [['--baseline', 'model.json', '--max-drop', 'x'], /^--max-drop x: "x" is not a number$/],
  [['--format', 'pdf'], /^--format pdf: must be one of text, json, junit, markdown, html, got "pdf"$/],
  [['--format', 'json', '--out', 'report.json'], /^--out goes with --format html$/],
  [['--min-acc', '0.9'], /^unknown option '--min-acc'/],
  [['--min-accuracy'], /^option '--min-accuracy <x>' argument missing$/],
];
for (const [args, error] of badGates) add({ command: 'evaluate', what: `gate options ${args.join(' ')}`, args, code: 2, error });
add({ command: 'evaluate', what: 'missing baseline', args: ['--baseline', 'old.json'], code: 4, error: /^old\.json: no model file/ });
add({
  command: 'evaluate',
  what: 'tampered baseline',
  args: ['--baseline', 'old.json'],
  files: { 'old.json': edited((d) => (d.perceptron.intercept[0] = 7)) },
  code: 4,
  error: /^old\.json: checksum mismatch: the file was modified after training$/,
});
add({
  command: 'evaluate',
  what: 'baseline for another target',
  args: ['--baseline', 'old.json'],
  files: { 'old.json': edited((d) => (d.target = 'genus'), true) },
  code: 4,
  error: /^old\.json: the baseline predicts "genus", the model "species"$/,
});

// inspect: options
add({ command: 'inspect', what: 'unknown option', args: ['--verbose'], code: 2, error: /^unknown option '--verbose'$/ });
add({ command: 'inspect', what: 'two models', args: ['model.json', 'iris.csv'], code: 2, error: /^too many arguments for 'inspect'/ });
add({
  command: 'inspect',
  what: 'a CSV file as the model',
  args: ['iris.csv'],
  code: 4,
  error: /^iris\.csv: not valid JSON \(line 1, column 1: unexpected "s"\)$/,
});

// model problems, for every command that reads a model
const modelArgs: Record<Exclude<Command, 'train'>, (path: string) => string[]> = {
  predict: (path) => ['--model', path, ...FLAGS],
  evaluate: (path) => ['-m', path],
  inspect: (path) => [path],
};
for (const command of ['predict', 'evaluate', 'inspect'] as const) {
  for (const p of MODEL_PROBLEMS) {
    add({
      command,
      what: p.what,
      args: modelArgs[command](p.path ?? 'bad.json'),
      files: p.model === undefined ? {} : { 'bad.json': p.model },
      ...(p.dirs === undefined ? {} : { dirs: p.dirs }),
      code: 4,
      error: p.error,
    });
  }
}
add({
  command: 'predict',
  what: 'tampered model, rows on stdin',
  args: ['-m', 'bad.json'],
  files: { 'bad.json': edited((d) => (d.scaler.mean[0] = 5)) },
  input: csv('5.1,3.5,1.4,0.2'),
  code: 4,
  error: /^bad\.json: checksum mismatch/,
});

// configuration files, for every command
const configs: Array<[Command, string, Record<string, string>, string[], RegExp]> = [
  [
    'train',
    'config with an unknown key',
    { '.irisrc.json': '{ "train": { "testsize": 0.2 } }' },
    [],
    /^config \S+\/\.irisrc\.json: train\.testsize: unknown key \(known: data, target, features, testSize,/,
  ],
  [
    'train',
    'config with a bad value',
    { '.irisrc.json': '{ "train": { "maxIter": "many" } }' },
    [],
    /^config \S+\/\.irisrc\.json: train\.maxIter: "many" is not a whole number$/,
  ],
  [
    'train',
    'config with invalid JSON',
    { '.irisrc.json': '{ "train": { "seed": 1, } }' },
    [],
    /^config \S+\/\.irisrc\.json: cannot be read: .*JSON.*position \d+/,
  ],
  ['train', 'config with invalid YAML', { '.irisrc.yaml': 'train:\n  seed: [1\n' }, [], /^config \S+\/\.irisrc\.yaml: cannot be read: .+\(\d+:\d+\)$/],
  [
    'train',
    'config file holding null',
    { 'iris.json': 'null\n' },
    ['--config', 'iris.json'],
    /^config \S*iris\.json: \(top level\): expected an object of settings$/,
  ],
  ['train', 'missing --config file', {}, ['--config', 'nothere.yaml'], /^config nothere\.yaml: no such file$/],
  [
    'train',
    'config file that throws',
    { 'iris.config.cjs': 'throw new Error("no settings today")\n' },
    [],
    /^config \S+\/iris\.config\.cjs: cannot be read: no settings today$/,
  ],
  [
    'predict',
    'config with a key of another command',
    { '.irisrc': '{ "predict": { "maxIter": 5 } }' },
    FLAGS,
    /^config \S+\/\.irisrc: predict\.maxIter: unknown key \(known: model, input, format, scores, withInput, json, delimiter, decimal, skipRows, names, output, queue, chunkRows, connectTimeout, timeout, unknown\)$/,
  ],
  ['predict', 'config with invalid syntax', { '.irisrc.json': '{ predict: {} }' }, FLAGS, /^config \S+\/\.irisrc\.json: cannot be read: .*JSON/],
  [
    'evaluate',
    'config with a bad gate',
    { '.irisrc.json': '{ "evaluate": { "minAccuracy": 90 } }' },
    [],
    /^config \S+\/\.irisrc\.json: evaluate\.minAccuracy: must be a number from 0 to 1, got 90$/,
  ],
  ['evaluate', 'config with invalid YAML', { '.irisrc.yml': 'evaluate: {minAccuracy: 0.9\n' }, [], /^config \S+\/\.irisrc\.yml: cannot be read: /],
  [
    'inspect',
    'config with an unknown top-level key',
    { '.irisrc.json': '{ "models": "m.json" }' },
    [],
    /^config \S+\/\.irisrc\.json: models: unknown key \(known: model, color, train, predict, evaluate, inspect, serve, worker, export, cv, tune\)$/,
  ],
  [
    'inspect',
    'config with a bad top-level model',
    { '.irisrc.json': '{ "model": 5 }' },
    [],
    /^config \S+\/\.irisrc\.json: model: expected a non-empty string$/,
  ],
];
for (const [command, what, files, args, error] of configs) add({ command, what, args, files, code: 2, error });

// -------------------------------------------------------------------------------------------------
// Running them

const root = tempDir('iris-bad-input-');
const base: Base = { modelText: '', stdinModelText: '' };

beforeAll(async () => {
  const seed = join(root, 'seed');
  mkdirSync(seed);
  copyFileSync(IRIS_CSV, join(seed, 'iris.csv'));
  const [a, b] = await Promise.all([
    iris(['train', '--data', 'iris.csv', '--out', 'model.json', '-q'], { cwd: seed }),
    iris(['train', '--data', '-', '--out', 'stdin.json', '-q'], { cwd: seed, input: IRIS_TEXT }),
  ]);
  if (a.exitCode !== 0 || b.exitCode !== 0) throw new Error(`training the base models failed: ${a.stderr}${b.stderr}`);
  base.modelText = readFileSync(join(seed, 'model.json'), 'utf8');
  base.stdinModelText = readFileSync(join(seed, 'stdin.json'), 'utf8');
});

/**
 * Name → a description of every entry of a folder: kind, inode, size, modification time and, for
 * files up to 16 MiB, the SHA-256 of the content (a rename over a file changes its inode, a write its
 * time). Descriptions rather than bytes, so that a failed comparison stays cheap.
 */
type Snapshot = Map<string, string>;

function snapshot(dir: string): Snapshot {
  const out: Snapshot = new Map();
  for (const name of readdirSync(dir).sort()) {
    const path = join(dir, name);
    const st = lstatSync(path, { bigint: true });
    const kind = st.isFIFO() ? 'fifo' : st.isDirectory() ? 'dir' : st.isFile() ? 'file' : 'other';
    const digest = kind === 'file' && st.size <= 16n << 20n ? ` sha256 ${createHash('sha256').update(readFileSync(path)).digest('hex')}` : '';
    out.set(name, `${kind} ino ${st.ino} size ${st.size} mtime ${st.mtimeNs}${digest}`);
  }
  return out;
}

function slug(row: Row, i: number): string {
  return `${String(i).padStart(3, '0')}-${row.command}-${row.what.replace(/[^a-z0-9]+/gi, '-').slice(0, 40)}`;
}

function prepare(row: Row, dir: string): void {
  mkdirSync(dir);
  writeFileSync(join(dir, 'model.json'), base.modelText);
  if (row.noTrainingData !== true) writeFileSync(join(dir, 'iris.csv'), IRIS_TEXT);
  for (const [name, content] of Object.entries(row.files ?? {})) {
    writeFileSync(join(dir, name), typeof content === 'function' ? content(base) : content);
  }
  for (const name of row.dirs ?? []) mkdirSync(join(dir, name));
  for (const name of row.fifos ?? []) execFileSync('mkfifo', [join(dir, name)]);
}

/** Marks the assertions on the wording of stderr, the only ones a known-bug row may fail. */
const WORDING = 'wording of the error';

/** The shared assertions of every row (the wording last, so that a known-bug row checks everything else). */
async function check(row: Row, dir: string, expectation: typeof expect): Promise<void> {
  const before = snapshot(dir);
  const { exitCode, stdout, stderr } = await iris([row.command, ...row.args], { cwd: dir, ...(row.input === undefined ? {} : { input: row.input }) });
  const context = `iris ${row.command} ${row.args.join(' ')}\n${stderr}`;
  expectation(exitCode, context).toBe(row.code);
  expectation(stdout, context).toBe(row.stdout ?? '');
  const after = snapshot(dir);
  expectation([...after.keys()], `${context}: files added or removed`).toEqual([...before.keys()]);
  for (const [name, content] of before) expectation(after.get(name), `${context}: ${name} changed`).toBe(content);
  expectation(stderr, `${context}: a stack trace`).not.toMatch(/\n\s+at /);
  expectation(stderr, `${WORDING}: ${context}`).toMatch(/^iris: error: [^\n]+\n(iris: hint: [^\n]+\n)?$/);
  const message = stderr.split('\n')[0]!.slice('iris: error: '.length);
  expectation(message, `${WORDING}: ${context}`).toMatch(row.error);
}

const byCommand = (command: Command) => rows.map((row, i) => [row, i] as const).filter(([row]) => row.command === command);

for (const command of ['train', 'predict', 'evaluate', 'inspect'] as const) {
  describe.concurrent(`iris ${command}: bad input`, () => {
    for (const [row, i] of byCommand(command)) {
      const name = `${row.what} → exit ${row.code}${row.knownBug === undefined ? '' : ` (known bug: ${row.knownBug})`}`;
      it(name, async ({ expect: localExpect }) => {
        const dir = join(root, slug(row, i));
        prepare(row, dir);
        // created empty, then made 70 MB without writing it (a sparse file)
        const sparse = MODEL_PROBLEMS.find((p) => p.what === row.what && p.sparseBytes !== undefined);
        if (sparse !== undefined) truncateSync(join(dir, 'bad.json'), sparse.sparseBytes);
        if (row.knownBug === undefined) return check(row, dir, localExpect);
        // Everything but the wording must hold already; the wording must still be wrong (when the bug
        // is fixed, this fails: drop the knownBug mark so that the row checks the wording too).
        const failure = await check(row, dir, localExpect).then(
          () => undefined,
          (error: unknown) => error,
        );
        localExpect(failure, `the known bug seems fixed, drop its mark: ${row.knownBug}`).toBeInstanceOf(Error);
        localExpect((failure as Error).message).toContain(WORDING);
      });
    }
  });
}

describe('the bad-input table', () => {
  it('covers every failure class for every command it applies to', () => {
    const count = (command: Command) => rows.filter((r) => r.command === command).length;
    // every model problem for each model reader, every data problem for train and evaluate
    for (const command of ['predict', 'evaluate', 'inspect'] as const) {
      for (const p of MODEL_PROBLEMS) expect(rows.some((r) => r.command === command && r.what === p.what)).toBe(true);
    }
    for (const command of ['train', 'evaluate'] as const) {
      for (const p of DATA_PROBLEMS) expect(rows.some((r) => r.command === command && r.what === p.what)).toBe(true);
    }
    for (const command of ['train', 'predict', 'evaluate', 'inspect'] as const) {
      expect(rows.some((r) => r.command === command && r.what.startsWith('config'))).toBe(true);
      expect(rows.some((r) => r.command === command && r.code === 2)).toBe(true);
    }
    expect(count('train') + count('predict') + count('evaluate') + count('inspect')).toBe(rows.length);
    expect(rows.length).toBeGreaterThan(200);
  });

  it('the shared assertions can fail: --debug adds a stack trace, which a row would reject', async () => {
    const dir = join(root, 'debug');
    mkdirSync(dir);
    const { exitCode, stderr } = await iris(['train', '--data', 'nothere.csv', '--debug'], { cwd: dir });
    expect(exitCode).toBe(3);
    expect(stderr).toMatch(/^iris: error: nothere\.csv: no such file\n/);
    expect(stderr).toMatch(/\n\s+at /);
    const viaEnv = await iris(['inspect', 'nothere.json'], { cwd: dir, env: { IRIS_DEBUG: '1' } });
    expect(viaEnv.exitCode).toBe(4);
    expect(viaEnv.stderr).toMatch(/\n\s+at /);
  });
});
