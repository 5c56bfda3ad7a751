/** The package as people install it (issue 13): its name, what the tarball holds, require(). */
import { execa } from 'execa';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT, cleanEnv } from '../helpers/cli.js';

const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));

describe('the npm package', () => {
  it('has a name of its own (iris on the registry is another project), keeps the bin iris, and ships an MIT LICENSE', () => {
    expect(pkg.name).toBe('iris-perceptron');
    expect(pkg.bin).toEqual({ iris: 'bin/iris.js' });
    expect(pkg.license).toBe('MIT');
    expect(readFileSync(join(ROOT, 'LICENSE'), 'utf8')).toMatch(/^MIT License\n/);
    const lock = JSON.parse(readFileSync(join(ROOT, 'package-lock.json'), 'utf8'));
    expect([lock.name, lock.packages[''].name]).toEqual([pkg.name, pkg.name]);
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    expect(readme).toContain(`npx ${pkg.name} train`);
  });

  it('the tarball holds the built code, LICENSE and README, and no source maps or sources', async () => {
    // --ignore-scripts: packing must not rebuild dist/ under the other tests.
    const { stdout } = await execa('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: ROOT, env: cleanEnv() });
    const files = (JSON.parse(stdout)[0].files as { path: string }[]).map((f) => f.path);
    for (const needed of [
      'LICENSE',
      'README.md',
      'package.json',
      'bin/iris.js',
      'dist/index.js',
      'dist/cli/main.js',
      'dist/io/csv/index.js',
      'data/iris.csv',
    ]) {
      expect(files, needed).toContain(needed);
    }
    expect(files.filter((f) => f.endsWith('.map') || f.startsWith('src/') || f.startsWith('test/'))).toEqual([]);
    // A stale file of an older layout would be shipped too: the build starts from an empty dist/.
    expect(existsSync(join(ROOT, 'dist', 'io', 'fast-csv.js'))).toBe(false);
  }, 60_000);

  it('require() loads the library (the "default" export condition), as import does', async () => {
    const cjs = await execa('node', ['-e', `const m = require(${JSON.stringify(pkg.name)}); console.log(typeof m.readLabelledCsv, typeof m.fit)`], {
      cwd: ROOT,
      env: cleanEnv(),
    });
    expect(cjs.stdout.trim()).toBe('function function');
    const esm = await execa(
      'node',
      ['--input-type=module', '-e', `import { readLabelledCsv } from ${JSON.stringify(pkg.name)}; console.log(typeof readLabelledCsv)`],
      { cwd: ROOT, env: cleanEnv() },
    );
    expect(esm.stdout.trim()).toBe('function');
  });
});
