/**
 * Class labels. scikit-learn's `classes_` is `np.unique(y)`: pandas reads an all-numeric label
 * column as numbers (sorted numerically) and anything else as strings (sorted by code point).
 * Labels keep their exact text so that predictions print back what the data said.
 */

const NUMERIC = /^\s*[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?\s*$/;

/** A decimal literal that pandas would read as a number. */
export function isNumericLabel(text: string): boolean {
  return NUMERIC.test(text);
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
export function encodeLabels(
  labels: readonly string[],
  classes?: readonly string[],
): { classes: string[]; codes: Int32Array } {
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
