import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { appendFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { IRIS_CSV, REFERENCE, expectReferenceMetrics, iris, tempDir, testRowsCsv, trainReferenceModels, type ReferenceCase } from '../helpers/cli.js';

const dir = tempDir();
const modelOf = trainReferenceModels(dir);
const byName = (name: string) => REFERENCE.cases.find((c) => c.name === name) as ReferenceCase;

function expectEvaluation(report: any, refCase: ReferenceCase) {
  expect(report.n).toBe(refCase.split.test.length);
  expectReferenceMetrics(report, refCase);
}

describe.each(REFERENCE.cases.map((c) => [c.name, c] as const))('reference case %s', (_name, refCase) => {
  it("without --data, scores the model's own held-out split", async () => {
    const { exitCode, stdout, stderr } = await iris(['evaluate', '-m', modelOf(refCase), '--json']);
    expect(stderr).toBe('');
    expect(exitCode).toBe(0);
    const report = JSON.parse(stdout);
    expectEvaluation(report, refCase);
    expect(report).toMatchObject({ gates: [], passed: true });
  });

  it('with the test rows as --data, the same', async () => {
    const file = join(dir, `${refCase.name}-test.csv`);
    writeFileSync(file, testRowsCsv(refCase, { target: true }));
    const { exitCode, stdout } = await iris(['evaluate', '-m', modelOf(refCase), '--data', file, '--format', 'json']);
    expect(exitCode).toBe(0);
    expectEvaluation(JSON.parse(stdout), refCase);
  });
});

describe('gates', () => {
  const main = byName('seed-script'); // accuracy 0.9556
  const weaker = byName('no-tol-5-epochs');

  it('pass with exit 0 and fail with exit 1, each listed with threshold and value', async () => {
    const pass = await iris(['evaluate', '-m', modelOf(main), '--min-accuracy', '0.9', '--min-f1', '0.9']);
    expect(pass.exitCode).toBe(0);
    expect(pass.stdout).toMatch(/pass {2}accuracy >= 0\.9: passed \(value 0\.9555555555555556, threshold 0\.9\)/);
    expect(pass.stdout).toMatch(/PASSED\n$/);
    const fail = await iris(['evaluate', '-m', modelOf(main), '--min-accuracy', '0.99', '--json']);
    expect(fail.exitCode).toBe(1);
    const report = JSON.parse(fail.stdout);
    expect(report.passed).toBe(false);
    expect(report.gates).toEqual([{ name: 'min-accuracy', threshold: 0.99, value: main.accuracy, passed: false }]);
  });

  it('compares with a baseline on the same rows, both ways', async () => {
    expect(weaker.accuracy).not.toBe(main.accuracy);
    const [better, worse] = weaker.accuracy < main.accuracy ? [main, weaker] : [weaker, main];
    const up = await iris(['evaluate', '-m', modelOf(better), '--baseline', modelOf(worse), '--json']);
    expect(up.exitCode).toBe(0);
    const down = await iris(['evaluate', '-m', modelOf(worse), '--baseline', modelOf(better), '--json']);
    expect(down.exitCode).toBe(1);
    const gate = JSON.parse(down.stdout).gates[0];
    expect(gate).toMatchObject({ name: 'max-drop', threshold: 0, passed: false });
    expect(gate.value).toBeGreaterThan(0);
    const tolerated = await iris(['evaluate', '-m', modelOf(worse), '--baseline', modelOf(better), '--max-drop', '0.5']);
    expect(tolerated.exitCode).toBe(0);
  });

  it('a baseline may use another feature subset of the same file', async () => {
    const data = join(dir, 'all-rows.csv');
    writeFileSync(data, readFileSync(IRIS_CSV));
    const { exitCode, stdout } = await iris(['evaluate', '-m', modelOf(main), '--baseline', modelOf(byName('petal-features')), '--data', data, '--json']);
    expect([0, 1]).toContain(exitCode);
    expect(JSON.parse(stdout).baseline.accuracy).toBeGreaterThan(0.5);
  });

  it('JUnit output parses, with one test case per gate plus the evaluation', async () => {
    const { exitCode, stdout } = await iris(['evaluate', '-m', modelOf(main), '--min-accuracy', '0.99', '--min-f1', '0.5', '--format', 'junit']);
    expect(exitCode).toBe(1);
    expect(XMLValidator.validate(stdout)).toBe(true);
    const doc = new XMLParser({ ignoreAttributes: false }).parse(stdout);
    const suite = doc.testsuites.testsuite;
    expect(suite['@_tests']).toBe('3');
    expect(suite['@_failures']).toBe('1');
    const cases = suite.testcase;
    expect(cases).toHaveLength(3);
    expect(cases[1].failure['@_message']).toContain('0.9555555555555556');
    expect(cases[2].failure).toBeUndefined();
  });

  it('markdown output is a table, and GITHUB_STEP_SUMMARY gets it appended', async () => {
    const summary = join(dir, 'summary.md');
    appendFileSync(summary, 'earlier step\n');
    const { exitCode, stdout } = await iris(['evaluate', '-m', modelOf(main), '--min-accuracy', '0.9', '--format', 'markdown'], {
      env: { GITHUB_STEP_SUMMARY: summary },
    });
    expect(exitCode).toBe(0);
    expect(stdout).toContain('| gate | threshold | value | result |');
    expect(stdout).toContain('| setosa | 1.0000 | 1.0000 | 1.0000 | 16 |');
    expect(readFileSync(summary, 'utf8')).toBe(`earlier step\n${stdout}`);
  });
});

describe('evaluate failures and warnings', () => {
  it('changed training data is exit 3 asking for --data', async () => {
    const data = join(dir, 'changing.csv');
    writeFileSync(data, readFileSync(IRIS_CSV));
    const model = join(dir, 'changing.json');
    expect((await iris(['train', '--data', data, '--out', model, '-q'])).exitCode).toBe(0);
    expect((await iris(['evaluate', '-m', model])).exitCode).toBe(0);
    appendFileSync(data, '5.0,3.0,1.5,0.2,setosa\n');
    const { exitCode, stderr } = await iris(['evaluate', '-m', model]);
    expect(exitCode).toBe(3);
    expect(stderr).toMatch(/changed since .* was trained/);
    expect(stderr).toMatch(/iris: hint: .*--data/);
  });

  it('a model trained from stdin needs --data (exit 3)', async () => {
    const model = join(dir, 'from-stdin.json');
    expect((await iris(['train', '--data', '-', '--out', model, '-q'], { input: readFileSync(IRIS_CSV, 'utf8') })).exitCode).toBe(0);
    const { exitCode, stderr } = await iris(['evaluate', '-m', model]);
    expect(exitCode).toBe(3);
    expect(stderr).toMatch(/trained from stdin/);
  });

  it('labels the model never saw count as errors and are named in a warning', async () => {
    const data = join(dir, 'unseen.csv');
    writeFileSync(data, 'sepal_length,sepal_width,petal_length,petal_width,species\n5.1,3.5,1.4,0.2,setosa\n5.1,3.5,1.4,0.2,daisy\n');
    const { exitCode, stdout, stderr } = await iris(['evaluate', '-m', modelOf(byName('seed-script')), '--data', data, '--json']);
    expect(exitCode).toBe(0);
    expect(stderr).toMatch(/iris: warning: labels the model never saw, counted as errors: daisy/);
    const report = JSON.parse(stdout);
    expect(report.accuracy).toBe(0.5);
    expect(report.perClass.daisy).toEqual({ precision: 0, recall: 0, f1: 0, support: 1 });
  });

  it('--max-drop without --baseline is exit 2', async () => {
    const { exitCode } = await iris(['evaluate', '-m', modelOf(byName('seed-script')), '--max-drop', '0.1']);
    expect(exitCode).toBe(2);
  });
});

describe('evaluate: changed data and config', () => {
  it('training data that no longer parses is reported as changed, not as a parse error', async () => {
    const data = join(dir, 'broken-later.csv');
    writeFileSync(data, readFileSync(IRIS_CSV));
    const model = join(dir, 'broken-later.json');
    expect((await iris(['train', '--data', data, '--out', model, '-q'])).exitCode).toBe(0);
    appendFileSync(data, 'oops\n');
    const { exitCode, stderr } = await iris(['evaluate', '-m', model]);
    expect(exitCode).toBe(3);
    expect(stderr).toMatch(/^iris: error: .*the training data changed since .* was trained \(SHA-256 differs\)/);
  });

  it('evaluate.maxDrop in a config file does not require --baseline on every run', async () => {
    const cwd = join(dir, 'maxdrop-config');
    mkdirSync(cwd);
    writeFileSync(join(cwd, '.irisrc.json'), JSON.stringify({ evaluate: { maxDrop: 0.02 } }));
    const { exitCode, stderr } = await iris(['evaluate', '-m', modelOf(byName('seed-script'))], { cwd });
    expect(stderr).toBe('');
    expect(exitCode).toBe(0);
  });
});
