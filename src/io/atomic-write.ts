/**
 * Atomic file replacement: write a temporary file in the target's own folder, flush it to disk,
 * then rename it over the target. Readers see either the old file or the complete new one, never a
 * partial write; on any failure the temporary file is removed and an existing target is untouched.
 *
 * fs is used through the default export of node:fs/promises (not named imports) so that tests can
 * inject failures with vi.spyOn(fs, 'rename') and the like.
 */
import fs from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import nodePath from 'node:path';
import { DataError } from '../core/errors.js';
import { errnoCode } from './errno.js';
import { DEFAULT_MODEL_PATH } from './model/format.js';

/** The temporary sibling used while writing `target`: `.<name>.<pid>.<random>.tmp`. */
export function tempPathFor(target: string): string {
  const dir = nodePath.dirname(target);
  const base = nodePath.basename(target);
  return nodePath.join(dir, `.${base}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
}

/** True for names that writeFileAtomic uses for its temporary files. */
export function isAtomicTempName(name: string): boolean {
  return /^\..+\.\d+\.[0-9a-f]{12}\.tmp$/.test(name);
}

export async function writeFileAtomic(target: string, data: string | Uint8Array): Promise<void> {
  const shown = nodePath.dirname(target);
  let dest = target;
  let mode: number | undefined;

  // What is at the target now? A folder is refused up front; a symlink is written through (the
  // link stays, its file is replaced); an existing file keeps its permission bits.
  try {
    const st = await fs.lstat(target);
    if (st.isSymbolicLink()) {
      try {
        dest = await fs.realpath(target);
      } catch {
        dest = target; // dangling link: replace the link itself
      }
    }
    const real = dest === target ? st : await fs.stat(target); // follows the links, as realpath did
    if (real.isDirectory())
      throw new DataError(`${target}: is a folder, not a file`, { hint: 'choose a file name, e.g. ' + nodePath.join(target, DEFAULT_MODEL_PATH) });
    if (real.isFile()) mode = real.mode & 0o7777;
    else if (!real.isSymbolicLink()) {
      // A device, FIFO or socket (`--out /dev/null`): renaming over it would replace the device itself.
      throw new DataError(`${target}: is not a regular file (${specialKind(real)})`, {
        hint: 'the model is written by replacing a regular file; choose a file path',
      });
    }
  } catch (error) {
    if (error instanceof DataError) throw error;
    // ENOENT (a new file) is the usual case; anything else surfaces when the temp file is opened.
  }

  const tmp = tempPathFor(dest);
  let handle: fs.FileHandle | undefined;
  let created = false;
  try {
    try {
      handle = await fs.open(tmp, 'wx', mode ?? 0o666);
      created = true;
    } catch (error) {
      throw folderError(target, shown, error);
    }
    try {
      await handle.writeFile(data);
      if (mode !== undefined) await handle.chmod(mode).catch(() => undefined); // the umask may have narrowed it; best effort
      await handle.sync();
    } catch (error) {
      throw writeError(target, error);
    } finally {
      const h = handle;
      handle = undefined;
      await h.close().catch(() => undefined);
    }
    try {
      await fs.rename(tmp, dest);
      created = false;
    } catch (error) {
      if (errnoCode(error) === 'EISDIR') throw new DataError(`${target}: is a folder, not a file`, { cause: error });
      throw writeError(target, error);
    }
  } catch (error) {
    if (handle !== undefined) await handle.close().catch(() => undefined);
    if (created) await fs.rm(tmp, { force: true }).catch(() => undefined);
    throw error;
  }
  await syncFolder(nodePath.dirname(dest));
}

function specialKind(st: { isCharacterDevice(): boolean; isBlockDevice(): boolean; isFIFO(): boolean; isSocket(): boolean }): string {
  if (st.isCharacterDevice()) return 'a character device';
  if (st.isBlockDevice()) return 'a block device';
  if (st.isFIFO()) return 'a named pipe';
  if (st.isSocket()) return 'a socket';
  return 'not a file';
}

/** Best effort: make the rename itself durable. Not supported everywhere (e.g. Windows); ignored there. */
async function syncFolder(dir: string): Promise<void> {
  let handle: fs.FileHandle | undefined;
  try {
    handle = await fs.open(dir, 'r');
    await handle.sync();
  } catch {
    // ignore
  } finally {
    await handle?.close().catch(() => undefined);
  }
}

function folderError(target: string, folder: string, error: unknown): Error {
  switch (errnoCode(error)) {
    case 'ENOENT':
      return new DataError(`${target}: the folder "${folder}" does not exist`, {
        hint: `create it first (mkdir -p ${folder}) or choose another path`,
        cause: error,
      });
    case 'ENOTDIR':
      return new DataError(`${target}: "${folder}" is not a folder`, { cause: error });
    case 'EACCES':
    case 'EPERM':
    case 'EROFS':
      return new DataError(`${target}: the folder "${folder}" is not writable`, {
        hint: 'choose another output path, or fix the folder permissions',
        cause: error,
      });
    default:
      return writeError(target, error);
  }
}

function writeError(target: string, error: unknown): Error {
  const code = errnoCode(error);
  if (code === undefined) return error instanceof Error ? error : new Error(String(error)); // a bug, not an I/O failure
  const detail = error instanceof Error ? error.message : code;
  return new DataError(`${target}: could not write the file (${detail})`, { cause: error });
}

/** A file written as a stream, that appears at its path complete or not at all. */
export interface AtomicOutput {
  /** Writes go to the temporary sibling. */
  stream: NodeJS.WritableStream & import('node:stream').Writable;
  /** Flushes, syncs and renames the temporary file over the target. */
  commit(): Promise<void>;
  /** Removes the temporary file; the target is untouched. Safe to call after commit (does nothing). */
  abort(): Promise<void>;
}

/**
 * Like writeFileAtomic, for output made piece by piece (`iris predict --output`): a command that fails
 * half-way leaves no partial file, and an existing file is replaced only by a complete one.
 */
export async function openAtomicStream(target: string): Promise<AtomicOutput> {
  const shown = nodePath.dirname(target);
  const st = await fs.stat(target).catch(() => undefined);
  if (st?.isDirectory() === true) throw new DataError(`${target}: is a folder, not a file`);
  const tmp = tempPathFor(target);
  let handle: fs.FileHandle;
  try {
    handle = await fs.open(tmp, 'wx', st?.isFile() === true ? st.mode & 0o7777 : 0o666);
  } catch (error) {
    throw folderError(target, shown, error);
  }
  // The stream owns the handle and closes it (FileHandle.close() would wait for the stream forever);
  // the data is synced through a second descriptor once the stream has closed.
  const stream = handle.createWriteStream({ highWaterMark: 1 << 20 });
  const closed = new Promise<void>((resolve) => stream.once('close', () => resolve()));
  let state: 'open' | 'committed' | 'aborted' = 'open';
  let failure: unknown;
  stream.on('error', (error) => (failure ??= error));
  const output: AtomicOutput = {
    stream,
    async commit() {
      if (state !== 'open') return;
      try {
        if (failure !== undefined) throw failure;
        stream.end();
        await closed;
        if (failure !== undefined) throw failure;
        const synced = await fs.open(tmp, 'r+');
        try {
          await synced.sync();
        } finally {
          await synced.close();
        }
        await fs.rename(tmp, target);
        state = 'committed';
      } catch (error) {
        await output.abort();
        throw writeError(target, error);
      }
      await syncFolder(shown);
    },
    async abort() {
      if (state !== 'open') return;
      state = 'aborted';
      stream.destroy();
      await closed;
      await fs.rm(tmp, { force: true }).catch(() => undefined);
    },
  };
  return output;
}
