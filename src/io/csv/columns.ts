/**
 * From a header (read, or given with `names`) to a layout: which field is the label, which are the
 * features and in what order, which are ignored. Also the column warnings of docs/CLI.md: a
 * column without a name, or one holding the row numbers (R's `write.csv`, pandas' `to_csv`).
 */
import { DataError, UsageError } from '../../core/errors.js';
import type { Matrix } from '../../core/types.js';
import { delimiterName } from './dialect.js';
import { SLOT_EMPTY, SLOT_IGNORE, SLOT_LABEL, type FirstRecord, type Layout } from './layout.js';
import { columnName, listNames, quoteName } from './names.js';

/** The columns of a header row. */
export interface Header {
  /** Column names; an empty name becomes `Unnamed: <index>`, as pandas names it. */
  names: string[];
  /** Positions (in `names`) of the columns whose header field was empty. */
  unnamed: number[];
  /** The header ends with an empty field (a trailing delimiter): one more field, always empty, is read and dropped. */
  trailing: boolean;
}

export function readHeader(fields: readonly string[]): Header {
  const trailing = fields.length > 1 && fields[fields.length - 1] === '';
  const raw = trailing ? fields.slice(0, -1) : fields;
  const unnamed: number[] = [];
  const names = raw.map((name, i) => {
    if (name !== '') return name;
    unnamed.push(i);
    return `Unnamed: ${i}`;
  });
  return { names, unnamed, trailing };
}

/** Names given on the command line; a data row with one more field, empty, has a trailing delimiter. */
export function givenHeader(names: readonly string[], firstRow: readonly string[]): Header {
  const trailing = firstRow.length === names.length + 1 && /^[ \t]*$/.test(firstRow[firstRow.length - 1]!);
  return { names: [...names], unnamed: [], trailing };
}

export function checkDuplicates(source: string, line: number, names: readonly string[]): void {
  const seen = new Set<string>();
  for (const name of names) {
    if (seen.has(name)) {
      throw new DataError(`${source}:${line}: duplicate column name ${quoteName(name)}`, {
        hint: 'every column needs a distinct name; rename one of them',
      });
    }
    seen.add(name);
  }
}

/**
 * When a header is one column whose name holds another delimiter (`a;b;c`), the file was read
 * with the wrong delimiter: that is the diagnosis, not the missing columns.
 */
export function wrongDelimiterHint(names: readonly string[], delimiter: string): string | undefined {
  if (names.length !== 1) return undefined;
  const found = [';', '\t', '|', ','].find((c) => c !== delimiter && names[0]!.includes(c));
  return found === undefined
    ? undefined
    : `the header is one column, ${quoteName(names[0]!)}: the file seems to use ${delimiterName(found)} as its delimiter; pass --delimiter ${found === '\t' ? 'tab' : `"${found}"`} (or --delimiter auto)`;
}

export function noColumnError(source: string, name: string, columns: readonly string[], delimiter = ','): DataError {
  const near = columns.find((c) => c.trim().toLowerCase() === name.trim().toLowerCase());
  const available = `the columns are: ${listNames(columns)}`;
  return new DataError(`${source}: no column ${quoteName(name)}`, {
    hint: wrongDelimiterHint(columns, delimiter) ?? (near !== undefined ? `did you mean ${quoteName(near)}? ${available}` : available),
  });
}

export interface LabelledColumns {
  target?: string;
  features?: string[];
  exclude?: string[];
  /** Default true. When false, a target column that the data lacks is not an error. */
  requireTarget?: boolean;
}

/** What the labelled layout decided. */
export interface LabelledChoice {
  target: string;
  features: string[];
  columns: string[];
  /** Feature positions (in `features`) of columns whose header field was empty. */
  unnamedFeatures: number[];
}

