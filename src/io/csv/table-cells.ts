/**
 * How a table's fields are read (docs/CLI.md "Tables"), as pandas' read_csv reads them:
 * missing-value strings (pandas' na_values, matched exactly, nothing trimmed), categories (the
 * field's text), True/False as 1/0. Training decides each column's kind from the whole file
 * (TrainingCells); prediction reads with the kinds and categories the model recorded (ModelCells).
 * Cells go into the same row-major Float64Array as plain numbers: a number, a category code, or NaN.
 */
import type { RawColumn } from '../../core/column-transformer.js';
import { DataError } from '../../core/errors.js';
import { MISSING_LABEL } from '../../core/table-pipeline.js';
import type { Preprocessing } from '../../core/preprocessing.js';
import { badValueError } from './errors.js';
import type { CellReader } from './layout.js';
import { columnName, showValue } from './names.js';
import { classifyBadValue, parseNumber } from './numbers.js';
import { LabelCache } from './row-store.js';

/** pandas reads a column of only these as bool, which scikit-learn then takes as 1/0. */
const TRUE_WORDS = new Set(['True', 'TRUE', 'true']);
const FALSE_WORDS = new Set(['False', 'FALSE', 'false']);
/** Values people write for "missing" that pandas does not know: the hint suggests --na-values for them. */
const MARKER_LIKE = new Set(['?', '-', '.', '--', 'missing', 'unknown', 'none', 'None', 'NONE', 'NAN', 'na', 'Na', 'n.a.', 'N.A.', '#VALUE!', 'nil', 'void']);

export interface TableReadOptions {
  /** The missing-value strings in effect. */
  naValues: readonly string[];
  /** Columns read as categories whatever their values (--categorical). */
  categorical?: readonly string[];
  /** Columns that must hold numbers (a model's numeric inputs): a word is an error at its line. */
  numeric?: readonly string[];
}

interface FirstSeen {
  line: number;
  text: string;
}

/** A column's dictionary: the distinct texts in order of first appearance, each a code. */
class Dictionary {
  readonly texts: string[] = [];
  private readonly codes = new Map<string, number>();
  code(text: string): number {
    let c = this.codes.get(text);
    if (c === undefined) {
      c = this.texts.length;
      this.codes.set(text, c);
      this.texts.push(text);
    }
    return c;
  }
}

/** Training: kinds are decided once the whole file is read (finish). */
export class TrainingCells implements CellReader {
  readonly textFeatures: Uint8Array;
  readonly caches: LabelCache[];
  private readonly na: Set<string>;
  private readonly strict: Uint8Array;
  private readonly dictionaries: Dictionary[];
  private readonly words: Float64Array;
  private readonly firstWord: (FirstSeen | undefined)[];
  private readonly firstNonFinite: (FirstSeen | undefined)[];
  readonly missing: Float64Array;
  readonly firstMissing: (number | undefined)[];
  missingLabels = 0;
  firstMissingLabel: number | undefined;
  /**
   * The fast path may read the fields of a record that is not complete yet, then the whole record
   * again: only the last reading of a line counts. Per column: its line, what it was (0 a number
   * or an error, 1 a word, 2 missing), its text.
   */
  private readonly curLine: Float64Array;
  private readonly curKind: Uint8Array;
  private readonly curText: string[];
  private labelLine = 0;

  constructor(
    private readonly source: string,
    private readonly features: readonly string[],
    private readonly decimal: '.' | ',',
    options: TableReadOptions,
  ) {
    const m = features.length;
    const forced = new Set(options.categorical ?? []);
    this.textFeatures = Uint8Array.from(features, (f) => (forced.has(f) ? 1 : 0));
    const numeric = new Set(options.numeric ?? []);
    this.strict = Uint8Array.from(features, (f) => (numeric.has(f) ? 1 : 0));
    this.caches = features.map(() => new LabelCache());
    this.na = new Set(options.naValues);
    this.dictionaries = features.map(() => new Dictionary());
    this.words = new Float64Array(m);
    this.missing = new Float64Array(m);
    this.firstWord = new Array(m).fill(undefined);
    this.firstNonFinite = new Array(m).fill(undefined);
    this.firstMissing = new Array(m).fill(undefined);
    this.curLine = new Float64Array(m);
    this.curKind = new Uint8Array(m);
    this.curText = new Array<string>(m).fill('');
  }

  /** Counts what column k's last reading of its current line was. */
  private settle(k: number): void {
    const line = this.curLine[k]!;
    if (line === 0) return;
    const kind = this.curKind[k];
    if (kind === 2) {
      if (this.missing[k]! === 0) this.firstMissing[k] = line;
      this.missing[k] = this.missing[k]! + 1;
    } else if (kind === 1) {
      const text = this.curText[k]!;
      if (classifyBadValue(text, this.decimal) === 'not-finite') this.firstNonFinite[k] ??= { line, text };
      if (this.words[k]! === 0) this.firstWord[k] = { line, text };
      this.words[k] = this.words[k]! + 1;
    }
    this.curLine[k] = 0;
  }

