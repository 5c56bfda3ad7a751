/**
 * The model artifact: one self-describing, versioned JSON file (see CLI.md, "The model artifact").
 *
 * Writing: sealArtifact adds the checksum (sha256 of the RFC 8785 canonical JSON of everything else);
 * saveArtifact checks that the text it is about to write loads back, then writes it atomically.
 *
 * Loading checks, in order, each failure a ModelError (exit 4) that starts with the file name:
 *   1. read (missing, a folder, unreadable, larger than MAX_MODEL_FILE_BYTES: refused from stat)
 *   2. JSON. A cheap scan before JSON.parse refuses nesting deeper than MAX_JSON_DEPTH and
 *      top-level `classes`/`features` arrays longer than MAX_CLASSES/MAX_FEATURES, so an absurd
 *      file is refused before JSON.parse allocates it (those limits are step 5's, applied early).
 *   3. format, 4. formatVersion (newer refused, older migrated), 5. required fields and shapes
 *   (size limits first, before any per-entry work), 6. finite numbers, 7. checksum.
 * Nothing in the file is ever executed: JSON.parse without a reviver, then plain type checks.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs/promises';
import nodePath from 'node:path';
import { ModelError } from '../core/errors.js';
import type { PerceptronParams } from '../core/perceptron.js';
import type { ScoringModel } from '../core/scoring.js';
import { CanonicalJsonError, canonicalJson, formatPath } from './canonical-json.js';
import { writeFileAtomic } from './atomic-write.js';

export { canonicalJson, CanonicalJsonError, formatPath } from './canonical-json.js';
export { writeFileAtomic } from './atomic-write.js';

export const MODEL_FORMAT = 'iris-model';
export const MODEL_FORMAT_VERSION = 1;

/** A model file larger than this is refused from its size alone, before it is read. */
export const MAX_MODEL_FILE_BYTES = 64 * 1024 * 1024;
/** Deeper JSON nesting is refused before parsing (a real artifact nests about 6 deep). */
export const MAX_JSON_DEPTH = 64;
export const MAX_CLASSES = 10_000;
export const MAX_FEATURES = 100_000;
export const MAX_COEF_NUMBERS = 10_000_000;
/**
 * Arrays and objects, and strings (keys included), in the whole document: refused before JSON.parse
 * materialises them. A model holds a few of each per class and per feature (coef and confusion
 * rows, per-class metrics, names), far below these; a 60 MiB file of `[],[],…` would otherwise
 * cost JSON.parse 20 s and 2 GB before the shape checks refuse it.
 */
export const MAX_JSON_CONTAINERS = 200_000;
export const MAX_JSON_STRINGS = 1_000_000;

/** The hyperparameters are stored exactly as the core takes them. */
export type PerceptronParamsJson = PerceptronParams;

export interface SplitJson {
  testSize: number;
  seed: number;
  shuffle: boolean;
  stratify: boolean;
  train: number;
  test: number;
  testIndices: number[];
}

/** path: relative to the model file's folder ('/' separators); '-' for stdin; 'iris.csv' with bundled: true for the bundled data. */
export interface TrainingDataJson {
  path: string;
  bundled: boolean;
  sha256: string;
  rows: number;
}

/**
 * Format version 1. Later minor additions (extra members, at the top level or inside) are allowed in
 * a file, kept by the loader and covered by the checksum, but are deliberately not part of this
 * static type: an index signature (`[extra: string]: unknown`) would make
 * `Omit<ModelArtifactV1, 'checksum'>` collapse to `{ [x: string]: unknown }` and lose every named
 * field. Read an extra as `(artifact as Record<string, unknown>)['name']`.
 */
export interface ModelArtifactV1 {
  format: 'iris-model';
  formatVersion: 1;
  producer: { name: string; version: string };
  createdAt: string;
  target: string;
  features: string[];
  classes: string[];
  scaler: { mean: number[]; scale: number[] };
  perceptron: { coef: number[][]; intercept: number[]; nIter: number; converged: boolean; params: PerceptronParamsJson };
  training: { data: TrainingDataJson; split: SplitJson; metrics: Record<string, unknown> };
  /** 'sha256:' + hex of sha256(canonicalJson(the artifact without checksum)). */
  checksum: string;
}

/** Everything but the checksum: what sealArtifact takes. */
export type ModelArtifactBodyV1 = Omit<ModelArtifactV1, 'checksum'>;

export interface LoadedModel {
  /** As given. */
  path: string;
  /** The document, migrated to the current format version. */
  artifact: ModelArtifactV1;
  /** The formatVersion the file itself declares (before any migration). */
  fileFormatVersion: number;
  nClasses: number;
  nFeatures: number;
  /** Row-major, (nClasses === 2 ? 1 : nClasses) x nFeatures. */
  coef: Float64Array;
  intercept: Float64Array;
  mean: Float64Array;
  scale: Float64Array;
}

