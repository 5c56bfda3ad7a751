/** ONNX export: a fitted pipeline as a .onnx file's bytes (docs/MODEL_FORMAT.md "ONNX export"). */
import { pipelineToOnnx, type ExportablePipeline, type ExportOptions } from './graph.js';
import { ElemType, encodeModel } from './onnx-proto.js';

export { ONNX_IR_VERSION, ONNX_ML_OPSET, ONNX_OPSET, OUTPUT_LABEL, OUTPUT_SCORES, type ExportablePipeline, type InputColumn } from './graph.js';

/** The graph's inputs in words: `input` float [N, 4], or one per feature. */
export function describeInputs(pipeline: ExportablePipeline, options: ExportOptions): string[] {
  const types: Record<number, string> = { [ElemType.FLOAT]: 'float', [ElemType.STRING]: 'string', [ElemType.INT64]: 'int64' };
  return pipelineToOnnx(pipeline, options).graph.inputs.map((i) => `"${i.name}" ${types[i.elemType] ?? '?'} [${i.shape.join(', ')}]`);
}

/** The ModelProto bytes of the pipeline. */
export function encodeOnnx(pipeline: ExportablePipeline, options: ExportOptions): Uint8Array {
  return encodeModel(pipelineToOnnx(pipeline, options));
}
