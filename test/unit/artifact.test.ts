import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, symlinkSync, writeFileSync, chmodSync } from 'node:fs';
import fsp from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import Ajv2020 from 'ajv/dist/2020.js';
import fc from 'fast-check';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { DataError, IrisError, ModelError } from '../../src/core/errors.js';
import { loadReference } from '../helpers/iris.js';
import { DEFAULT_PERCEPTRON_PARAMS } from '../../src/core/perceptron.js';
import { DEFAULT_NA_VALUES } from '../../src/core/preprocessing.js';
import {
  MAX_JSON_DEPTH,
  MAX_MODEL_FILE_BYTES,
  MIGRATIONS,
  MODEL_FORMAT,
  MODEL_FORMAT_VERSION,
  canonicalJson,
  computeChecksum,
  readArtifact as loadModel,
  migrateToCurrent,
  parseArtifact,
  saveArtifact,
  sealArtifact,
  serializeArtifact,
  digestIndices,
  type ModelArtifact as ModelArtifactV1,
  type ModelArtifactBody,
} from '../../src/io/model/index.js';
import { writeFileAtomic } from '../../src/io/atomic-write.js';

type ModelArtifactBodyV1 = ModelArtifactBody;

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const FIXTURES = join(ROOT, 'fixtures', 'models');
const dir = mkdtempSync(join(tmpdir(), 'iris-artifact-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;

let counter = 0;
/** A fresh path in the temporary folder. */
function tmpPath(name = 'model.json'): string {
  const sub = join(dir, `case-${++counter}`);
  mkdirSync(sub);
  return join(sub, name);
}

const REF = loadReference()[0]!;

/** A typical artifact: the scikit-learn reference model for the bundled Iris data (3 classes, 4 features). */
function irisBody(): ModelArtifactBodyV1 {
  return {
    format: 'iris-model',
    formatVersion: 3,
    producer: { name: 'iris', version: '0.1.0' },
    createdAt: '2025-01-01T00:00:00.000Z',
    target: REF.target,
    features: [...REF.features],
    classes: [...REF.classes],
    preprocessing: {
      columns: REF.features.map((name) => ({ name, kind: 'numeric' as const, impute: null })),
      naValues: [...DEFAULT_NA_VALUES],
      impute: null,
      dropna: 'none',
    },
    scaler: { mean: [...REF.scaler.mean], scale: [...REF.scaler.scale] },
    perceptron: {
      coef: REF.coef.map((row) => [...row]),
      intercept: [...REF.intercept],
      nIter: REF.n_iter,
      converged: true,
      params: { ...DEFAULT_PERCEPTRON_PARAMS },
    },
    training: {
      data: { path: 'iris.csv', bundled: true, sha256: 'a'.repeat(64), rows: 150 },
      split: { testSize: 0.3, seed: 0, shuffle: true, stratify: false, train: 105, test: 45, testIndicesSha256: digestIndices(REF.split.test) },
      metrics: {
        train: { accuracy: 0.97 },
        test: {
          accuracy: 0.9555555555555556,
          confusionMatrix: [
            [16, 0, 0],
            [0, 17, 1],
            [0, 1, 10],
          ],
        },
      },
    },
  };
}

const sealed = (): ModelArtifactV1 => sealArtifact(irisBody());
const goodText = (): string => serializeArtifact(sealed());

type Doc = Record<string, any>;

/** The sealed iris artifact as a plain object, changed by `edit`, then re-sealed (so only the intended check can fail) unless `reseal` is false. */
function variant(edit: (doc: Doc) => void, reseal = true): string {
  const doc = JSON.parse(goodText()) as Doc;
  edit(doc);
  if (reseal) doc['checksum'] = computeChecksum(doc);
  return JSON.stringify(doc, null, 2);
}

/** Asserts a ModelError (exit 4) whose message starts with the file name and contains `fragment`. */
function expectModelError(fn: () => unknown, source: string, fragment: string): ModelError {
  let caught: unknown;
  try {
    fn();
  } catch (error) {
    caught = error;
  }
  expect(caught, `expected a ModelError containing ${JSON.stringify(fragment)}`).toBeInstanceOf(ModelError);
  const error = caught as ModelError;
  expect(error.kind).toBe('model');
  expect(error.message.startsWith(`${source}: `), error.message).toBe(true);
  expect(error.message).toContain(fragment);
  return error;
}

async function expectLoadError(path: string, fragment: string): Promise<ModelError> {
  const error = await loadModel(path).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error, `expected loading ${path} to fail with ${JSON.stringify(fragment)}`).toBeInstanceOf(ModelError);
  const modelError = error as ModelError;
  expect(modelError.kind).toBe('model');
  expect(modelError.message.startsWith(`${path}: `), modelError.message).toBe(true);
  expect(modelError.message).toContain(fragment);
  return modelError;
}

const parse = (text: string) => parseArtifact(text, 'model.json');

afterEach(() => vi.restoreAllMocks());

// -------------------------------------------------------------------------------------------------

describe('canonicalJson (RFC 8785)', () => {
  it('matches the RFC 8785 section 3.2.2 example: literals, number forms and string escapes', () => {
    const input = JSON.parse(
      '{"numbers": [333333333.33333329, 1E30, 4.50, 2e-3, 0.000000000000000000000000001],' +
        ' "string": "\\u20ac$\\u000F\\u000aA\'\\u0042\\u0022\\u005c\\\\\\"\\/", "literals": [null, true, false]}',
    ) as unknown;
    expect(canonicalJson(input)).toBe(
      '{"literals":[null,true,false],"numbers":[333333333.3333333,1e+30,4.5,0.002,1e-27],"string":"€$\\u000f\\nA\'B\\"\\\\\\\\\\"/"}',
    );
  });

  it('sorts keys by UTF-16 code units, not code points (RFC 8785 section 3.2.3), recursively', () => {
    const input = {
      '\u20ac': 'Euro Sign',
      '\r': 'Carriage Return',
      '\ufb33': 'Hebrew Letter Dalet With Dagesh',
      '1': 'One',
      '\ud83d\ude00': 'Emoji: Grinning Face',
      '\u0080': 'Control',
      '\u00f6': 'Latin Small Letter O With Diaeresis',
    };
    expect(canonicalJson(input)).toBe(
      '{"\\r":"Carriage Return","1":"One","\u0080":"Control","ö":"Latin Small Letter O With Diaeresis",' +
        '"€":"Euro Sign","\ud83d\ude00":"Emoji: Grinning Face","\ufb33":"Hebrew Letter Dalet With Dagesh"}',
    );
    // U+1F600 (surrogates D83D DE00) sorts before U+FB33 by code units, after it by code points.
    expect(canonicalJson({ b: { z: 1, a: [{ y: 2, x: 1 }] }, a: 0 })).toBe('{"a":0,"b":{"a":[{"x":1,"y":2}],"z":1}}');
    expect(canonicalJson({ aa: 1, a: 2, B: 3, _: 4 })).toBe('{"B":3,"_":4,"a":2,"aa":1}');
  });

  it('prints the RFC 8785 appendix B numbers as ECMAScript does', () => {
    const samples: [string, string][] = [
      ['0000000000000000', '0'],
      ['8000000000000000', '0'],
      ['0000000000000001', '5e-324'],
      ['8000000000000001', '-5e-324'],
      ['7fefffffffffffff', '1.7976931348623157e+308'],
      ['ffefffffffffffff', '-1.7976931348623157e+308'],
      ['4340000000000000', '9007199254740992'],
      ['c340000000000000', '-9007199254740992'],
      ['4430000000000000', '295147905179352830000'],
      ['44b52d02c7e14af5', '9.999999999999997e+22'],
      ['44b52d02c7e14af6', '1e+23'],
      ['44b52d02c7e14af7', '1.0000000000000001e+23'],
      ['444b1ae4d6e2ef4e', '999999999999999700000'],
      ['444b1ae4d6e2ef4f', '999999999999999900000'],
      ['444b1ae4d6e2ef50', '1e+21'],
      ['3eb0c6f7a0b5ed8c', '9.999999999999997e-7'],
      ['3eb0c6f7a0b5ed8d', '0.000001'],
      ['41b3de4355555553', '333333333.3333332'],
      ['41b3de4355555554', '333333333.33333325'],
      ['41b3de4355555555', '333333333.3333333'],
      ['41b3de4355555556', '333333333.3333334'],
      ['41b3de4355555557', '333333333.33333343'],
      ['becbf647612f3696', '-0.0000033333333333333333'],
      ['43143ff3c1cb0959', '1424953923781206.2'],
    ];
    for (const [bits, expected] of samples) {
      const value = Buffer.from(bits, 'hex').readDoubleBE(0);
      expect(canonicalJson(value), bits).toBe(expected);
      expect(canonicalJson([value]), bits).toBe(`[${expected}]`);
    }
    expect(canonicalJson([1e21, 1e20, 1e-7, 1e-6, -0, 0.1 + 0.2, -0.10000000000000003, 100, 1.5e300])).toBe(
      '[1e+21,100000000000000000000,1e-7,0.000001,0,0.30000000000000004,-0.10000000000000003,100,1.5e+300]',
    );
  });

  it('escapes only what JSON must: quote, backslash and control characters (lower-case hex)', () => {
    expect(canonicalJson('"\\\b\f\n\r\t\u0000\u001f\u007f\u2028/é😀')).toBe('"\\"\\\\\\b\\f\\n\\r\\t\\u0000\\u001f\u007f\u2028/é😀"');
    expect(canonicalJson({ 'a\nb': 'c"d' })).toBe('{"a\\nb":"c\\"d"}');
    expect(canonicalJson([null, true, false, '', [], {}])).toBe('[null,true,false,"",[],{}]');
  });

  it('refuses what is not JSON data, naming where it is', () => {
    expect(() => canonicalJson(Number.NaN)).toThrow(/non-finite number NaN/);
    expect(() => canonicalJson({ a: [1, Infinity] })).toThrow(/non-finite number Infinity at a\[1\]/);
    expect(() => canonicalJson({ a: { b: -Infinity } })).toThrow(/at a\.b/);
    expect(() => canonicalJson([undefined])).toThrow(/undefined/);
    expect(() => canonicalJson({ f: () => 1 })).toThrow(/function/);
    expect(() => canonicalJson(10n)).toThrow(/bigint/);
    expect(() => canonicalJson({ coef: new Float64Array([1, 2]) })).toThrow(/Float64Array is not JSON data at coef/);
    expect(() => canonicalJson(new Date(0))).toThrow(/Date/);
    expect(() => canonicalJson(new Map())).toThrow(/Map/);
    expect(() => canonicalJson({ s: 'x\ud800y' })).toThrow(/unpaired UTF-16 surrogate at s/);
    expect(() => canonicalJson({ ['\udc00']: 1 })).toThrow(/unpaired/);
    // paired surrogates are fine; members whose value is undefined are left out, as JSON.stringify does
    expect(canonicalJson({ a: undefined, b: '\ud83d\ude00' })).toBe('{"b":"😀"}');
    expect(canonicalJson(Object.assign(Object.create(null) as object, { b: 1, a: 2 }))).toBe('{"a":2,"b":1}');
  });

  it('property: independent of key order, idempotent through JSON.parse, and equal to sorted JSON.stringify', () => {
    const shuffleKeys = (v: unknown, seed: number): unknown => {
      if (Array.isArray(v)) return v.map((x) => shuffleKeys(x, seed));
      if (v !== null && typeof v === 'object') {
        const keys = Object.keys(v);
        // No prototype: a member named __proto__ (JSON.parse makes it an own member) stays a member.
        const out = Object.create(null) as Record<string, unknown>;
        keys.sort(() => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) % 3) - 1);
        for (const k of keys) out[k] = shuffleKeys((v as Record<string, unknown>)[k], seed);
        return out;
      }
      return v;
    };
    const sortedStringify = (v: unknown): string =>
      JSON.stringify(v, (_k, x: unknown) =>
        x !== null && typeof x === 'object' && !Array.isArray(x) ? Object.fromEntries(Object.entries(x).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) : x,
      );
    fc.assert(
      fc.property(fc.jsonValue(), fc.integer(), (value, seed) => {
        const c = canonicalJson(value);
        expect(canonicalJson(shuffleKeys(value, seed))).toBe(c);
        expect(canonicalJson(JSON.parse(c))).toBe(c);
        // for well-formed strings, JCS is JSON.stringify with sorted keys (except integer-like keys,
        // which JavaScript objects always enumerate first, so compare only when there are none)
        if (!/"\d+":/.test(c)) expect(sortedStringify(value)).toBe(c);
      }),
      { numRuns: 300 },
    );
  });
});

