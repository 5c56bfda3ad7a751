/**
 * Step 1 of loading: the file's text. stat first, so that folders, special files and oversized
 * files are refused before anything is read; the read itself is capped too, in case the file grows.
 */
import fs from 'node:fs/promises';
import nodePath from 'node:path';
import { ModelError } from '../../core/errors.js';
import { errnoCode, openFailure } from '../errno.js';
import { DAMAGED_HINT } from './json.js';
import { DEFAULT_MODEL_PATH, MAX_MODEL_FILE_BYTES } from './format.js';

function shellWord(s: string): string {
  return /^[\w./@%+=:,-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

function mib(bytes: number): string {
  return `${(bytes / (1024 * 1024)).toFixed(1)} MiB`;
}

function tooLarge(path: string, bytes: number, atLeast: boolean): ModelError {
  return new ModelError(
    `${path}: the file is ${atLeast ? 'more than ' : ''}${mib(bytes)}, larger than the ${mib(MAX_MODEL_FILE_BYTES)} a model may be; it is not an iris model`,
    { hint: 'pass the model file written by `iris train`' },
  );
}

function readError(path: string, error: unknown): ModelError {
  const code = errnoCode(error);
  switch (code) {
    case 'ENOENT':
    case 'ENOTDIR':
      return new ModelError(`${path}: no model file (run \`iris train\` first?)`, {
        hint: `create it with \`iris train --out ${shellWord(path)}\`, or pass --model <path>`,
        cause: error,
      });
    case 'EISDIR':
      return new ModelError(`${path}: is a folder, not a model file`, {
        hint: `pass the model file itself, e.g. --model ${shellWord(nodePath.join(path, DEFAULT_MODEL_PATH))}`,
        cause: error,
      });
    default: {
      const detail = openFailure(error) ?? (error instanceof Error ? error.message : String(error));
      return new ModelError(`${path}: cannot read the model file (${detail})`, { cause: error });
    }
  }
}

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false });

/** Step 1: stat first, refuse folders, special files and oversized files, then read (with a cap, in case it grows). */
export async function readModelText(path: string): Promise<string> {
  let handle: fs.FileHandle;
  try {
    handle = await fs.open(path, 'r');
  } catch (error) {
    throw readError(path, error);
  }
  try {
    const st = await handle.stat();
    if (st.isDirectory()) throw readError(path, Object.assign(new Error('is a directory'), { code: 'EISDIR' }));
    if (!st.isFile()) throw new ModelError(`${path}: is not a regular file`, { hint: 'pass the model file written by `iris train`' });
    if (st.size > MAX_MODEL_FILE_BYTES) throw tooLarge(path, st.size, false);
    const chunks: Buffer[] = [];
    let total = 0;
    const chunkSize = Math.min(Math.max(st.size + 1, 64 * 1024), MAX_MODEL_FILE_BYTES + 1);
    for (;;) {
      const chunk = Buffer.allocUnsafe(chunkSize);
      const { bytesRead } = await handle.read(chunk, 0, chunkSize, null);
      if (bytesRead === 0) break;
      total += bytesRead;
      if (total > MAX_MODEL_FILE_BYTES) throw tooLarge(path, total, true);
      chunks.push(bytesRead === chunkSize ? chunk : chunk.subarray(0, bytesRead));
    }
    const bytes = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, total);
    try {
      return utf8.decode(bytes);
    } catch (error) {
      throw new ModelError(`${path}: not valid JSON (the file is not UTF-8 text)`, {
        hint: DAMAGED_HINT,
        cause: error,
      });
    }
  } catch (error) {
    if (error instanceof ModelError) throw error;
    throw readError(path, error);
  } finally {
    await handle.close().catch(() => undefined);
  }
}