/** What scoring needs of a loaded model (predict and evaluate both score with it). */
export function scoringModel(loaded: LoadedModel): ScoringModel {
  const { artifact, nFeatures, mean, scale, coef, intercept } = loaded;
  return { classes: artifact.classes, nFeatures, mean, scale, coef, intercept };
}

// ---------------------------------------------------------------------------------------------
// Checksum and sealing

const CHECKSUM_PREFIX = 'sha256:';
const CHECKSUM_PATTERN = /^sha256:[0-9a-f]{64}$/;
const SHA256_HEX_PATTERN = /^[0-9a-f]{64}$/;
const ISO_8601_PATTERN = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/;

/** 'sha256:' + hex sha256 of the canonical JSON of `body` (a plain JSON object) without its `checksum` member. */
export function computeChecksum(body: object): string {
  const source = body as Record<string, unknown>;
  const rest: Record<string, unknown> = {};
  for (const key of Object.keys(source)) {
    if (key !== 'checksum') rest[key] = source[key];
  }
  return CHECKSUM_PREFIX + createHash('sha256').update(canonicalJson(rest), 'utf8').digest('hex');
}

const KEY_ORDER = ['format', 'formatVersion', 'producer', 'createdAt', 'target', 'features', 'classes', 'scaler', 'perceptron', 'training'];

/**
 * Adds the checksum. Members are laid out in a fixed, readable order (format first, checksum last);
 * the order does not affect the checksum. Throws a CanonicalJsonError (a bug in the caller) on
 * anything that is not JSON data, such as a non-finite number or a Float64Array.
 */
export function sealArtifact(body: ModelArtifactBodyV1): ModelArtifactV1 {
  const source = body as unknown as Record<string, unknown>;
  const ordered: Record<string, unknown> = {};
  for (const key of KEY_ORDER) if (Object.hasOwn(source, key)) ordered[key] = source[key];
  for (const key of Object.keys(source)) if (key !== 'checksum' && !Object.hasOwn(ordered, key)) ordered[key] = source[key];
  ordered['checksum'] = computeChecksum(ordered);
  return ordered as unknown as ModelArtifactV1;
}

/**
 * The text written to disk: two-space indentation, arrays of plain values on one line (so a coef row
 * is one line), a final newline. Parses back to exactly the same value.
 */
export function serializeArtifact(artifact: ModelArtifactV1): string {
  return pretty(artifact, '') + '\n';
}

function pretty(value: unknown, indent: string): string {
  if (value === null || typeof value !== 'object') {
    if (typeof value === 'number' && !Number.isFinite(value)) throw new TypeError(`cannot write the non-finite number ${value}`);
    return JSON.stringify(value);
  }
  const inner = indent + '  ';
  if (Array.isArray(value)) {
    if (value.length === 0) return '[]';
    if (value.every((item) => item === null || typeof item !== 'object')) {
      return '[' + value.map((item) => pretty(item, inner)).join(', ') + ']';
    }
    return '[\n' + value.map((item) => inner + pretty(item, inner)).join(',\n') + '\n' + indent + ']';
  }
  const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined);
  if (entries.length === 0) return '{}';
  return '{\n' + entries.map(([k, v]) => `${inner}${JSON.stringify(k)}: ${pretty(v, inner)}`).join(',\n') + '\n' + indent + '}';
}

// ---------------------------------------------------------------------------------------------
// Saving

/**
 * Writes the artifact atomically. Before writing, the exact text is loaded back with every check of
 * parseArtifact; an artifact that would not load is a bug in the caller and is refused with a plain
 * Error (exit 70), leaving any existing file untouched. Folder problems are DataErrors (exit 3).
 */
export async function saveArtifact(path: string, artifact: ModelArtifactV1): Promise<void> {
  const text = serializeArtifact(artifact);
  try {
    parseArtifact(text, path);
  } catch (error) {
    const detail = error instanceof Error ? error.message : String(error);
    throw new Error(`internal error: refusing to write a model that would not load back: ${detail}`, { cause: error });
  }
  await writeFileAtomic(path, text);
  modelCache.delete(nodePath.resolve(path));
}

// ---------------------------------------------------------------------------------------------
// Loading

const modelCache = new Map<string, Promise<LoadedModel>>();

/**
 * Reads and checks a model file, at most once per resolved absolute path for the life of the
 * process: later calls return the same promise (a failure is remembered too). Nothing is read until
 * the first call.
 */
export function loadModel(path: string): Promise<LoadedModel> {
  const key = nodePath.resolve(path);
  let pending = modelCache.get(key);
  if (pending === undefined) {
    pending = readModelText(path).then((text) => parseArtifact(text, path));
    modelCache.set(key, pending);
  }
  return pending;
}

