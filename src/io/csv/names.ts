/**
 * How CSV values and column names appear in messages: the one place that quotes and shortens
 * them, so that no message echoes a whole field or header (a 100 MB line with no line end is one
 * "header name"). At most MAX_SHOWN characters of any text are shown.
 */

/** The longest piece of input text a message shows. */
export const MAX_SHOWN = 80;

function shorten(text: string): string {
  if (text.length <= MAX_SHOWN) return text;
  // Never cut a surrogate pair in two.
  let end = MAX_SHOWN - 1;
  if (/[\uD800-\uDBFF]/.test(text[end - 1]!)) end--;
  return `${text.slice(0, end)}…`;
}

/** A field value as messages show it: JSON-quoted, long values shortened. */
export function showValue(text: string): string {
  return JSON.stringify(shorten(text));
}

/**
 * A column name as messages show it: bare, as in `column sepal_width`, unless it could blur the
 * one-line message (control characters, quotes, surrounding spaces, empty, or, in a list, a comma),
 * then JSON-quoted. Long names are shortened either way.
 */
export function columnName(name: string, inList = false): string {
  const plain = name !== '' && name.trim() === name && !/[\u0000-\u001f\u007f"]/.test(name) && !(inList && name.includes(','));
  return plain ? shorten(name) : showValue(name);
}

/** A name as a quoted string, always (`no column "x"`), shortened. */
export function quoteName(name: string): string {
  return showValue(name);
}

/** A readable list of column names for hints. */
export function listNames(names: readonly string[], max = 30): string {
  const shown = names
    .slice(0, max)
    .map((name) => columnName(name, true))
    .join(', ');
  return names.length > max ? `${shown}, … (${names.length} in all)` : shown;
}
