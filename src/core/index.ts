/** The pure numeric core: no I/O, no process state; everything the CLI computes goes through here. */
export * from './errors.js';
export * from './types.js';
export * from './random.js';
export * from './labels.js';
export * from './matrix.js';
export * from './split.js';
export * from './scaler.js';
export * from './linear.js';
export * from './perceptron.js';
export * from './model.js';
export * from './preprocessing.js';
export * from './metrics.js';
export * from './pipeline.js';
export * from './impute.js';
export * from './column-transformer.js';
export * from './table-pipeline.js';
