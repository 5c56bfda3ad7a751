/**
 * Triton's binary tensor data extension (docs/SERVE.md, "Binary tensor data"): a request whose
 * `Inference-Header-Content-Length` header says n has a JSON header of n bytes, then the raw bytes
 * of each input whose `parameters.binary_data_size` is set, in input order; an output asked for in
 * binary comes back the same way. Numbers are little-endian in the tensor's datatype; a BYTES
 * element is a 4-byte little-endian length, then its bytes.
 */
import { badRequest } from '../errors.js';

/** Bytes per element of the numeric datatypes (BYTES elements have their own lengths). */
export const ELEMENT_SIZE: Record<string, number> = {
  FP64: 8,
  FP32: 4,
  INT64: 8,
  INT32: 4,
  INT16: 2,
  INT8: 1,
  UINT64: 8,
  UINT32: 4,
  UINT16: 2,
  UINT8: 1,
  FP16: 2,
  BOOL: 1,
};

/** The header length a request declares; undefined when it has none (a plain JSON body). */
export function headerLength(value: string | string[] | undefined, bodyLength: number): number | undefined {
  if (value === undefined) return undefined;
  const text = Array.isArray(value) ? value[0] : value;
  if (text === undefined || !/^\d{1,15}$/.test(text.trim()))
    throw badRequest(`Inference-Header-Content-Length: ${JSON.stringify(String(text).slice(0, 40))} is not a whole number of bytes`);
  const n = Number(text.trim());
  if (n > bodyLength) throw badRequest(`Inference-Header-Content-Length: ${n} bytes, but the body has ${bodyLength}`);
  return n;
}

/** Hands out the binary section input by input, checking that the sizes add up to it. */
export class BinarySection {
  private offset = 0;
  constructor(private readonly bytes: Uint8Array) {}

  take(size: number, where: string): Uint8Array {
    if (this.offset + size > this.bytes.byteLength) {
      throw badRequest(`${where}.parameters.binary_data_size: ${size} bytes, but only ${this.bytes.byteLength - this.offset} are left in the body`);
    }
    const part = this.bytes.subarray(this.offset, this.offset + size);
    this.offset += size;
    return part;
  }

  /** Every byte must belong to an input. */
  finish(): void {
    if (this.offset !== this.bytes.byteLength) {
      throw badRequest(
        `the body has ${this.bytes.byteLength - this.offset} bytes after the binary inputs; the binary_data_size values must add up to the body after the JSON header`,
      );
    }
  }
}

/** Raw little-endian numbers as doubles (INT64 must fit a double exactly). */
export function decodeNumbers(bytes: Uint8Array, datatype: string, where: string): Float64Array {
  const size = ELEMENT_SIZE[datatype];
  if (size === undefined || bytes.byteLength % size !== 0) {
    throw badRequest(
      `${where}.parameters.binary_data_size: ${bytes.byteLength} bytes is not a whole number of ${datatype} elements${size === undefined ? '' : ` (${size} bytes each)`}`,
    );
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const n = bytes.byteLength / size;
  const out = new Float64Array(n);
  for (let k = 0; k < n; k++) {
    const at = k * size;
    switch (datatype) {
      case 'FP64':
        out[k] = view.getFloat64(at, true);
        break;
      case 'FP32':
        out[k] = view.getFloat32(at, true);
        break;
      case 'INT32':
        out[k] = view.getInt32(at, true);
        break;
      case 'INT64': {
        const value = view.getBigInt64(at, true);
        if (value > BigInt(Number.MAX_SAFE_INTEGER) || value < BigInt(Number.MIN_SAFE_INTEGER))
          throw badRequest(`${where}: element ${k} (${value}) is too large to be a feature value`);
        out[k] = Number(value);
        break;
      }
      default:
        throw badRequest(`${where}.datatype: ${datatype} is not accepted; use FP64, FP32, INT64 or INT32`);
    }
  }
  return out;
}

/** BYTES elements: each a 4-byte little-endian length, then that many bytes (UTF-8 text here). */
export function decodeBytes(bytes: Uint8Array, where: string): string[] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out: string[] = [];
  let at = 0;
  while (at < bytes.byteLength) {
    if (at + 4 > bytes.byteLength) throw badRequest(`${where}: a BYTES element's 4-byte length is cut short`);
    const length = view.getUint32(at, true);
    at += 4;
    if (at + length > bytes.byteLength) throw badRequest(`${where}: a BYTES element of ${length} bytes runs past its binary_data_size`);
    out.push(Buffer.from(bytes.buffer, bytes.byteOffset + at, length).toString('utf8'));
    at += length;
  }
  return out;
}

export function encodeBytes(items: readonly string[]): Buffer {
  const parts = items.map((text) => Buffer.from(text, 'utf8'));
  const out = Buffer.allocUnsafe(parts.reduce((sum, part) => sum + 4 + part.length, 0));
  let at = 0;
  for (const part of parts) {
    out.writeUInt32LE(part.length, at);
    part.copy(out, at + 4);
    at += 4 + part.length;
  }
  return out;
}

export function encodeFp64(values: Float64Array): Buffer {
  const out = Buffer.allocUnsafe(values.length * 8);
  for (let k = 0; k < values.length; k++) out.writeDoubleLE(values[k] as number, k * 8);
  return out;
}
