/**
 * The option table shared by flags and the configuration file, so that a value means the same wherever it
 * comes from, and the one precedence rule: flags > config file > built-in defaults.
 */
import { UsageError } from '../core/errors.js';
import { isNumericLabel } from '../core/labels.js';
import { MAX_SEED } from '../core/random.js';
import { DEFAULT_MODEL_PATH } from '../io/model/format.js';
import { parseDelimiter, type DelimiterChoice } from '../io/csv/dialect.js';

/** Thrown by a value parser; the caller adds where the value came from. */
class InvalidValue extends Error {}

type Parse<T> = (value: unknown) => T;

const WHOLE = /^[+-]?\d+$/;

function numberFrom(value: unknown): number {
  if (typeof value === 'number') return value;
  if (typeof value === 'string' && isNumericLabel(value)) return Number(value);
  throw new InvalidValue(`${JSON.stringify(value)} is not a number`);
}

function wholeFrom(value: unknown): number {
  if (typeof value === 'string' && !WHOLE.test(value.trim())) {
    throw new InvalidValue(`${JSON.stringify(value)} is not a whole number`);
  }
  const n = numberFrom(value);
  if (!Number.isSafeInteger(n)) throw new InvalidValue(`${JSON.stringify(value)} is not a whole number`);
  return n;
}

const str: Parse<string> = (value) => {
  if (typeof value !== 'string' || value === '') throw new InvalidValue('expected a non-empty string');
  return value;
};

const bool: Parse<boolean> = (value) => {
  if (typeof value !== 'boolean') throw new InvalidValue(`expected true or false, got ${JSON.stringify(value)}`);
  return value;
};

const atLeastOne: Parse<number> = (value) => {
  const n = wholeFrom(value);
  if (n < 1) throw new InvalidValue(`must be a whole number of at least 1, got ${n}`);
  return n;
};

const seed: Parse<number> = (value) => {
  const n = wholeFrom(value);
  if (n < 0 || n > MAX_SEED) throw new InvalidValue(`must be a whole number from 0 to ${MAX_SEED}, got ${n}`);
  return n;
};

const positive: Parse<number> = (value) => {
  const n = numberFrom(value);
  if (!Number.isFinite(n) || n <= 0) throw new InvalidValue(`must be a number greater than 0, got ${JSON.stringify(value)}`);
  return n;
};

const nonNegative: Parse<number> = (value) => {
  const n = numberFrom(value);
  if (!Number.isFinite(n) || n < 0) throw new InvalidValue(`must be a number of at least 0, got ${JSON.stringify(value)}`);
  return n;
};

const unitInterval: Parse<number> = (value) => {
  const n = numberFrom(value);
  if (!(n >= 0 && n <= 1)) throw new InvalidValue(`must be a number from 0 to 1, got ${JSON.stringify(value)}`);
  return n;
};

/** A fraction in (0, 1), or a whole number of rows; "1.0" is a fraction (and out of range), as 1.0 is in Python. */
const testSize: Parse<number> = (value) => {
  const isCount = typeof value === 'string' ? WHOLE.test(value.trim()) : Number.isInteger(value);
  const n = numberFrom(value);
  if (isCount && n >= 1) return n;
  if (!isCount && n > 0 && n < 1) return n;
  throw new InvalidValue(`must be a fraction in (0, 1) or a whole number of rows of at least 1, got ${JSON.stringify(value)}`);
};

const tol: Parse<number | null> = (value) => {
  if (value === null || value === 'none') return null;
  return nonNegative(value);
};

const featureList: Parse<string[]> = (value) => {
  const items = typeof value === 'string' ? value.split(',').map((s) => s.trim()) : value;
  if (!Array.isArray(items) || items.length === 0 || items.some((s) => typeof s !== 'string' || s === '')) {
    throw new InvalidValue('expected column names separated by commas');
  }
  return items as string[];
};

const nonNegativeWhole: Parse<number> = (value) => {
  const n = wholeFrom(value);
  if (n < 0) throw new InvalidValue(`must be a whole number of at least 0, got ${n}`);
  return n;
};

const delimiter: Parse<DelimiterChoice> = (value) => {
  const choice = typeof value === 'string' ? parseDelimiter(value) : undefined;
  if (choice === undefined) throw new InvalidValue(`must be one of , ; | tab auto, got ${JSON.stringify(value)}`);
  return choice;
};

function oneOf<T extends string>(...choices: T[]): Parse<T> {
  return (value) => {
    if (typeof value === 'string' && (choices as string[]).includes(value)) return value as T;
    throw new InvalidValue(`must be one of ${choices.join(', ')}, got ${JSON.stringify(value)}`);
  };
}