// -------------------------------------------------------------------------------------------------

describe('sealing, checksum and saving', () => {
  it('seals with a checksum anyone can recompute: sha256 of the sorted, whitespace-free JSON without checksum', () => {
    const artifact = sealed();
    expect(artifact.checksum).toMatch(/^sha256:[0-9a-f]{64}$/);
    // independent recomputation: node:crypto over JSON.stringify with recursively sorted keys (the
    // artifact's keys are ASCII and its numbers plain, where that equals RFC 8785)
    const sortDeep = (v: unknown): unknown =>
      Array.isArray(v)
        ? v.map(sortDeep)
        : v !== null && typeof v === 'object'
          ? Object.fromEntries(
              Object.keys(v)
                .sort()
                .map((k) => [k, sortDeep((v as Record<string, unknown>)[k])]),
            )
          : v;
    const { checksum, ...rest } = JSON.parse(serializeArtifact(artifact)) as Doc;
    const hex = createHash('sha256')
      .update(JSON.stringify(sortDeep(rest)), 'utf8')
      .digest('hex');
    expect(checksum).toBe(`sha256:${hex}`);
    // computeChecksum ignores an existing checksum and any key order
    expect(computeChecksum(artifact)).toBe(artifact.checksum);
    expect(computeChecksum({ ...rest, checksum: 'sha256:whatever' })).toBe(artifact.checksum);
    expect(computeChecksum(Object.fromEntries(Object.entries(rest).reverse()))).toBe(artifact.checksum);
    // and any change to any member changes it
    expect(computeChecksum({ ...rest, createdAt: '2025-01-01T00:00:00.001Z' })).not.toBe(artifact.checksum);
  });

  it('the bundled valid fixture verifies: its checksum was also checked with Python (json.dumps sort_keys) when generated', () => {
    const text = readFileSync(join(FIXTURES, 'valid-iris.json'), 'utf8');
    const doc = JSON.parse(text) as Doc;
    expect(computeChecksum(doc)).toBe(doc['checksum']);
    expect(parseArtifact(text, 'valid-iris.json').model.classes.length).toBe(3);
  });

  it('lays the file out readably: format first, checksum last, one coef row a line, final newline', () => {
    const body = irisBody();
    const shuffled = Object.fromEntries(Object.entries(body).reverse()) as unknown as ModelArtifactBodyV1;
    const text = serializeArtifact(sealArtifact(shuffled));
    const keys = Object.keys(JSON.parse(text) as Doc);
    expect(keys[0]).toBe('format');
    expect(keys[1]).toBe('formatVersion');
    expect(keys.at(-1)).toBe('checksum');
    expect(text.endsWith('}\n')).toBe(true);
    expect(text).toContain(`      [${REF.coef[0]!.join(', ')}]`);
    expect(sealArtifact(shuffled).checksum).toBe(sealed().checksum);
  });

  it('round-trips bit-identical numbers through seal, serialize and parse', () => {
    const body = irisBody();
    const tricky = [-0.10000000000000003, 0.1 + 0.2, 1 / 3, 5e-324, -1.7976931348623157e308];
    body.perceptron.coef[0] = [...tricky.slice(0, 4)];
    body.perceptron.coef[1] = [1e21, 1e-7, 123456789.12345679, -2.5e-300];
    body.perceptron.intercept = [tricky[4]!, -0.10000000000000003, 1e300];
    const artifact = sealArtifact(body);
    const text = serializeArtifact(artifact);
    expect(JSON.parse(text)).toEqual(artifact);
    const loaded = parse(text);
    const expectedCoef = Float64Array.from(body.perceptron.coef.flat());
    expect(loaded.model.coef.length).toBe(12);
    for (let i = 0; i < expectedCoef.length; i++) expect(Object.is(loaded.model.coef[i], expectedCoef[i]), `coef[${i}]`).toBe(true);
    expect(Buffer.from(loaded.model.coef.buffer).equals(Buffer.from(expectedCoef.buffer))).toBe(true);
    expect(loaded.model.intercept[1]).toBe(-0.10000000000000003);
    expect(Array.from(loaded.model.intercept)).toEqual(body.perceptron.intercept);
    expect(Array.from(loaded.model.mean)).toEqual(REF.scaler.mean);
    expect(Array.from(loaded.model.scale)).toEqual(REF.scaler.scale);
    expect(loaded.model.classes.length).toBe(3);
    expect(loaded.model.features.length).toBe(4);
    expect(loaded.fileFormatVersion).toBe(3);
    expect(loaded.artifact).toEqual(artifact);
    expect(loaded.source).toBe('model.json');
  });

  it('a two-class model has a single coef row', () => {
    const body = irisBody();
    body.classes = ['setosa', 'versicolor'];
    body.perceptron.coef = [[0.5, -0.25, 1, 2]];
    body.perceptron.intercept = [0.125];
    const loaded = parse(serializeArtifact(sealArtifact(body)));
    expect(loaded.model.classes.length).toBe(2);
    expect(Array.from(loaded.model.coef)).toEqual([0.5, -0.25, 1, 2]);
    expect(Array.from(loaded.model.intercept)).toEqual([0.125]);
    body.perceptron.coef = [
      [0.5, -0.25, 1, 2],
      [0, 0, 0, 0],
    ];
    expectModelError(() => parse(serializeArtifact(sealArtifact(body))), 'model.json', 'perceptron.coef has 2 rows, expected 1 (a single row for two classes)');
  });

  it('extra members are allowed, kept, and covered by the checksum', () => {
    const withExtra = variant((d) => {
      d['notes'] = { author: 'ci', tags: ['a'] };
      d['perceptron']['averageCoef'] = null;
    });
    const loaded = parse(withExtra);
    expect((loaded.artifact as unknown as Doc)['notes']).toEqual({ author: 'ci', tags: ['a'] });
    const edited = withExtra.replace('"ci"', '"someone else"');
    expectModelError(() => parse(edited), 'model.json', 'checksum mismatch');
  });

  it('refuses to seal what is not JSON data (a bug in the caller)', () => {
    const body = irisBody();
    body.perceptron.coef[0]![0] = Number.NaN;
    expect(() => sealArtifact(body)).toThrow(/non-finite number NaN at perceptron\.coef\[0\]\[0\]/);
    const typed = irisBody() as unknown as Doc;
    typed['scaler']['mean'] = new Float64Array(4);
    expect(() => sealArtifact(typed as ModelArtifactBodyV1)).toThrow(/Float64Array/);
  });

  it('validates against schema/model-v3.json, which also rejects broken documents', () => {
    const schema = JSON.parse(readFileSync(join(ROOT, 'schema', 'model-v3.json'), 'utf8')) as object;
    // ajv is CommonJS: under NodeNext the default import is module.exports, whose `default` is the class
    const ajv = new Ajv2020.default({ strict: true, allErrors: true });
    const validate = ajv.compile(schema);
    expect(validate(sealed()), JSON.stringify(validate.errors)).toBe(true);
    for (const name of ['valid-iris-v3.json', 'valid-binary-v3.json', 'in-memory-v3.json', 'penguins-v3.json']) {
      expect(validate(JSON.parse(readFileSync(join(FIXTURES, name), 'utf8'))), name).toBe(true);
    }
    const broken: [string, (d: Doc) => void][] = [
      ['no scaler', (d) => delete d['scaler']],
      ['wrong format', (d) => (d['format'] = 'xyz')],
      ['version 2', (d) => (d['formatVersion'] = 2)],
      ['no preprocessing', (d) => delete d['preprocessing']],
      ['unknown column kind', (d) => (d['preprocessing']['columns'][0]['kind'] = 'text')],
      ['unknown impute strategy', (d) => (d['preprocessing']['impute'] = { strategy: 'mode', fillValue: null })],
      ['bad dropna', (d) => (d['preprocessing']['dropna'] = 'all')],
      ['no penalty', (d) => delete d['perceptron']['params']['penalty']],
      ['bad penalty', (d) => (d['perceptron']['params']['penalty'] = 'l3')],
      ['validationFraction 1', (d) => (d['perceptron']['params']['validationFraction'] = 1)],
      ['bad classWeight', (d) => (d['perceptron']['params']['classWeight'] = 'even')],
      ['bad initModel', (d) => (d['perceptron']['params']['initModel'] = { checksum: 'x' })],
      [
        'search without results',
        (d) => (d['training']['search'] = { grid: [], folds: 5, cv: 'stratified', shuffle: false, scoring: 'accuracy', bestParams: {}, bestScore: 0.9 }),
      ],
      ['zero scale', (d) => (d['scaler']['scale'][1] = 0)],
      ['string coef', (d) => (d['perceptron']['coef'][0][0] = '1')],
      ['duplicate class', (d) => (d['classes'][2] = 'setosa')],
      ['bad checksum', (d) => (d['checksum'] = 'md5:00')],
      ['bad tol', (d) => (d['perceptron']['params']['tol'] = 'none')],
      ['fractional nIter', (d) => (d['perceptron']['nIter'] = 1.5)],
    ];
    for (const [what, edit] of broken) {
      const doc = JSON.parse(goodText()) as Doc;
      edit(doc);
      expect(validate(doc), what).toBe(false);
    }
    const extra = JSON.parse(goodText()) as Doc;
    extra['somethingNew'] = [1, 2];
    expect(validate(extra)).toBe(true);
  });

  it('saveArtifact writes a file that loadModel reads back', async () => {
    const path = tmpPath();
    const first = sealed();
    await saveArtifact(path, first);
    expect(readFileSync(path, 'utf8')).toBe(serializeArtifact(first));
    const loaded = await loadModel(path);
    expect(loaded.artifact).toEqual(first);
    const body = irisBody();
    body.createdAt = '2026-02-03T04:05:06.789Z';
    const second = sealArtifact(body);
    await saveArtifact(path, second);
    expect((await loadModel(path)).artifact.createdAt).toBe('2026-02-03T04:05:06.789Z');
    expect(readdirSync(dirname(path))).toEqual(['model.json']);
  });

  it('saveArtifact refuses an artifact that would not load back, as an internal error, and writes nothing', async () => {
    const path = tmpPath();
    const body = irisBody();
    body.perceptron.coef[1]!.pop();
    const error = await saveArtifact(path, sealArtifact(body)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Error);
    expect(error).not.toBeInstanceOf(IrisError);
    expect((error as Error).message).toContain('internal error: refusing to write a model that would not load back');
    expect((error as Error).message).toContain('perceptron.coef[1] has 3 numbers, expected 4');
    expect(existsSync(path)).toBe(false);
    // a stale checksum is refused the same way
    const stale = sealed();
    stale.createdAt = '2030-01-01T00:00:00Z';
    await expect(saveArtifact(path, stale)).rejects.toThrow(/checksum mismatch/);
    expect(readdirSync(dirname(path))).toEqual([]);
  });

  it('saveArtifact into a missing folder is a DataError (exit 3)', async () => {
    const path = join(dir, 'no-such-folder', 'model.json');
    const error = await saveArtifact(path, sealed()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DataError);
    expect((error as DataError).kind).toBe('data');
    expect((error as Error).message).toBe(`${path}: the folder "${join(dir, 'no-such-folder')}" does not exist`);
  });
});

