import { describe, expect, it } from 'vitest';
import { DataError, InvalidParameterError, encodeLabels, splitSizes, trainTestSplit } from '../../src/core/index.js';
import { caught, loadIris } from '../helpers/iris.js';

describe('split sizes', () => {
  it('rounds the float product before ceil and floor', () => {
    expect(splitSizes(100, 0.07)).toEqual({ nTrain: 92, nTest: 8 });
    expect(splitSizes(100, null, 0.58)).toEqual({ nTrain: 57, nTest: 43 });
    expect(splitSizes(150, 0.3)).toEqual({ nTrain: 105, nTest: 45 });
    expect(splitSizes(8)).toEqual({ nTrain: 6, nTest: 2 });
  });

  it('reads integers >= 1 as counts', () => {
    expect(splitSizes(150, 50)).toEqual({ nTrain: 100, nTest: 50 });
    expect(splitSizes(150, 1)).toEqual({ nTrain: 149, nTest: 1 });
    expect(splitSizes(150, 10, 20)).toEqual({ nTrain: 20, nTest: 10 });
  });

  it('rejects sizes that are bad on their own', () => {
    for (const bad of [0, 1.5, -0.2, -3, Number.NaN]) {
      expect(() => splitSizes(150, bad), String(bad)).toThrow(InvalidParameterError);
    }
    expect(() => splitSizes(150, 0.6, 0.5)).toThrow(InvalidParameterError);
  });

  it('rejects sizes the data cannot satisfy, naming the numbers', () => {
    const e = caught(() => splitSizes(150, 200));
    expect(e).toBeInstanceOf(DataError);
    expect(e).toHaveProperty('message', 'test size 200 is larger than the 150 rows available');
    expect(() => splitSizes(150, 150)).toThrow(DataError);
    expect(() => splitSizes(150, 100, 60)).toThrow(/add up to 160, more than the 150 rows/);
    expect(() => splitSizes(3, 0.9)).toThrow(/training set would be empty/);
    expect(() => splitSizes(0)).toThrow(DataError);
  });
});

describe('trainTestSplit', () => {
  it('shuffles like ShuffleSplit', () => {
    const { test, train } = trainTestSplit(150, { testSize: 0.3, seed: 0 });
    expect(test.slice(0, 10)).toEqual([114, 62, 33, 107, 7, 100, 40, 86, 76, 71]);
    expect(train.slice(0, 5)).toEqual([60, 116, 144, 119, 108]);
  });

  it('stratifies like StratifiedShuffleSplit', () => {
    const y = encodeLabels(loadIris().labels).codes;
    const { test, train } = trainTestSplit(150, { testSize: 0.3, seed: 0, stratify: y });
    expect(test.slice(0, 10)).toEqual([136, 142, 39, 44, 50, 23, 90, 149, 46, 55]);
    expect(test).toHaveLength(45);
    expect(train).toHaveLength(105);
    for (let c = 0; c < 3; c++) expect(test.filter((i) => y[i] === c)).toHaveLength(15);
  });

  it('divides before multiplying in approximate_mode (ties broken by the RNG)', () => {
    const y = [0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 2, 2, 2, 2, 2];
    expect(trainTestSplit(15, { testSize: 9, seed: 0, stratify: y })).toEqual({
      train: [10, 4, 2, 6, 8, 1],
      test: [7, 5, 11, 12, 3, 0, 9, 14, 13],
    });
  });

  it('draws a choice even when a tie group is taken whole', () => {
    const y = [0, 0, 1, 1, 1, 2, 2, 2];
    expect(trainTestSplit(8, { testSize: 3, seed: 0, stratify: y })).toEqual({ train: [4, 5, 7, 0, 2], test: [3, 6, 1] });
  });

  it('keeps row order without shuffling', () => {
    expect(trainTestSplit(10, { testSize: 3, shuffle: false })).toEqual({ train: [0, 1, 2, 3, 4, 5, 6], test: [7, 8, 9] });
  });

  it('defaults to a quarter of the rows and seed 0', () => {
    const r = trainTestSplit(150);
    expect(r.test).toHaveLength(38);
    expect(r).toEqual(trainTestSplit(150, { testSize: 0.25, seed: 0 }));
  });

  it('rejects stratify without shuffling, and bad seeds', () => {
    expect(() => trainTestSplit(4, { stratify: [0, 0, 1, 1], shuffle: false })).toThrow(InvalidParameterError);
    expect(() => trainTestSplit(10, { seed: -1 })).toThrow(InvalidParameterError);
    expect(() => trainTestSplit(10, { seed: 2 ** 32 })).toThrow(InvalidParameterError);
  });

  it('rejects stratified splits the classes cannot fill', () => {
    const e = caught(() => trainTestSplit(5, { testSize: 2, stratify: [0, 0, 1, 1, 2], classNames: ['a', 'b', 'c'] }));
    expect(e).toBeInstanceOf(DataError);
    expect(e).toHaveProperty('message', 'class "c" has only 1 member; stratify needs at least 2 rows of every class');
    const y = [0, 0, 0, 1, 1, 1, 2, 2, 2];
    expect(() => trainTestSplit(9, { testSize: 2, stratify: y })).toThrow(DataError);
    expect(() => trainTestSplit(9, { testSize: 2, stratify: y })).toThrow(/test set has 2 rows, fewer than the 3 classes/);
    expect(() => trainTestSplit(9, { testSize: 7, stratify: y })).toThrow(/training set has 2 rows/);
  });
});
