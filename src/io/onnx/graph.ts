/**
 * A fitted pipeline as one ONNX graph of the ai.onnx.ml domain (docs/MODEL_FORMAT.md "ONNX export"):
 *
 *   all-numeric:      input [N, F] float → (Imputer) → Scaler → LinearClassifier → label, scores
 *   with categories:  one [N, 1] input per feature, in the model's column order;
 *                     numeric:      float  → (Imputer)
 *                     categorical:  string → (LabelEncoder: missing → fill) → OneHotEncoder → Flatten
 *                     → Concat → Scaler → LinearClassifier → label, scores
 *
 * the layout skl2onnx gives a scikit-learn ColumnTransformer + Perceptron fed from a data frame.
 * ONNX computes in float32; the attributes are the model's float64 numbers rounded to nearest (and
 * the Scaler goes in two steps where a mean would lose digits: splitOffsets).
 */
import { ElemType, type ModelSpec, type NodeSpec, type ValueInfoSpec } from './onnx-proto.js';

/** IR version 8 and these opsets are what onnx 1.12 (Debian 12's python3-onnx) checks and onnxruntime runs. */
export const ONNX_IR_VERSION = 8;
export const ONNX_OPSET = 15;
export const ONNX_ML_OPSET = 3;
const ML = 'ai.onnx.ml';

export interface NumericInput {
  readonly name: string;
  readonly kind: 'numeric';
  /** The imputed value of a missing (NaN) input; null: no imputation. */
  readonly impute: number | null;
}

export interface CategoricalInput {
  readonly name: string;
  readonly kind: 'categorical';
  /** One 0/1 column each, in this order; any other value is all zeros (handle_unknown='ignore'). */
  readonly categories: readonly string[];
  /** The category a missing value becomes; null: a missing value is all zeros, as an unknown one. */
  readonly impute: string | null;
}

export type InputColumn = NumericInput | CategoricalInput;

/** What the exporter needs of a fitted model: the shape of core's FittedModel (and its preprocessing). */
export interface ExportablePipeline {
  readonly target: string;
  /** The linear model's column names (expanded: `island=Biscoe`). */
  readonly features: readonly string[];
  readonly classes: readonly string[];
  readonly mean: Float64Array;
  readonly scale: Float64Array;
  /** Row-major, (2 classes: 1, else C) x features. */
  readonly coef: Float64Array;
  readonly intercept: Float64Array;
  /** The input columns in model order; absent: one numeric column per feature, no imputation. */
  readonly preprocessing?: { readonly columns: readonly InputColumn[]; readonly naValues: readonly string[] };
}

export interface ExportOptions {
  /** The model artifact's checksum (`sha256:…`), carried in the metadata. */
  checksum: string;
  producerVersion: string;
}

/** The names the graph's outputs always have, whatever the features are called. */
export const OUTPUT_LABEL = 'label';
export const OUTPUT_SCORES = 'scores';
const BATCH = 'N';

/** A string that is none of `taken`: what LabelEncoder gives values outside its table. */
function unusedString(taken: ReadonlySet<string>): string {
  let s = '__iris_unknown__';
  while (taken.has(s)) s += '_';
  return s;
}

/**
 * Names of the graph's intermediate values: a prefix that no input name starts with, so that a
 * feature called `scaled` or `columns` cannot collide with them.
 */
function internalNames(inputs: readonly string[]): (name: string) => string {
  let prefix = 'iris.';
  while (inputs.some((name) => name.startsWith(prefix))) prefix = `_${prefix}`;
  return (name) => prefix + name;
}

/** The input columns and whether the graph takes them as one matrix (no categorical column). */
function inputColumns(p: ExportablePipeline): readonly InputColumn[] {
  return p.preprocessing?.columns ?? p.features.map((name): NumericInput => ({ name, kind: 'numeric', impute: null }));
}

function checkShapes(p: ExportablePipeline, columns: readonly InputColumn[], perFeature: boolean): void {
  const d = p.features.length;
  const rows = p.classes.length === 2 ? 1 : p.classes.length;
  let width = 0;
  for (const c of columns) width += c.kind === 'numeric' ? 1 : c.categories.length;
  if (width !== d || p.mean.length !== d || p.scale.length !== d || p.coef.length !== rows * d || p.intercept.length !== rows) {
    throw new RangeError(
      `cannot export: ${columns.length} input columns make ${width} columns; the model has ${d} features, ` +
        `${p.mean.length} means, ${p.scale.length} scales, ${p.coef.length} weights and ${p.intercept.length} intercepts`,
    );
  }
  const names = new Set<string>();
  for (const c of columns) {
    if (perFeature && (c.name === OUTPUT_LABEL || c.name === OUTPUT_SCORES)) {
      throw new RangeError(`cannot export: the feature "${c.name}" has the name of an output of the ONNX graph`);
    }
    if (names.has(c.name)) throw new RangeError(`cannot export: two input columns are named "${c.name}"`);
    names.add(c.name);
  }
}