const wholeAtLeast =
  (min: number, max = Number.MAX_SAFE_INTEGER): Parse<number> =>
  (value) => {
    const n = wholeFrom(value);
    if (n < min || n > max) throw new InvalidValue(`must be a whole number from ${min} to ${max}, got ${n}`);
    return n;
  };

/** A byte size: a whole number of bytes, or with a unit b, kb, mb, gb (powers of 1024), as `64mb`. */
const SIZE_UNITS: Record<string, number> = { '': 1, b: 1, kb: 1024, mb: 1024 ** 2, gb: 1024 ** 3 };

const byteSize: Parse<number> = (value) => {
  const match = /^\s*(\d+(?:\.\d+)?)\s*(b|kb|mb|gb)?\s*$/i.exec(String(value));
  const n = match === null ? Number.NaN : Math.floor(Number(match[1]) * (SIZE_UNITS[(match[2] ?? '').toLowerCase()] as number));
  if (!Number.isSafeInteger(n) || n < 1) throw new InvalidValue(`must be a size such as 64mb, 512kb or 1048576, got ${JSON.stringify(value)}`);
  return n;
};

// --- model selection (docs/MODEL_SELECTION.md): the Perceptron's other parameters, cv and tune ---

const penalty: Parse<'none' | 'l2' | 'l1' | 'elasticnet'> = (value) => oneOf('none', 'l2', 'l1', 'elasticnet')(value === null ? 'none' : value);

const openUnit: Parse<number> = (value) => {
  const n = numberFrom(value);
  if (!(n > 0 && n < 1)) throw new InvalidValue(`must be a number between 0 and 1 (both excluded), got ${JSON.stringify(value)}`);
  return n;
};

/** `balanced`, or `class=weight,…` (a config file may give an object); names are checked against the data later. */
const classWeight: Parse<'balanced' | Record<string, number>> = (value) => {
  if (value === 'balanced') return 'balanced';
  if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
    const out: Record<string, number> = {};
    for (const [name, w] of Object.entries(value)) out[name] = nonNegative(w);
    return out;
  }
  if (typeof value !== 'string' || value.trim() === '') throw new InvalidValue('expected balanced or class=weight,… (e.g. setosa=2,virginica=0.5)');
  const out: Record<string, number> = {};
  for (const item of value.split(',')) {
    const at = item.lastIndexOf('=');
    const name = item.slice(0, at).trim();
    if (at < 0 || name === '')
      throw new InvalidValue(`${JSON.stringify(item.slice(0, 40))} is not class=weight (expected balanced or e.g. setosa=2,virginica=0.5)`);
    if (Object.hasOwn(out, name)) throw new InvalidValue(`class ${JSON.stringify(name.slice(0, 40))} is given twice`);
    try {
      out[name] = nonNegative(item.slice(at + 1).trim());
    } catch (error) {
      if (error instanceof InvalidValue) throw new InvalidValue(`the weight of class ${JSON.stringify(name.slice(0, 40))} ${error.message}`);
      throw error;
    }
  }
  return out;
};

/** The Perceptron options of train, cv and tune beyond the original six. */
const MODEL_OPTIONS = {
  penalty,
  alpha: nonNegative,
  l1Ratio: unitInterval,
  fitIntercept: bool,
  earlyStopping: bool,
  validationFraction: openUnit,
  classWeight,
  initModel: str,
} as const;

const folds: Parse<number> = (value) => {
  const n = wholeFrom(value);
  if (n < 2) throw new InvalidValue(`cross-validation needs at least 2 folds, got ${n}`);
  return n;
};

const CV_OPTIONS = { folds, cv: oneOf('stratified', 'kfold'), cvShuffle: bool, threads: atLeastOne, queue: str, connectTimeout: atLeastOne } as const;

/** Scorers cv and tune know (scikit-learn's names). */
export const SCORERS = ['accuracy', 'f1_macro'] as const;

const scoringList: Parse<(typeof SCORERS)[number][]> = (value) => {
  const items = featureList(value);
  for (const item of items) oneOf(...SCORERS)(item);
  if (new Set(items).size !== items.length) throw new InvalidValue('a scorer is named twice');
  return items as (typeof SCORERS)[number][];
};

// --- end of model selection ---
/** --na-values: strings separated by commas, an empty one included (`--na-values ",?"`). */
const naList: Parse<string[]> = (value) => {
  const items = typeof value === 'string' ? value.split(',') : value;
  if (!Array.isArray(items) || items.some((s) => typeof s !== 'string')) throw new InvalidValue('expected strings separated by commas');
  return items as string[];
};