  private note(k: number, line: number, kind: number, text: string): void {
    if (this.curLine[k] !== line) this.settle(k);
    this.curLine[k] = line;
    this.curKind[k] = kind;
    this.curText[k] = text;
  }

  cell(k: number, text: string, line: number): number | undefined {
    if (this.na.has(text)) {
      this.note(k, line, 2, text);
      return NaN;
    }
    if (this.textFeatures[k] === 1) return this.dictionaries[k]!.code(text);
    // A number that is not finite (1e999) stays an error, as it always was.
    const value = parseNumber(text, this.decimal);
    if (value !== undefined) return undefined;
    if (this.strict[k] === 1) return TRUE_WORDS.has(text) ? 1 : FALSE_WORDS.has(text) ? 0 : undefined;
    this.note(k, line, 1, text);
    return this.dictionaries[k]!.code(text);
  }

  label(text: string, line: number): string | undefined {
    if (this.na.has(text)) {
      if (line !== this.labelLine) {
        if (this.missingLabels === 0) this.firstMissingLabel = line;
        this.missingLabels++;
        this.labelLine = line;
      }
      return MISSING_LABEL;
    }
    return text === '' ? undefined : text;
  }

  fieldError(k: number, name: string, text: string, line: number): DataError {
    void k;
    return badValueError(this.source, line, name, text, this.decimal);
  }

  /**
   * Each column's kind, from all its values: categorical when forced or when none is a number;
   * True/False only: numeric 1/0 (rewritten in X); numbers and words: an error naming the first word.
   */
  finish(X: Float64Array, rows: number): RawColumn[] {
    const m = this.features.length;
    for (let k = 0; k < m; k++) this.settle(k);
    return this.features.map((name, k) => {
      const dict = this.dictionaries[k]!;
      if (this.textFeatures[k] === 1) return { name, kind: 'categorical', dictionary: dict.texts };
      const words = this.words[k]!;
      if (words === 0) return { name, kind: 'numeric' };
      const numbers = rows - words - this.missing[k]!;
      if (numbers === 0) {
        // The texts the rows hold (a record read before it was complete may have left a piece of a word in the dictionary).
        const used = new Uint8Array(dict.texts.length);
        for (let i = 0; i < rows; i++) {
          const v = X[i * m + k]!;
          if (v === v) used[v] = 1;
        }
        const texts = dict.texts.filter((_, c) => used[c] === 1);
        if (texts.every((t) => TRUE_WORDS.has(t) || FALSE_WORDS.has(t))) {
          const bits = dict.texts.map((t) => (TRUE_WORDS.has(t) ? 1 : 0));
          for (let i = 0; i < rows; i++) {
            const v = X[i * m + k]!;
            if (v === v) X[i * m + k] = bits[v]!;
          }
          return { name, kind: 'numeric' };
        }
        // Numbers written with the other decimal mark ("5,1" read with --decimal .) are a dialect
        // problem to point out, not categories.
        const other = this.decimal === '.' ? /^[ \t]*[+-]?[0-9]*,[0-9]+[ \t]*$/ : /^[ \t]*[+-]?[0-9]*\.[0-9]+[ \t]*$/;
        if (texts.every((t) => other.test(t))) {
          const first = this.firstWord[k]!;
          throw badValueError(this.source, first.line, name, first.text, this.decimal);
        }
        return { name, kind: 'categorical', dictionary: dict.texts };
      }
      const odd = this.firstNonFinite[k] ?? this.firstWord[k]!;
      if (this.firstNonFinite[k] !== undefined) throw badValueError(this.source, odd.line, name, odd.text, this.decimal);
      throw mixedColumnError(this.source, name, odd, numbers, words);
    });
  }
}

/** A column name as a word to type after a flag. */
export function flagWord(name: string): string {
  return /^[\w.:+-]+$/.test(name) ? name : JSON.stringify(name);
}

function mixedColumnError(source: string, name: string, first: FirstSeen, numbers: number, words: number): DataError {
  const looksMissing = MARKER_LIKE.has(first.text.trim());
  const base = badValueError(source, first.line, name, first.text);
  const counts = `${numbers} value${numbers === 1 ? '' : 's'} of the column ${numbers === 1 ? 'is a number' : 'are numbers'}, ${words} ${words === 1 ? 'is' : 'are'} not`;
  return new DataError(base.message, {
    hint: looksMissing
      ? `${counts}; if ${showValue(first.text)} means a missing value, pass --na-values ${JSON.stringify(first.text)}; if the column holds categories, --categorical ${flagWord(name)}`
      : `${counts}; read the column as categories with --categorical ${flagWord(name)}, or fix the value (${base.hint ?? ''})`,
  });
}