/**
 * LinearClassifier's weights. Two classes: scikit-learn keeps one row w (score s > 0 → class 1); the
 * graph gets the rows −w and w with intercepts −b and b, so its scores are [−s, s] and its argmax
 * (the first maximum: class 0 when s = 0) is scikit-learn's choice, as skl2onnx does.
 */
function linearWeights(p: ExportablePipeline): { coefficients: Float64Array; intercepts: Float64Array } {
  if (p.classes.length !== 2) return { coefficients: p.coef, intercepts: p.intercept };
  const d = p.features.length;
  const coefficients = new Float64Array(2 * d);
  for (let j = 0; j < d; j++) {
    coefficients[j] = -p.coef[j]!;
    coefficients[d + j] = p.coef[j]!;
  }
  return { coefficients, intercepts: Float64Array.of(-p.intercept[0]!, p.intercept[0]!) };
}

/**
 * A mean far from 0 next to a small scale (a year: mean 2008.0083, scale 0.8) loses its last digits
 * in float32 (2008.0083 is stored as 2008.00830078…), and that error, divided by the scale, lands in
 * every scaled value: 7e-5 for the year. Then the offset is subtracted in two steps, its float32
 * value hi (x − hi is exact in float32 when x is near hi) and the remainder lo = mean − hi; a second
 * Scaler does lo and the scale. Only when some column's error would exceed 1e-6 of a unit.
 */
function splitOffsets(mean: Float64Array, scale: Float64Array): { hi: Float64Array; lo: Float64Array; ones: Float64Array } | undefined {
  const hi = Float64Array.from(mean, (m) => Math.fround(m));
  const lo = Float64Array.from(mean, (m, j) => m - hi[j]!);
  if (!lo.some((r, j) => Math.abs(r) / scale[j]! > 1e-6)) return undefined;
  return { hi, lo, ones: new Float64Array(mean.length).fill(1) };
}