/** Forgets every loaded model (for tests). */
export function clearModelCache(): void {
  modelCache.clear();
}

function errnoCode(error: unknown): string | undefined {
  if (typeof error === 'object' && error !== null && 'code' in error) {
    const code = (error as { code: unknown }).code;
    if (typeof code === 'string') return code;
  }
  return undefined;
}

function shellWord(s: string): string {
  return /^[\w./@%+=:,-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

function mib(bytes: number): string {
  return `${(bytes / (1024 * 1024)).toFixed(1)} MiB`;
}

function tooLarge(path: string, bytes: number, atLeast: boolean): ModelError {
  return new ModelError(
    `${path}: the file is ${atLeast ? 'more than ' : ''}${mib(bytes)}, larger than the ${mib(MAX_MODEL_FILE_BYTES)} a model may be; it is not an iris model`,
    { hint: 'pass the model file written by `iris train`' },
  );
}

function readError(path: string, error: unknown): ModelError {
  const code = errnoCode(error);
  switch (code) {
    case 'ENOENT':
    case 'ENOTDIR':
      return new ModelError(`${path}: no model file (run \`iris train\` first?)`, {
        hint: `create it with \`iris train --out ${shellWord(path)}\`, or pass --model <path>`,
        cause: error,
      });
    case 'EISDIR':
      return new ModelError(`${path}: is a folder, not a model file`, {
        hint: `pass the model file itself, e.g. --model ${shellWord(nodePath.join(path, 'model.json'))}`,
        cause: error,
      });
    case 'EACCES':
    case 'EPERM':
      return new ModelError(`${path}: cannot read the model file (permission denied)`, { cause: error });
    default: {
      const detail = error instanceof Error ? error.message : String(error);
      return new ModelError(`${path}: cannot read the model file (${detail})`, { cause: error });
    }
  }
}

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false });

/** Step 1: stat first, refuse folders, special files and oversized files, then read (with a cap, in case it grows). */
async function readModelText(path: string): Promise<string> {
  let handle: fs.FileHandle;
  try {
    handle = await fs.open(path, 'r');
  } catch (error) {
    throw readError(path, error);
  }
  try {
    const st = await handle.stat();
    if (st.isDirectory()) throw readError(path, Object.assign(new Error('is a directory'), { code: 'EISDIR' }));
    if (!st.isFile()) throw new ModelError(`${path}: is not a regular file`, { hint: 'pass the model file written by `iris train`' });
    if (st.size > MAX_MODEL_FILE_BYTES) throw tooLarge(path, st.size, false);
    const chunks: Buffer[] = [];
    let total = 0;
    const chunkSize = Math.min(Math.max(st.size + 1, 64 * 1024), MAX_MODEL_FILE_BYTES + 1);
    for (;;) {
      const chunk = Buffer.allocUnsafe(chunkSize);
      const { bytesRead } = await handle.read(chunk, 0, chunkSize, null);
      if (bytesRead === 0) break;
      total += bytesRead;
      if (total > MAX_MODEL_FILE_BYTES) throw tooLarge(path, total, true);
      chunks.push(bytesRead === chunkSize ? chunk : chunk.subarray(0, bytesRead));
    }
    const bytes = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, total);
    try {
      return utf8.decode(bytes);
    } catch (error) {
      throw new ModelError(`${path}: not valid JSON (the file is not UTF-8 text)`, {
        hint: 'the file is damaged; retrain it with `iris train` or restore it from a copy',
        cause: error,
      });
    }
  } catch (error) {
    if (error instanceof ModelError) throw error;
    throw readError(path, error);
  } finally {
    await handle.close().catch(() => undefined);
  }
}

