/**
 * RFC 8785 JSON Canonicalization Scheme (JCS).
 *
 * - Object members are sorted by the UTF-16 code units of their names (JavaScript's default string
 *   order), recursively; array order is kept.
 * - No whitespace.
 * - Numbers as ECMAScript's Number.prototype.toString prints them (shortest round-trip form,
 *   `1e+21`, `1e-7`, and `-0` as `0`); NaN and ±Infinity are refused.
 * - Strings as ECMAScript's JSON.stringify escapes them (`\b \t \n \f \r \" \\`, other control
 *   characters as lower-case `\u00xx`, everything else literal). Lone surrogates are refused, since
 *   JCS input must be I-JSON.
 *
 * Only JSON data is accepted: null, booleans, finite numbers, strings, arrays and plain objects.
 * Anything else (undefined as a value, functions, symbols, bigints, Dates, typed arrays, Maps, class
 * instances) throws a TypeError naming where it is, rather than being silently converted the way
 * JSON.stringify would (a Float64Array would become `{"0":…}`). Object members whose value is
 * `undefined` are skipped, as JSON.stringify skips them, so an optional field left undefined is simply
 * absent in both the file and its checksum.
 */

const LONE_SURROGATE = /[\uD800-\uDFFF]/u; // with the u flag, only unpaired surrogates match
const MAX_DEPTH = 1000;

export class CanonicalJsonError extends TypeError {
  constructor(
    /** What is wrong, e.g. `non-finite number Infinity`. */
    readonly reason: string,
    /** Where in the value, as `perceptron.coef[0][2]` (empty for the value itself). */
    readonly at: string,
  ) {
    super(`canonical JSON: ${reason}${at === '' ? '' : ` at ${at}`}`);
    this.name = 'CanonicalJsonError';
  }
}

/** `perceptron.coef[0][2]`, `training.metrics["per class"]`. */
export function formatPath(parts: readonly (string | number)[]): string {
  let out = '';
  for (const part of parts) {
    if (typeof part === 'number') out += `[${part}]`;
    else if (/^[A-Za-z_$][\w$]*$/.test(part)) out += out === '' ? part : `.${part}`;
    else out += `[${JSON.stringify(part)}]`;
  }
  return out;
}

export function canonicalJson(value: unknown): string {
  const out: string[] = [];
  write(value, out, []);
  return out.join('');
}

function fail(reason: string, path: (string | number)[]): never {
  throw new CanonicalJsonError(reason, formatPath(path));
}

/** `path` is a stack of the keys leading to `value`, formatted only when something fails. */
function write(value: unknown, out: string[], path: (string | number)[]): void {
  if (value === null) {
    out.push('null');
    return;
  }
  switch (typeof value) {
    case 'boolean':
      out.push(value ? 'true' : 'false');
      return;
    case 'number':
      if (!Number.isFinite(value)) fail(`non-finite number ${String(value)}`, path);
      // JSON.stringify of a finite number is ECMAScript's Number::toString, which prints -0 as 0.
      out.push(JSON.stringify(value));
      return;
    case 'string':
      out.push(quote(value, path));
      return;
    case 'object':
      break;
    default:
      fail(`a ${typeof value} is not JSON data`, path);
  }
  if (path.length >= MAX_DEPTH) fail(`nesting deeper than ${MAX_DEPTH} levels`, path);
  if (Array.isArray(value)) {
    // An array of finite numbers (coef rows, testIndices): one native call. JSON.stringify prints a
    // finite number exactly as below (Number::toString, -0 as 0); findIndex visits holes too, so
    // a sparse array still takes the checked path and fails there.
    if (value.findIndex(notFiniteNumber) === -1) {
      out.push(JSON.stringify(value));
      return;
    }
    out.push('[');
    for (let i = 0; i < value.length; i++) {
      if (i > 0) out.push(',');
      const item: unknown = value[i];
      path.push(i);
      if (item === undefined) fail('undefined is not JSON data', path);
      write(item, out, path);
      path.pop();
    }
    out.push(']');
    return;
  }
  const proto: unknown = Object.getPrototypeOf(value);
  if (proto !== Object.prototype && proto !== null) {
    const name = (value as { constructor?: { name?: unknown } }).constructor?.name;
    fail(`a ${typeof name === 'string' && name !== '' ? name : 'non-plain object'} is not JSON data`, path);
  }
  const record = value as Record<string, unknown>;
  // The default sort compares UTF-16 code units, which is exactly what RFC 8785 section 3.2.3 asks for.
  const keys = Object.keys(record).sort();
  out.push('{');
  let first = true;
  for (const key of keys) {
    const member = record[key];
    if (member === undefined) continue;
    if (!first) out.push(',');
    first = false;
    path.push(key);
    out.push(quote(key, path), ':');
    write(member, out, path);
    path.pop();
  }
  out.push('}');
}

function notFiniteNumber(item: unknown): boolean {
  return typeof item !== 'number' || !Number.isFinite(item);
}

function quote(s: string, path: (string | number)[]): string {
  if (LONE_SURROGATE.test(s)) fail('a string with an unpaired UTF-16 surrogate', path);
  return JSON.stringify(s);
}
