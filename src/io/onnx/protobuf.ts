/**
 * A protocol-buffers writer for the few wire types ONNX needs: varint (int32, int64, enum), 32-bit
 * (float), length-delimited (string, bytes, nested message, packed numbers). Writing is all an
 * exporter does, and a dozen messages of onnx.proto do not justify a protobuf library on the
 * start-up path. Fields are written in the order called; protobuf readers accept any order.
 */

const WIRE_VARINT = 0;
const WIRE_LENGTH = 2;
const WIRE_FIXED32 = 5;

const utf8 = new TextEncoder();

export class ProtoWriter {
  #buf = new Uint8Array(256);
  #len = 0;
  readonly #scratch = new DataView(new ArrayBuffer(4));

  #reserve(n: number): void {
    if (this.#len + n <= this.#buf.length) return;
    let size = this.#buf.length * 2;
    while (size < this.#len + n) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.#buf.subarray(0, this.#len));
    this.#buf = next;
  }

  #byte(b: number): void {
    this.#reserve(1);
    this.#buf[this.#len++] = b;
  }

  #raw(bytes: Uint8Array): void {
    this.#reserve(bytes.length);
    this.#buf.set(bytes, this.#len);
    this.#len += bytes.length;
  }

  /** An unsigned varint; negative int64 values are their 64-bit two's complement (10 bytes), as protobuf does. */
  #varint(value: number | bigint): void {
    let v = BigInt.asUintN(64, BigInt(value));
    if (v < 0x80n) {
      this.#byte(Number(v));
      return;
    }
    while (v >= 0x80n) {
      this.#byte(Number(v & 0x7fn) | 0x80);
      v >>= 7n;
    }
    this.#byte(Number(v));
  }

  #tag(field: number, wire: number): void {
    this.#varint((field << 3) | wire);
  }

  /** int32, int64 or enum field. */
  int(field: number, value: number): this {
    if (!Number.isSafeInteger(value)) throw new RangeError(`protobuf field ${field}: ${value} is not a whole number`);
    this.#tag(field, WIRE_VARINT);
    this.#varint(value);
    return this;
  }

  /** A float field (IEEE 754 single precision, little-endian): the value rounded to nearest. */
  float(field: number, value: number): this {
    this.#tag(field, WIRE_FIXED32);
    this.#scratch.setFloat32(0, value, true);
    this.#raw(new Uint8Array(this.#scratch.buffer));
    return this;
  }

  bytes(field: number, value: Uint8Array): this {
    this.#tag(field, WIRE_LENGTH);
    this.#varint(value.length);
    this.#raw(value);
    return this;
  }

  string(field: number, value: string): this {
    return this.bytes(field, utf8.encode(value));
  }

  /** A nested message, written by `write` into a writer of its own, then length-prefixed here. */
  message(field: number, write: (w: ProtoWriter) => void): this {
    const inner = new ProtoWriter();
    write(inner);
    return this.bytes(field, inner.finish());
  }

  /** A packed repeated float field (float32 little-endian, one length prefix). */
  packedFloats(field: number, values: ArrayLike<number>): this {
    const out = new Uint8Array(values.length * 4);
    const view = new DataView(out.buffer);
    for (let i = 0; i < values.length; i++) view.setFloat32(i * 4, values[i]!, true);
    return this.bytes(field, out);
  }

  /** The bytes written so far (a view: the writer is not to be used after this). */
  finish(): Uint8Array {
    return this.#buf.subarray(0, this.#len);
  }
}