/** Parses and checks the text of a model file (checks 2 to 7). `source` names the file in messages. */
export function parseArtifact(text: string, source: string): LoadedModel {
  const fail = (message: string, hint?: string): never => {
    throw new ModelError(`${source}: ${message}`, hint === undefined ? {} : { hint });
  };

  // 2. JSON
  const doc = parseJson(text, source);

  // 3. format
  if (doc === null || typeof doc !== 'object' || Array.isArray(doc)) {
    fail(`is not an iris model (the file holds ${describe(doc)}, not a JSON object)`, 'pass the model file written by `iris train`');
  }
  const original = doc as Record<string, unknown>;
  if (!Object.hasOwn(original, 'format')) fail('is not an iris model (it has no "format" field)', 'pass the model file written by `iris train`');
  if (original['format'] !== MODEL_FORMAT) {
    fail(`is not an iris model (format: ${describe(original['format'])})`, 'pass the model file written by `iris train`');
  }

  // 4. formatVersion, then migrate older versions
  const version = original['formatVersion'];
  if (version === undefined) fail('has no formatVersion', 'the file is damaged; retrain it with `iris train`');
  if (typeof version !== 'number' || !Number.isInteger(version) || version < 1) {
    fail(`formatVersion ${describe(version)} is not a valid format version (expected a whole number from 1)`, 'the file is damaged; retrain it with `iris train`');
  }
  const fileFormatVersion = version as number;
  if (fileFormatVersion > MODEL_FORMAT_VERSION) {
    fail(
      `model format version ${fileFormatVersion} is newer than this iris supports (${MODEL_FORMAT_VERSION}); upgrade iris`,
      'upgrade iris (npm install iris@latest), or retrain the model with this version',
    );
  }
  const current = migrateToCurrent(original, fileFormatVersion, source);

  // 5. required fields and shapes (limits first, so nothing is allocated for an absurd file)
  const shapes = checkShapes(current, fail);

  // 6. finite numbers, anywhere in the document
  const stack: (string | number)[] = [];
  if (findNonFinite(current, stack)) fail(`${formatPath(stack)} is not a finite number`, 'the file is damaged; retrain it with `iris train`');

  // 7. checksum, over the file's own content (before any migration)
  let actual: string;
  try {
    actual = computeChecksum(original);
  } catch (error) {
    if (!(error instanceof CanonicalJsonError)) throw error;
    return fail(`${error.at === '' ? 'the document' : error.at} cannot be checksummed: ${error.reason}`, 'the file is damaged; retrain it with `iris train`');
  }
  if (actual !== original['checksum']) {
    fail('checksum mismatch: the file was modified after training', 'retrain the model with `iris train`, or restore the original file');
  }

  return {
    path: source,
    artifact: current as unknown as ModelArtifactV1,
    fileFormatVersion,
    nClasses: shapes.classes.length,
    nFeatures: shapes.features.length,
    coef: flatten(shapes.coef, shapes.features.length),
    intercept: Float64Array.from(shapes.intercept),
    mean: Float64Array.from(shapes.mean),
    scale: Float64Array.from(shapes.scale),
  };
}

function flatten(rows: number[][], width: number): Float64Array {
  const out = new Float64Array(rows.length * width);
  for (let r = 0; r < rows.length; r++) out.set(rows[r]!, r * width);
  return out;
}

// ---------------------------------------------------------------------------------------------
// Migrations

/** One step from format version `from` to `from + 1`. It must not modify its input. */
export interface Migration {
  from: number;
  migrate(doc: Record<string, unknown>): Record<string, unknown>;
}

/**
 * Keyed by the version migrated from. Empty: 1 is the first format version. When version 2 appears,
 * add `[1, { from: 1, migrate: (v1) => ({ ...v1, formatVersion: 2, … }) }]`; the checksum of an
 * older file is verified against the file as written, before migration.
 */
export const MIGRATIONS: ReadonlyMap<number, Migration> = new Map();

export function migrateToCurrent(
  doc: Record<string, unknown>,
  version: number,
  source: string,
  migrations: ReadonlyMap<number, Migration> = MIGRATIONS,
  currentVersion: number = MODEL_FORMAT_VERSION,
): Record<string, unknown> {
  let current = doc;
  for (let v = version; v < currentVersion; v++) {
    const step = migrations.get(v);
    if (step === undefined) {
      throw new ModelError(`${source}: model format version ${v} is no longer supported by this iris (it reads ${currentVersion})`, {
        hint: 'retrain the model with `iris train`',
      });
    }
    current = step.migrate(current);
  }
  return current;
}

// ---------------------------------------------------------------------------------------------
// JSON parsing with a depth guard and precise error positions

function parseJson(raw: string, source: string): unknown {
  const text = raw.charCodeAt(0) === 0xfeff ? raw.slice(1) : raw;
  const hint = 'the file is damaged; retrain it with `iris train` or restore it from a copy';
  if (text.trim() === '') throw new ModelError(`${source}: not valid JSON (the file is empty)`, { hint });
  const scan = prescan(text);
  if (scan.kind === 'too-deep') {
    throw new ModelError(`${source}: not valid JSON for a model (nested more than ${MAX_JSON_DEPTH} levels deep at ${lineColumn(text, scan.pos)})`, { hint });
  }
  if (scan.kind === 'too-many') {
    const [limit, what] = scan.what === 'strings' ? [MAX_JSON_STRINGS, 'strings'] : [MAX_JSON_CONTAINERS, 'arrays and objects'];
    throw new ModelError(`${source}: not a model: more than ${limit} ${what} (at ${lineColumn(text, scan.pos)})`, { hint: SHAPE_HINT });
  }
  if (scan.kind === 'too-long') {
    // the step-5 limit, applied before JSON.parse would allocate every entry
    const max = scan.member === 'classes' ? MAX_CLASSES : MAX_FEATURES;
    throw new ModelError(`${source}: ${scan.member} has more than ${max} entries; ${limitText(scan.member)}`, { hint: SHAPE_HINT });
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    const located = locateJsonError(text);
    if (located === undefined) {
      const detail = error instanceof Error ? error.message : String(error);
      throw new ModelError(`${source}: not valid JSON (${detail})`, { hint, cause: error });
    }
    if (located.reason === END) {
      throw new ModelError(`${source}: not valid JSON (unexpected end of file at ${lineColumn(text, located.pos)}; the file looks truncated)`, {
        hint,
        cause: error,
      });
    }
    throw new ModelError(`${source}: not valid JSON (${lineColumn(text, located.pos)}: ${located.reason})`, { hint, cause: error });
  }
}

