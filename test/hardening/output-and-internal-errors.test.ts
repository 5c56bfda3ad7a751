/**
 * The last rows of the exit-code table: 70 for a bug, and what happens when the output itself
 * fails (a reader that goes away, a full disk), plus the model write refusing to replace anything
 * but a regular file.
 *
 * `main` runs in-process from dist (as bin/iris.js runs it) with streams that fail on purpose;
 * the real-process cases spawn the built CLI.
 */
import { spawn } from 'node:child_process';
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, lstatSync, readdirSync, statSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { Readable, Writable } from 'node:stream';
import { beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../dist/cli/main.js';
import { DataError } from '../../src/core/errors.js';
import { writeFileAtomic } from '../../src/io/atomic-write.js';
import { BIN, IRIS_CSV, cleanEnv, iris, tempDir } from '../helpers/cli.js';

const dir = tempDir('iris-output-');
const MODEL = join(dir, 'model.json');

beforeAll(async () => {
  copyFileSync(IRIS_CSV, join(dir, 'iris.csv'));
  const { exitCode, stderr } = await iris(['train', '--data', 'iris.csv', '-q'], { cwd: dir });
  if (exitCode !== 0) throw new Error(stderr);
});

/** A stream that keeps what is written to it. */
function sink(): { stream: Writable; text: () => string } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk, _encoding, done) {
      chunks.push(String(chunk));
      done();
    },
  });
  return { stream, text: () => chunks.join('') };
}

/** A stream whose writes fail asynchronously, as a real file or pipe does (an 'error' event). */
function failing(code: string, message: string): Writable {
  return new Writable({
    write(_chunk, _encoding, done) {
      done(Object.assign(new Error(`${code}: ${message}, write`), { code, syscall: 'write', errno: -1 }));
    },
  });
}

async function run(argv: string[], stdout: Writable) {
  const stderr = sink();
  const code = await main(argv, { stdout, stderr: stderr.stream, stdin: Readable.from([]), env: {}, cwd: dir });
  return { code, stderr: stderr.text() };
}

describe('exit 70: an internal error says so and asks for a report', () => {
  // A bug stand-in: stdout.write throws a TypeError synchronously, as a programming error would.
  const buggy = () => {
    const stream = new Writable({ write: (_c, _e, done) => done() });
    stream.write = () => {
      throw new TypeError("Cannot read properties of undefined (reading 'length')");
    };
    return stream;
  };

  it('exit 70, "internal error", "please report", no stack trace', async () => {
    const { code, stderr } = await run(['inspect', MODEL], buggy());
    expect(code).toBe(70);
    expect(stderr).toBe(
      "iris: error: internal error: Cannot read properties of undefined (reading 'length')\n" +
        'iris: hint: this is a bug in iris; please report it with the command you ran and the output of the same command with --debug\n',
    );
  });

  it('with --debug, the stack trace follows', async () => {
    const { code, stderr } = await run(['inspect', MODEL, '--debug'], buggy());
    expect(code).toBe(70);
    expect(stderr).toMatch(/^iris: error: internal error: Cannot read properties/);
    expect(stderr).toMatch(/please report it/);
    expect(stderr).toMatch(/\n\s+at /);
  });
});

describe('output failures', () => {
  it('a full disk on stdout is exit 3 naming stdout, for every command that writes', async () => {
    for (const argv of [
      ['inspect', MODEL],
      ['predict', '-m', MODEL, '--sepal-length', '5', '--sepal-width', '3', '--petal-length', '1', '--petal-width', '0.2'],
      ['evaluate', '-m', MODEL],
      ['train', '--data', join(dir, 'iris.csv'), '--out', join(dir, 'other.json')],
    ]) {
      const { code, stderr } = await run(argv, failing('ENOSPC', 'no space left on device'));
      expect(stderr).toBe(
        'iris: error: cannot write the output to stdout: no space left on device (ENOSPC)\niris: hint: check where stdout goes (a full disk, a closed file?)\n',
      );
      expect(code).toBe(3);
    }
  });

  it("a reader that goes away (EPIPE) ends the output quietly; the exit code is the command's own", async () => {
    expect(await run(['inspect', MODEL], failing('EPIPE', 'broken pipe'))).toEqual({ code: 0, stderr: '' });
    expect(await run(['evaluate', '-m', MODEL], failing('EPIPE', 'broken pipe'))).toEqual({ code: 0, stderr: '' });
    expect(await run(['evaluate', '-m', MODEL, '--min-accuracy', '0.99'], failing('EPIPE', 'broken pipe'))).toEqual({ code: 1, stderr: '' });
  });

  it("a real closed pipe: no uncaught EPIPE, no stack trace, the command's exit code", async () => {
    for (const [args, expected] of [
      [['inspect', 'model.json'], 0],
      [['evaluate', '--min-accuracy', '0.99'], 1],
      [['--help'], 0],
    ] as const) {
      const child = spawn('node', [BIN, ...args], { cwd: dir, env: cleanEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
      child.stdout.destroy(); // the reader is gone before iris writes
      let stderr = '';
      child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
      const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
      expect(stderr).toBe('');
      expect(code).toBe(expected);
    }
  });

  it.runIf(existsSync('/dev/full') && statSync('/dev/full').isCharacterDevice())('a real full device (/dev/full): exit 3, no stack trace', async () => {
    const code = await new Promise<{ code: number | null; stderr: string }>((resolve) => {
      const child = spawn('sh', ['-c', `node "${BIN}" inspect model.json > /dev/full`], { cwd: dir, env: cleanEnv(), stdio: ['ignore', 'ignore', 'pipe'] });
      let stderr = '';
      child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
      child.on('close', (c) => resolve({ code: c, stderr }));
    });
    expect(code).toEqual({ code: 3, stderr: expect.stringMatching(/^iris: error: cannot write the output to stdout: no space left on device \(ENOSPC\)\n/) });
  });
});

describe('the model is only ever written over a regular file', () => {
  it('a named pipe (or a link to one) as --out: refused with exit 3, and left as it was', async () => {
    const fifo = join(dir, 'pipe');
    execFileSync('mkfifo', [fifo]);
    symlinkSync(fifo, join(dir, 'link-to-pipe'));
    const before = readdirSync(dir).sort();
    for (const target of [fifo, join(dir, 'link-to-pipe')]) {
      const error = await writeFileAtomic(target, '{}').then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(DataError);
      expect((error as Error).message).toBe(`${target}: is not a regular file (a named pipe)`);
    }
    expect(lstatSync(fifo).isFIFO()).toBe(true);
    expect(lstatSync(join(dir, 'link-to-pipe')).isSymbolicLink()).toBe(true);
    expect(readdirSync(dir).sort()).toEqual(before); // no temporary file left
  });
});
