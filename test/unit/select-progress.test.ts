/** The progress bar of iris cv and iris tune: fits done / total on a terminal's stderr, nothing otherwise. */
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';

function terminal(isTTY: boolean) {
  const stderr = Object.assign(new PassThrough(), { isTTY, columns: 100 });
  const stdout = new PassThrough();
  let err = '';
  let out = '';
  stderr.on('data', (chunk) => (err += String(chunk)));
  stdout.on('data', (chunk) => (out += String(chunk)));
  return { io: { stdin: new PassThrough(), stdout, stderr, env: { NO_COLOR: '1' }, cwd: process.cwd() }, err: () => err, out: () => out };
}

describe('progress', () => {
  it('draws fits done / total on a terminal, then clears the line', async () => {
    const t = terminal(true);
    expect(await main(['cv', '--data', 'fixtures/selection/iris.csv', '--folds', '3', '--threads', '1'], t.io)).toBe(0);
    expect(t.err()).toContain('cross-validating [');
    expect(t.err()).toContain('] 3/3');
    expect(t.err().endsWith('\r\u001b[K')).toBe(true);
    expect(t.out()).toContain('Cross-validated');
  });

  it('draws nothing when stderr is not a terminal, nor for --json', async () => {
    const pipe = terminal(false);
    expect(await main(['cv', '--data', 'fixtures/selection/iris.csv', '--folds', '3'], pipe.io)).toBe(0);
    expect(pipe.err()).toBe('');
    const json = terminal(true);
    expect(await main(['cv', '--data', 'fixtures/selection/iris.csv', '--folds', '3', '--json'], json.io)).toBe(0);
    expect(json.err()).toBe('');
    expect(JSON.parse(json.out()).folds).toHaveLength(3);
  });
});