function lineColumn(text: string, pos: number): string {
  let line = 1;
  let lineStart = 0;
  for (let i = text.indexOf('\n'); i !== -1 && i < pos; i = text.indexOf('\n', i + 1)) {
    line++;
    lineStart = i + 1;
  }
  return `line ${line}, column ${pos - lineStart + 1}`;
}

type Prescan =
  | { kind: 'ok' }
  | { kind: 'too-deep'; pos: number }
  | { kind: 'too-many'; what: 'containers' | 'strings'; pos: number }
  | { kind: 'too-long'; member: 'classes' | 'features' };

const Q = 0x22; // "
const OPEN_ARRAY = 0x5b;
const OPEN_OBJECT = 0x7b;
const CLOSE_ARRAY = 0x5d;
const CLOSE_OBJECT = 0x7d;
const COMMA = 0x2c;

/** Runs of anything but quotes, brackets and braces (prescan skips them natively where commas do not count). */
const SKIP_PLAIN = /[^"[\]{}]*/y;

/**
 * One cheap pass over the text before JSON.parse (no allocation): refuses nesting deeper than
 * MAX_JSON_DEPTH (JSON.parse and every recursive walk after it are then safe), and counts the
 * entries of the top-level `classes` and `features` arrays so that an absurd model (a million
 * classes) is refused before JSON.parse materialises it; likewise more than MAX_JSON_CONTAINERS
 * arrays and objects or MAX_JSON_STRINGS strings anywhere. Strings are skipped whole, so brackets
 * and commas inside them do not count. Syntax errors are left for JSON.parse to find.
 */
function prescan(text: string): Prescan {
  const n = text.length;
  let depth = 0;
  let pendingKey: 'classes' | 'features' | undefined; // a top-level key just read, awaiting its value
  let counting: 'classes' | 'features' | undefined; // inside that array (depth 2)
  let commas = 0;
  let containers = 0;
  let strings = 0;
  for (let i = 0; i < n; i++) {
    if (depth >= 2 && counting === undefined) {
      // Deep inside the document, outside classes/features, only brackets, braces and quotes
      // matter: skip everything else (numbers, commas, blanks) natively, not a character at a time.
      SKIP_PLAIN.lastIndex = i;
      SKIP_PLAIN.test(text);
      i = SKIP_PLAIN.lastIndex;
      if (i >= n) break;
    }
    const c = text.charCodeAt(i);
    if (c === Q) {
      if (++strings > MAX_JSON_STRINGS) return { kind: 'too-many', what: 'strings', pos: i };
      if (depth === 1) {
        pendingKey = text.startsWith('"classes"', i) ? 'classes' : text.startsWith('"features"', i) ? 'features' : undefined;
      }
      // skip to the closing quote: the next '"' preceded by an even number of backslashes
      let j = text.indexOf('"', i + 1);
      for (;;) {
        if (j === -1) return { kind: 'ok' }; // unterminated: JSON.parse will say where
        let k = j - 1;
        while (text.charCodeAt(k) === 0x5c) k--;
        if ((j - 1 - k) % 2 === 0) break;
        j = text.indexOf('"', j + 1);
      }
      i = j;
    } else if (c === OPEN_ARRAY || c === OPEN_OBJECT) {
      if (++depth > MAX_JSON_DEPTH) return { kind: 'too-deep', pos: i };
      if (++containers > MAX_JSON_CONTAINERS) return { kind: 'too-many', what: 'containers', pos: i };
      if (depth === 2 && c === OPEN_ARRAY && pendingKey !== undefined) {
        counting = pendingKey;
        commas = 0;
      }
      pendingKey = undefined;
    } else if (c === CLOSE_ARRAY || c === CLOSE_OBJECT) {
      if (depth === 2) counting = undefined;
      depth--;
    } else if (c === COMMA) {
      pendingKey = undefined;
      if (counting !== undefined && depth === 2 && ++commas >= (counting === 'classes' ? MAX_CLASSES : MAX_FEATURES)) {
        return { kind: 'too-long', member: counting };
      }
    }
  }
  return { kind: 'ok' };
}

const END = 'unexpected end of file';

class JsonSyntax {
  constructor(
    readonly pos: number,
    readonly reason: string,
  ) {}
}

const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;

/** Only called after JSON.parse failed: finds where and why (V8's messages do not always say where). */
function locateJsonError(text: string): { pos: number; reason: string } | undefined {
  const n = text.length;
  let i = 0;
  const stop = (reason: string): never => {
    throw new JsonSyntax(i, i >= n ? END : reason);
  };
  const ws = (): void => {
    for (;;) {
      const c = text.charCodeAt(i);
      if (c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d) i++;
      else return;
    }
  };
  const char = (): string => {
    const c = text.codePointAt(i) ?? 0;
    return c < 0x20 || c === 0x7f ? `U+${c.toString(16).toUpperCase().padStart(4, '0')}` : JSON.stringify(String.fromCodePoint(c));
  };
  const string = (): void => {
    i++; // opening quote
    for (;;) {
      if (i >= n) stop(END);
      const c = text.charCodeAt(i);
      if (c === 0x22) {
        i++;
        return;
      }
      if (c < 0x20) stop(`a control character (${char()}) inside a string`);
      if (c === 0x5c) {
        i++;
        const e = text[i];
        if (e === 'u') {
          if (!/^[0-9a-fA-F]{4}$/.test(text.slice(i + 1, i + 5))) stop('a bad \\u escape in a string');
          i += 5;
        } else if (e !== undefined && '"\\/bfnrt'.includes(e)) {
          i++;
        } else {
          stop('a bad escape sequence in a string');
        }
      } else {
        i++;
      }
    }
  };
  const value = (): void => {
    ws();
    if (i >= n) stop(END);
    const c = text[i];
    if (c === '{') {
      i++;
      ws();
      if (text[i] === '}') {
        i++;
        return;
      }
      for (;;) {
        ws();
        if (text[i] !== '"') stop(`expected a property name in double quotes, found ${char()}`);
        string();
        ws();
        if (text[i] !== ':') stop(`expected ':' after a property name, found ${char()}`);
        i++;
        value();
        ws();
        if (text[i] === ',') {
          i++;
          continue;
        }
        if (text[i] === '}') {
          i++;
          return;
        }
        stop(`expected ',' or '}' after a property value, found ${char()}`);
      }
    }
    if (c === '[') {
      i++;
      ws();
      if (text[i] === ']') {
        i++;
        return;
      }
      for (;;) {
        value();
        ws();
        if (text[i] === ',') {
          i++;
          continue;
        }
        if (text[i] === ']') {
          i++;
          return;
        }
        stop(`expected ',' or ']' after an array element, found ${char()}`);
      }
    }
    if (c === '"') return string();
    for (const word of ['true', 'false', 'null']) {
      if (text.startsWith(word, i)) {
        i += word.length;
        return;
      }
    }
    NUMBER.lastIndex = i;
    if (NUMBER.test(text)) {
      i = NUMBER.lastIndex;
      return;
    }
    stop(`unexpected ${char()}`);
  };
  try {
    value();
    ws();
    if (i < n) stop(`unexpected ${char()} after the end of the JSON value`);
  } catch (error) {
    if (error instanceof JsonSyntax) return { pos: error.pos, reason: error.reason };
    throw error;
  }
  return undefined;
}

// ---------------------------------------------------------------------------------------------
// Shape checks (step 5)

type Fail = (message: string, hint?: string) => never;
type Obj = Record<string, unknown>;

interface Shapes {
  features: string[];
  classes: string[];
  coef: number[][];
  intercept: number[];
  mean: number[];
  scale: number[];
}

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (v === undefined) return 'nothing';
  if (Array.isArray(v)) return 'an array';
  switch (typeof v) {
    case 'string': {
      const s = JSON.stringify(v.length > 40 ? v.slice(0, 40) + '…' : v);
      return s;
    }
    case 'number':
    case 'boolean':
      return String(v);
    case 'object':
      return 'an object';
    default:
      return typeof v;
  }
}