// -------------------------------------------------------------------------------------------------

describe('loading refuses bad artifacts with exit 4 and says which check failed', () => {
  it('1. a missing file suggests iris train', async () => {
    const path = join(dir, 'missing', 'model.json');
    const error = await expectLoadError(path, 'no model file (run `iris train` first?)');
    expect(error.message).toBe(`${path}: no model file (run \`iris train\` first?)`);
    expect(error.hint).toContain(`iris train --out ${path}`);
    const relative = await expectLoadError('no-such-model-here.json', 'no model file');
    expect(relative.hint).toContain('iris train --out no-such-model-here.json');
  });

  it('1. a folder, a special file, an unreadable file', async () => {
    await expectLoadError(dir, 'is a folder, not a model file');
    if (existsSync('/dev/null')) await expectLoadError('/dev/null', 'is not a regular file');
    const mid = tmpPath('m.json');
    writeFileSync(mid, goodText());
    await expectLoadError(join(mid, 'inner.json'), 'no model file'); // a path through a file
    if (!isRoot) {
      const locked = tmpPath();
      writeFileSync(locked, goodText());
      chmodSync(locked, 0o000);
      await expectLoadError(locked, 'cannot read the model file (permission denied)');
    }
  });

  it('1. a file over the size cap is refused from its size alone, before it is read', async () => {
    const path = tmpPath();
    writeFileSync(path, '');
    await fsp.truncate(path, MAX_MODEL_FILE_BYTES + 1); // sparse: nothing is written
    // The loader reads through a FileHandle: no read of any handle may happen (the stat decides).
    const probe = await fsp.open(path, 'r');
    const handleProto = Object.getPrototypeOf(probe) as { read: () => unknown; readFile: () => unknown };
    await probe.close();
    const reads = [vi.spyOn(fsp, 'readFile'), vi.spyOn(handleProto, 'read'), vi.spyOn(handleProto, 'readFile')];
    await expectLoadError(path, 'larger than the 64.0 MiB a model may be');
    for (const read of reads) expect(read).not.toHaveBeenCalled();
  });

  it('2. empty, not JSON, truncated, not UTF-8', () => {
    expectModelError(() => parse(''), 'model.json', 'not valid JSON (the file is empty)');
    expectModelError(() => parse('  \n'), 'model.json', 'not valid JSON (the file is empty)');
    expectModelError(() => parse('format: iris-model\n'), 'model.json', 'not valid JSON (line 1, column 1: unexpected "f")');
    expectModelError(
      () => parse('{\n  "format": "iris-model",\n  oops\n}'),
      'model.json',
      'not valid JSON (line 3, column 3: expected a property name in double quotes, found "o")',
    );
    expectModelError(() => parse('{"a": 1} x'), 'model.json', 'line 1, column 10: unexpected "x" after the end of the JSON value');
    expectModelError(() => parse('{"a": "tab\there"}'), 'model.json', 'a control character (U+0009) inside a string');
    const text = goodText();
    const truncated = text.slice(0, Math.floor(text.length / 2));
    const error = expectModelError(() => parse(truncated), 'model.json', 'not valid JSON (unexpected end of file at line ');
    expect(error.message).toContain('the file looks truncated');
    expectModelError(() => parse(text.slice(0, -3)), 'model.json', 'the file looks truncated');
  });

  it('2. files from disk: empty, truncated, invalid UTF-8; a UTF-8 BOM is accepted', async () => {
    const empty = tmpPath();
    writeFileSync(empty, '');
    await expectLoadError(empty, 'not valid JSON (the file is empty)');
    const truncated = tmpPath();
    writeFileSync(truncated, goodText().slice(0, 700));
    await expectLoadError(truncated, 'the file looks truncated');
    const latin1 = tmpPath();
    writeFileSync(latin1, Buffer.concat([Buffer.from('{"format": "'), Buffer.from([0xff, 0xfe]), Buffer.from('"}')]));
    await expectLoadError(latin1, 'not valid JSON (the file is not UTF-8 text)');
    const bom = tmpPath();
    writeFileSync(bom, '\ufeff' + goodText());
    expect((await loadModel(bom)).model.classes.length).toBe(3);
    expect(parse('\ufeff' + goodText()).model.features.length).toBe(4);
  });

  it('2. pathological nesting is refused by a cheap scan before JSON.parse, never a crash', () => {
    // The scan refuses them: JSON.parse (which would allocate, or overflow the stack) never sees them.
    const jsonParse = vi.spyOn(JSON, 'parse');
    expectModelError(() => parse('['.repeat(1e6)), 'model.json', `nested more than ${MAX_JSON_DEPTH} levels deep at line 1, column 65`);
    expectModelError(() => parse('{"a":'.repeat(1e5) + '1' + '}'.repeat(1e5)), 'model.json', 'nested more than 64 levels deep');
    expectModelError(() => parse('['.repeat(1e6) + ']'.repeat(1e6)), 'model.json', 'nested more than 64 levels deep');
    expect(jsonParse).not.toHaveBeenCalled();
    jsonParse.mockRestore();
    // brackets inside strings do not count, escaped quotes included
    const inString = variant((d) => (d['note'] = '\\"[[[' + '['.repeat(10_000) + '{{{'));
    expect(parse(inString).model.classes.length).toBe(3);
    // 64 levels are fine as far as the scan goes
    expectModelError(() => parse('['.repeat(64) + ']'.repeat(64)), 'model.json', 'is not an iris model (the file holds an array');
  });

  it('3. format: not an object, no format, another format', () => {
    expectModelError(() => parse('[1, 2]'), 'model.json', 'is not an iris model (the file holds an array, not a JSON object)');
    expectModelError(() => parse('"iris-model"'), 'model.json', 'is not an iris model (the file holds "iris-model", not a JSON object)');
    expectModelError(() => parse('null'), 'model.json', 'is not an iris model (the file holds null');
    expectModelError(() => parse('{"name": "iris", "version": "1.0.0"}'), 'model.json', 'is not an iris model (it has no "format" field)');
    const error = expectModelError(() => parse(variant((d) => (d['format'] = 'xyz'))), 'model.json', 'is not an iris model (format: "xyz")');
    expect(error.message).toBe('model.json: is not an iris model (format: "xyz")');
    expectModelError(() => parse('{"format": 3}'), 'model.json', 'is not an iris model (format: 3)');
  });

  it('4. formatVersion: newer is refused with "upgrade"; 0, negative, fractional, text, missing are invalid', () => {
    const newer = expectModelError(() => parse(variant((d) => (d['formatVersion'] = 7))), 'model.json', '');
    expect(newer.message).toBe('model.json: model format version 7 is newer than this iris supports (3); upgrade iris');
    expect(newer.hint).toMatch(/upgrade/);
    for (const bad of [0, -1, 1.5, '1', null]) {
      expectModelError(
        () => parse(variant((d) => (d['formatVersion'] = bad))),
        'model.json',
        `formatVersion ${JSON.stringify(bad)} is not a valid format version`,
      );
    }
    const text = goodText();
    expect(text).toContain('"formatVersion": 3,');
    expectModelError(
      () => parse(text.replace('"formatVersion": 3,', '"formatVersion": 1e999,')),
      'model.json',
      'formatVersion Infinity is not a valid format version',
    );
    expectModelError(() => parse(variant((d) => delete d['formatVersion'])), 'model.json', 'has no formatVersion');
  });

  it('4. older versions go through the MIGRATIONS table (1 -> 2 -> 3)', () => {
    expect([...MIGRATIONS.keys()]).toEqual([1, 2]);
    expect(MODEL_FORMAT).toBe('iris-model');
    expect(MODEL_FORMAT_VERSION).toBe(3);
    // the mechanism, with a toy table where the current version would be 3
    const table = new Map([
      [1, { from: 1, migrate: (d: Record<string, unknown>) => ({ ...d, formatVersion: 2, renamed: d['old'] }) }],
      [2, { from: 2, migrate: (d: Record<string, unknown>) => ({ ...d, formatVersion: 3 }) }],
    ]);
    const input = { formatVersion: 1, old: 'x' };
    expect(migrateToCurrent(input, 1, 'm.json', table, 3)).toEqual({ formatVersion: 3, old: 'x', renamed: 'x' });
    expect(input).toEqual({ formatVersion: 1, old: 'x' });
    expect(() => migrateToCurrent({}, 1, 'm.json', new Map([[2, table.get(2)!]]), 3)).toThrow(/m\.json: model format version 1 is no longer supported/);
    expect(migrateToCurrent(input, 3, 'm.json')).toBe(input); // current: nothing to do
  });

  it('5. missing required fields name their path', () => {
    const cases: [string, (d: Doc) => void][] = [
      ['scaler', (d) => delete d['scaler']],
      ['producer.version', (d) => delete d['producer']['version']],
      ['perceptron.params.tol', (d) => delete d['perceptron']['params']['tol']],
      ['perceptron.converged', (d) => delete d['perceptron']['converged']],
      ['training.split.testIndicesSha256', (d) => delete d['training']['split']['testIndicesSha256']],
      ['training.metrics', (d) => delete d['training']['metrics']],
      ['checksum', (d) => delete d['checksum']],
    ];
    for (const [path, edit] of cases) {
      const text = variant(edit, path !== 'checksum');
      expectModelError(() => parse(text), 'model.json', `required field ${path} is missing`);
    }
  });

  it('5. wrong shapes and types name their path', () => {
    const cases: [string, (d: Doc) => void][] = [
      ['perceptron.coef[1] has 3 numbers, expected 4', (d) => d['perceptron']['coef'][1].pop()],
      ['perceptron.coef has 2 rows, expected 3 (one per class)', (d) => d['perceptron']['coef'].pop()],
      ['perceptron.coef[2] should be an array of numbers, found 5', (d) => (d['perceptron']['coef'][2] = 5)],
      ['perceptron.coef[0][3] should be a number, found "0.1"', (d) => (d['perceptron']['coef'][0][3] = '0.1')],
      ['perceptron.intercept has 2 numbers, expected 3 (one per coef row)', (d) => d['perceptron']['intercept'].pop()],
      ['scaler.mean has 5 numbers, expected 4 (one per feature)', (d) => d['scaler']['mean'].push(1)],
      ['scaler.scale[2] is 0, expected a number > 0', (d) => (d['scaler']['scale'][2] = 0)],
      ['scaler.scale[0] is -1, expected a number > 0', (d) => (d['scaler']['scale'][0] = -1)],
      ['features is empty', (d) => (d['features'] = [])],
      ['features has a duplicate: "sepal_width"', (d) => (d['features'][0] = 'sepal_width')],
      ['features[1] should be a string, found 7', (d) => (d['features'][1] = 7)],
      ['classes has 1 entry, expected at least 2', (d) => (d['classes'] = ['setosa'])],
      ['classes has a duplicate: "setosa"', (d) => (d['classes'][2] = 'setosa')],
      ['classes should be an array, found "setosa"', (d) => (d['classes'] = 'setosa')],
      ['producer should be an object, found "iris"', (d) => (d['producer'] = 'iris')],
      ['createdAt should be an ISO 8601 date and time, found "yesterday"', (d) => (d['createdAt'] = 'yesterday')],
      ['target should be a string, found null', (d) => (d['target'] = null)],
      ['perceptron.nIter should be a whole number, found 1.5', (d) => (d['perceptron']['nIter'] = 1.5)],
      ['perceptron.converged should be true or false, found "yes"', (d) => (d['perceptron']['converged'] = 'yes')],
      ['perceptron.params.maxIter should be at least 1, found 0', (d) => (d['perceptron']['params']['maxIter'] = 0)],
      ['perceptron.params.eta0 should be a number > 0, found 0', (d) => (d['perceptron']['params']['eta0'] = 0)],
      ['perceptron.params.tol should be a number or null, found "none"', (d) => (d['perceptron']['params']['tol'] = 'none')],
      ['training.data.sha256 should be 64 lower-case hex digits, found "abc"', (d) => (d['training']['data']['sha256'] = 'abc')],
      ['training.split.testIndicesSha256 should be 64 lower-case hex digits, found "abc"', (d) => (d['training']['split']['testIndicesSha256'] = 'abc')],
      ['training.metrics should be an object, found an array', (d) => (d['training']['metrics'] = [])],
      ['checksum should be "sha256:" followed by 64 lower-case hex digits, found "md5:1"', (d) => (d['checksum'] = 'md5:1')],
    ];
    for (const [fragment, edit] of cases) {
      const text = variant(edit, !fragment.startsWith('checksum'));
      const error = expectModelError(() => parse(text), 'model.json', fragment);
      expect(error.message).toBe(`model.json: ${fragment}`);
    }
    // tol may be null
    expect(parse(variant((d) => (d['perceptron']['params']['tol'] = null))).artifact.perceptron.params.tol).toBeNull();
  });

  it('5. absurd sizes are refused quickly, before JSON.parse allocates them', () => {
    const classes = Array.from({ length: 1_000_000 }, (_, i) => `class number ${i}`);
    const text = variant((d) => (d['classes'] = classes), false); // ~22 MB
    expectModelError(() => parse(text), 'model.json', 'classes has more than 10000 entries; a model may have at most 10000 classes');
    // Refused by the scan, before JSON.parse would allocate a million strings (about a second).
    const parseSpy = vi.spyOn(JSON, 'parse');
    expectModelError(() => parse(text), 'model.json', 'a model may have at most 10000 classes');
    expect(parseSpy).not.toHaveBeenCalled();
    vi.restoreAllMocks();

    const manyFeatures = variant((d) => (d['features'] = Array.from({ length: 100_001 }, () => 'f')), false);
    expectModelError(() => parse(manyFeatures), 'model.json', 'features has more than 100000 entries; a model may have at most 100000 features');
    // the boundary: 10,000 classes pass the limit (and then fail on the coef shape); 10,001 do not
    const atLimit = variant((d) => (d['classes'] = Array.from({ length: 10_000 }, (_, i) => `c${i}`)));
    expectModelError(() => parse(atLimit), 'model.json', 'perceptron.coef has 3 rows, expected 10000 (one per class)');
    const overLimit = variant((d) => (d['classes'] = Array.from({ length: 10_001 }, (_, i) => `c${i}`)));
    expectModelError(() => parse(overLimit), 'model.json', 'a model may have at most 10000 classes');
    // only the top-level members count, and commas inside strings are not separators
    const nested = variant((d) => {
      d['training']['metrics']['classes'] = Array.from({ length: 20_000 }, () => 1);
      d['classes'] = ['setosa', 'versi,color'.repeat(20_000), 'virginica'];
      d['target'] = 'classes';
    });
    expect(parse(nested).model.classes.length).toBe(3);

    // 5,000 classes x 5,000 features = 25,000,000 coef numbers claimed by two short lists
    const huge = variant((d) => {
      d['classes'] = Array.from({ length: 5000 }, (_, i) => `c${i}`);
      d['features'] = Array.from({ length: 5000 }, (_, i) => `f${i}`);
    }, false);
    // Refused from the two lists' lengths: the claim is checked before any array of that size is looked at.
    expectModelError(() => parse(huge), 'model.json', 'perceptron.coef would hold 5000 x 5000 = 25000000 numbers; a model may have at most 10000000');
  });

  it('6. non-finite numbers (1e999 parses to Infinity) name their path', () => {
    const text = goodText();
    const third = String(REF.coef[0]![2]);
    expect(text).toContain(third);
    const error = expectModelError(() => parse(text.replace(third, '1e999')), 'model.json', 'perceptron.coef[0][2] is not a finite number');
    expect(error.message).toBe('model.json: perceptron.coef[0][2] is not a finite number');
    expectModelError(
      () => parse(text.replace('"accuracy": 0.97', '"accuracy": -1e999')),
      'model.json',
      'training.metrics.train.accuracy is not a finite number',
    );
    expectModelError(() => parse(text.replace(String(REF.scaler.scale[3]), '1e400')), 'model.json', 'scaler.scale[3] is not a finite number');
    expectModelError(() => parse(text.replace('"nIter": 13', '"nIter": 1e999')), 'model.json', 'perceptron.nIter is not a finite number');
    const extra = variant((d) => (d['per class'] = { 'a b': [0, 12345] })).replace('12345', '1e999');
    expectModelError(() => parse(extra), 'model.json', 'model.json: ["per class"]["a b"][1] is not a finite number');
  });

  it('7. a tampered file fails the checksum', () => {
    const text = goodText();
    const digit = String(REF.coef[2]![2]); // 0.6387354834494257
    const changed = digit.slice(0, -1) + String((Number(digit.at(-1)) + 1) % 10);
    expect(text).toContain(digit);
    const error = expectModelError(() => parse(text.replace(digit, changed)), 'model.json', '');
    expect(error.message).toBe('model.json: checksum mismatch: the file was modified after training');
    expect(error.hint).toMatch(/retrain|restore/);
    expectModelError(() => parse(text.replace('"virginica"]', '"Virginica"]')), 'model.json', 'checksum mismatch');
    expectModelError(
      () => parse(text.replace('"createdAt": "2025-01-01T00:00:00.000Z"', '"createdAt": "2025-01-01T00:00:00Z"')),
      'model.json',
      'checksum mismatch',
    );
    // whitespace and key order are not content
    const reordered = JSON.stringify(Object.fromEntries(Object.entries(JSON.parse(text) as Doc).reverse()));
    expect(parse(reordered).model.classes.length).toBe(3);
    // a lone surrogate cannot be canonicalised: reported, not thrown as a TypeError
    const lone = variant((d) => {
      d['features'][0] = 'x';
      d['preprocessing']['columns'][0]['name'] = 'x';
    }, false).replaceAll('"x"', '"\\ud800"');
    expectModelError(() => parse(lone), 'model.json', 'features[0] cannot be checksummed: a string with an unpaired UTF-16 surrogate');
  });

  it('checks run in the documented order', () => {
    const text = goodText();
    // tampered and the wrong shape: shape first
    expectModelError(() => parse(variant((d) => d['perceptron']['coef'][1].pop(), false)), 'model.json', 'perceptron.coef[1] has 3 numbers');
    // tampered and non-finite: non-finite first
    expectModelError(() => parse(text.replace(String(REF.coef[1]![0]), '1e999')), 'model.json', 'is not a finite number');
    // non-finite and wrong shape: shape first
    expectModelError(
      () => parse(variant((d) => d['scaler']['mean'].pop(), false).replace(String(REF.coef[0]![0]), '1e999')),
      'model.json',
      'scaler.mean has 3 numbers',
    );
    // future version with a broken shape: version first
    expectModelError(
      () =>
        parse(
          variant((d) => {
            d['formatVersion'] = 4;
            delete d['scaler'];
          }),
        ),
      'model.json',
      'newer than this iris supports',
    );
    // wrong format and a future version: format first
    expectModelError(
      () =>
        parse(
          variant((d) => {
            d['format'] = 'xyz';
            d['formatVersion'] = 9;
          }),
        ),
      'model.json',
      'is not an iris model',
    );
  });

  it('each fixture under fixtures/models fails (or loads) as documented', async () => {
    const expected: Record<string, string | null> = {
      'valid-iris.json': null,
      'valid-binary.json': null,
      'valid-iris-v2.json': null,
      'valid-binary-v2.json': null,
      'in-memory-v2.json': null,
      'valid-iris-v3.json': null,
      'valid-binary-v3.json': null,
      'in-memory-v3.json': null,
      'penguins-v3.json': null,
      'v3-categories-unsorted.json': 'preprocessing.columns[5].categories are not sorted by code point at "Biscoe"',
      'float-classes-before-label-rule.json': null,
      'v1-short-test-indices.json': 'training.split.testIndices has 44 indices, expected 45 (training.split.test)',
      'empty.json': 'not valid JSON (the file is empty)',
      'not-json.json': 'not valid JSON (line 1, column 1: unexpected "f")',
      'truncated.json': 'the file looks truncated',
      'wrong-format.json': 'is not an iris model (format: "onnx")',
      'future-version.json': 'model format version 7 is newer than this iris supports (3); upgrade iris',
      'version-0.json': 'formatVersion 0 is not a valid format version',
      'missing-field.json': 'required field scaler is missing',
      'wrong-shape.json': 'perceptron.coef[1] has 3 numbers, expected 4',
      'non-finite.json': 'perceptron.coef[2][2] is not a finite number',
      'tampered.json': 'checksum mismatch: the file was modified after training',
      'deep-nesting.json': 'nested more than 64 levels deep',
    };
    expect(readdirSync(FIXTURES).sort()).toEqual(Object.keys(expected).sort());
    for (const [name, fragment] of Object.entries(expected)) {
      const path = join(FIXTURES, name);
      if (fragment === null) {
        const loaded = await loadModel(path);
        expect(loaded.model.features.length, name).toBeGreaterThan(0);
      } else {
        await expectLoadError(path, fragment);
      }
    }
    const binary = await loadModel(join(FIXTURES, 'valid-binary.json'));
    expect(binary.model.classes.length).toBe(2);
    expect(binary.model.coef.length).toBe(binary.model.features.length);
  });
});

