/**
 * The one fitted-model type: everything needed to score rows and to say what the model is. The
 * library's Model, the artifact (io/model) and both front ends all hold this; nothing else does.
 */
import type { PerceptronParams } from './perceptron.js';
import type { ScoringModel } from './linear.js';
import type { Preprocessing } from './preprocessing.js';

export interface FittedModel extends ScoringModel {
  /** The label column the model predicts. */
  readonly target: string;
  /**
   * The linear model's column names, in the order of the weights' columns: the input features for an
   * all-numeric model, else the expanded names (numeric features, then `island=Biscoe`, …).
   */
  readonly features: readonly string[];
  /** scikit-learn's classes_: sorted labels of the training rows. */
  readonly classes: readonly string[];
  /** Epochs run; with several classes, the most any one-vs-rest model ran. */
  readonly nIter: number;
  /** tol set and nIter < maxIter: scikit-learn would not warn of non-convergence. */
  readonly converged: boolean;
  readonly params: PerceptronParams;
  /** The input columns and their fitted imputation and categories (core/preprocessing.ts). */
  readonly preprocessing: Preprocessing;
}
