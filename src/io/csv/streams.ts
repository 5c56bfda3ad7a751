/** Bytes from streams and files: chunks as Buffers, and SHA-256 fingerprints. */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import type { Readable } from 'node:stream';
import { readError } from './errors.js';

export function toBuffer(chunk: unknown): Buffer {
  if (Buffer.isBuffer(chunk)) return chunk;
  if (typeof chunk === 'string') return Buffer.from(chunk, 'utf8');
  if (chunk instanceof Uint8Array) return Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
  throw new TypeError(`unexpected chunk of type ${typeof chunk} in a CSV input stream`);
}

export async function readStreamHashed(stream: Readable, source: string): Promise<{ bytes: Buffer; sha256: string }> {
  const hash = createHash('sha256');
  const chunks: Buffer[] = [];
  let length = 0;
  try {
    for await (const chunk of stream) {
      const buffer = toBuffer(chunk);
      hash.update(buffer);
      chunks.push(buffer);
      length += buffer.length;
    }
  } catch (error) {
    throw readError(source, error);
  }
  return { bytes: Buffer.concat(chunks, length), sha256: hash.digest('hex') };
}

/** Hex SHA-256 of a file's bytes, streaming. */
export async function sha256File(path: string): Promise<string> {
  const hash = createHash('sha256');
  try {
    for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 })) {
      hash.update(chunk as Buffer);
    }
  } catch (error) {
    throw readError(path, error);
  }
  return hash.digest('hex');
}
