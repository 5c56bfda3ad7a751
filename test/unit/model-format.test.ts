/**
 * Format version 2 and the way from version 1: the migration, the digest of the test rows, and the
 * JSON Schemas shipped for each version agreeing with the loader on every fixture.
 */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import Ajv2020 from 'ajv/dist/2020.js';
import { describe, expect, it } from 'vitest';
import { computeChecksum, decodeArtifact, digestIndices, parseArtifact } from '../../src/io/model/index.js';
import { ROOT } from '../helpers/cli.js';
import { DEFAULT_PERCEPTRON_PARAMS } from '../../src/core/perceptron.js';
import { DEFAULT_NA_VALUES } from '../../src/core/preprocessing.js';

const FIXTURES = join(ROOT, 'fixtures', 'models');
const read = (name: string) => readFileSync(join(FIXTURES, name), 'utf8');
const ajv = new Ajv2020.default({ strict: true, allErrors: true });
const schemas = new Map([1, 2, 3].map((v) => [v, ajv.compile(JSON.parse(readFileSync(join(ROOT, 'schema', `model-v${v}.json`), 'utf8')) as object)]));

describe('model format version 2', () => {
  it('the digest of the test rows is the SHA-256 of their canonical JSON, as any language computes it', () => {
    const indices = [114, 62, 33, 107, 7];
    expect(digestIndices(indices)).toBe(createHash('sha256').update('[114,62,33,107,7]').digest('hex'));
    expect(digestIndices([])).toBe(createHash('sha256').update('[]').digest('hex'));
  });

  it('a version 1 file is verified as written, migrated, and sealed again as the current version', () => {
    const text = read('valid-iris.json');
    const v1 = JSON.parse(text) as { checksum: string; training: { split: { testIndices: number[] } } };
    const loaded = parseArtifact(text, 'valid-iris.json');
    expect(loaded.fileFormatVersion).toBe(1);
    expect(loaded.fileChecksum).toBe(v1.checksum);
    expect(loaded.artifact.formatVersion).toBe(3);
    expect(loaded.artifact.training.split).not.toHaveProperty('testIndices');
    expect(loaded.artifact.training.split?.testIndicesSha256).toBe(createHash('sha256').update(JSON.stringify(v1.training.split.testIndices)).digest('hex'));
    // The migrated document verifies on its own: its checksum covers its new content.
    expect(loaded.artifact.checksum).toBe(computeChecksum(loaded.artifact));
    expect(loaded.artifact.checksum).not.toBe(v1.checksum);
    expect(decodeArtifact(structuredClone(loaded.artifact), 'again').fileFormatVersion).toBe(3);
    // Same numbers either way.
    const v2 = parseArtifact(read('valid-iris-v2.json'), 'valid-iris-v2.json');
    expect(v2.model).toEqual(loaded.model);
    expect(v2.artifact).toEqual(loaded.artifact);
  });

  it('the migrated file is smaller and no longer grows with the number of test rows', () => {
    expect(read('valid-iris-v2.json').length).toBeLessThan(read('valid-iris.json').length);
    expect(read('valid-iris-v2.json')).not.toMatch(/testIndices"/);
  });

  it('the JSON Schemas and the loader agree on every fixture; the loader alone checks what a schema cannot express', () => {
    // What JSON Schema cannot say: the checksum, row lengths tied to features.length, index bounds
    // tied to train + test.
    const beyondSchema = new Set(['tampered.json', 'wrong-shape.json', 'v1-short-test-indices.json', 'v3-categories-unsorted.json']);
    const names = readdirSync(FIXTURES).filter((name) => name.endsWith('.json'));
    expect(names.length).toBeGreaterThanOrEqual(17);
    for (const name of names) {
      const text = read(name);
      let doc: unknown;
      try {
        doc = JSON.parse(text);
      } catch {
        doc = undefined;
      }
      const version = (doc as { formatVersion?: unknown } | undefined)?.formatVersion;
      const validate = typeof version === 'number' ? schemas.get(version) : undefined;
      const schemaSays = doc !== undefined && validate !== undefined && validate(doc) === true;
      let loaderSays = true;
      try {
        parseArtifact(text, name);
      } catch {
        loaderSays = false;
      }
      if (beyondSchema.has(name)) {
        expect([name, schemaSays, loaderSays]).toEqual([name, true, false]);
      } else {
        expect([name, schemaSays]).toEqual([name, loaderSays]);
      }
    }
  });
});

describe('training.data.csv, the dialect of the training file', () => {
  it('is checked by the loader and by the schema alike', () => {
    const base = JSON.parse(read('valid-iris-v2.json')) as Record<string, any>;
    const withDialect = (csv: unknown) => {
      const doc = structuredClone(base);
      doc.training.data.csv = csv;
      delete doc.checksum;
      doc.checksum = computeChecksum(doc);
      return doc;
    };
    const good = withDialect({ delimiter: ';', decimal: ',', skipRows: 1, names: ['a', 'b'] });
    expect(schemas.get(2)!(good)).toBe(true);
    expect(decodeArtifact(good, 'good').artifact.training.data?.csv).toEqual({ delimiter: ';', decimal: ',', skipRows: 1, names: ['a', 'b'] });
    for (const [csv, message] of [
      [{ delimiter: ':' }, 'training.data.csv.delimiter should be one of'],
      [{ decimal: ';' }, 'training.data.csv.decimal should be one of'],
      [{ skipRows: -1 }, 'training.data.csv.skipRows should be a whole number from 0, found -1'],
      [{ names: [1] }, 'training.data.csv.names should be an array of strings'],
      ['tab', 'training.data.csv should be an object'],
    ] as const) {
      const doc = withDialect(csv);
      expect(schemas.get(2)!(doc), JSON.stringify(csv)).toBe(false);
      expect(() => decodeArtifact(doc, 'bad')).toThrow(message);
    }
  });
});

describe('model format version 3', () => {
  it('a version 2 file migrates to all-numeric columns without imputation and the default new parameters', () => {
    const loaded = parseArtifact(read('valid-iris-v2.json'), 'valid-iris-v2.json');
    expect(loaded.fileFormatVersion).toBe(2);
    const { preprocessing, perceptron, features } = loaded.artifact;
    expect(preprocessing.columns).toEqual(features.map((name) => ({ name, kind: 'numeric', impute: null })));
    expect(preprocessing.impute).toBeNull();
    expect(preprocessing.dropna).toBe('none');
    expect(preprocessing.naValues).toEqual([...DEFAULT_NA_VALUES]);
    expect(perceptron.params).toEqual({ ...DEFAULT_PERCEPTRON_PARAMS, maxIter: 40, eta0: 0.1 });
    expect(perceptron.params).toMatchObject({
      penalty: null,
      alpha: 0.0001,
      l1Ratio: 0.15,
      earlyStopping: false,
      validationFraction: 0.1,
      classWeight: null,
      initModel: null,
    });
    expect(loaded.model.preprocessing.columns.every((c) => c.kind === 'numeric')).toBe(true);
    // The v3 fixture was written from this migration: same document, same numbers.
    const v3 = parseArtifact(read('valid-iris-v3.json'), 'valid-iris-v3.json');
    expect(v3.fileFormatVersion).toBe(3);
    expect(v3.artifact).toEqual(loaded.artifact);
    expect(v3.model).toEqual(loaded.model);
  });

  it('a categorical model: expanded features, one-hot columns unscaled, size independent of the rows', () => {
    const text = read('penguins-v3.json');
    const { model, artifact } = parseArtifact(text, 'penguins-v3.json');
    expect(model.features.slice(5)).toEqual(['island=Biscoe', 'island=Dream', 'island=Torgersen', 'sex=female', 'sex=male']);
    expect(Array.from(model.mean.subarray(5))).toEqual([0, 0, 0, 0, 0]);
    expect(Array.from(model.scale.subarray(5))).toEqual([1, 1, 1, 1, 1]);
    expect(model.preprocessing.columns.map((c) => c.kind)).toEqual(['numeric', 'numeric', 'numeric', 'numeric', 'numeric', 'categorical', 'categorical']);
    expect(artifact.preprocessing.impute).toEqual({ strategy: 'mean', fillValue: null });
    expect(text.length).toBeLessThan(6000);
  });

  it('the checksum covers the preprocessing section', () => {
    const text = read('penguins-v3.json');
    expect(() => parseArtifact(text.replace('"impute": "Biscoe"', '"impute": "Dream"'), 'p.json')).toThrow(/checksum mismatch/);
    expect(() => parseArtifact(text.replace('"Torgersen"]', '"Torgersen "]'), 'p.json')).toThrow(
      /features\[7\] is "island=Torgersen", but preprocessing.columns give "island=Torgersen "/,
    );
  });

  it('refuses inconsistent preprocessing, naming the field', () => {
    const body = JSON.parse(read('penguins-v3.json')) as Record<string, any>;
    const cases: [string, (d: Record<string, any>) => void][] = [
      ['preprocessing.columns[0].impute should be a number (the model imputes), found null', (d) => (d['preprocessing']['columns'][0]['impute'] = null)],
      ['preprocessing.columns[0].impute should be null (the model does not impute), found 44.28991596638655', (d) => (d['preprocessing']['impute'] = null)],
      ['scaler at "island=Dream" should be mean 0 and scale 1', (d) => (d['scaler']['scale'][6] = 2)],
      [
        'preprocessing.columns[6] is numeric after a categorical column',
        (d) => (d['preprocessing']['columns'][6] = { name: 'sex', kind: 'numeric', impute: 1 }),
      ],
      ['preprocessing.dropna should be one of "none", "any", "target", found "all"', (d) => (d['preprocessing']['dropna'] = 'all')],
      ['perceptron.params.penalty should be one of null, "l2", "l1", "elasticnet", found "l3"', (d) => (d['perceptron']['params']['penalty'] = 'l3')],
      ['perceptron.params.classWeight["Adelie"] should be a number, found "2"', (d) => (d['perceptron']['params']['classWeight'] = { Adelie: '2' })],
      [
        'training.search.results[0].rank should be at least 1, found 0',
        (d) =>
          (d['training']['search'] = {
            grid: [{ alpha: [0.1] }],
            folds: 5,
            cv: 'kfold',
            shuffle: false,
            scoring: 'accuracy',
            bestParams: {},
            bestScore: 0.5,
            results: [{ params: {}, meanTestScore: 0.5, stdTestScore: 0, rank: 0 }],
          }),
      ],
    ];
    for (const [message, edit] of cases) {
      const doc = structuredClone(body);
      edit(doc);
      doc['checksum'] = computeChecksum(doc);
      expect(() => decodeArtifact(doc, 'p.json'), message).toThrow(message);
    }
    const withSearch = structuredClone(body);
    withSearch['training']['search'] = {
      grid: [{ alpha: [0.1, 0.01] }],
      folds: 5,
      cv: 'stratified',
      shuffle: false,
      scoring: 'accuracy',
      bestParams: { alpha: 0.1 },
      bestScore: 0.9,
      results: [{ params: { alpha: 0.1 }, meanTestScore: 0.9, stdTestScore: 0.01, rank: 1 }],
    };
    withSearch['checksum'] = computeChecksum(withSearch);
    expect(decodeArtifact(withSearch, 'p.json').artifact.training.search?.bestScore).toBe(0.9);
    expect(schemas.get(3)!(withSearch)).toBe(true);
  });
});