function isObj(v: unknown): v is Obj {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/** An integer, or a non-finite number (left for step 6 to report as such). */
function isIntLike(v: unknown): v is number {
  return typeof v === 'number' && (Number.isInteger(v) || !Number.isFinite(v));
}

function plural(n: number, one: string, many: string): string {
  return `${n} ${n === 1 ? one : many}`;
}

const SHAPE_HINT = 'the file is damaged or was not written by `iris train`; retrain it';

function limitText(member: 'classes' | 'features'): string {
  return `a model may have at most ${member === 'classes' ? MAX_CLASSES : MAX_FEATURES} ${member}`;
}

function checkShapes(doc: Obj, fail: Fail): Shapes {
  const bad = (message: string): never => fail(message, SHAPE_HINT);

  const field = (parent: Obj, key: string, path: string): unknown => {
    if (!Object.hasOwn(parent, key)) bad(`required field ${path} is missing`);
    return parent[key];
  };
  const obj = (parent: Obj, key: string, path: string): Obj => {
    const v = field(parent, key, path);
    if (!isObj(v)) bad(`${path} should be an object, found ${describe(v)}`);
    return v as Obj;
  };
  const str = (parent: Obj, key: string, path: string): string => {
    const v = field(parent, key, path);
    if (typeof v !== 'string') bad(`${path} should be a string, found ${describe(v)}`);
    return v as string;
  };
  const bool = (parent: Obj, key: string, path: string): boolean => {
    const v = field(parent, key, path);
    if (typeof v !== 'boolean') bad(`${path} should be true or false, found ${describe(v)}`);
    return v as boolean;
  };
  const num = (parent: Obj, key: string, path: string, positive = false): number => {
    const v = field(parent, key, path);
    if (typeof v !== 'number') bad(`${path} should be a number, found ${describe(v)}`);
    if (positive && !((v as number) > 0)) bad(`${path} should be a number > 0, found ${describe(v)}`);
    return v as number;
  };
  const int = (parent: Obj, key: string, path: string, min: number): number => {
    const v = field(parent, key, path);
    if (!isIntLike(v)) bad(`${path} should be a whole number, found ${describe(v)}`);
    if ((v as number) < min) bad(`${path} should be at least ${min}, found ${describe(v)}`);
    return v as number;
  };
  const arr = (parent: Obj, key: string, path: string): unknown[] => {
    const v = field(parent, key, path);
    if (!Array.isArray(v)) bad(`${path} should be an array, found ${describe(v)}`);
    return v as unknown[];
  };
  const numbers = (v: unknown[], path: string, expected: number, per: string): number[] => {
    if (v.length !== expected) bad(`${path} has ${plural(v.length, 'number', 'numbers')}, expected ${expected}${per}`);
    for (let i = 0; i < v.length; i++) {
      if (typeof v[i] !== 'number') bad(`${path}[${i}] should be a number, found ${describe(v[i])}`);
    }
    return v as number[];
  };
  const names = (v: unknown[], path: string, min: number): string[] => {
    if (v.length < min) bad(min === 1 ? `${path} is empty` : `${path} has ${plural(v.length, 'entry', 'entries')}, expected at least ${min}`);
    const seen = new Set<string>();
    for (let i = 0; i < v.length; i++) {
      const s = v[i];
      if (typeof s !== 'string') bad(`${path}[${i}] should be a string, found ${describe(s)}`);
      if (seen.has(s as string)) bad(`${path} has a duplicate: ${describe(s)}`);
      seen.add(s as string);
    }
    return v as string[];
  };

  // format and formatVersion were checked in steps 3 and 4.
  const producer = obj(doc, 'producer', 'producer');
  str(producer, 'name', 'producer.name');
  str(producer, 'version', 'producer.version');
  const createdAt = str(doc, 'createdAt', 'createdAt');
  if (!ISO_8601_PATTERN.test(createdAt) || Number.isNaN(Date.parse(createdAt))) {
    bad(`createdAt should be an ISO 8601 date and time, found ${describe(createdAt)}`);
  }
  str(doc, 'target', 'target');

  // Sizes first: both lists, then the coef size they imply, before any per-entry work.
  const featuresRaw = arr(doc, 'features', 'features');
  const classesRaw = arr(doc, 'classes', 'classes');
  if (featuresRaw.length > MAX_FEATURES) bad(`features has ${featuresRaw.length} entries; ${limitText('features')}`);
  if (classesRaw.length > MAX_CLASSES) bad(`classes has ${classesRaw.length} entries; ${limitText('classes')}`);
  const nFeatures = featuresRaw.length;
  const nClasses = classesRaw.length;
  const rows = nClasses === 2 ? 1 : nClasses;
  if (rows * nFeatures > MAX_COEF_NUMBERS) {
    bad(`perceptron.coef would hold ${rows} x ${nFeatures} = ${rows * nFeatures} numbers; a model may have at most ${MAX_COEF_NUMBERS}`);
  }
  const features = names(featuresRaw, 'features', 1);
  const classes = names(classesRaw, 'classes', 2);

  const scaler = obj(doc, 'scaler', 'scaler');
  const mean = numbers(arr(scaler, 'mean', 'scaler.mean'), 'scaler.mean', nFeatures, ' (one per feature)');
  const scale = numbers(arr(scaler, 'scale', 'scaler.scale'), 'scaler.scale', nFeatures, ' (one per feature)');
  for (let i = 0; i < scale.length; i++) {
    if (!(scale[i]! > 0)) bad(`scaler.scale[${i}] is ${describe(scale[i])}, expected a number > 0`);
  }

  const perceptron = obj(doc, 'perceptron', 'perceptron');
  const coefRaw = arr(perceptron, 'coef', 'perceptron.coef');
  if (coefRaw.length !== rows) {
    bad(
      `perceptron.coef has ${plural(coefRaw.length, 'row', 'rows')}, expected ${rows} (${nClasses === 2 ? 'a single row for two classes' : 'one per class'})`,
    );
  }
  const coef: number[][] = [];
  for (let r = 0; r < rows; r++) {
    const row = coefRaw[r];
    if (!Array.isArray(row)) bad(`perceptron.coef[${r}] should be an array of numbers, found ${describe(row)}`);
    coef.push(numbers(row as unknown[], `perceptron.coef[${r}]`, nFeatures, ''));
  }
  const intercept = numbers(arr(perceptron, 'intercept', 'perceptron.intercept'), 'perceptron.intercept', rows, ' (one per coef row)');
  int(perceptron, 'nIter', 'perceptron.nIter', 0);
  bool(perceptron, 'converged', 'perceptron.converged');
  const params = obj(perceptron, 'params', 'perceptron.params');
  int(params, 'maxIter', 'perceptron.params.maxIter', 1);
  num(params, 'eta0', 'perceptron.params.eta0', true);
  const tol = field(params, 'tol', 'perceptron.params.tol');
  if (tol !== null && typeof tol !== 'number') bad(`perceptron.params.tol should be a number or null, found ${describe(tol)}`);
  if (typeof tol === 'number' && tol < 0) bad(`perceptron.params.tol should be at least 0, found ${describe(tol)}`);
  int(params, 'nIterNoChange', 'perceptron.params.nIterNoChange', 1);
  bool(params, 'shuffle', 'perceptron.params.shuffle');
  bool(params, 'fitIntercept', 'perceptron.params.fitIntercept');
  int(params, 'randomState', 'perceptron.params.randomState', 0);

  const training = obj(doc, 'training', 'training');
  const data = obj(training, 'data', 'training.data');
  const dataPath = str(data, 'path', 'training.data.path');
  if (dataPath === '') bad('training.data.path is empty');
  bool(data, 'bundled', 'training.data.bundled');
  const sha = str(data, 'sha256', 'training.data.sha256');
  if (!SHA256_HEX_PATTERN.test(sha)) bad(`training.data.sha256 should be 64 lower-case hex digits, found ${describe(sha)}`);
  int(data, 'rows', 'training.data.rows', 0);
  const split = obj(training, 'split', 'training.split');
  num(split, 'testSize', 'training.split.testSize', true);
  int(split, 'seed', 'training.split.seed', 0);
  bool(split, 'shuffle', 'training.split.shuffle');
  bool(split, 'stratify', 'training.split.stratify');
  const nTrain = int(split, 'train', 'training.split.train', 0);
  const nTest = int(split, 'test', 'training.split.test', 0);
  const testIndices = arr(split, 'testIndices', 'training.split.testIndices');
  if (testIndices.length !== nTest) {
    bad(`training.split.testIndices has ${plural(testIndices.length, 'index', 'indices')}, expected ${nTest} (training.split.test)`);
  }
  const bound = nTrain + nTest;
  for (let i = 0; i < testIndices.length; i++) {
    const ix = testIndices[i];
    if (!isIntLike(ix) || ix < 0 || ix >= bound) {
      bad(`training.split.testIndices[${i}] should be a row index from 0 to ${bound - 1}, found ${describe(ix)}`);
    }
  }
  obj(training, 'metrics', 'training.metrics');

  const checksum = field(doc, 'checksum', 'checksum');
  if (typeof checksum !== 'string' || !CHECKSUM_PATTERN.test(checksum)) {
    bad(`checksum should be "sha256:" followed by 64 lower-case hex digits, found ${describe(checksum)}`);
  }

  return { features, classes, coef, intercept, mean, scale };
}

// ---------------------------------------------------------------------------------------------
// Finite numbers (step 6)

/** Depth-first in document order; on finding a non-finite number, `stack` holds its path. */
function findNonFinite(v: unknown, stack: (string | number)[]): boolean {
  if (typeof v === 'number') return !Number.isFinite(v);
  if (v === null || typeof v !== 'object') return false;
  if (Array.isArray(v)) {
    for (let i = 0; i < v.length; i++) {
      const item: unknown = v[i];
      if (typeof item === 'number') {
        if (Number.isFinite(item)) continue;
      } else if (item === null || typeof item !== 'object') {
        continue;
      }
      stack.push(i);
      if (findNonFinite(item, stack)) return true;
      stack.pop();
    }
    return false;
  }
  const record = v as Obj;
  for (const key of Object.keys(record)) {
    stack.push(key);
    if (findNonFinite(record[key], stack)) return true;
    stack.pop();
  }
  return false;
}

