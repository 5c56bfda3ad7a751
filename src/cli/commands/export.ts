/**
 * iris export: the model in a format other runtimes read (docs/CLI.md "export"). Today ONNX; the
 * encoder is loaded only here, so no other command pays for it.
 */
import { basename, extname } from 'node:path';
import type { CommandInput, CommandResult } from '../command.js';
import { modelPathOf, resolveSettings } from '../settings.js';

/** model.json → model.onnx, next to the model. */
function defaultOut(modelPath: string): string {
  const ext = extname(modelPath);
  return `${ext === '' ? modelPath : modelPath.slice(0, -ext.length)}.onnx`;
}

export async function run({ ctx, flags, config }: CommandInput): Promise<CommandResult> {
  const s = resolveSettings('export', flags, config);
  ctx.quiet = s.quiet === true;
  const modelPath = modelPathOf(s, config);
  const out = s.out ?? defaultOut(modelPath);
  const model = await ctx.model(modelPath);
  const { onnxInputs, toOnnx } = await import('../../lib/onnx.js');
  const bytes = toOnnx(model);
  if (out === '-') {
    // Binary data on stdout: the only thing written there.
    ctx.io.stdout.write(bytes);
    return 0;
  }
  const { writeFileAtomic } = await import('../../io/atomic-write.js');
  await writeFileAtomic(out, bytes);
  const inputs = onnxInputs(model);
  ctx.note(
    `Exported ${basename(modelPath)} to ${out} (ONNX, ${bytes.length} bytes)\n` +
      `  ${inputs.length === 1 ? 'input ' : 'inputs'}  ${inputs.join(', ')}\n` +
      `  outputs "label" string [N] (${model.classes.join(', ')}), "scores" float [N, ${model.classes.length}]`,
  );
  return 0;
}
