/**
 * Class labels. scikit-learn's `classes_` is `np.unique(y)`: pandas reads an all-numeric label
 * column as numbers (sorted numerically) and anything else as strings (sorted by code point).
 * Text labels keep their exact text so that predictions print back what the data said; numeric
 * labels are named by their whole-number value (`classLabels`, docs/CLI.md "Labels").
 */
import { DECIMAL_LITERAL } from './decimal.js';
import { DataError } from './errors.js';

/** A decimal literal that pandas would read as a number. */
export function isNumericLabel(text: string): boolean {
  return DECIMAL_LITERAL.test(text);
}

const WHOLE_LITERAL = /^[ \t]*([+-]?)0*([0-9]*)(?:\.0*)?[ \t]*$/;

/**
 * The name of a numeric label's class: its whole-number value in plain digits (`1` for `1`, `1.0`,
 * `01`, `+1`, `1e0`; `0` for `-0`), or undefined when the value is not a whole number (`1.5`).
 * Digit strings are rewritten as text, so integers beyond 2^53 keep every digit.
 */
export function wholeNumberName(text: string): string | undefined {
  const plain = WHOLE_LITERAL.exec(text);
  if (plain !== null && /[0-9]/.test(text)) {
    const digits = plain[2] === '' ? '0' : plain[2]!;
    return plain[1] === '-' && digits !== '0' ? `-${digits}` : digits;
  }
  const value = Number(text);
  if (!Number.isInteger(value)) return undefined;
  return Number.isSafeInteger(value) ? String(value === 0 ? 0 : value) : BigInt(value).toString();
}

/**
 * The labels of a target column as scikit-learn's classifiers see them after pandas read the
 * column. When every label is a number, numerically equal labels are one class, named by
 * `wholeNumberName` (`1` and `1.0` are the class `1`), and a label that is not a whole number
 * makes the target continuous: refused as scikit-learn's `check_classification_targets` refuses it
 * ("Unknown label type: continuous"). Otherwise labels are text and stay as they are. Returns
 * `labels` itself when nothing changes. `where` prefixes the error message (file and column).
 */
export function classLabels(labels: readonly string[], where = 'the target'): readonly string[] {
  const names = new Map<string, string>();
  for (const label of labels) {
    if (names.has(label)) continue;
    if (!isNumericLabel(label)) return labels;
    names.set(label, '');
  }
  let changed = false;
  for (const label of names.keys()) {
    const name = wholeNumberName(label);
    if (name === undefined) {
      const shown = label.length > 40 ? `${label.slice(0, 39)}…` : label;
      throw new DataError(`${where}: Unknown label type: continuous (the label ${JSON.stringify(shown)} is not a whole number)`, {
        hint: 'a classifier needs class labels: choose the label column with --target (numbers that are whole, such as 0, 1, 2.0, are fine)',
      });
    }
    names.set(label, name);
    if (name !== label) changed = true;
  }
  return changed ? labels.map((label) => names.get(label)!) : labels;
}

/**
 * Code-point order. JS `<` compares UTF-16 code units, which puts astral characters (surrogate
 * pairs) before U+E000..U+FFFF; numpy compares code points.
 */
export function compareCodePoints(a: string, b: string): number {
  const la = a.length;
  const lb = b.length;
  let i = 0;
  let j = 0;
  while (i < la && j < lb) {
    const ca = a.codePointAt(i)!;
    const cb = b.codePointAt(j)!;
    if (ca !== cb) return ca < cb ? -1 : 1;
    i += ca > 0xffff ? 2 : 1;
    j += cb > 0xffff ? 2 : 1;
  }
  const restA = la - i;
  const restB = lb - j;
  return restA === restB ? 0 : restA < restB ? -1 : 1;
}

/** Numerically when every label is numeric (ties by code point), otherwise by code point. */
export function sortClasses(distinct: readonly string[]): string[] {
  const out = distinct.slice();
  if (out.length > 0 && out.every(isNumericLabel)) {
    const value = new Map<string, number>();
    for (const s of out) value.set(s, Number(s.trim()));
    out.sort((a, b) => {
      const va = value.get(a)!;
      const vb = value.get(b)!;
      if (va !== vb) return va < vb ? -1 : 1;
      return compareCodePoints(a, b);
    });
  } else {
    out.sort(compareCodePoints);
  }
  return out;
}

/**
 * Codes per label. Without `classes`, the classes are the sorted distinct labels; with them, a
 * label not among them gets -1 (the caller decides whether that is an error).
 */
export function encodeLabels(labels: readonly string[], classes?: readonly string[]): { classes: string[]; codes: Int32Array } {
  let cls: string[];
  if (classes === undefined) {
    const seen = new Set<string>(labels);
    cls = sortClasses([...seen]);
  } else {
    cls = classes.slice();
  }
  const index = new Map<string, number>();
  for (let k = 0; k < cls.length; k++) {
    const c = cls[k]!;
    if (!index.has(c)) index.set(c, k);
  }
  const codes = new Int32Array(labels.length);
  for (let i = 0; i < labels.length; i++) {
    const k = index.get(labels[i]!);
    codes[i] = k === undefined ? -1 : k;
  }
  return { classes: cls, codes };
}
