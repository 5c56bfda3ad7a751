/**
 * Deterministic table benchmark data (docs/CLI.md "Tables"): N rows of 4 numeric columns with 5 %
 * missing values (empty fields), 3 categorical columns (5, 12 and 3 categories) and a label of
 * three classes that depends on both kinds. Integer arithmetic only, so every machine writes the
 * same bytes.
 *
 *   node bench/generate-table.mjs <rows> <labelled.csv> <features.csv>
 */
import { closeSync, existsSync, openSync, renameSync, statSync, writeSync } from 'node:fs';
import { pathToFileURL } from 'node:url';

export const TABLE_GENERATOR_VERSION = 1;
const COLOURS = ['amber', 'blue', 'crimson', 'green', 'violet'];
const REGIONS = ['Nord', 'Sud', 'Est', 'Ouest', 'Centre', 'Île', 'Côte', 'Mont', 'Val', 'Lac', 'Bois', 'Plaine'];
const GRADES = ['A', 'B', 'C'];
const CLASSES = ['low', 'mid', 'high'];

function makeRandom(seed) {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s;
  };
}

function fixed2(units) {
  const negative = units < 0;
  const a = negative ? -units : units;
  const whole = Math.trunc(a / 100);
  const frac = a - whole * 100;
  return `${negative ? '-' : ''}${whole}.${frac < 10 ? `0${frac}` : frac}`;
}

export function generateTable(rows, labelled, features, seed = 20261207) {
  for (const path of [labelled, features]) {
    // The files are replaced by a rename: a device (/dev/null) or a folder must never be a target.
    if (existsSync(path) && !statSync(path).isFile()) throw new Error(`${path}: not a regular file; give file paths`);
  }
  const next = makeRandom(seed);
  const outs = [labelled, features].map((path, k) => {
    const tmp = `${path}.${process.pid}.tmp`;
    return { fd: openSync(tmp, 'w'), tmp, path, withLabel: k === 0, parts: [`n1,n2,n3,n4,colour,region,grade${k === 0 ? ',label' : ''}\n`] };
  });
  const flush = (out) => {
    const buffer = Buffer.from(out.parts.join(''), 'utf8');
    out.parts = [];
    for (let off = 0; off < buffer.length;) off += writeSync(out.fd, buffer, off);
  };
  const fields = new Array(7);
  for (let i = 0; i < rows; i++) {
    const c = next() % 3;
    for (let j = 0; j < 4; j++) {
      const u = (next() >>> 20) + (next() >>> 20) - 4096; // about -4096 … 4096
      const units = (c - 1) * (400 + j * 150) + Math.trunc((u * (300 + j * 50)) / 2048) + j * 1000;
      fields[j] = next() % 100 < 5 ? '' : fixed2(units);
    }
    fields[4] = COLOURS[(c * 2 + (next() % 3)) % COLOURS.length];
    fields[5] = REGIONS[next() % REGIONS.length];
    fields[6] = GRADES[next() % 4 === 0 ? c : next() % 3];
    const line = fields.join(',');
    for (const out of outs) {
      out.parts.push(out.withLabel ? `${line},${CLASSES[c]}\n` : `${line}\n`);
      if (out.parts.length >= 4096) flush(out);
    }
  }
  for (const out of outs) {
    flush(out);
    closeSync(out.fd);
    renameSync(out.tmp, out.path);
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const [rowsText, labelled, features] = process.argv.slice(2);
  const rows = Number(rowsText);
  if (!Number.isInteger(rows) || rows < 1 || labelled === undefined || features === undefined) {
    console.error('usage: node bench/generate-table.mjs <rows> <labelled.csv> <features.csv>');
    process.exit(2);
  }
  generateTable(rows, labelled, features);
}