/** The ONNX model of `p`: one graph, the pipeline's numbers as node attributes. */
export function pipelineToOnnx(p: ExportablePipeline, options: ExportOptions): ModelSpec {
  const columns = inputColumns(p);
  const perFeature = columns.some((c) => c.kind === 'categorical');
  checkShapes(p, columns, perFeature);
  const v = internalNames(perFeature ? columns.map((c) => c.name) : ['input']);
  const d = p.features.length;
  const nodes: NodeSpec[] = [];
  const inputs: ValueInfoSpec[] = [];
  const valueInfo: ValueInfoSpec[] = [];
  let features: string;

  if (!perFeature) {
    inputs.push({ name: 'input', elemType: ElemType.FLOAT, shape: [BATCH, d], doc: `the features, in this order: ${p.features.join(', ')}` });
    features = 'input';
    if (columns.some((c) => c.kind === 'numeric' && c.impute !== null)) {
      // A column without imputation "imputes" NaN with NaN: it stays missing, as it would unimputed.
      const values = columns.map((c) => (c.kind === 'numeric' && c.impute !== null ? c.impute : Number.NaN));
      nodes.push({
        name: 'impute',
        opType: 'Imputer',
        domain: ML,
        inputs: ['input'],
        outputs: [v('imputed')],
        attributes: { imputed_value_floats: { floats: values }, replaced_value_float: { float: Number.NaN } },
      });
      valueInfo.push({ name: v('imputed'), elemType: ElemType.FLOAT, shape: [BATCH, d] });
      features = v('imputed');
    }
  } else {
    const blocks: string[] = [];
    columns.forEach((c, k) => {
      const id = `c${k}`;
      if (c.kind === 'numeric') {
        inputs.push({ name: c.name, elemType: ElemType.FLOAT, shape: [BATCH, 1], doc: 'a number; NaN is missing' });
        if (c.impute === null) {
          blocks.push(c.name);
        } else {
          nodes.push({
            name: `${id}_impute`,
            opType: 'Imputer',
            domain: ML,
            inputs: [c.name],
            outputs: [v(`${id}_imputed`)],
            attributes: { imputed_value_floats: { floats: [c.impute] }, replaced_value_float: { float: Number.NaN } },
          });
          valueInfo.push({ name: v(`${id}_imputed`), elemType: ElemType.FLOAT, shape: [BATCH, 1] });
          blocks.push(v(`${id}_imputed`));
        }
        return;
      }
      const naValues = p.preprocessing?.naValues ?? [];
      inputs.push({
        name: c.name,
        elemType: ElemType.STRING,
        shape: [BATCH, 1],
        doc: `a category (${c.categories.length} known; others are all zeros)${c.impute === null || naValues.length === 0 ? '' : `; ${naValues.map((na) => JSON.stringify(na)).join(', ')} are missing`}`,
      });
      let text = c.name;
      if (c.impute !== null) {
        // LabelEncoder maps each known category to itself and each missing-value string to the fill
        // value; anything else to a string that is no category, which OneHotEncoder then ignores.
        const known = new Set(c.categories);
        const missing = naValues.filter((na) => !known.has(na));
        nodes.push({
          name: `${id}_impute`,
          opType: 'LabelEncoder',
          domain: ML,
          inputs: [c.name],
          outputs: [v(`${id}_imputed`)],
          attributes: {
            keys_strings: { strings: [...c.categories, ...missing] },
            values_strings: { strings: [...c.categories, ...missing.map(() => c.impute as string)] },
            default_string: { string: unusedString(new Set([...known, ...missing])) },
          },
        });
        valueInfo.push({ name: v(`${id}_imputed`), elemType: ElemType.STRING, shape: [BATCH, 1] });
        text = v(`${id}_imputed`);
      }
      nodes.push({
        name: `${id}_onehot`,
        opType: 'OneHotEncoder',
        domain: ML,
        inputs: [text],
        outputs: [v(`${id}_onehot`)],
        attributes: { cats_strings: { strings: c.categories }, zeros: { int: 1 } },
      });
      // onnx 1.12 infers no type for the outputs of Imputer, LabelEncoder and OneHotEncoder: the graph states them.
      valueInfo.push({ name: v(`${id}_onehot`), elemType: ElemType.FLOAT, shape: [BATCH, 1, c.categories.length] });
      // OneHotEncoder adds an axis ([N, 1] → [N, 1, categories]); Flatten makes it [N, categories].
      nodes.push({
        name: `${id}_flat`,
        opType: 'Flatten',
        domain: '',
        inputs: [v(`${id}_onehot`)],
        outputs: [v(`${id}_flat`)],
        attributes: { axis: { int: 1 } },
      });
      blocks.push(v(`${id}_flat`));
    });
    nodes.push({ name: 'concat', opType: 'Concat', domain: '', inputs: blocks, outputs: [v('columns')], attributes: { axis: { int: 1 } } });
    features = v('columns');
  }

  // Scaler computes (x − offset) · scale: the reciprocal of scikit-learn's scale_ (1 for a one-hot column).
  const inverse = Float64Array.from(p.scale, (s) => 1 / s);
  const split = splitOffsets(p.mean, p.scale);
  if (split === undefined) {
    nodes.push({
      name: 'scale',
      opType: 'Scaler',
      domain: ML,
      inputs: [features],
      outputs: [v('scaled')],
      attributes: { offset: { floats: p.mean }, scale: { floats: inverse } },
    });
  } else {
    nodes.push({
      name: 'center',
      opType: 'Scaler',
      domain: ML,
      inputs: [features],
      outputs: [v('centered')],
      attributes: { offset: { floats: split.hi }, scale: { floats: split.ones } },
    });
    nodes.push({
      name: 'scale',
      opType: 'Scaler',
      domain: ML,
      inputs: [v('centered')],
      outputs: [v('scaled')],
      attributes: { offset: { floats: split.lo }, scale: { floats: inverse } },
    });
  }
  const { coefficients, intercepts } = linearWeights(p);
  nodes.push({
    name: 'perceptron',
    opType: 'LinearClassifier',
    domain: ML,
    inputs: [v('scaled')],
    outputs: [OUTPUT_LABEL, OUTPUT_SCORES],
    attributes: {
      classlabels_strings: { strings: p.classes },
      coefficients: { floats: coefficients },
      intercepts: { floats: intercepts },
      multi_class: { int: 0 },
      post_transform: { string: 'NONE' },
    },
  });

  const scoreWidth = intercepts.length;
  return {
    irVersion: ONNX_IR_VERSION,
    opsets: [
      { domain: '', version: ONNX_OPSET },
      { domain: ML, version: ONNX_ML_OPSET },
    ],
    producerName: 'iris',
    producerVersion: options.producerVersion,
    domain: 'iris',
    doc: `A Perceptron predicting "${p.target}" (classes ${p.classes.join(', ')}), exported from the iris model ${options.checksum}.`,
    graph: {
      name: 'iris_perceptron',
      doc: 'scikit-learn Perceptron pipeline: standard scaling, then the linear decision function; label is the argmax of scores.',
      nodes,
      inputs,
      valueInfo,
      outputs: [
        { name: OUTPUT_LABEL, elemType: ElemType.STRING, shape: [BATCH], doc: 'the predicted class' },
        {
          name: OUTPUT_SCORES,
          elemType: ElemType.FLOAT,
          shape: [BATCH, scoreWidth],
          doc: p.classes.length === 2 ? 'the decision function s as [-s, s]' : 'the decision function, one column per class',
        },
      ],
    },
    metadata: [
      ['iris.checksum', options.checksum],
      ['iris.target', p.target],
      ['iris.inputs', JSON.stringify(columns.map((c) => c.name))],
      ['iris.features', JSON.stringify(p.features)],
      ['iris.classes', JSON.stringify(p.classes)],
    ],
  };
}