/** --dropna alone drops rows missing anything; --dropna target only rows missing the target. */
const dropna: Parse<'any' | 'target'> = (value) => {
  if (value === true || value === 'any') return 'any';
  if (value === 'target') return 'target';
  throw new InvalidValue(`must be given alone, or as --dropna target, got ${JSON.stringify(value)}`);
};

const anyText: Parse<string> = (value) => {
  if (typeof value === 'number') return String(value);
  if (typeof value !== 'string') throw new InvalidValue('expected a value');
  return value;
};

export const IMPUTE_CHOICES = ['mean', 'median', 'most_frequent', 'constant'] as const;

export const SERVE_LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

export const PREDICT_FORMATS = ['text', 'csv', 'jsonl', 'json'] as const;
export const EVALUATE_FORMATS = ['text', 'json', 'junit', 'markdown', 'html'] as const;
export const EXPORT_FORMATS = ['onnx'] as const;

/** The CSV dialect options of every command that reads CSV (docs/CLI.md "CSV"). */
const DIALECT = { delimiter, decimal: oneOf('.', ','), skipRows: nonNegativeWhole, names: featureList } as const;

/** Tables with words and gaps (docs/CLI.md): train, cv and tune read data the same way. */
const TABLE_OPTIONS = {
  categorical: featureList,
  naValues: naList,
  defaultNa: bool,
  dropna,
  impute: oneOf(...IMPUTE_CHOICES),
  fillValue: anyText,
  maxCategories: atLeastOne,
} as const;

/** What train and tune both take: the data, the split, the Perceptron, the output. */
const TRAINING_OPTIONS = {
  data: str,
  target: str,
  features: featureList,
  testSize,
  seed,
  stratify: bool,
  splitShuffle: bool,
  maxIter: atLeastOne,
  eta0: positive,
  tol,
  nIterNoChange: atLeastOne,
  shuffle: bool,
  out: str,
  json: bool,
  quiet: bool,
  ...DIALECT,
  exclude: featureList,
  ...MODEL_OPTIONS,
} as const;

const TABLES = {
  train: {
    ...TRAINING_OPTIONS,
    // Tables (docs/CLI.md "Tables with words and gaps")
    ...TABLE_OPTIONS,
  },
  predict: {
    model: str,
    input: str,
    format: oneOf(...PREDICT_FORMATS),
    scores: bool,
    withInput: bool,
    json: bool,
    ...DIALECT,
    output: str,
    queue: str,
    chunkRows: atLeastOne,
    connectTimeout: atLeastOne,
    timeout: atLeastOne,
    unknown: oneOf('ignore', 'error'),
  },
  evaluate: {
    model: str,
    data: str,
    minAccuracy: unitInterval,
    minF1: unitInterval,
    baseline: str,
    maxDrop: nonNegative,
    format: oneOf(...EVALUATE_FORMATS),
    json: bool,
    quiet: bool,
    ...DIALECT,
    exclude: featureList,
    html: str,
    out: str,
  },
  inspect: { model: str, json: bool },
  serve: {
    model: str,
    name: str,
    host: str,
    port: wholeAtLeast(0, 65535),
    threads: atLeastOne,
    cache: wholeAtLeast(0),
    maxBody: byteSize,
    maxInflight: byteSize,
    maxRows: atLeastOne,
    timeout: atLeastOne,
    token: str,
    logLevel: oneOf(...SERVE_LOG_LEVELS),
    grace: wholeAtLeast(0),
    jobTtl: atLeastOne,
    queue: str,
    connectTimeout: atLeastOne,
  },
  worker: {
    model: str,
    queue: str,
    concurrency: atLeastOne,
    logLevel: oneOf('debug', 'info', 'warn', 'error', 'silent'),
    connectTimeout: atLeastOne,
    fits: bool,
  },
  export: { model: str, format: oneOf(...EXPORT_FORMATS), out: str, quiet: bool },
  cv: {
    data: str,
    target: str,
    features: featureList,
    seed,
    maxIter: atLeastOne,
    eta0: positive,
    tol,
    nIterNoChange: atLeastOne,
    shuffle: bool,
    json: bool,
    quiet: bool,
    ...DIALECT,
    exclude: featureList,
    ...MODEL_OPTIONS,
    ...CV_OPTIONS,
    ...TABLE_OPTIONS,
    scoring: scoringList,
    minAccuracy: unitInterval,
    minF1: unitInterval,
    format: oneOf('text', 'json', 'markdown'),
  },
  tune: {
    ...TRAINING_OPTIONS,
    ...CV_OPTIONS,
    ...TABLE_OPTIONS,
    scoring: oneOf(...SCORERS),
    grid: str,
    gridFile: str,
    format: oneOf('text', 'json', 'markdown'),
  },
} as const;

