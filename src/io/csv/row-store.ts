/** Where parsed rows go: a growing row-major matrix with per-row line numbers, labels and raw fields. */

/** Rows parsed so far: a geometrically grown matrix plus per-row line numbers, labels, raw fields. */
export class RowStore {
  X: Float64Array;
  lines: Int32Array;
  n = 0;
  private capacity: number;
  private expected = 0;
  labels: string[] | null;
  raw: string[][] | null;

  constructor(
    readonly nf: number,
    withLabels: boolean,
    private readonly keepRaw: boolean,
    initialRows = 256,
  ) {
    this.capacity = initialRows;
    this.X = new Float64Array(initialRows * nf);
    this.lines = new Int32Array(initialRows);
    this.labels = withLabels ? [] : null;
    this.raw = keepRaw ? [] : null;
  }

  /** Make room for one more row; returns the index in X where it starts. */
  reserve(): number {
    if (this.n === this.capacity) this.grow(this.expected > this.capacity ? this.expected : this.capacity * 2);
    return this.n * this.nf;
  }

  /** A hint: about `rows` rows in all. When the store fills up, it grows to that size rather than doubling. */
  expect(rows: number): void {
    this.expected = rows;
  }

  private grow(capacity: number): void {
    const X = new Float64Array(capacity * this.nf);
    X.set(this.X.subarray(0, this.n * this.nf));
    const lines = new Int32Array(capacity);
    lines.set(this.lines.subarray(0, this.n));
    this.X = X;
    this.lines = lines;
    this.capacity = capacity;
  }

  commit(line: number, label: string, raw: string[] | null): void {
    this.lines[this.n] = line;
    if (this.labels !== null) this.labels.push(label);
    if (this.raw !== null && raw !== null) this.raw.push(raw);
    this.n++;
  }

  /** The rows so far, trimmed to size (a copy unless little space is wasted). */
  matrixData(): Float64Array {
    const used = this.n * this.nf;
    return this.X.length - used <= this.X.length / 16 ? this.X.subarray(0, used) : this.X.slice(0, used);
  }

  linesData(): Int32Array {
    const n = this.n;
    return this.lines.length - n <= this.lines.length / 16 ? this.lines.subarray(0, n) : this.lines.slice(0, n);
  }

  /** Hand over the rows parsed so far (copies) and start again from zero, keeping the capacity. */
  take(): { X: Float64Array; n: number; lines: Int32Array; raw: string[][] | null } {
    const batch = {
      X: this.X.slice(0, this.n * this.nf),
      n: this.n,
      lines: this.lines.slice(0, this.n),
      raw: this.raw,
    };
    this.n = 0;
    if (this.labels !== null) this.labels = [];
    this.raw = this.keepRaw ? [] : null;
    return batch;
  }
}

/**
 * Labels repeat (a few classes over many rows): decoding them once per distinct byte sequence
 * saves a string allocation per row. Remembers up to 16 short labels.
 */
export class LabelCache {
  private readonly bytes = Buffer.alloc(16 * 32);
  private readonly lengths = new Int32Array(16);
  private readonly strings: string[] = [];
  private size = 0;
  private nextSlot = 0;

  decode(buf: Buffer, s: number, e: number): string {
    const length = e - s;
    if (length <= 32) {
      const cached = this.bytes;
      for (let k = 0; k < this.size; k++) {
        if (this.lengths[k] !== length) continue;
        const offset = k * 32;
        let i = 0;
        while (i < length && cached[offset + i] === buf[s + i]) i++;
        if (i === length) return this.strings[k]!;
      }
      const text = buf.toString('utf8', s, e);
      const slot = this.nextSlot;
      buf.copy(cached, slot * 32, s, e);
      this.lengths[slot] = length;
      this.strings[slot] = text;
      this.nextSlot = (slot + 1) % 16;
      if (this.size < 16) this.size++;
      return text;
    }
    return buf.toString('utf8', s, e);
  }
}
