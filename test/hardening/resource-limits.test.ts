/**
 * Absurd model files are refused with exit 4, before they can exhaust memory. Each runs the CLI with
 * its heap capped at 128 MB (NODE_OPTIONS), so a loader that materialised the file would die (exit 134,
 * "heap out of memory") instead of answering: the memory bound is the assertion, not a duration.
 */
import { closeSync, openSync, readFileSync, writeFileSync, ftruncateSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ROOT, iris, tempDir } from '../helpers/cli.js';

const dir = tempDir('iris-limits-');
const VALID = readFileSync(join(ROOT, 'fixtures', 'models', 'valid-iris.json'), 'utf8');
const CAPPED = { NODE_OPTIONS: '--max-old-space-size=128' };

/** The valid artifact with `member` replaced (or added) as raw JSON text, written in pieces. */
function withMember(name: string, member: string, parts: () => Iterable<string>): void {
  const fd = openSync(join(dir, name), 'w');
  try {
    const doc = VALID.replace(new RegExp(`\\n  "${member}": [^\\n]*\\n`), '\n');
    const at = doc.indexOf('\n') + 1; // after the opening brace
    writeFileSync(fd, doc.slice(0, at));
    writeFileSync(fd, `  "${member}": `);
    let chunk = '';
    for (const part of parts()) {
      chunk += part;
      if (chunk.length > 1 << 20) {
        writeFileSync(fd, chunk);
        chunk = '';
      }
    }
    writeFileSync(fd, `${chunk},\n`);
    writeFileSync(fd, doc.slice(at));
  } finally {
    closeSync(fd);
  }
}

function* list(n: number, item: (i: number) => string): Iterable<string> {
  yield '[';
  for (let i = 0; i < n; i++) yield i === 0 ? item(i) : `,${item(i)}`;
  yield ']';
}

const CASES: Array<{ file: string; what: string; make: () => void; error: RegExp; allCommands?: boolean }> = [
  {
    file: 'classes.json',
    what: '2 million classes',
    allCommands: true,
    make: () => withMember('classes.json', 'classes', () => list(2_000_000, (i) => `"c${i}"`)),
    error: /^classes\.json: classes has more than 10000 entries; a model may have at most 10000 classes$/,
  },
  {
    file: 'features.json',
    what: '1 million features',
    make: () => withMember('features.json', 'features', () => list(1_000_000, (i) => `"f${i}"`)),
    error: /^features\.json: features has more than 100000 entries; a model may have at most 100000 features$/,
  },
  {
    file: 'escaped.json',
    what: '2 million classes under an escaped key ("cl\\u0061sses")',
    make: () => withMember('escaped.json', 'cl\\u0061sses', () => list(2_000_000, (i) => `"c${i}"`)),
    error: /^escaped\.json: not a model: more than 1000000 strings \(at line \d+, column \d+\)$/,
  },
  {
    file: 'arrays.json',
    what: '5 million empty arrays',
    allCommands: true,
    make: () => withMember('arrays.json', 'padding', () => list(5_000_000, () => '[]')),
    error: /^arrays\.json: not a model: more than 200000 arrays and objects/,
  },
  {
    file: 'objects.json',
    what: '5 million empty objects',
    make: () => withMember('objects.json', 'padding', () => list(5_000_000, () => '{}')),
    error: /^objects\.json: not a model: more than 200000 arrays and objects/,
  },
  {
    file: 'deep.json',
    what: 'nesting 5 million deep',
    make: () => writeFileSync(join(dir, 'deep.json'), '['.repeat(5_000_000)),
    error: /^deep\.json: not valid JSON for a model \(nested more than 64 levels deep at line 1, column 65\)$/,
  },
  {
    file: 'coef.json',
    what: 'a coef of 10000 classes x 100000 features, declared',
    make: () => {
      const doc = JSON.parse(VALID) as Record<string, unknown>;
      doc.classes = Array.from({ length: 9_999 }, (_, i) => `c${i}`);
      doc.features = Array.from({ length: 99_999 }, (_, i) => `f${i}`);
      writeFileSync(join(dir, 'coef.json'), JSON.stringify(doc));
    },
    error: /^coef\.json: perceptron\.coef would hold 9999 x 99999 = 999890001 numbers; a model may have at most 10000000$/,
  },
  {
    file: 'huge.json',
    what: 'a 4 GB file (sparse)',
    make: () => {
      const fd = openSync(join(dir, 'huge.json'), 'w');
      ftruncateSync(fd, 4 * 1024 ** 3);
      closeSync(fd);
    },
    error: /^huge\.json: the file is 4096\.0 MiB, larger than the 64\.0 MiB a model may be; it is not an iris model$/,
  },
];

describe('absurd models are refused with exit 4, within a 128 MB heap', () => {
  beforeAll(() => {
    for (const c of CASES) c.make();
  }, 60_000);

  for (const c of CASES) {
    // Every command loads a model the same way: two cases go through all three, the others through inspect.
    const commands =
      c.allCommands === true
        ? [
            ['inspect', c.file],
            ['predict', '-m', c.file, '--x', '1'],
            ['evaluate', '-m', c.file],
          ]
        : [['inspect', c.file]];
    it(`${c.what}: ${commands.map((a) => a[0]).join(', ')}`, async () => {
      for (const args of commands) {
        const { exitCode, stdout, stderr } = await iris(args, { cwd: dir, env: CAPPED });
        expect(stderr).not.toMatch(/heap out of memory|\n\s+at /);
        expect(stderr.split('\n')[0]).toMatch(/^iris: error: /);
        expect(stderr.split('\n')[0]!.slice('iris: error: '.length)).toMatch(c.error);
        expect(exitCode).toBe(4);
        expect(stdout).toBe('');
      }
    }, 60_000);
  }
});
