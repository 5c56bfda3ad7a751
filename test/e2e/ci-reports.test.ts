/** CI output that never leaves a reporter empty-handed, and the baseline comparison's warnings (issue 13). */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { describe, expect, it } from 'vitest';
import { IRIS_CSV, REFERENCE, iris, tempDir, trainReferenceModels, type ReferenceCase } from '../helpers/cli.js';

const dir = tempDir('iris-ci-reports-');
const modelOf = trainReferenceModels(dir);
const byName = (name: string) => REFERENCE.cases.find((c) => c.name === name) as ReferenceCase;

function junitError(stdout: string) {
  expect(XMLValidator.validate(stdout)).toBe(true);
  const doc = new XMLParser({ ignoreAttributes: false }).parse(stdout);
  const suite = doc.testsuites.testsuite;
  expect([doc.testsuites['@_errors'], suite['@_tests'], suite['@_errors'], suite['@_failures']]).toEqual(['1', '1', '1', '0']);
  return suite.testcase.error as { '@_message': string; '@_type': string; '#text': string };
}

describe('evaluate failing before it scores still writes its report', () => {
  it('--format junit with a missing model: one <error> test case with the message, exit 4', async () => {
    const { exitCode, stdout, stderr } = await iris(['evaluate', '-m', join(dir, 'missing.json'), '--format', 'junit']);
    expect(exitCode).toBe(4);
    const error = junitError(stdout);
    expect(error['@_type']).toBe('ModelError');
    expect(error['@_message']).toBe(`${join(dir, 'missing.json')}: no model file (run \`iris train\` first?)`);
    expect(stderr).toContain('iris: error:');
  });

  it('--format junit with bad data: exit 3, the data error in the document', async () => {
    writeFileSync(join(dir, 'bad.csv'), 'sepal_length,sepal_width,petal_length,petal_width,species\n5.1,abc,1.4,0.2,setosa\n');
    const { exitCode, stdout } = await iris(['evaluate', '-m', modelOf(byName('seed-script')), '--data', join(dir, 'bad.csv'), '--format', 'junit']);
    expect(exitCode).toBe(3);
    const error = junitError(stdout);
    expect(error['@_type']).toBe('DataError');
    expect(error['@_message']).toContain('bad.csv:2: column sepal_width: "abc" is not a number');
  });

  it('GITHUB_STEP_SUMMARY gets a short failure section, and --format markdown prints it', async () => {
    const summary = join(dir, 'summary.md');
    const { exitCode, stdout } = await iris(['evaluate', '-m', join(dir, 'missing.json'), '--format', 'markdown'], { env: { GITHUB_STEP_SUMMARY: summary } });
    expect(exitCode).toBe(4);
    expect(stdout).toContain('### iris evaluate: ❌ error');
    expect(stdout).toContain('no model file');
    expect(existsSync(summary)).toBe(true);
    expect(readFileSync(summary, 'utf8')).toBe(stdout);
    const text = await iris(['evaluate', '-m', join(dir, 'missing.json')], { env: { GITHUB_STEP_SUMMARY: join(dir, 'summary-text.md') } });
    expect(text.stdout).toBe('');
    expect(readFileSync(join(dir, 'summary-text.md'), 'utf8')).toContain('### iris evaluate: ❌ error');
  });
});

describe('gate numbers and baselines', () => {
  it('a failed gate shows enough digits to be visibly below its threshold', async () => {
    // Accuracy is 43/45 = 0.95555…; at four digits both would read 0.9556.
    const { exitCode, stdout } = await iris(['evaluate', '-m', modelOf(byName('seed-script')), '--min-accuracy', '0.9556', '--format', 'markdown']);
    expect(exitCode).toBe(1);
    expect(stdout).toContain('| accuracy >= 0.9556 | 0.95560 | 0.95556 | ❌ fail |');
  });

  it('a baseline scored on its own training rows is warned about, with the count', async () => {
    const main = byName('seed-script');
    const base = byName('stratified-seed1');
    const baseTest = new Set(base.split.test);
    const own = main.split.test.filter((i) => !baseTest.has(i)).length;
    expect(own).toBeGreaterThan(0);
    const { exitCode, stderr } = await iris(['evaluate', '-m', modelOf(main), '--baseline', modelOf(base), '--max-drop', '1']);
    expect(exitCode).toBe(0);
    expect(stderr).toContain(`iris: warning: the baseline ${modelOf(base)} was trained on ${own} of the 45 rows scored here`);
    // The same split: no warning.
    const same = await iris(['evaluate', '-m', modelOf(main), '--baseline', modelOf(byName('petal-features')), '--max-drop', '1']);
    expect(same.stderr).toBe('');
  });

  it('a baseline that needs columns the data lacks is blamed as the baseline (exit 4)', async () => {
    const lines = readFileSync(IRIS_CSV, 'utf8').trim().split('\n');
    const extra = join(dir, 'extra.csv');
    writeFileSync(extra, [`${lines[0]},extra`, ...lines.slice(1).map((line, i) => `${line},${i % 7}`)].join('\n') + '\n');
    const baseline = join(dir, 'extra-model.json');
    const trained = await iris(['train', '--data', extra, '--target', 'species', '--out', baseline, '-q']);
    expect(trained.exitCode).toBe(0);
    const { exitCode, stderr } = await iris(['evaluate', '-m', modelOf(byName('seed-script')), '--baseline', baseline]);
    expect(exitCode).toBe(4);
    expect(stderr).toMatch(new RegExp(`^iris: error: ${baseline.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}: the baseline needs the column "extra"`));
  });
});

describe('predict option typos', () => {
  it('--formt suggests --format, as train and evaluate do', async () => {
    const { exitCode, stderr } = await iris(['predict', '-m', modelOf(byName('seed-script')), '--formt', 'csv']);
    expect(exitCode).toBe(2);
    expect(stderr).toContain("iris: error: unknown option '--formt'");
    expect(stderr).toContain('did you mean --format?');
    // A misspelt feature flag still lists the model's flags.
    const feature = await iris(['predict', '-m', modelOf(byName('seed-script')), '--sepal-lenght', '5']);
    expect(feature.stderr).toContain('the model expects: --sepal-length <number>');
  });
});
