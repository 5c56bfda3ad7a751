import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { Context } from '../../src/cli/context.js';

function contextWith(columns: number | undefined, env: Record<string, string> = {}) {
  // What ora needs of a terminal stream, drawn as plain text.
  const stderr = Object.assign(new PassThrough(), { isTTY: true, columns, cursorTo() {}, moveCursor() {}, clearLine() {} });
  let written = '';
  stderr.on('data', (chunk) => (written += String(chunk)));
  const ctx = new Context({ stdin: new PassThrough(), stdout: new PassThrough(), stderr, env, cwd: '.' }, false, false);
  return { ctx, written: () => written };
}

describe('the spinner', () => {
  it('draws on a terminal of ordinary width', async () => {
    const { ctx, written } = contextWith(80);
    const spinner = await ctx.spinner('working');
    spinner.stop();
    expect(written()).toContain('working');
  });

  it('stays off on a terminal that reports no width (ora would redraw forever), and under CI=true', async () => {
    for (const [columns, env] of [
      [0, {}],
      [undefined, {}],
      [80, { CI: 'true' }],
    ] as const) {
      const { ctx, written } = contextWith(columns, env);
      const spinner = await ctx.spinner('working');
      spinner.stop();
      expect(written()).toBe('');
    }
  });
});
