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

const FIXTURES = join(ROOT, 'fixtures', 'models');
const read = (name: string) => readFileSync(join(FIXTURES, name), 'utf8');
const ajv = new Ajv2020.default({ strict: true, allErrors: true });
const schemas = new Map([1, 2].map((v) => [v, ajv.compile(JSON.parse(readFileSync(join(ROOT, 'schema', `model-v${v}.json`), 'utf8')) as object)]));

describe('model format version 2', () => {
  it('the digest of the test rows is the SHA-256 of their canonical JSON, as any language computes it', () => {
    const indices = [114, 62, 33, 107, 7];
    expect(digestIndices(indices)).toBe(createHash('sha256').update('[114,62,33,107,7]').digest('hex'));
    expect(digestIndices([])).toBe(createHash('sha256').update('[]').digest('hex'));
  });

  it('a version 1 file is verified as written, migrated, and sealed again as version 2', () => {
    const text = read('valid-iris.json');
    const v1 = JSON.parse(text) as { checksum: string; training: { split: { testIndices: number[] } } };
    const loaded = parseArtifact(text, 'valid-iris.json');
    expect(loaded.fileFormatVersion).toBe(1);
    expect(loaded.fileChecksum).toBe(v1.checksum);
    expect(loaded.artifact.formatVersion).toBe(2);
    expect(loaded.artifact.training.split).not.toHaveProperty('testIndices');
    expect(loaded.artifact.training.split?.testIndicesSha256).toBe(createHash('sha256').update(JSON.stringify(v1.training.split.testIndices)).digest('hex'));
    // The migrated document verifies on its own: its checksum covers its new content.
    expect(loaded.artifact.checksum).toBe(computeChecksum(loaded.artifact));
    expect(loaded.artifact.checksum).not.toBe(v1.checksum);
    expect(decodeArtifact(structuredClone(loaded.artifact), 'again').fileFormatVersion).toBe(2);
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
    const beyondSchema = new Set(['tampered.json', 'wrong-shape.json', 'v1-short-test-indices.json']);
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