export function labelledLayout(
  source: string,
  header: Header,
  line: number,
  options: LabelledColumns,
  delimiter: string,
  isData: boolean,
): { first: FirstRecord; choice: LabelledChoice } {
  const names = header.names;
  checkDuplicates(source, line, names);
  const index = new Map<string, number>();
  names.forEach((name, i) => index.set(name, i));
  const target = options.target ?? names[names.length - 1]!;
  const targetIndex = index.get(target);
  if (targetIndex === undefined && options.requireTarget !== false) throw noColumnError(source, target, names, delimiter);
  const exclude = new Set(options.exclude ?? []);
  for (const name of exclude) {
    if (!index.has(name)) throw noColumnError(source, name, names, delimiter);
    if (name === target && options.requireTarget !== false) {
      throw new UsageError(`--exclude ${quoteName(name)}: that column is the target`, { hint: 'choose another target with --target' });
    }
    if (options.features?.includes(name) === true) {
      throw new UsageError(`--exclude ${quoteName(name)}: that column is also named in --features`, { hint: 'name it in one of the two' });
    }
  }
  const features = options.features ?? names.filter((name, i) => i !== targetIndex && !exclude.has(name));
  if (features.length === 0) {
    throw new DataError(`${source}: no feature columns`, {
      hint:
        wrongDelimiterHint(names, delimiter) ??
        (options.features !== undefined
          ? 'name at least one feature column'
          : exclude.size > 0
            ? 'every column but the target is excluded; leave some out of --exclude'
            : `the only column is the target ${quoteName(target)}; add feature columns`),
    });
  }
  const ncols = names.length + (header.trailing ? 1 : 0);
  const slots = new Int32Array(ncols).fill(SLOT_IGNORE);
  if (header.trailing) slots[ncols - 1] = SLOT_EMPTY;
  if (targetIndex !== undefined) slots[targetIndex] = SLOT_LABEL;
  features.forEach((name, k) => {
    const i = index.get(name);
    if (i === undefined) throw noColumnError(source, name, names, delimiter);
    if (i === targetIndex) {
      throw new DataError(`${source}: column ${quoteName(name)} is the target and cannot also be a feature`, {
        hint: 'leave the target out of the features, or choose another target',
      });
    }
    if (slots[i] !== SLOT_IGNORE) {
      throw new DataError(`${source}: column ${quoteName(name)} is named twice in the features`, { hint: 'name each feature column once' });
    }
    slots[i] = k;
  });
  const unnamed = new Set(header.unnamed.map((i) => names[i]!));
  const choice: LabelledChoice = {
    target,
    features: [...features],
    columns: names,
    unnamedFeatures: features.flatMap((name, k) => (unnamed.has(name) ? [k] : [])),
  };
  const layout: Layout = { ncols, slots, names: header.trailing ? [...names, ''] : names, nf: features.length };
  return { first: { layout, isData }, choice };
}

/** Whether column `k` of X holds the row numbers 1..n or 0..n-1. */
function holdsRowNumbers(X: Matrix, k: number): boolean {
  if (X.rows < 3) return false;
  const first = X.data[k]!;
  if (first !== 0 && first !== 1) return false;
  for (let i = 0; i < X.rows; i++) if (X.data[i * X.cols + k] !== first + i) return false;
  return true;
}

/**
 * One warning (or none) for feature columns that are most likely not features: unnamed, or holding
 * the row numbers (R's `write.csv` writes them in an unnamed first column, pandas' `to_csv` too).
 */
export function columnWarning(source: string, X: Matrix, choice: LabelledChoice): string | undefined {
  const suspects: string[] = [];
  const unnamed = new Set(choice.unnamedFeatures);
  choice.features.forEach((name, k) => {
    const rowNumbers = holdsRowNumbers(X, k);
    if (!unnamed.has(k) && !rowNumbers) return;
    const first = X.data[k]!;
    const what = [unnamed.has(k) ? 'has no name in the header' : '', rowNumbers ? `holds the row numbers ${first}..${first + X.rows - 1}` : '']
      .filter((s) => s !== '')
      .join(' and ');
    suspects.push(`column ${columnName(name)} ${what}`);
  });
  if (suspects.length === 0) return undefined;
  const names = choice.features.filter((name, k) => unnamed.has(k) || holdsRowNumbers(X, k));
  return (
    `${source}: ${suspects.join('; ')}: ${suspects.length === 1 ? 'it is' : 'they are'} used as ${suspects.length === 1 ? 'a feature' : 'features'} ` +
    `(row names, as R's write.csv writes them?); leave ${suspects.length === 1 ? 'it' : 'them'} out with --exclude ${JSON.stringify(names.join(','))}`
  );
}
