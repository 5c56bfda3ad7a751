/** The body codec on its own: limits are checked before memory is allocated for a request. */
import { describe, expect, it } from 'vitest';
import type { Model } from '../../src/lib/model.js';
import { rowsOfInfer } from '../../src/serve/codec/infer.js';
import { MAX_VALUES, rowsOfInvocation } from '../../src/serve/codec/rows.js';
import { HttpError } from '../../src/serve/errors.js';

// The parsers read a model's inputs and classes only.
const shape = (features: string[]) =>
  ({ features, inputs: features.map((name) => ({ name, kind: 'numeric', imputed: false })), isTable: false, classes: ['x', 'y'] }) as unknown as Model;
const NARROW = shape(['a', 'b', 'c', 'd']);
const WIDE = shape(Array.from({ length: 100_000 }, (_, j) => `f${j}`));

function statusOf(parse: () => unknown): number {
  try {
    parse();
  } catch (error) {
    if (error instanceof HttpError) return error.status;
    throw error;
  }
  return 200;
}

describe('request size limits', () => {
  it('a large shape with little data is 400 before anything is allocated for it', () => {
    const doc = { inputs: [{ name: 'input-0', datatype: 'FP64', shape: [1_000_000, 4], data: [1, 2, 3, 4] }] };
    expect(statusOf(() => rowsOfInfer(doc, NARROW, 1_000_000))).toBe(400);
    const perFeature = { inputs: NARROW.features.map((name) => ({ name, datatype: 'FP64', shape: [1_000_000], data: [1] })) };
    expect(statusOf(() => rowsOfInfer(perFeature, NARROW, 1_000_000))).toBe(400);
  });

  it('rows x features past MAX_VALUES is 413, not a failed allocation', () => {
    const rows = Math.ceil(MAX_VALUES / WIDE.features.length) + 1;
    expect(statusOf(() => rowsOfInvocation({ instances: Array.from({ length: rows }, () => []) }, WIDE, 1_000_000))).toBe(413);
    const doc = { inputs: [{ name: 'input-0', datatype: 'FP64', shape: [rows, WIDE.features.length], data: [] }] };
    expect(statusOf(() => rowsOfInfer(doc, WIDE, 1_000_000))).toBe(413);
  });

  it('--max-rows is 413 whatever the form', () => {
    const row = [1, 2, 3, 4];
    expect(statusOf(() => rowsOfInvocation({ instances: [row, row, row] }, NARROW, 2))).toBe(413);
    expect(statusOf(() => rowsOfInvocation({ inputs: { a: [1, 1, 1], b: [1, 1, 1], c: [1, 1, 1], d: [1, 1, 1] } }, NARROW, 2))).toBe(413);
    expect(statusOf(() => rowsOfInvocation({ instances: [row, row] }, NARROW, 2))).toBe(200);
  });
});
