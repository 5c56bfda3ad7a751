import { describe, expect, it } from 'vitest';
import { InvalidParameterError, MAX_INT, RandomState } from '../../src/core/index.js';

const draws = (rs: RandomState, k: number): number[] => Array.from({ length: k }, () => rs.next32());

describe('RandomState (numpy legacy MT19937)', () => {
  it('reproduces the seed-0 output stream', () => {
    expect(draws(new RandomState(0), 5)).toEqual([2357136044, 2546248239, 3071714933, 3626093760, 2588848963]);
  });

  it('regenerates the state after 624 outputs as numpy does', () => {
    const out = draws(new RandomState(0), 1300);
    expect([out[623], out[624], out[1299]]).toEqual([3791854820, 341544762, 387547707]);
  });

  it('accepts the largest 32-bit seed', () => {
    expect(draws(new RandomState(4294967295), 3)).toEqual([419326371, 479346978, 3918654476]);
  });

  it('rejects seeds numpy rejects', () => {
    for (const bad of [-1, 1.5, 2 ** 32, Number.NaN, Infinity]) {
      expect(() => new RandomState(bad)).toThrow(InvalidParameterError);
    }
  });

  it('permutes with Fisher–Yates from the end', () => {
    expect(new RandomState(0).permutation(10)).toEqual([2, 8, 4, 9, 1, 6, 7, 3, 0, 5]);
    expect(new RandomState(12345).permutation(20)).toEqual([13, 8, 16, 3, 15, 12, 0, 10, 7, 11, 6, 17, 19, 18, 14, 9, 4, 1, 5, 2]);
  });

  it('draws bounded integers by masked rejection', () => {
    const rs = new RandomState(1);
    expect(Array.from({ length: 10 }, () => rs.randint(0, 5))).toEqual([3, 4, 0, 1, 3, 0, 0, 1, 4, 4]);
  });

  it('randint(high) is randint(0, high)', () => {
    const a = new RandomState(9);
    const b = new RandomState(9);
    for (let i = 0; i < 20; i++) expect(a.randint(37)).toBe(b.randint(0, 37));
  });

  it('bounded(0) and permutation(1) consume no output', () => {
    const a = new RandomState(5);
    const b = new RandomState(5);
    expect(a.bounded(0)).toBe(0);
    expect(a.permutation(1)).toEqual([0]);
    expect(a.permutation(0)).toEqual([]);
    expect(draws(a, 3)).toEqual(draws(b, 3));
  });

  it('choice(replace=False) permutes the whole population', () => {
    expect(new RandomState(3).choice(7, 3)).toEqual([4, 6, 5]);
    const a = new RandomState(4);
    const b = new RandomState(4);
    a.choice(6, 6);
    b.permutation(6);
    expect(a.next32()).toBe(b.next32());
  });

  it('permuted returns a shuffled copy and leaves the input alone', () => {
    const items = [10, 20, 30, 40, 50];
    expect(new RandomState(3).permuted(items)).toEqual([40, 50, 20, 10, 30]);
    expect(items).toEqual([10, 20, 30, 40, 50]);
  });

  it('derives the perceptron seeds for random_state=0', () => {
    const rs = new RandomState(0);
    const seeds = [rs.randint(MAX_INT), rs.randint(MAX_INT), rs.randint(MAX_INT)];
    expect(seeds).toEqual([209652396, 398764591, 924231285]);
    const pairs = seeds.map((s) => {
      const r = new RandomState(s);
      return [r.randint(1, MAX_INT), r.randint(MAX_INT)];
    });
    expect(pairs).toEqual([
      [2087557357, 1702673635],
      [132990060, 1586107549],
      [1109697838, 1930872371],
    ]);
    const bin = new RandomState(0);
    expect([bin.randint(1, MAX_INT), bin.randint(MAX_INT)]).toEqual([209652397, 398764591]);
  });
});
