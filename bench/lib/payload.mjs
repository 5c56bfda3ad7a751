/** The request bodies of the HTTP benchmarks: rows of the bundled Iris data, none repeated in a body. */
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** The feature rows of the bundled data set, from the model's own CSV. */
export function irisRows(features) {
  const [header, ...lines] = readFileSync(join(ROOT, 'data', 'iris.csv'), 'utf8')
    .trim()
    .split('\n');
  const names = header.split(',');
  const at = features.map((f) => names.indexOf(f));
  return lines.map((line) => {
    const cells = line.split(',');
    return at.map((j) => Number(cells[j]));
  });
}

/**
 * `n` rows: the data set's rows in turn, each value moved by a small deterministic step after the
 * first pass, so that large bodies do not repeat one row (no server here caches, but none should be
 * able to).
 */
export function payloadRows(base, n) {
  const rows = new Array(n);
  let state = 12345;
  for (let i = 0; i < n; i++) {
    const row = base[i % base.length];
    if (i < base.length) {
      rows[i] = row;
      continue;
    }
    rows[i] = row.map((v) => {
      state = (state * 1103515245 + 12345) % 2147483648;
      return Math.round((v + (state / 2147483648 - 0.5) * 0.2) * 100) / 100;
    });
  }
  return rows;
}

/** An MLflow `dataframe_split` body of `n` rows, written to `dir`/body-`n`.json. */
export function writePayload(dir, features, base, n) {
  const path = join(dir, `body-${n}.json`);
  const rows = payloadRows(base, n);
  const text = `{"dataframe_split":{"columns":${JSON.stringify(features)},"data":[${rows.map((r) => `[${r.join(',')}]`).join(',')}]}}`;
  writeFileSync(path, text);
  return { path, rows, bytes: Buffer.byteLength(text) };
}
