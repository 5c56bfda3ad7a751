/**
 * scikit-learn's `compute_class_weight` and how the weights enter each binary problem
 * (docs/SKLEARN_PARITY.md §12).
 */
import { DataError, InvalidParameterError } from './errors.js';

/** null: every class weighs 1; 'balanced': n / (K * count); a record: the named classes' weights, 1 for the others. */
export type ClassWeightParam = null | 'balanced' | Readonly<Record<string, number>>;

export function validateClassWeight(value: unknown): void {
  if (value === null || value === 'balanced') return;
  if (typeof value !== 'object' || Array.isArray(value)) {
    throw new InvalidParameterError(`classWeight must be null, "balanced" or an object of class weights, got ${JSON.stringify(value)}`);
  }
  for (const [name, w] of Object.entries(value as Record<string, unknown>)) {
    if (typeof w !== 'number' || !Number.isFinite(w)) {
      throw new InvalidParameterError(`classWeight["${name.slice(0, 40)}"] must be a finite number, got ${JSON.stringify(w)}`);
    }
  }
}

/**
 * One weight per class code. `y` holds codes into `classes` (every row passed to fit, validation rows
 * included); `classes` names them for a record of weights.
 */
export function computeClassWeight(classWeight: ClassWeightParam, classes: readonly string[], y: Int32Array): Float64Array {
  const K = classes.length;
  const weight = new Float64Array(K).fill(1.0);
  if (classWeight === null) return weight;
  if (classWeight === 'balanced') {
    const count = new Float64Array(K);
    for (let i = 0; i < y.length; i++) count[y[i]!]! += 1;
    // n / (K * count[c]): K * count is exact, then one rounded division.
    for (let c = 0; c < K; c++) weight[c] = y.length / (K * count[c]!);
    return weight;
  }
  const unweighted: string[] = [];
  for (let c = 0; c < K; c++) {
    const name = classes[c]!;
    if (Object.hasOwn(classWeight, name)) weight[c] = classWeight[name]!;
    else unweighted.push(name);
  }
  // scikit-learn refuses a record only when some class is unnamed and some name is not a class.
  if (unweighted.length > 0 && K - unweighted.length !== Object.keys(classWeight).length) {
    const unknown = Object.keys(classWeight).filter((name) => !classes.includes(name));
    throw new DataError(
      `class weight for ${unknown.map((s) => JSON.stringify(s.slice(0, 40))).join(', ')}, which is not a class of the training rows ` +
        `(scikit-learn: the classes, [${unweighted.map((s) => `'${s.slice(0, 40)}'`).join(', ')}], are not in class_weight)`,
      { hint: `the classes are ${classes.slice(0, 20).join(', ')}` },
    );
  }
  return weight;
}

/** The (positive, negative) weights of binary problem `r`: binary uses both classes' weights, one-vs-rest weighs the rest 1. */
export function problemWeights(weight: Float64Array, r: number): { pos: number; neg: number } {
  if (weight.length === 2) return { pos: weight[1]!, neg: weight[0]! };
  return { pos: weight[r]!, neg: 1.0 };
}
