/** The options of the library's `fit` (fit.ts, fit-table.ts). */
import type { PerceptronParams } from '../core/perceptron.js';
import type { ImputeStrategy } from '../core/preprocessing.js';
import type { Model } from './model.js';

export interface FitOptions extends Partial<Omit<PerceptronParams, 'randomState' | 'initModel'>> {
  /** Start from this model's weights (scikit-learn's fit(coef_init=, intercept_init=)): same features and classes. */
  initModel?: Model;
  /** random_state of the perceptron's shuffling (default 0). */
  seed?: number;
  /** Records / column tables: these inputs are categories whatever their values (numbers match as String(n)). */
  categorical?: readonly string[];
  /** Records / column tables: fill missing values (null, undefined, NaN) as SimpleImputer(strategy) does. */
  impute?: ImputeStrategy;
  /** The constant of impute 'constant' (default 0, and "missing_value" for categories). */
  fillValue?: string | number;
  /** More distinct values than this in a categorical input is an error (default 1000). */
  maxCategories?: number;
  /** Feature names, one per column of X (default x0, x1, …, as scikit-learn names them). */
  features?: readonly string[];
  /** The name of what y holds (default "y"). */
  target?: string;
}