export type CommandName = keyof typeof TABLES;
type Table<C extends CommandName> = (typeof TABLES)[C];
export type Settings<C extends CommandName> = { [K in keyof Table<C>]?: Table<C>[K] extends Parse<infer T> ? T : never };

const TOP_LEVEL: Record<string, Parse<unknown>> = { model: str, color: bool };

function kebab(key: string): string {
  return key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
}

/** The validated configuration: top-level keys plus one group per command. */
export interface Config {
  filepath: string | undefined;
  top: { model?: string; color?: boolean };
  groups: Partial<Record<CommandName, Record<string, unknown>>>;
}

/** The model file of a command: its flag or config key, else the top-level `model`, else model.json. */
export function modelPathOf(settings: { model?: string | undefined }, config: Config): string {
  return settings.model ?? config.top.model ?? DEFAULT_MODEL_PATH;
}

export const EMPTY_CONFIG: Config = { filepath: undefined, top: {}, groups: {} };

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Validates every key of a loaded configuration: an unknown key or a bad value is exit 2 naming the file and key. */
export function validateConfig(filepath: string | undefined, raw: unknown): Config {
  if (filepath === undefined) return EMPTY_CONFIG;
  const fail = (key: string, problem: string) =>
    new UsageError(`config ${filepath}: ${key}: ${problem}`, { hint: 'see the Configuration section of the README for the keys' });
  if (!isPlainObject(raw)) throw fail('(top level)', 'expected an object of settings');
  const config: Config = { filepath, top: {}, groups: {} };
  for (const [key, value] of Object.entries(raw)) {
    if (key in TABLES) {
      const table = TABLES[key as CommandName] as Record<string, Parse<unknown>>;
      if (!isPlainObject(value)) throw fail(key, 'expected an object of settings');
      const group: Record<string, unknown> = {};
      for (const [name, item] of Object.entries(value)) {
        const parse = Object.hasOwn(table, name) ? table[name] : undefined;
        if (parse === undefined) throw fail(`${key}.${name}`, `unknown key (known: ${Object.keys(table).join(', ')})`);
        try {
          group[name] = parse(item);
        } catch (error) {
          if (error instanceof InvalidValue) throw fail(`${key}.${name}`, error.message);
          throw error;
        }
      }
      config.groups[key as CommandName] = group;
    } else if (Object.hasOwn(TOP_LEVEL, key)) {
      try {
        (config.top as Record<string, unknown>)[key] = (TOP_LEVEL[key] as Parse<unknown>)(value);
      } catch (error) {
        if (error instanceof InvalidValue) throw fail(key, error.message);
        throw error;
      }
    } else {
      throw fail(key, `unknown key (known: ${[...Object.keys(TOP_LEVEL), ...Object.keys(TABLES)].join(', ')})`);
    }
  }
  return config;
}

/** What commander parsed, with where each value came from. */
export interface ParsedFlags {
  values: Record<string, unknown>;
  /** commander's getOptionValueSource: 'cli' for values the user typed. */
  source(key: string): string | undefined;
}

/**
 * Merges flags (typed by the user, validated here), then the config file's group for the command, then the
 * built-in defaults the caller applies. Returns only the keys that were set somewhere.
 */
export function resolveSettings<C extends CommandName>(command: C, flags: ParsedFlags, config: Config): Settings<C> {
  const table = TABLES[command] as Record<string, Parse<unknown>>;
  const group: Record<string, unknown> = config.groups[command] ?? {};
  const settings: Record<string, unknown> = {};
  for (const [key, parse] of Object.entries(table)) {
    if (flags.source(key) === 'cli' && flags.values[key] !== undefined) {
      const raw = flags.values[key];
      try {
        settings[key] = parse(raw);
      } catch (error) {
        if (!(error instanceof InvalidValue)) throw error;
        const shown = typeof raw === 'string' ? ` ${raw}` : '';
        throw new UsageError(`--${kebab(key)}${shown}: ${error.message}`, { hint: `see iris ${command} --help` });
      }
    } else if (group[key] !== undefined) {
      settings[key] = group[key];
    }
  }
  return settings as Settings<C>;
}
