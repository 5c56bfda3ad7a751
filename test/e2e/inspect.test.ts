import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { iris, tempDir } from '../helpers/cli.js';

const dir = tempDir();
const model = join(dir, 'model.json');

beforeAll(async () => {
  const { exitCode, stderr } = await iris(['train', '-q'], { cwd: dir });
  if (exitCode !== 0) throw new Error(stderr);
});

describe('iris inspect', () => {
  it('shows what the artifact holds, reading model.json by default', async () => {
    const { exitCode, stdout, stderr } = await iris(['inspect'], { cwd: dir });
    expect(stderr).toBe('');
    expect(exitCode).toBe(0);
    for (const fragment of [
      'iris-model version 3',
      'species',
      'sepal_length, sepal_width, petal_length, petal_width',
      'setosa, versicolor, virginica',
      'maxIter=40 eta0=0.1 tol=0.001 nIterNoChange=5 shuffle=true fitIntercept=true randomState=0',
      'iris.csv (bundled), 150 rows, sha256 ',
      'test accuracy   0.9556 (2 of 45 misclassified)',
      'verified',
    ]) {
      expect(stdout).toContain(fragment);
    }
  });

  it('--json prints the artifact fields plus checksumVerified', async () => {
    const { exitCode, stdout } = await iris(['inspect', model, '--json']);
    expect(exitCode).toBe(0);
    const shown = JSON.parse(stdout);
    const artifact = JSON.parse(readFileSync(model, 'utf8'));
    expect(shown).toEqual({ ...artifact, checksumVerified: true });
  });

  it('a tampered model fails the checksum with exit 4', async () => {
    const tampered = join(dir, 'tampered.json');
    const artifact = JSON.parse(readFileSync(model, 'utf8'));
    artifact.perceptron.intercept[0] = 5;
    writeFileSync(tampered, JSON.stringify(artifact));
    const { exitCode, stdout, stderr } = await iris(['inspect', tampered]);
    expect(exitCode).toBe(4);
    expect(stdout).toBe('');
    expect(stderr).toMatch(/^iris: error: .*tampered\.json: checksum mismatch/);
  });

  it('a missing model is exit 4 with a hint', async () => {
    const { exitCode, stderr } = await iris(['inspect', join(dir, 'none.json')]);
    expect(exitCode).toBe(4);
    expect(stderr).toMatch(/iris: hint: /);
  });
});
