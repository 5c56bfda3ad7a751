/**
 * scikit-learn's `_plain_sgd` sample loop for the perceptron loss with a constant learning rate
 * (docs/SKLEARN_PARITY.md §4.4, §11–13). Two loops: the plain one (no penalty, no weights, no early
 * stopping) keeps the original speed; the full one adds everything else, operation for operation.
 * Both run over flat Float64Arrays and allocate nothing per sample.
 */
import { NumericalError } from './errors.js';
import { pairwiseSum } from './scaler.js';

/**
 * `our_rand_r` xorshift over a caller-held state, then sklearn's forward Fisher–Yates. The seed
 * is copied on entry: every epoch replays the same swaps on the previous epoch's order.
 */
export function datasetShuffle(index: Int32Array, seed: number): void {
  const n = index.length;
  let s = seed >>> 0;
  for (let i = 0; i < n - 1; i++) {
    if (s === 0) s = 1;
    s = (s ^ (s << 13)) >>> 0;
    s = (s ^ (s >>> 17)) >>> 0;
    s = (s ^ (s << 5)) >>> 0;
    const r = s & 0x7fffffff;
    const j = i + (r % (n - i));
    const t = index[i]!;
    index[i] = index[j]!;
    index[j] = t;
  }
}

/**
 * Σ_j w[j]·x[row+j], added strictly in j order (scikit-learn's sequential sum): unrolled by four for
 * speed, the additions still one after another, so the same bits.
 */
function dotRow(w: Float64Array, x: Float64Array, row: number, d: number): number {
  let dot = 0.0;
  let j = 0;
  for (const end = d - (d % 4); j < end; j += 4) {
    const r = row + j;
    dot = dot + w[j]! * x[r]!;
    dot = dot + w[j + 1]! * x[r + 1]!;
    dot = dot + w[j + 2]! * x[r + 2]!;
    dot = dot + w[j + 3]! * x[r + 3]!;
  }
  for (; j < d; j++) dot = dot + w[j]! * x[row + j]!;
  return dot;
}

export interface LoopParams {
  maxIter: number;
  eta0: number;
  tol: number | null;
  nIterNoChange: number;
  shuffle: boolean;
  fitIntercept: boolean;
}

function checkFinite(w: Float64Array, d: number, b: number, epoch: number): void {
  let finite = Number.isFinite(b);
  for (let j = 0; finite && j < d; j++) finite = Number.isFinite(w[j]!);
  if (!finite) {
    throw new NumericalError(`Floating-point under-/overflow occurred at epoch #${epoch + 1}`, {
      hint: 'scale the features or lower --eta0',
    });
  }
}

/**
 * The plain loop for one binary target t = ±1: `w` holds the starting weights (zeros or coef_init)
 * and is trained in place; returns the intercept and the number of epochs run.
 */
export function trainPlain(
  x: Float64Array,
  n: number,
  d: number,
  target: Float64Array,
  w: Float64Array,
  b0: number,
  index: Int32Array,
  seed: number,
  p: LoopParams,
): { intercept: number; nIter: number } {
  const { maxIter, eta0, shuffle, fitIntercept, nIterNoChange } = p;
  const tol = p.tol;
  for (let i = 0; i < n; i++) index[i] = i;
  let b = b0;
  let bestLoss = Infinity;
  let noImprove = 0;
  let epoch = 0;
  for (; epoch < maxIter; epoch++) {
    let sumloss = 0.0;
    if (shuffle) datasetShuffle(index, seed);
    for (let k = 0; k < n; k++) {
      const i = index[k]!;
      const row = i * d;
      const t = target[i]!;
      const dot = dotRow(w, x, row, d);
      const z = (dot * 1.0 + b) * t;
      // Hinge with threshold 0 uses `<=`: the all-zero start (z == 0) updates.
      if (z <= 0.0) {
        sumloss = sumloss + (0.0 - z);
        // update = -eta0 * dloss with dloss = -t, times class and sample weights of 1.0.
        const update = -eta0 * -t * (1.0 * 1.0);
        if (update !== 0.0) {
          for (let j = 0; j < d; j++) w[j] = w[j]! + x[row + j]! * update;
          if (fitIntercept) b = b + update * 1.0;
        }
      }
    }
    checkFinite(w, d, b, epoch);
    if (tol !== null && sumloss > bestLoss - tol * n) noImprove += 1;
    else noImprove = 0;
    if (sumloss < bestLoss) bestLoss = sumloss;
    if (noImprove >= nIterNoChange) {
      epoch += 1;
      break;
    }
  }
  return { intercept: b, nIter: epoch };
}

