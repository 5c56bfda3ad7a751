/** `fit`'s initModel (scikit-learn's fit(coef_init=, intercept_init=)): the starting weights, when the shapes agree. */
import { DataError } from '../core/errors.js';
import type { Model } from './model.js';

/** The init model's weights, when it has the fit's features and classes (else a DataError, as the CLI's exit 3). */
export function startingWeights(model: Model, features: readonly string[], classes: readonly string[]): { coef: Float64Array; intercept: Float64Array } {
  const same = (a: readonly string[], b: readonly string[]) => a.length === b.length && a.every((v, i) => v === b[i]);
  if (!same(model.features, features) || !same(model.classes, classes)) {
    throw new DataError(
      `initModel has features (${model.features.slice(0, 8).join(', ')}) and classes (${model.classes.slice(0, 8).join(', ')}); ` +
        `the fit has (${features.slice(0, 8).join(', ')}) and (${classes.slice(0, 8).join(', ')})`,
    );
  }
  return { coef: Float64Array.from(model.fitted.coef), intercept: Float64Array.from(model.fitted.intercept) };
}
