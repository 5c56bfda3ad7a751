/**
 * The one grammar of a decimal number in text, as pandas' CSV reader accepts it: `5`, `-0.5`, `.5`,
 * `5.`, `1e3`, `+1`, optionally surrounded by spaces or tabs. Hexadecimal, `Infinity`, `nan`,
 * `1_000` and the empty string are not numbers. CSV fields, class labels, option values and
 * predict's feature flags all go through it, so that "is this a number" has one answer.
 */
export const DECIMAL_LITERAL = /^[ \t]*[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?[ \t]*$/;

/** The correctly rounded value of a decimal literal (±Infinity on overflow), or undefined when `text` is not one. */
export function parseDecimal(text: string): number | undefined {
  return DECIMAL_LITERAL.test(text) ? Number(text) : undefined;
}
