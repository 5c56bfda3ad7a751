/**
 * Fuzzing the model loader (src/io/artifact.ts) in-process: random bytes, random JSON, byte-level
 * mutations of valid artifacts and JSON value replacements inside them (sometimes re-sealed with a
 * fresh checksum, so that the checks after the checksum's are reached). For every input:
 *
 *   - anything thrown is a ModelError (exit 4) whose message starts with the file name and is one
 *     line, never a TypeError, RangeError or SyntaxError escaping;
 *   - a loaded model is well-formed: shapes agree, every number is finite, scales are positive,
 *     classes and features distinct, the typed arrays equal the document's arrays;
 *   - an edited document that was not re-sealed never loads, and a re-sealed one never fails the
 *     checksum check.
 *
 * Fixed seed and run counts; see fuzz-settings.ts for the long mode (IRIS_FUZZ_RUNS).
 */
import fc from 'fast-check';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { IrisError, ModelError } from '../../src/core/errors.js';
import { canonicalJson, computeChecksum, readArtifact as loadModel, parseArtifact, type LoadedArtifact as LoadedModel } from '../../src/io/model/index.js';
import { ROOT } from '../helpers/cli.js';
import { expandedNames } from '../../src/core/preprocessing.js';
import { FUZZ_TIMEOUT, fuzzParams, mutateAll, mutationArb } from './fuzz-settings.js';

const FIXTURES = join(ROOT, 'fixtures', 'models');
// Version 1 files (migrated on load) and version 3 ones, one with categorical columns and imputation.
const VALID = ['valid-iris.json', 'valid-binary.json', 'valid-iris-v3.json', 'penguins-v3.json'].map((name) => readFileSync(join(FIXTURES, name), 'utf8'));
const SOURCE = 'fuzz.json';

type Outcome = { ok: true; model: LoadedModel } | { ok: false; message: string };

function load(text: string): Outcome {
  try {
    const model = parseArtifact(text, SOURCE);
    wellFormed(model);
    return { ok: true, model };
  } catch (error) {
    if (!(error instanceof IrisError)) throw error;
    expectModelError(error, SOURCE);
    return { ok: false, message: error.message };
  }
}

function expectModelError(error: IrisError, source: string): void {
  expect(error).toBeInstanceOf(ModelError);
  expect(error.kind).toBe('model');
  expect(error.message.startsWith(`${source}: `)).toBe(true);
  expect(error.message).not.toMatch(/\n/);
}

function wellFormed(model: LoadedModel): void {
  const { artifact } = model;
  const { coef, intercept, mean, scale } = model.model;
  const nClasses = model.model.classes.length;
  const nFeatures = model.model.features.length;
  const rows = nClasses === 2 ? 1 : nClasses;
  expect(nClasses).toBe(artifact.classes.length);
  expect(nFeatures).toBe(artifact.features.length);
  expect(nClasses).toBeGreaterThanOrEqual(2);
  expect(nFeatures).toBeGreaterThanOrEqual(1);
  expect(new Set(artifact.classes).size).toBe(nClasses);
  expect(new Set(artifact.features).size).toBe(nFeatures);
  expect([coef.length, intercept.length, mean.length, scale.length]).toEqual([rows * nFeatures, rows, nFeatures, nFeatures]);
  for (const array of [coef, intercept, mean]) expect(array.every(Number.isFinite)).toBe(true);
  expect(scale.every((v) => Number.isFinite(v) && v > 0)).toBe(true);
  expect(Array.from(coef)).toEqual(artifact.perceptron.coef.flat());
  expect(Array.from(intercept)).toEqual(artifact.perceptron.intercept);
  expect(artifact.checksum).toBe(computeChecksum(artifact));
  // Format 3: the columns expand to exactly the features, one-hot columns unscaled.
  expect(expandedNames(model.model.preprocessing.columns)).toEqual(model.model.features);
  let j = 0;
  for (const column of model.model.preprocessing.columns) {
    if (column.kind === 'numeric') j++;
    else for (let k = 0; k < column.categories.length; k++, j++) expect(mean[j] === 0 && scale[j] === 1).toBe(true);
  }
}

// -------------------------------------------------------------------------------------------------
// JSON value replacement

type Path = (string | number)[];

/** Every path in a JSON document (objects' members and arrays' elements), the root excluded. */
function pathsOf(value: unknown, prefix: Path = [], out: Path[] = []): Path[] {
  if (value !== null && typeof value === 'object') {
    for (const [key, child] of Object.entries(value)) {
      const path = [...prefix, Array.isArray(value) ? Number(key) : key];
      out.push(path);
      pathsOf(child, path, out);
    }
  }
  return out;
}

/** Stands in for a number JSON.stringify cannot write; replaced in the text afterwards. */
const LITERAL = (text: string) => `@@literal:${text}@@`;

const replacement: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 4, arbitrary: fc.jsonValue({ maxDepth: 3 }) },
  fc.constantFrom(
    LITERAL('1e999'),
    LITERAL('-1e999'),
    LITERAL('-0'),
    LITERAL('1E+2'),
    0,
    -1,
    1.5,
    1e308,
    2 ** 53 + 2,
    '',
    'sha256:',
    null,
    true,
    [],
    {},
    [[]],
    'x'.repeat(100_000),
  ),
  fc.integer({ min: 1, max: 70 }).map((depth) => JSON.parse(`${'['.repeat(depth)}${']'.repeat(depth)}`) as unknown),
);

type Edit = { kind: 'replace'; path: number; value: unknown } | { kind: 'delete'; path: number } | { kind: 'add'; path: number; key: string; value: unknown };

