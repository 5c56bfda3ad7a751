/**
 * A model as ONNX (docs/MODEL_FORMAT.md "ONNX export"): one ai.onnx.ml graph that other runtimes
 * (onnxruntime, Triton, KServe, a browser) run without iris. Imported only by what exports.
 */
import { describeInputs, encodeOnnx } from '../io/onnx/index.js';
import { writeFileAtomic } from '../io/atomic-write.js';
import { packageInfo } from '../io/package-info.js';
import type { Model } from './model.js';

/** The .onnx file's bytes of `model`. */
export function toOnnx(model: Model): Uint8Array {
  return encodeOnnx(model.fitted, { checksum: model.checksum, producerVersion: packageInfo().version });
}

/** The ONNX graph's inputs, in words (`"input" float [N, 4]`), for messages. */
export function onnxInputs(model: Model): string[] {
  return describeInputs(model.fitted, { checksum: model.checksum, producerVersion: packageInfo().version });
}

/** Writes the model as ONNX, atomically. */
export async function saveOnnx(model: Model, path: string): Promise<void> {
  await writeFileAtomic(path, toOnnx(model));
}