export interface FullLoopOptions {
  /** 0 none, 1 l1, 2 l2, 3 elasticnet (scikit-learn's penalty_type). */
  penaltyType: 0 | 1 | 2 | 3;
  alpha: number;
  /** Already forced: 0 for l2, 1 for l1. */
  l1Ratio: number;
  weightPos: number;
  weightNeg: number;
  /** One per row, or null for ones. */
  sampleWeight: Float64Array | null;
  /** Validation rows (1) skipped in training and scored after each epoch; null without early stopping. */
  valMask: Uint8Array | null;
  /** Ascending validation rows (when valMask is set), and a scratch array of the same length. */
  valRows: Int32Array | null;
  valScratch: Float64Array | null;
  /** pw(validation sample weights), the accuracy's denominator. */
  valWeightSum: number;
  /** Per-feature penalty history, length d (l1 and elasticnet). */
  q: Float64Array;
}

/**
 * The full loop (§11.1): L2 scale before every trained sample, the update divided by wscale, the
 * cumulative L1 truncation after it, class and sample weights, skipped validation rows. `w` is
 * trained in place and holds coef (× wscale) on return.
 */
export function trainFull(
  x: Float64Array,
  n: number,
  d: number,
  target: Float64Array,
  w: Float64Array,
  b0: number,
  index: Int32Array,
  seed: number,
  p: LoopParams,
  o: FullLoopOptions,
): { intercept: number; nIter: number } {
  const { maxIter, eta0, shuffle, fitIntercept, nIterNoChange } = p;
  const tol = p.tol;
  // q is its own array (never a view of w), so q[j] read once before w[j] is written is still q[j]
  // after: one load fewer per feature and sample, the same values.
  const { penaltyType, alpha, l1Ratio: r, weightPos, weightNeg, sampleWeight, valMask, q } = o;
  const earlyStopping = valMask !== null;
  const l2Part = penaltyType >= 2;
  const l1Part = penaltyType === 1 || penaltyType === 3;
  const eta = eta0;
  // max(0, 1 - ((1 - r) * eta) * alpha): the same factor for every sample at a constant rate.
  const l2Raw = 1.0 - (1.0 - r) * eta * alpha;
  const l2Factor = l2Raw > 0.0 ? l2Raw : 0.0;
  const l1Step = r * eta * alpha;
  for (let i = 0; i < n; i++) index[i] = i;
  q.fill(0.0);
  let u = 0.0;
  let wscale = 1.0;
  let b = b0;
  let bestLoss = Infinity;
  let bestScore = -Infinity;
  let noImprove = 0;
  let epoch = 0;
  for (; epoch < maxIter; epoch++) {
    let sumloss = 0.0;
    if (shuffle) datasetShuffle(index, seed);
    for (let k = 0; k < n; k++) {
      const i = index[k]!;
      if (earlyStopping && valMask[i] === 1) continue;
      const row = i * d;
      const t = target[i]!;
      const dot = dotRow(w, x, row, d);
      const z = (dot * wscale + b) * t;
      let dloss = 0.0;
      if (z <= 0.0) {
        if (!earlyStopping) sumloss = sumloss + (0.0 - z);
        dloss = -t;
      }
      let update = -eta * dloss;
      const cw = t > 0 ? weightPos : weightNeg;
      update = update * (cw * (sampleWeight === null ? 1.0 : sampleWeight[i]!));
      if (l2Part) {
        wscale = wscale * l2Factor;
        if (wscale < 1e-9) {
          // reset_wscale: dscal writes +0.0 for a zero factor (w * 0 would keep the sign of -w).
          if (wscale === 0.0) w.fill(0.0);
          else for (let j = 0; j < d; j++) w[j] = w[j]! * wscale;
          wscale = 1.0;
        }
      }
      if (update !== 0.0) {
        const c = update / wscale;
        for (let j = 0; j < d; j++) w[j] = w[j]! + x[row + j]! * c;
        if (fitIntercept) b = b + update * 1.0;
      }
      if (l1Part) {
        u = u + l1Step;
        if (!l2Part) {
          // Pure l1: wscale stays 1.0, and multiplying or dividing by 1.0 is exact, so the same bits
          // come without them; a zero weight changes neither itself nor q (q + 0 only flips a zero's sign,
          // which no later step can see).
          for (let j = 0; j < d; j++) {
            const z0 = w[j]!;
            if (z0 > 0.0) {
              const qj = q[j]!;
              const v = z0 - (u + qj);
              const wj = v > 0.0 ? v : 0.0;
              w[j] = wj;
              q[j] = qj + (wj - z0);
            } else if (z0 < 0.0) {
              const qj = q[j]!;
              const v = z0 + (u - qj);
              const wj = v < 0.0 ? v : 0.0;
              w[j] = wj;
              q[j] = qj + (wj - z0);
            }
          }
        } else {
          for (let j = 0; j < d; j++) {
            const z0 = w[j]!;
            const s = wscale * z0;
            // s == 0 (a zero weight, or a product that underflows): w stays, and q + wscale·0 is q.
            if (s > 0.0) {
              const qj = q[j]!;
              const v = z0 - (u + qj) / wscale;
              const wj = v > 0.0 ? v : 0.0;
              w[j] = wj;
              q[j] = qj + wscale * (wj - z0);
            } else if (s < 0.0) {
              const qj = q[j]!;
              const v = z0 + (u - qj) / wscale;
              const wj = v < 0.0 ? v : 0.0;
              w[j] = wj;
              q[j] = qj + wscale * (wj - z0);
            }
          }
        }
      }
    }
    checkFinite(w, d, b, epoch);
    if (earlyStopping) {
      const score = validationScore(x, d, target, w, b, o);
      if (tol !== null && score < bestScore + tol) noImprove += 1;
      else noImprove = 0;
      if (score > bestScore) bestScore = score;
    } else {
      if (tol !== null && sumloss > bestLoss - tol * n) noImprove += 1;
      else noImprove = 0;
      if (sumloss < bestLoss) bestLoss = sumloss;
    }
    if (noImprove >= nIterNoChange) {
      epoch += 1;
      break;
    }
  }
  if (wscale !== 1.0) {
    if (wscale === 0.0) w.fill(0.0);
    else for (let j = 0; j < d; j++) w[j] = w[j]! * wscale;
  }
  return { intercept: b, nIter: epoch };
}

/**
 * §13.3: weighted accuracy on the validation rows of this binary problem, scored with the RAW weight
 * array (scikit-learn's callback reads the stored vector without its wscale) and the intercept.
 */
function validationScore(x: Float64Array, d: number, target: Float64Array, w: Float64Array, b: number, o: FullLoopOptions): number {
  const rows = o.valRows!;
  const scratch = o.valScratch!;
  const sw = o.sampleWeight;
  for (let k = 0; k < rows.length; k++) {
    const i = rows[k]!;
    const row = i * d;
    let dot = 0.0;
    for (let j = 0; j < d; j++) dot = dot + x[row + j]! * w[j]!;
    const pred = dot + b > 0.0 ? 1.0 : -1.0;
    scratch[k] = (pred === target[i] ? 1.0 : 0.0) * (sw === null ? 1.0 : sw[i]!);
  }
  return pairwiseSum(scratch, 0, rows.length) / o.valWeightSum;
}