const editArb: fc.Arbitrary<Edit> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('replace' as const), path: fc.nat(), value: replacement }) },
  fc.record({ kind: fc.constant('delete' as const), path: fc.nat() }),
  fc.record({
    kind: fc.constant('add' as const),
    path: fc.nat(),
    key: fc.oneof(fc.string({ maxLength: 8 }), fc.constantFrom('__proto__', 'constructor', 'checksum', 'format')),
    value: replacement,
  }),
);

function applyEdit(doc: Record<string, unknown>, edit: Edit): void {
  const paths = pathsOf(doc);
  const path = paths[edit.path % paths.length]!;
  let parent: any = doc;
  for (const key of path.slice(0, -1)) parent = parent[key];
  const last = path[path.length - 1]!;
  const container = edit.kind === 'add' ? parent[last] : parent;
  switch (edit.kind) {
    case 'replace':
      parent[last] = structuredClone(edit.value);
      break;
    case 'delete':
      if (Array.isArray(parent)) parent.splice(Number(last), 1);
      else delete parent[last];
      break;
    case 'add':
      if (Array.isArray(container)) container.push(structuredClone(edit.value));
      else if (container !== null && typeof container === 'object')
        Object.defineProperty(container, edit.key, { value: structuredClone(edit.value), enumerable: true, writable: true, configurable: true });
      else parent[last] = { [edit.key]: structuredClone(edit.value) };
      break;
  }
}

function toText(doc: unknown, indent: number): string {
  return JSON.stringify(doc, null, indent).replace(/"@@literal:([^@]*)@@"/g, '$1');
}

/** Canonical form of a document as the loader sees it (a leading BOM skipped), or undefined when it cannot be had. */
function canonical(text: string): string | undefined {
  try {
    return canonicalJson(JSON.parse(text.replace(/^\ufeff/, '')) as unknown);
  } catch {
    return undefined;
  }
}

// -------------------------------------------------------------------------------------------------

describe('fuzzing the model loader', () => {
  const dir = mkdtempSync(join(tmpdir(), 'iris-fuzz-model-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('the valid artifacts load', () => {
    for (const text of VALID) expect(load(text).ok).toBe(true);
  });

  it(
    'random bytes through loadModel (file, UTF-8, JSON): always a ModelError',
    async () => {
      let n = 0;
      await fc.assert(
        fc.asyncProperty(
          fc.oneof(
            fc.uint8Array({ maxLength: 300 }),
            fc
              .array(fc.constantFrom(...'{}[]":,0123456789.-eE \n\\tfalsnu'.split('').map((c) => c.charCodeAt(0))), { maxLength: 300 })
              .map((a) => Uint8Array.from(a)),
          ),
          async (bytes) => {
            const path = join(dir, `random-${n++}.json`);
            writeFileSync(path, bytes);
            const error = await loadModel(path).then(
              () => undefined,
              (e: unknown) => e,
            );
            expect(error).toBeInstanceOf(IrisError);
            expectModelError(error as IrisError, path);
          },
        ),
        fuzzParams(300),
      );
    },
    FUZZ_TIMEOUT,
  );

  it(
    'random JSON documents: always a ModelError',
    () => {
      fc.assert(
        fc.property(
          fc.oneof(
            fc.jsonValue(),
            fc.record({ format: fc.constant('iris-model'), formatVersion: fc.oneof(fc.constant(1), fc.jsonValue()) }, { requiredKeys: [] }),
          ),
          (value) => {
            expect(load(JSON.stringify(value)).ok).toBe(false);
          },
        ),
        fuzzParams(1000),
      );
    },
    FUZZ_TIMEOUT,
  );

  it(
    'byte-level mutations of valid artifacts: a ModelError or a well-formed model',
    () => {
      const outcomes = { loaded: 0, refused: 0 };
      fc.assert(
        fc.property(fc.constantFrom(...VALID), fc.array(mutationArb, { minLength: 1, maxLength: 5 }), (text, mutations) => {
          const mutated = mutateAll(Buffer.from(text), mutations).toString('utf8');
          const result = load(mutated);
          outcomes[result.ok ? 'loaded' : 'refused']++;
          // Only whitespace (and the like) may change without the checksum noticing.
          if (result.ok) expect(canonical(mutated)).toBe(canonical(text));
        }),
        fuzzParams(1500),
      );
      expect(outcomes.refused).toBeGreaterThan(0);
    },
    FUZZ_TIMEOUT,
  );

  it(
    'JSON value replacements, re-sealed or not: a ModelError or a well-formed model',
    () => {
      const outcomes = { loaded: 0, refused: 0 };
      fc.assert(
        fc.property(
          fc.constantFrom(...VALID),
          fc.array(editArb, { minLength: 1, maxLength: 3 }),
          fc.boolean(),
          fc.constantFrom(0, 2),
          (text, edits, reseal, indent) => {
            const doc = JSON.parse(text) as Record<string, unknown>;
            for (const edit of edits) applyEdit(doc, edit);
            let sealed = false;
            if (reseal) {
              try {
                doc.checksum = computeChecksum(JSON.parse(toText(doc, 0)) as object);
                sealed = true;
              } catch {
                // a document canonical JSON refuses (1e999): the loader must refuse it too
              }
            }
            const edited = toText(doc, indent);
            const result = load(edited);
            outcomes[result.ok ? 'loaded' : 'refused']++;
            if (!sealed && result.ok) expect(canonical(edited)).toBe(canonical(text));
            if (sealed && !result.ok) expect(result.message).not.toMatch(/checksum mismatch/);
          },
        ),
        fuzzParams(1500),
      );
      expect(outcomes.loaded).toBeGreaterThan(0);
      expect(outcomes.refused).toBeGreaterThan(0);
    },
    FUZZ_TIMEOUT,
  );
});
