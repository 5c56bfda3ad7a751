/** The body codec on its own: limits are checked before memory is allocated for a request. */
import { describe, expect, it } from 'vitest';
import { MAX_VALUES, rowsOfInfer, rowsOfInvocation, type ModelShape } from '../../src/serve/codec.js';
import { HttpError } from '../../src/serve/errors.js';

const NARROW: ModelShape = { features: ['a', 'b', 'c', 'd'], classes: ['x', 'y'], nScores: 1 };
const WIDE: ModelShape = { features: Array.from({ length: 100_000 }, (_, j) => `f${j}`), classes: ['x', 'y'], nScores: 1 };

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
