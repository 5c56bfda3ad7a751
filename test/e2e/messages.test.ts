/** Messages that guide (docs/CLI.md): typos get a suggestion, --quiet keeps data, feature flags never shadow options. */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { IRIS_CSV, iris, tempDir } from '../helpers/cli.js';

const dir = tempDir();
const model = join(dir, 'model.json');
const rows = join(dir, 'rows.csv');

beforeAll(async () => {
  const trained = await iris(['train', '-q', '--out', model]);
  if (trained.exitCode !== 0) throw new Error(trained.stderr);
  writeFileSync(rows, 'sepal_length,sepal_width,petal_length,petal_width\n5.1,3.5,1.4,0.2\n');
});

describe('a typo of an option of predict', () => {
  it('with --input: "did you mean --scores?", not "give feature flags or --input"', async () => {
    const { exitCode, stdout, stderr } = await iris(['predict', '--model', model, '--input', rows, '--scroes']);
    expect(exitCode).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toBe("iris: error: unknown option '--scroes'\niris: hint: did you mean --scores? run `iris predict --help` for the options\n");
  });

  it('with --input, a flag that is no typo still says why it is refused', async () => {
    const { exitCode, stderr } = await iris(['predict', '--model', model, '--input', rows, '--petal-width', '1']);
    expect(exitCode).toBe(2);
    expect(stderr).toBe('iris: error: give feature flags or --input, not both\n');
  });

  it('among feature flags, options added lately (--output, --chunk-rows) are suggested too', async () => {
    const { exitCode, stderr } = await iris(['predict', '--model', model, '--chunk-row', '5', '--sepal-length', '5.1']);
    expect(exitCode).toBe(2);
    expect(stderr).toContain('did you mean --chunk-rows?');
  });
});

describe('--quiet silences what is for people, not the data', () => {
  it('train --json -q prints the JSON report and nothing on stderr', async () => {
    const { exitCode, stdout, stderr } = await iris(['train', '--json', '-q', '--out', join(dir, 'quiet.json')]);
    expect(exitCode).toBe(0);
    expect(stderr).toBe('');
    const report = JSON.parse(stdout) as { model: string; classes: string[] };
    expect(report.model).toBe(join(dir, 'quiet.json'));
    expect(report.classes).toEqual(['setosa', 'versicolor', 'virginica']);
  });

  it('evaluate --json -q prints the JSON report; -q alone prints nothing and keeps the exit code', async () => {
    const json = await iris(['evaluate', '--model', model, '--json', '-q']);
    expect([json.exitCode, json.stderr]).toEqual([0, '']);
    expect((JSON.parse(json.stdout) as { passed: boolean }).passed).toBe(true);
    const failed = await iris(['evaluate', '--model', model, '-q', '--min-accuracy', '0.99']);
    expect([failed.exitCode, failed.stdout, failed.stderr]).toEqual([1, '', '']);
  });

  it('train -q alone still prints nothing', async () => {
    const { exitCode, stdout, stderr } = await iris(['train', '-q', '--out', join(dir, 'quiet2.json')]);
    expect([exitCode, stdout, stderr]).toEqual([0, '', '']);
  });
});

describe("predict's feature flags never shadow an option that commander knows", () => {
  // A model whose feature columns are named like every long option of `iris predict --help`,
  // plus one ordinary column: only the ordinary one gets a flag, the others are reachable with -F.
  let options: string[];
  let clashing: string;

  beforeAll(async () => {
    const help = await iris(['predict', '--help']);
    options = [...new Set(help.stdout.match(/(?<=\s)--[a-z][a-z0-9-]*/g))].map((o) => o.slice(2));
    expect(options).toEqual(expect.arrayContaining(['queue', 'output', 'chunk-rows', 'with-input', 'help']));
    const features = [...options, 'plain'];
    const data = readFileSync(IRIS_CSV, 'utf8').trim().split('\n').slice(1);
    const lines = data.map((line, i) => {
      const [a, , , , label] = line.split(',');
      return [...features.map((_, j) => String(Number(a) + ((i * 7 + j * 3) % 11) / 10)), label].join(',');
    });
    clashing = join(dir, 'clashing.csv');
    writeFileSync(clashing, `${[...features, 'species'].join(',')}\n${lines.join('\n')}\n`);
    const trained = await iris(['train', '-q', '--data', clashing, '--out', join(dir, 'clashing.json')]);
    if (trained.exitCode !== 0) throw new Error(trained.stderr);
  });

  it('--help lists -F for each option-named column and a flag for the ordinary one', async () => {
    const { exitCode, stdout } = await iris(['predict', '--model', join(dir, 'clashing.json'), '--help']);
    expect(exitCode).toBe(0);
    const listed = stdout.slice(stdout.indexOf('Feature flags of'));
    for (const option of options) expect(listed).toContain(`-F "${option}=<number>"`);
    expect(listed).toContain('--plain <number>');
  });

  it('a column named `queue` is reachable with -F, and --queue keeps its meaning', async () => {
    const byName = [...options, 'plain'].flatMap((feature) => ['-F', `${feature}=5`]);
    const ok = await iris(['predict', '--model', join(dir, 'clashing.json'), ...byName]);
    expect(ok.stderr).toBe('');
    expect(ok.exitCode).toBe(0);
    expect(ok.stdout).toMatch(/^(setosa|versicolor|virginica)\n$/);
    const clash = await iris(['predict', '--model', join(dir, 'clashing.json'), ...byName, '--queue', '5']);
    expect(clash.exitCode).toBe(2);
    expect(clash.stderr).toContain('--queue scores a CSV file');
  });
});
