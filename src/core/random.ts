/**
 * numpy's legacy `RandomState(seed)`: MT19937 seeded from one 32-bit integer, with the masked
 * rejection sampler that the legacy API always uses. Every draw must consume exactly the 32-bit
 * outputs numpy consumes, or every later split and shuffle drifts (docs/SKLEARN_PARITY.md §1).
 */
import { InvalidParameterError } from './errors.js';

/** `np.iinfo(np.int32).max`: scikit-learn draws its derived seeds below this bound. */
export const MAX_INT = 2147483647;

const N = 624;
const M = 397;
const MATRIX_A = 0x9908b0df;
const UPPER = 0x80000000;
const LOWER = 0x7fffffff;
/** The largest seed numpy's legacy RandomState takes (2^32 - 1). */
export const MAX_SEED = 0xffffffff;
const U32_MAX = MAX_SEED;

/** True for an integer numpy accepts as a legacy seed. */
export function isValidSeed(seed: number): boolean {
  return Number.isInteger(seed) && seed >= 0 && seed <= U32_MAX;
}

export function validateSeed(seed: number, name = 'seed'): void {
  if (!isValidSeed(seed)) {
    throw new InvalidParameterError(`${name} must be an integer between 0 and ${U32_MAX}, got ${String(seed)}`);
  }
}

/** Smallest 2^k - 1 that is >= r; the rejection sampler draws under this mask. */
function maskFor(r: number): number {
  let m = r >>> 0;
  m |= m >>> 1;
  m |= m >>> 2;
  m |= m >>> 4;
  m |= m >>> 8;
  m |= m >>> 16;
  return m >>> 0;
}

export class RandomState {
  private readonly key = new Uint32Array(N);
  private idx = N;

  constructor(seed: number) {
    validateSeed(seed);
    const key = this.key;
    let s = seed >>> 0;
    for (let pos = 0; pos < N; pos++) {
      key[pos] = s;
      // Math.imul keeps the low 32 bits exactly; a plain `*` would round above 2^53.
      s = (Math.imul(1812433253, (s ^ (s >>> 30)) >>> 0) + pos + 1) >>> 0;
    }
    this.idx = N;
  }

  private regenerate(): void {
    const key = this.key;
    let i = 0;
    let y: number;
    for (; i < N - M; i++) {
      y = ((key[i]! & UPPER) | (key[i + 1]! & LOWER)) >>> 0;
      key[i] = (key[i + M]! ^ (y >>> 1) ^ (y & 1 ? MATRIX_A : 0)) >>> 0;
    }
    for (; i < N - 1; i++) {
      y = ((key[i]! & UPPER) | (key[i + 1]! & LOWER)) >>> 0;
      key[i] = (key[i + M - N]! ^ (y >>> 1) ^ (y & 1 ? MATRIX_A : 0)) >>> 0;
    }
    y = ((key[N - 1]! & UPPER) | (key[0]! & LOWER)) >>> 0;
    key[N - 1] = (key[M - 1]! ^ (y >>> 1) ^ (y & 1 ? MATRIX_A : 0)) >>> 0;
    this.idx = 0;
  }

  /** One tempered 32-bit output. */
  next32(): number {
    if (this.idx >= N) this.regenerate();
    let y = this.key[this.idx++]!;
    y = (y ^ (y >>> 11)) >>> 0;
    y = (y ^ ((y << 7) & 0x9d2c5680)) >>> 0;
    y = (y ^ ((y << 15) & 0xefc60000)) >>> 0;
    y = (y ^ (y >>> 18)) >>> 0;
    return y;
  }

  /** Uniform integer in [0, max]; max = 0 consumes no output, as in numpy. */
  bounded(max: number): number {
    if (!Number.isInteger(max) || max < 0 || max > U32_MAX) {
      throw new RangeError(`bounded: max must be an integer in [0, ${U32_MAX}], got ${max}`);
    }
    if (max === 0) return 0;
    if (max === U32_MAX) return this.next32();
    const mask = maskFor(max);
    for (;;) {
      const v = (this.next32() & mask) >>> 0;
      if (v <= max) return v;
    }
  }

  /** `randint(low, high)` with high exclusive; `randint(high)` means `randint(0, high)`. */
  randint(low: number, high?: number): number {
    let lo = low;
    let hi = high;
    if (hi === undefined) {
      hi = lo;
      lo = 0;
    }
    if (!Number.isInteger(lo) || !Number.isInteger(hi)) {
      throw new RangeError(`randint: bounds must be integers, got ${lo} and ${hi}`);
    }
    if (hi <= lo) throw new RangeError(`randint: low >= high (${lo} >= ${hi})`);
    return lo + this.bounded(hi - 1 - lo);
  }

  /** In place, Fisher–Yates from the end (numpy's `shuffle`). */
  shuffle(a: { length: number; [i: number]: number }): void {
    for (let i = a.length - 1; i >= 1; i--) {
      const j = this.bounded(i);
      const t = a[i]!;
      a[i] = a[j]!;
      a[j] = t;
    }
  }

  permutation(n: number): number[] {
    if (!Number.isInteger(n) || n < 0) {
      throw new RangeError(`permutation: n must be a non-negative integer, got ${n}`);
    }
    const a = new Array<number>(n);
    for (let i = 0; i < n; i++) a[i] = i;
    this.shuffle(a);
    return a;
  }

  /** `permutation(arr)`: a shuffled copy; the input is left as it was. */
  permuted<T>(items: readonly T[]): T[] {
    const order = this.permutation(items.length);
    const out = new Array<T>(items.length);
    for (let i = 0; i < order.length; i++) out[i] = items[order[i]!]!;
    return out;
  }

  /**
   * `choice(arange(n), size, replace=False)`. numpy permutes the whole population even when
   * size == n, and the draws that costs are part of the stream.
   */
  choice(n: number, size: number): number[] {
    if (!Number.isInteger(size) || size < 0 || size > n) {
      throw new RangeError(`choice: size must be an integer in [0, ${n}], got ${size}`);
    }
    return this.permutation(n).slice(0, size);
  }
}
