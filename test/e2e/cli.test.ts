import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT, iris, tempDir } from '../helpers/cli.js';

const dir = tempDir();
const version = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).version;
const ESC = '\u001b[';

describe('iris conventions', () => {
  it('--version prints the version on stdout', async () => {
    const { exitCode, stdout, stderr } = await iris(['--version']);
    expect([exitCode, stdout, stderr]).toEqual([0, `${version}\n`, '']);
  });

  it('--help lists the commands and never reads a model', async () => {
    const cwd = join(dir, 'corrupt');
    mkdirSync(cwd);
    writeFileSync(join(cwd, 'model.json'), 'not json at all');
    const { exitCode, stdout, stderr } = await iris(['--help'], { cwd });
    expect(exitCode).toBe(0);
    expect(stderr).toBe('');
    for (const command of ['train', 'predict', 'evaluate', 'inspect']) expect(stdout).toContain(command);
  });

  it('no command is a usage error with help on stderr', async () => {
    const { exitCode, stdout, stderr } = await iris([]);
    expect(exitCode).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toContain('Usage: iris');
  });

  it('an unknown command or option is exit 2 with an error and a hint', async () => {
    const a = await iris(['fly']);
    expect(a.exitCode).toBe(2);
    expect(a.stderr).toMatch(/^iris: error: unknown command 'fly'\niris: hint: /);
    const b = await iris(['inspect', '--frobnicate']);
    expect(b.exitCode).toBe(2);
    expect(b.stderr).toMatch(/^iris: error: unknown option '--frobnicate'/);
  });

  describe('colour', () => {
    const run = (args: string[], env: Record<string, string>) => iris(['train', '--data', 'nope.csv', ...args], { env, cwd: dir });
    it('pipes get no escape codes by default', async () => {
      expect((await run([], {})).stderr).not.toContain(ESC);
    });
    it('FORCE_COLOR forces colour', async () => {
      expect((await run([], { FORCE_COLOR: '1' })).stderr).toContain(ESC);
    });
    it('a non-empty NO_COLOR beats FORCE_COLOR (unlike chalk alone)', async () => {
      expect((await run([], { NO_COLOR: '1', FORCE_COLOR: '1' })).stderr).not.toContain(ESC);
    });
    it('--color beats NO_COLOR, --no-color beats FORCE_COLOR', async () => {
      expect((await run(['--color'], { NO_COLOR: '1' })).stderr).toContain(ESC);
      expect((await run(['--no-color'], { FORCE_COLOR: '1' })).stderr).not.toContain(ESC);
    });
  });
});

describe('configuration lookup', () => {
  it('finds package.json#iris and .config/irisrc.json as cosmiconfig does', async () => {
    const a = join(dir, 'pkg');
    mkdirSync(a);
    writeFileSync(join(a, 'package.json'), JSON.stringify({ name: 'x', iris: { train: { testSize: 10 } } }));
    const ra = await iris(['train', '--json'], { cwd: a });
    expect(ra.exitCode).toBe(0);
    expect(JSON.parse(ra.stdout).split.test).toBe(10);
    const b = join(dir, 'dotconfig');
    mkdirSync(join(b, '.config'), { recursive: true });
    writeFileSync(join(b, '.config', 'irisrc.json'), JSON.stringify({ train: { testSize: 20 } }));
    const rb = await iris(['train', '--json'], { cwd: b });
    expect(JSON.parse(rb.stdout).split.test).toBe(20);
  });

  it('a package.json without an iris key is no configuration', async () => {
    const c = join(dir, 'plainpkg');
    mkdirSync(c);
    writeFileSync(join(c, 'package.json'), JSON.stringify({ name: 'x' }));
    const rc = await iris(['train', '--json'], { cwd: c });
    expect(rc.exitCode).toBe(0);
    expect(JSON.parse(rc.stdout).split.test).toBe(45);
  });

  it('a missing --config file is exit 2', async () => {
    const { exitCode, stderr } = await iris(['--config', join(dir, 'absent.json'), 'train']);
    expect(exitCode).toBe(2);
    expect(stderr).toMatch(/^iris: error: config .*absent\.json: no such file/);
  });
});