/** What prediction saw that the model did not: unknown categories per feature. */
export interface UnknownCount {
  feature: string;
  rows: number;
  /** The first few distinct unknown values. */
  values: string[];
}

/** Unknown values a column remembers (for the stderr summary); more are counted, not kept. */
const KEEP_UNKNOWN = 3;

/**
 * Prediction: the model's columns in model order, its categories as codes 0..k-1; an unknown
 * category is code k (all zeros once expanded), or an error with `unknown: 'error'`.
 */
export class ModelCells implements CellReader {
  readonly textFeatures: Uint8Array;
  readonly caches: LabelCache[];
  private readonly na: Set<string>;
  private readonly index: (Map<string, number> | null)[];
  private readonly imputes: boolean;
  private readonly unknownRows: Float64Array;
  private readonly unknownValues: string[][];
  /** As in TrainingCells: only the last reading of a line counts (its unknown value, or '' for none). */
  private readonly curLine: Float64Array;
  private readonly curUnknown: (string | null)[];

  constructor(
    private readonly source: string,
    private readonly pre: Preprocessing,
    private readonly decimal: '.' | ',',
    private readonly unknown: 'ignore' | 'error' = 'ignore',
  ) {
    const cols = pre.columns;
    this.textFeatures = Uint8Array.from(cols, (c) => (c.kind === 'categorical' ? 1 : 0));
    this.caches = cols.map(() => new LabelCache());
    this.na = new Set(pre.naValues);
    this.index = cols.map((c) => (c.kind === 'categorical' ? new Map(c.categories.map((t, i) => [t, i])) : null));
    this.imputes = pre.impute !== null;
    this.unknownRows = new Float64Array(cols.length);
    this.unknownValues = cols.map(() => []);
    this.curLine = new Float64Array(cols.length);
    this.curUnknown = cols.map(() => null);
  }

  private settle(k: number): void {
    const text = this.curUnknown[k];
    if (this.curLine[k] !== 0 && text !== null && text !== undefined) {
      this.unknownRows[k] = this.unknownRows[k]! + 1;
      const seen = this.unknownValues[k]!;
      if (seen.length < KEEP_UNKNOWN && !seen.includes(text)) seen.push(text);
    }
    this.curLine[k] = 0;
    this.curUnknown[k] = null;
  }

  cell(k: number, text: string, line: number): number | undefined {
    if (this.index[k] !== null) {
      if (this.curLine[k] !== line) this.settle(k);
      this.curLine[k] = line;
      this.curUnknown[k] = null;
    }
    if (this.na.has(text)) return this.imputes ? NaN : undefined;
    const index = this.index[k];
    // A numeric feature: True/False are 1/0 (a bool column), any other word or non-finite number an error.
    if (index === null || index === undefined) return TRUE_WORDS.has(text) ? 1 : FALSE_WORDS.has(text) ? 0 : undefined;
    const code = index.get(text);
    if (code !== undefined) return code;
    if (this.unknown === 'error') return undefined;
    this.curUnknown[k] = text;
    return index.size;
  }

  label(text: string): string | undefined {
    return this.na.has(text) ? MISSING_LABEL : text === '' ? undefined : text;
  }

  fieldError(k: number, name: string, text: string, line: number): DataError {
    const column = this.pre.columns[k]!;
    if (this.na.has(text)) {
      return new DataError(`${this.source}:${line}: column ${columnName(name)}: missing value ${showValue(text)}, and the model does not impute`, {
        hint: 'fill the value in, or retrain with --impute (or --dropna)',
      });
    }
    if (column.kind === 'categorical') {
      const known = column.categories
        .slice(0, 10)
        .map((c) => showValue(c))
        .join(', ');
      return new DataError(
        `${this.source}:${line}: column ${columnName(name)}: ${showValue(text)} is not a category the model knows (${known}${column.categories.length > 10 ? ', …' : ''})`,
        {
          hint: 'without --unknown error, an unknown category encodes as all zeros and the row is predicted',
        },
      );
    }
    return badValueError(this.source, line, name, text, this.decimal);
  }

  /** Features that met unknown categories, for the summary on stderr. */
  unknownCounts(): UnknownCount[] {
    for (let k = 0; k < this.curLine.length; k++) this.settle(k);
    const out: UnknownCount[] = [];
    this.pre.columns.forEach((c, k) => {
      if (this.unknownRows[k]! > 0) out.push({ feature: c.name, rows: this.unknownRows[k]!, values: [...this.unknownValues[k]!] });
    });
    return out;
  }
}
