/**
 * Shared settings of the fuzzers (test/fuzz/*.fuzz.test.ts).
 *
 * In `npm test` every property runs a fixed number of times from a fixed seed, so a run is
 * reproducible and takes a few seconds. For a longer local session:
 *
 *   IRIS_FUZZ_RUNS=100000 npx vitest run test/fuzz            # every property 100 000 times
 *   IRIS_FUZZ_RUNS=20000 IRIS_FUZZ_SEED=random npx vitest run test/fuzz   # a fresh seed each time
 *
 * A failure prints fast-check's seed and counterexample path; rerun it with IRIS_FUZZ_SEED=<seed>.
 */
import fc from 'fast-check';

const runsFromEnv = Number(process.env.IRIS_FUZZ_RUNS);
const seedFromEnv = process.env.IRIS_FUZZ_SEED;

/** The seed of every property: 42 unless IRIS_FUZZ_SEED says otherwise ("random" picks one). */
export const FUZZ_SEED =
  seedFromEnv === undefined || seedFromEnv === '' ? 42 : seedFromEnv === 'random' ? (Date.now() ^ (Math.random() * 0x7fffffff)) | 0 : Number(seedFromEnv);

export const LONG_MODE = Number.isInteger(runsFromEnv) && runsFromEnv > 0;

/** fast-check parameters: `runs` in `npm test`, IRIS_FUZZ_RUNS in the long mode. */
export function fuzzParams<T>(runs: number): fc.Parameters<T> {
  return { seed: FUZZ_SEED, numRuns: LONG_MODE ? runsFromEnv : runs, endOnFailure: true };
}

/** Test timeout: generous in `npm test`, none to speak of in the long mode. */
export const FUZZ_TIMEOUT = LONG_MODE ? 24 * 60 * 60 * 1000 : 60_000;

// -------------------------------------------------------------------------------------------------
// Byte-level mutations of a valid file

export type Mutation =
  | { kind: 'flip'; at: number; bit: number }
  | { kind: 'set'; at: number; byte: number }
  | { kind: 'truncate'; at: number }
  | { kind: 'insert'; at: number; text: string }
  | { kind: 'delete'; at: number; length: number }
  | { kind: 'duplicate-line'; at: number }
  | { kind: 'swap-lines'; at: number; other: number };

/** Fragments that exercise the edges of CSV and JSON syntax. */
const FRAGMENTS = [
  '"',
  ',',
  '\n',
  '\r',
  '\r\n',
  '\0',
  ' ',
  '\t',
  '""',
  '"x"',
  ',,',
  '\n\n',
  'NaN',
  'Infinity',
  '1e999',
  '-1e-400',
  '-',
  '.',
  'e',
  '0x1F',
  '1_000',
  '\ufeff',
  'é',
  '🌸',
  '{',
  '}',
  '[',
  ']',
  ':',
  '\\',
  '\\u0000',
  'null',
  'true',
  '-0',
  '1e308',
];

export const mutationArb: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constant('flip' as const), at: fc.nat(), bit: fc.integer({ min: 0, max: 7 }) }),
  fc.record({ kind: fc.constant('set' as const), at: fc.nat(), byte: fc.integer({ min: 0, max: 255 }) }),
  fc.record({ kind: fc.constant('truncate' as const), at: fc.nat() }),
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('insert' as const), at: fc.nat(), text: fc.constantFrom(...FRAGMENTS) }) },
  fc.record({ kind: fc.constant('delete' as const), at: fc.nat(), length: fc.integer({ min: 1, max: 24 }) }),
  fc.record({ kind: fc.constant('duplicate-line' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('swap-lines' as const), at: fc.nat(), other: fc.nat() }),
);

function lineBounds(bytes: Buffer, at: number): [number, number] {
  const start = bytes.lastIndexOf(10, Math.max(0, at - 1)) + 1;
  const lf = bytes.indexOf(10, at);
  return [start, lf === -1 ? bytes.length : lf + 1];
}

/** Applies one mutation; positions wrap around the length. */
export function mutate(bytes: Buffer, m: Mutation): Buffer {
  const n = bytes.length;
  const at = n === 0 ? 0 : m.at % (n + 1);
  switch (m.kind) {
    case 'flip': {
      if (n === 0) return bytes;
      const out = Buffer.from(bytes);
      out[at % n] = out[at % n]! ^ (1 << m.bit);
      return out;
    }
    case 'set': {
      if (n === 0) return bytes;
      const out = Buffer.from(bytes);
      out[at % n] = m.byte;
      return out;
    }
    case 'truncate':
      return bytes.subarray(0, at);
    case 'insert':
      return Buffer.concat([bytes.subarray(0, at), Buffer.from(m.text, 'utf8'), bytes.subarray(at)]);
    case 'delete':
      return Buffer.concat([bytes.subarray(0, at), bytes.subarray(Math.min(n, at + m.length))]);
    case 'duplicate-line': {
      const [s, e] = lineBounds(bytes, at);
      return Buffer.concat([bytes.subarray(0, e), bytes.subarray(s, e), bytes.subarray(e)]);
    }
    case 'swap-lines': {
      const lines = bytes.toString('latin1').split('\n');
      const i = m.at % lines.length;
      const j = m.other % lines.length;
      [lines[i], lines[j]] = [lines[j]!, lines[i]!];
      return Buffer.from(lines.join('\n'), 'latin1');
    }
  }
}

export function mutateAll(bytes: Buffer, mutations: readonly Mutation[]): Buffer {
  return mutations.reduce(mutate, bytes);
}
