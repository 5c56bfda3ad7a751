/**
 * Deterministic benchmark data: N rows x 20 numeric features and a text label drawn from three
 * overlapping classes (so the perceptron cannot separate them and runs several epochs).
 *
 * Only integer arithmetic decides the values (a 32-bit xorshift generator, an Irwin–Hall sum of
 * uniforms for the bell shape, values written with four decimals from integers), so every Node
 * version on every machine writes the same bytes.
 *
 *   node bench/generate.mjs <rows> <labelled.csv> [<features.csv>]   files
 *   node bench/generate.mjs <rows> -                                  features only, to stdout (no header)
 */
import { closeSync, openSync, renameSync, writeSync } from 'node:fs';
import { pathToFileURL } from 'node:url';

export const FEATURES = 20;
export const CLASSES = ['alpha', 'beta', 'gamma'];
/** Bumped whenever the bytes written change, so cached files are regenerated. */
export const GENERATOR_VERSION = 1;

/** xorshift32; state is a uint32. */
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

/**
 * Per class and feature: the centre and spread in units of 1e-4. Centres differ by about half a
 * spread per feature, so the classes overlap heavily in every single feature and moderately in all
 * of them together; features have different offsets and scales, so standard scaling matters.
 */
function classModel() {
  const next = makeRandom(0x1badb002);
  const centre = [];
  const spread = [];
  for (let j = 0; j < FEATURES; j++) {
    const offset = ((next() % 2001) - 1000) * 50; // -5 … 5
    const scale = 5000 + (next() % 20) * 1000; // 0.5 … 2.4
    spread.push(scale);
    for (let c = 0; c < CLASSES.length; c++) {
      centre[c * FEATURES + j] = offset + Math.trunc((((next() % 2001) - 1000) * scale) / 1600);
    }
  }
  return { centre, spread };
}

function formatFixed4(units) {
  const negative = units < 0;
  const a = negative ? -units : units;
  const whole = Math.trunc(a / 10000);
  const frac = a - whole * 10000;
  const f = frac < 10 ? `000${frac}` : frac < 100 ? `00${frac}` : frac < 1000 ? `0${frac}` : `${frac}`;
  return `${negative ? '-' : ''}${whole}.${f}`;
}

/**
 * Writes `rows` rows. `labelled` (path or null) gets a header and the label column; `features` (path,
 * '-' for stdout without a header, or null) gets the same feature values without the label.
 */
export function generate(rows, labelled, features, { seed = 20260101, header = true } = {}) {
  const { centre, spread } = classModel();
  const next = makeRandom(seed);
  const names = Array.from({ length: FEATURES }, (_, j) => `f${j + 1}`);
  const outputs = [];
  const open = (path, withLabel) => {
    const toStdout = path === '-';
    const tmp = toStdout ? null : `${path}.${process.pid}.tmp`;
    const fd = toStdout ? 1 : openSync(tmp, 'w');
    const out = { fd, tmp, path, withLabel, parts: [], size: 0 };
    if (header && !toStdout) out.parts.push(`${names.join(',')}${withLabel ? ',label' : ''}\n`);
    outputs.push(out);
    return out;
  };
  if (labelled) open(labelled, true);
  if (features) open(features, false);
  const flush = (out) => {
    const text = out.parts.join('');
    out.parts = [];
    const buffer = Buffer.from(text, 'latin1');
    let off = 0;
    while (off < buffer.length) {
      try {
        off += writeSync(out.fd, buffer, off);
      } catch (error) {
        if (error.code === 'EAGAIN') continue; // a non-blocking pipe on stdout
        if (error.code === 'EPIPE') return false;
        throw error;
      }
    }
    return true;
  };
  const fields = new Array(FEATURES);
  for (let i = 0; i < rows; i++) {
    const c = next() % 3;
    for (let j = 0; j < FEATURES; j++) {
      // Irwin–Hall: the sum of four uniforms on [0, 1) minus 2 has mean 0 and variance 1/3.
      const u = (next() >>> 16) + (next() >>> 16) + (next() >>> 16) + (next() >>> 16) - 131072;
      const units = centre[c * FEATURES + j] + Math.trunc((u * spread[j] * 1.7320508) / 65536);
      fields[j] = formatFixed4(units);
    }
    const line = fields.join(',');
    for (const out of outputs) {
      out.parts.push(out.withLabel ? `${line},${CLASSES[c]}\n` : `${line}\n`);
      if (out.parts.length >= 4096 && !flush(out)) return;
    }
  }
  for (const out of outputs) {
    if (!flush(out)) return;
    if (out.tmp !== null) {
      closeSync(out.fd);
      renameSync(out.tmp, out.path);
    }
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const [rowsText, labelled, features] = process.argv.slice(2);
  const rows = Number(rowsText);
  if (!Number.isInteger(rows) || rows < 1 || labelled === undefined) {
    console.error('usage: node bench/generate.mjs <rows> <labelled.csv|-> [<features.csv>]');
    process.exit(2);
  }
  if (labelled === '-') generate(rows, null, '-', { header: false });
  else generate(rows, labelled, features ?? null);
}
