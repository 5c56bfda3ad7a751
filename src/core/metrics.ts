/**
 * Classification metrics with scikit-learn's float operations: `accuracy_score`,
 * `confusion_matrix(labels=classes)` and `precision_recall_fscore_support(labels=classes,
 * zero_division=0)` with its macro and weighted averages.
 *
 * Codes outside [0, nLabels) (a label the model does not know, encoded as -1) behave as
 * scikit-learn's do with `labels=classes`: they count as wrong in accuracy, as a false positive
 * of the predicted class (or a false negative of the true class), and are left out of the
 * confusion matrix.
 *
 * With no rows, accuracy is 0 (scikit-learn would give NaN, which JSON cannot carry) and every
 * per-class score is 0, as with zero_division=0.
 */
import { pairwiseSum } from './scaler.js';

export interface ClassScores {
  precision: number;
  recall: number;
  f1: number;
  support: number;
}

export interface Averages {
  precision: number;
  recall: number;
  f1: number;
}

export interface ClassificationReport {
  n: number;
  accuracy: number;
  misclassified: number;
  confusionMatrix: number[][];
  perClass: ClassScores[];
  macro: Averages;
  weighted: Averages;
}

function checkLengths(yTrue: ArrayLike<number>, yPred: ArrayLike<number>): number {
  if (yTrue.length !== yPred.length) {
    throw new RangeError(`${yTrue.length} true labels but ${yPred.length} predictions`);
  }
  return yTrue.length;
}

function checkLabels(nLabels: number): void {
  if (!Number.isInteger(nLabels) || nLabels < 0) {
    throw new RangeError(`number of labels must be a non-negative integer, got ${nLabels}`);
  }
}

function countCorrect(yTrue: ArrayLike<number>, yPred: ArrayLike<number>, n: number): number {
  let correct = 0;
  for (let i = 0; i < n; i++) if (yTrue[i] === yPred[i]) correct++;
  return correct;
}

/** correct / n in one division; 0 for no rows. */
export function accuracyScore(yTrue: ArrayLike<number>, yPred: ArrayLike<number>): number {
  const n = checkLengths(yTrue, yPred);
  return n === 0 ? 0 : countCorrect(yTrue, yPred, n) / n;
}

/** cm[i][j] counts rows of true code i predicted as code j. */
export function confusionMatrix(yTrue: ArrayLike<number>, yPred: ArrayLike<number>, nLabels: number): number[][] {
  const n = checkLengths(yTrue, yPred);
  checkLabels(nLabels);
  const cm: number[][] = [];
  for (let k = 0; k < nLabels; k++) cm.push(new Array<number>(nLabels).fill(0));
  for (let i = 0; i < n; i++) {
    const t = yTrue[i]!;
    const p = yPred[i]!;
    if (t >= 0 && t < nLabels && p >= 0 && p < nLabels && Number.isInteger(t) && Number.isInteger(p)) {
      cm[t]![p]! += 1;
    }
  }
  return cm;
}

/** `_prf_divide` with zero_division=0. */
function divide(num: number, den: number): number {
  return den === 0 ? 0 : num / den;
}

/** numpy's `np.mean`: the 0.0 identity plus a pairwise sum, then one division. */
function mean(values: Float64Array): number {
  return (0.0 + pairwiseSum(values, 0, values.length)) / values.length;
}

export function classificationReport(yTrue: ArrayLike<number>, yPred: ArrayLike<number>, nLabels: number): ClassificationReport {
  const n = checkLengths(yTrue, yPred);
  checkLabels(nLabels);
  const tp = new Float64Array(nLabels);
  const predSum = new Float64Array(nLabels);
  const trueSum = new Float64Array(nLabels);
  const inRange = (c: number): boolean => Number.isInteger(c) && c >= 0 && c < nLabels;
  for (let i = 0; i < n; i++) {
    const t = yTrue[i]!;
    const p = yPred[i]!;
    if (inRange(t)) trueSum[t]! += 1;
    if (inRange(p)) predSum[p]! += 1;
    if (t === p && inRange(t)) tp[t]! += 1;
  }
  const correct = countCorrect(yTrue, yPred, n);

  const precision = new Float64Array(nLabels);
  const recall = new Float64Array(nLabels);
  const f1 = new Float64Array(nLabels);
  const perClass: ClassScores[] = [];
  for (let k = 0; k < nLabels; k++) {
    const p = divide(tp[k]!, predSum[k]!);
    const r = divide(tp[k]!, trueSum[k]!);
    // sklearn: (1 + beta²) * precision * recall / (beta² * precision + recall), beta = 1,
    // with a zero denominator replaced by 1.
    const den = 1.0 * p + r;
    const f = (2.0 * p * r) / (den === 0 ? 1 : den);
    precision[k] = p;
    recall[k] = r;
    f1[k] = f;
    perClass.push({ precision: p, recall: r, f1: f, support: trueSum[k]! });
  }

  const macro: Averages = nLabels === 0 ? { precision: 0, recall: 0, f1: 0 } : { precision: mean(precision), recall: mean(recall), f1: mean(f1) };

  // np.average(v, weights=support): sum(v * w) / sum(w), both pairwise.
  const totalSupport = 0.0 + pairwiseSum(trueSum, 0, nLabels);
  let weighted: Averages;
  if (totalSupport === 0) {
    weighted = { precision: 0, recall: 0, f1: 0 };
  } else {
    const prod = new Float64Array(nLabels);
    const avg = (v: Float64Array): number => {
      for (let k = 0; k < nLabels; k++) prod[k] = v[k]! * trueSum[k]!;
      return (0.0 + pairwiseSum(prod, 0, nLabels)) / totalSupport;
    };
    weighted = { precision: avg(precision), recall: avg(recall), f1: avg(f1) };
  }

  return {
    n,
    accuracy: n === 0 ? 0 : correct / n,
    misclassified: n - correct,
    confusionMatrix: confusionMatrix(yTrue, yPred, nLabels),
    perClass,
    macro,
    weighted,
  };
}
