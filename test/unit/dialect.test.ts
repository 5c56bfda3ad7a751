import { describe, expect, it } from 'vitest';
import { UsageError } from '../../src/core/errors.js';
import { checkDialect, parseDelimiter, sniffDelimiter } from '../../src/io/csv/dialect.js';
import { columnName, listNames, showValue } from '../../src/io/csv/names.js';
import { parseNumber } from '../../src/io/csv/numbers.js';

describe('CSV dialects', () => {
  it('sniffs the delimiter met most often outside quotes, ties in the order , ; tab |', () => {
    const sniff = (line: string, decimal: '.' | ',' = '.') => sniffDelimiter(Buffer.from(line), 0, Buffer.byteLength(line), decimal);
    expect(sniff('a;b;c')).toBe(';');
    expect(sniff('a\tb\tc')).toBe('\t');
    expect(sniff('a|b|c')).toBe('|');
    expect(sniff('a,b;c')).toBe(','); // a tie goes to the comma
    expect(sniff('"a;b;c",d')).toBe(','); // quoted delimiters do not count
    expect(sniff('5,1;3,5;1,4', ',')).toBe(';'); // the decimal comma is no candidate
    expect(sniff('abc')).toBe(',');
  });

  it('reads the spellings of a delimiter and refuses a comma that is both delimiter and decimal mark', () => {
    expect(['tab', '\\t', '\t', ';', '|', ',', 'auto'].map(parseDelimiter)).toEqual(['\t', '\t', '\t', ';', '|', ',', 'auto']);
    expect(parseDelimiter(':')).toBeUndefined();
    expect(() => checkDialect({ decimal: ',' })).toThrow(UsageError);
    expect(() => checkDialect({ decimal: ',', delimiter: ';' })).not.toThrow();
    expect(() => checkDialect({ names: ['a', 'a'] })).toThrow('--names: a name is given twice');
  });

  it('parses numbers with a decimal comma, where a dot is no decimal mark', () => {
    expect(parseNumber('5,1', ',')).toBe(5.1);
    expect(parseNumber(' -0,5e1 ', ',')).toBe(-5);
    expect(parseNumber('5.1', ',')).toBeUndefined();
    expect(parseNumber('5,1')).toBeUndefined();
  });

  it('quotes at most 80 characters of a value or name in messages', () => {
    const long = 'x'.repeat(10_000);
    expect(showValue(long)).toBe(JSON.stringify(`${'x'.repeat(79)}…`));
    expect(columnName(long)).toBe(`${'x'.repeat(79)}…`);
    expect(columnName('petal width')).toBe('petal width');
    expect(columnName('')).toBe('""');
    expect(listNames(['a,b', 'c'])).toBe('"a,b", c');
    // A surrogate pair is never cut in two.
    expect(showValue(`${'x'.repeat(78)}🌸🌸`)).toBe(JSON.stringify(`${'x'.repeat(78)}…`));
  });
});
