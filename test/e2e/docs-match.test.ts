/**
 * README.md and docs/CLI.md checked against the built CLI, so that the documentation cannot fall
 * behind the program again. Nothing here names a format version or a producer: both come from what
 * the CLI writes, so the test stays true when the format moves on (and fails when the docs do not).
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ROOT, iris, tempDir } from '../helpers/cli.js';

const README = readFileSync(join(ROOT, 'README.md'), 'utf8');
const CLI_MD = readFileSync(join(ROOT, 'docs', 'CLI.md'), 'utf8');
const dir = tempDir();

/** The fenced block that starts with `firstLine` (its fence line excluded). */
function fencedBlock(text: string, firstLine: RegExp): string[] {
  const blocks = [...text.matchAll(/^```[a-z]*\n([\s\S]*?)^```$/gm)].map((m) => (m[1] as string).replace(/\n$/, '').split('\n'));
  const block = blocks.find((lines) => firstLine.test(lines[0] ?? ''));
  if (block === undefined) throw new Error(`no fenced block starting with ${firstLine}`);
  return block;
}

/** What differs from run to run: the creation date and the artifact checksum (shown in full or cut with …). */
function normalise(line: string): string {
  return line.replace(/^(created\s+)\S+$/, '$1<date>').replace(/sha256:[0-9a-f]{8,}…?/g, 'sha256:<checksum>');
}

/** Every key of a JSON value, at any depth. */
function keysOf(value: unknown, into = new Set<string>()): Set<string> {
  if (Array.isArray(value)) for (const item of value) keysOf(item, into);
  else if (typeof value === 'object' && value !== null) {
    for (const [key, item] of Object.entries(value)) {
      into.add(key);
      keysOf(item, into);
    }
  }
  return into;
}

let artifact: Record<string, unknown>;

beforeAll(async () => {
  // The README's example: `iris train` with every default, in a fresh folder.
  const trained = await iris(['train', '-q'], { cwd: dir });
  if (trained.exitCode !== 0) throw new Error(trained.stderr);
  artifact = JSON.parse(readFileSync(join(dir, 'model.json'), 'utf8')) as Record<string, unknown>;
});

describe('README.md matches the program', () => {
  it('the `iris inspect` example is what the built CLI prints (dates and checksums aside)', async () => {
    const [command, ...shown] = fencedBlock(README, /^\$ npx iris inspect$/);
    expect(command).toBe('$ npx iris inspect');
    const { exitCode, stdout, stderr } = await iris(['inspect'], { cwd: dir });
    expect(stderr).toBe('');
    expect(exitCode).toBe(0);
    expect(shown.map(normalise)).toEqual(stdout.replace(/\n$/, '').split('\n').map(normalise));
  });

  it("the model-artifact example has the file's format version, producer and field names", () => {
    const example = fencedBlock(README.slice(README.indexOf('\n## The model artifact\n')), /^\{$/).join('\n');
    expect(example).toContain(`"format": ${JSON.stringify(artifact.format)}`);
    expect(example).toContain(`"formatVersion": ${String(artifact.formatVersion)},`);
    const producer = artifact.producer as { name: string };
    expect(example).toContain(`"producer": { "name": ${JSON.stringify(producer.name)}`);
    // Every field the example names exists in a file that iris writes (v1's testIndices would not).
    const known = keysOf(artifact);
    const named = [...example.matchAll(/"([A-Za-z_][\w]*)":/g)].map((m) => m[1] as string);
    const features = new Set(artifact.features as string[]);
    expect(named.filter((key) => !known.has(key) && !features.has(key))).toEqual([]);
  });

  it('links the JSON Schema of the current format version, which ships with the package', () => {
    const schema = `schema/model-v${String(artifact.formatVersion)}.json`;
    expect(README).toContain(`[\`${schema}\`](${schema})`);
    expect(existsSync(join(ROOT, schema))).toBe(true);
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { files: string[]; exports: Record<string, unknown> };
    expect(pkg.files).toContain('schema/');
    expect(pkg.exports[`./${schema}`]).toBe(`./${schema}`);
  });
});

describe('docs/CLI.md matches the program', () => {
  it.each(['train', 'predict', 'evaluate', 'inspect'])('every option of `iris %s --help` is documented', async (command) => {
    const { exitCode, stdout } = await iris([command, '--help']);
    expect(exitCode).toBe(0);
    const options = [...new Set(stdout.match(/--[a-z][a-z0-9-]*/g))];
    expect(options.length).toBeGreaterThan(2);
    expect(options.filter((option) => !new RegExp(`[\\s\`]${option}(?![\\w-])`).test(CLI_MD))).toEqual([]);
  });

  it('--with-input is documented for text too, as the CLI does it (tab-separated, before the label)', async () => {
    const row = ['--sepal-length', '5.1', '--sepal-width', '3.5', '--petal-length', '1.4', '--petal-width', '0.2'];
    const { stdout } = await iris(['predict', '--with-input', ...row], { cwd: dir });
    expect(stdout).toBe('5.1\t3.5\t1.4\t0.2\tsetosa\n');
    const line = CLI_MD.split('\n').find((l) => /^\|\s*`--with-input`\s*\|/.test(l)) ?? '';
    expect(line).toMatch(/every format/);
    expect(line).toMatch(/`text`.*tab-separated/);
  });
});
