/**
 * CSV dialects (docs/CLI.md "CSV"): the delimiter (`,` `;` tab `|`, or sniffed from the first
 * line), the decimal mark (`.` or `,`), lines to skip before the header, and a header given
 * instead of read. What pandas' `read_csv(sep=, decimal=, skiprows=, names=)` takes.
 */
import { UsageError } from '../../core/errors.js';
import { COMMA, DOT, QUOTE } from './numbers.js';

export type DelimiterChoice = ',' | ';' | '\t' | '|' | 'auto';
export type DecimalMark = '.' | ',';

export interface DialectOptions {
  /** Default `,`. `auto` picks the candidate that occurs most often in the first line. */
  delimiter?: DelimiterChoice;
  /** Default `.`. */
  decimal?: DecimalMark;
  /** Physical lines dropped before the header (or the first row, with `names`). Default 0. */
  skipRows?: number;
  /** The column names; the input then has no header row. */
  names?: readonly string[];
}

/** Candidates of `auto`, in the order that breaks ties. */
const CANDIDATES = [',', ';', '\t', '|'] as const;

/** The spellings a user may type for a delimiter: `tab` and `\t` are the tab. */
export function parseDelimiter(text: string): DelimiterChoice | undefined {
  if (text === 'tab' || text === '\\t' || text === '\t') return '\t';
  return text === 'auto' || (CANDIDATES as readonly string[]).includes(text) ? (text as DelimiterChoice) : undefined;
}

/** The delimiter as messages show it. */
export function delimiterName(delimiter: string): string {
  return delimiter === '\t' ? 'tab' : `"${delimiter}"`;
}

/** Options that cannot work together, whatever the data. */
export function checkDialect(options: DialectOptions): void {
  if (options.decimal === ',' && (options.delimiter ?? ',') === ',') {
    throw new UsageError('--decimal , needs another delimiter than the comma', {
      hint: 'files with a decimal comma separate fields with ";" or a tab: pass --delimiter ";" (or --delimiter auto)',
    });
  }
  const names = options.names;
  if (names !== undefined && new Set(names).size !== names.length) {
    throw new UsageError('--names: a name is given twice', { hint: 'every column needs a distinct name' });
  }
}

/**
 * The delimiter of a line (bytes [start, end) of `buf`): the candidate met most often outside
 * double quotes, ties broken in the order `,` `;` tab `|`; a comma when there is none. A comma is
 * no candidate when it is the decimal mark.
 */
export function sniffDelimiter(buf: Buffer, start: number, end: number, decimal: DecimalMark): ',' | ';' | '\t' | '|' {
  const counts = new Map<number, number>(CANDIDATES.map((c) => [c.charCodeAt(0), 0]));
  let quoted = false;
  for (let i = start; i < end; i++) {
    const c = buf[i]!;
    if (c === QUOTE) quoted = !quoted;
    else if (!quoted && counts.has(c)) counts.set(c, counts.get(c)! + 1);
  }
  if (decimal === ',') counts.set(COMMA, 0);
  let best: (typeof CANDIDATES)[number] = ',';
  let bestCount = 0;
  for (const candidate of CANDIDATES) {
    const count = counts.get(candidate.charCodeAt(0))!;
    if (count > bestCount) {
      best = candidate;
      bestCount = count;
    }
  }
  return best;
}

/** The byte values the scanners use for a resolved dialect. */
export interface DialectBytes {
  delim: number;
  dec: number;
}

export function dialectBytes(delimiter: string, decimal: DecimalMark): DialectBytes {
  return { delim: delimiter.charCodeAt(0), dec: decimal === ',' ? COMMA : DOT };
}
