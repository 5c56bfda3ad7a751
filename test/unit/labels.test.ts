import { describe, expect, it } from 'vitest';
import { DataError } from '../../src/core/errors.js';
import { classLabels, compareCodePoints, encodeLabels, isNumericLabel, sortClasses, wholeNumberName } from '../../src/core/index.js';

describe('labels', () => {
  it('recognises the decimal literals pandas reads as numbers', () => {
    for (const s of ['1', '-2', '+3.5', '.5', '5.', '1e3', ' 2.5E-3 ', '007']) expect(isNumericLabel(s), s).toBe(true);
    for (const s of ['', 'abc', '1,5', '1e', '--1', '.', '0x10', 'inf', '1 2']) expect(isNumericLabel(s), s).toBe(false);
  });

  it('sorts all-numeric labels numerically, ties by code point', () => {
    expect(sortClasses(['10', '9', '1.5', '-2', '1e1'])).toEqual(['-2', '1.5', '9', '10', '1e1']);
  });

  it('sorts anything else by code point, not by locale', () => {
    expect(sortClasses(['b', 'B', 'a', '10', '9'])).toEqual(['10', '9', 'B', 'a', 'b']);
    // U+1F600 (a surrogate pair in UTF-16) sorts after U+E000 by code point.
    expect(sortClasses(['\u{1F600}', '\uE000', 'z'])).toEqual(['z', '\uE000', '\u{1F600}']);
    expect(compareCodePoints('ab', 'a')).toBe(1);
    expect(compareCodePoints('a', 'a')).toBe(0);
  });

  it('encodes labels against sorted or given classes', () => {
    const { classes, codes } = encodeLabels(['virginica', 'setosa', 'versicolor', 'setosa']);
    expect(classes).toEqual(['setosa', 'versicolor', 'virginica']);
    expect(Array.from(codes)).toEqual([2, 0, 1, 0]);
    const given = encodeLabels(['b', 'zz', 'a'], ['a', 'b']);
    expect(given.classes).toEqual(['a', 'b']);
    expect(Array.from(given.codes)).toEqual([1, -1, 0]);
  });

  it('keeps the exact text of numeric labels', () => {
    expect(encodeLabels(['2.0', '10', '2.0']).classes).toEqual(['2.0', '10']);
  });

  it('names a whole-number label by its value in plain digits', () => {
    const cases: [string, string | undefined][] = [
      ['1', '1'],
      ['1.0', '1'],
      ['01', '1'],
      ['+1', '1'],
      ['1e0', '1'],
      [' 2.000 ', '2'],
      ['-0', '0'],
      ['-0.0', '0'],
      ['.0', '0'],
      ['5.', '5'],
      ['-3', '-3'],
      ['1.5e1', '15'],
      ['1e21', '1000000000000000000000'],
      ['12345678901234567890', '12345678901234567890'],
      ['1.5', undefined],
      ['0.1', undefined],
      ['1e-1', undefined],
      ['2.50', undefined],
    ];
    for (const [text, name] of cases) expect(wholeNumberName(text), text).toBe(name);
  });

  it('classLabels: numerically equal labels are one class; text labels are left alone; continuous is refused', () => {
    expect(classLabels(['1', '1.0', '2', '02', '0.0'])).toEqual(['1', '1', '2', '2', '0']);
    const text = ['setosa', '1.0', '1'];
    expect(classLabels(text)).toBe(text); // one text label: every label stays text
    const plain = ['0', '1', '2'];
    expect(classLabels(plain)).toBe(plain); // nothing to rename: the same array
    let error: unknown;
    try {
      classLabels(['1', '2.5'], 'data.csv: column y');
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(DataError);
    expect((error as DataError).message).toBe('data.csv: column y: Unknown label type: continuous (the label "2.5" is not a whole number)');
    expect(sortClasses([...new Set(classLabels(['10', '9.0', '-1', '9']))])).toEqual(['-1', '9', '10']);
  });
});