// -------------------------------------------------------------------------------------------------

// -------------------------------------------------------------------------------------------------

describe('writeFileAtomic', () => {
  const errno = (code: string, message: string) => Object.assign(new Error(`${code}: ${message}`), { code });

  it('writes through a temp file in the same folder, fsyncs, renames, and leaves no temp file', async () => {
    const path = tmpPath();
    const open = vi.spyOn(fsp, 'open');
    const rename = vi.spyOn(fsp, 'rename');
    await writeFileAtomic(path, 'hello\n');
    expect(readFileSync(path, 'utf8')).toBe('hello\n');
    expect(readdirSync(dirname(path))).toEqual(['model.json']);
    const tmp = String(open.mock.calls[0]![0]);
    expect(dirname(tmp)).toBe(dirname(path));
    expect(tmp.split('/').at(-1)).toMatch(new RegExp(`^\\.model\\.json\\.${process.pid}\\.[0-9a-f]{12}\\.tmp$`));
    expect(open.mock.calls[0]![1]).toBe('wx');
    expect(rename).toHaveBeenCalledWith(tmp, path);
  });

  it('replaces an existing file whole and keeps its permission bits', async () => {
    const path = tmpPath();
    writeFileSync(path, 'old content that is longer than the new one');
    chmodSync(path, 0o640);
    await writeFileAtomic(path, 'new');
    expect(readFileSync(path, 'utf8')).toBe('new');
    expect(statSync(path).mode & 0o777).toBe(0o640);
    expect(readdirSync(dirname(path))).toEqual(['model.json']);
  });

  it('writes through a symlink, keeping the link', async () => {
    const real = tmpPath('real.json');
    writeFileSync(real, 'old');
    const link = join(dirname(real), 'link.json');
    symlinkSync(real, link);
    await writeFileAtomic(link, 'new');
    expect(readFileSync(real, 'utf8')).toBe('new');
    expect(readFileSync(link, 'utf8')).toBe('new');
    expect(readdirSync(dirname(real)).sort()).toEqual(['link.json', 'real.json']);
  });

  it('a missing folder is a DataError naming it', async () => {
    const folder = join(dir, 'out-missing');
    const path = join(folder, 'model.json');
    const error = await writeFileAtomic(path, 'x').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DataError);
    expect((error as DataError).kind).toBe('data');
    expect((error as DataError).message).toBe(`${path}: the folder "${folder}" does not exist`);
    expect(existsSync(folder)).toBe(false);
  });

  it('a folder that is a file, and a target that is a folder, are DataErrors; the folder is untouched', async () => {
    const file = tmpPath('plain.txt');
    writeFileSync(file, 'x');
    await expect(writeFileAtomic(join(file, 'model.json'), 'x')).rejects.toThrow(`"${file}" is not a folder`);
    const target = tmpPath('model.json');
    mkdirSync(target);
    writeFileSync(join(target, 'keep.txt'), 'keep');
    const error = await writeFileAtomic(target, 'x').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DataError);
    expect((error as Error).message).toBe(`${target}: is a folder, not a file`);
    expect(statSync(target).isDirectory()).toBe(true);
    expect(readFileSync(join(target, 'keep.txt'), 'utf8')).toBe('keep');
    expect(readdirSync(dirname(target))).toEqual(['model.json']);
  });

  it('a folder that is not writable is a DataError naming it (simulated EACCES; also for real when not root)', async () => {
    const path = tmpPath();
    vi.spyOn(fsp, 'open').mockRejectedValueOnce(errno('EACCES', 'permission denied'));
    const error = await writeFileAtomic(path, 'x').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DataError);
    expect((error as Error).message).toBe(`${path}: the folder "${dirname(path)}" is not writable`);
    vi.restoreAllMocks();
    if (!isRoot) {
      const locked = tmpPath();
      chmodSync(dirname(locked), 0o555);
      try {
        await expect(writeFileAtomic(locked, 'x')).rejects.toThrow('is not writable');
      } finally {
        chmodSync(dirname(locked), 0o755);
      }
    }
  });

  it('a failure while writing (simulated ENOSPC) removes the temp file and leaves the target untouched', async () => {
    const path = tmpPath();
    writeFileSync(path, 'precious');
    const realOpen = fsp.open.bind(fsp);
    vi.spyOn(fsp, 'open').mockImplementationOnce(async (...args: Parameters<typeof fsp.open>) => {
      const handle = await realOpen(...args);
      handle.writeFile = async () => {
        await handle.write('partial');
        throw errno('ENOSPC', 'no space left on device');
      };
      return handle;
    });
    const error = await writeFileAtomic(path, 'new content').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DataError);
    expect((error as Error).message).toBe(`${path}: could not write the file (ENOSPC: no space left on device)`);
    expect(readFileSync(path, 'utf8')).toBe('precious');
    expect(readdirSync(dirname(path))).toEqual(['model.json']);
  });

  it('a failure of fsync or rename removes the temp file and leaves the target untouched', async () => {
    const path = tmpPath();
    writeFileSync(path, 'precious');
    vi.spyOn(fsp, 'rename').mockRejectedValueOnce(errno('EXDEV', 'cross-device link not permitted'));
    await expect(writeFileAtomic(path, 'new')).rejects.toBeInstanceOf(DataError);
    expect(readFileSync(path, 'utf8')).toBe('precious');
    expect(readdirSync(dirname(path))).toEqual(['model.json']);

    const realOpen = fsp.open.bind(fsp);
    vi.spyOn(fsp, 'open').mockImplementationOnce(async (...args: Parameters<typeof fsp.open>) => {
      const handle = await realOpen(...args);
      handle.sync = () => Promise.reject(errno('EIO', 'i/o error'));
      return handle;
    });
    await expect(writeFileAtomic(path, 'new')).rejects.toThrow('could not write the file (EIO: i/o error)');
    expect(readFileSync(path, 'utf8')).toBe('precious');
    expect(readdirSync(dirname(path))).toEqual(['model.json']);
  });

  it('a failed saveArtifact keeps the previous model loadable', async () => {
    const path = tmpPath();
    await saveArtifact(path, sealed());
    const before = readFileSync(path, 'utf8');
    vi.spyOn(fsp, 'rename').mockRejectedValueOnce(errno('ENOSPC', 'no space left on device'));
    const body = irisBody();
    body.createdAt = '2027-01-01T00:00:00Z';
    await expect(saveArtifact(path, sealArtifact(body))).rejects.toBeInstanceOf(DataError);
    expect(readFileSync(path, 'utf8')).toBe(before);
    expect((await loadModel(path)).artifact.createdAt).toBe('2025-01-01T00:00:00.000Z');
    expect(readdirSync(dirname(path))).toEqual(['model.json']);
  });

  it('concurrent writers never interleave: the result is one whole version', async () => {
    const path = tmpPath();
    const versions = Array.from({ length: 20 }, (_, i) => `${String(i).padStart(2, '0')}:${'x'.repeat(10_000 + i)}`);
    await Promise.all(versions.map((v) => writeFileAtomic(path, v)));
    expect(versions).toContain(readFileSync(path, 'utf8'));
    expect(readdirSync(dirname(path))).toEqual(['model.json']);
  });
});
