/** The one-vs-rest ROC of an evaluation, for --json (`rocAuc`) and the HTML report. */
import { oneVsRestRoc, type RocCurve } from '../core/roc.js';

export interface RocSummary {
  /** One curve per model class; undefined when the rows hold no row, or nothing but rows, of that class. */
  curves: (RocCurve | undefined)[];
  /** scikit-learn's roc_auc_score(y == c, decision_function[:, c]) per class; null where undefined. */
  auc: Record<string, number | null>;
}

export function rocOf(scored: { labels: readonly string[]; scores: Float64Array }, classes: readonly string[]): RocSummary {
  const index = new Map(classes.map((c, k) => [c, k]));
  const codes = Int32Array.from(scored.labels, (label) => index.get(label) ?? -1);
  const curves = oneVsRestRoc(codes, scored.scores, classes.length);
  const auc: Record<string, number | null> = {};
  classes.forEach((c, k) => (auc[c] = curves[k]?.auc ?? null));
  return { curves, auc };
}
