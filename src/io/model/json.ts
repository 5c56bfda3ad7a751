/**
 * Step 2 of loading: the text as JSON. A cheap scan before JSON.parse refuses nesting deeper than
 * MAX_JSON_DEPTH and top-level `classes`/`features` arrays longer than MAX_CLASSES/MAX_FEATURES, so an
 * absurd file is refused before JSON.parse allocates it. After a failed JSON.parse, a small
 * recursive-descent pass finds the line and column (V8's messages give none for an unexpected token).
 */
import { ModelError } from '../../core/errors.js';
import { MAX_CLASSES, MAX_FEATURES, MAX_JSON_CONTAINERS, MAX_JSON_DEPTH, MAX_JSON_STRINGS } from './format.js';

export const DAMAGED_HINT = 'the file is damaged; retrain it with `iris train` or restore it from a copy';
export const SHAPE_HINT = 'the file is damaged or was not written by `iris train`; retrain it';

export function limitText(member: 'classes' | 'features'): string {
  return `a model may have at most ${member === 'classes' ? MAX_CLASSES : MAX_FEATURES} ${member}`;
}

export function parseJson(raw: string, source: string): unknown {
  const text = raw.charCodeAt(0) === 0xfeff ? raw.slice(1) : raw;
  const hint = DAMAGED_HINT;
  if (text.trim() === '') throw new ModelError(`${source}: not valid JSON (the file is empty)`, { hint });
  const scan = prescan(text);
  if (scan.kind === 'too-deep') {
    throw new ModelError(`${source}: not valid JSON for a model (nested more than ${MAX_JSON_DEPTH} levels deep at ${lineColumn(text, scan.pos)})`, { hint });
  }
  if (scan.kind === 'too-many') {
    const [limit, what] = scan.what === 'strings' ? [MAX_JSON_STRINGS, 'strings'] : [MAX_JSON_CONTAINERS, 'arrays and objects'];
    throw new ModelError(`${source}: not a model: more than ${limit} ${what} (at ${lineColumn(text, scan.pos)})`, { hint: SHAPE_HINT });
  }
  if (scan.kind === 'too-long') {
    // the step-5 limit, applied before JSON.parse would allocate every entry
    const max = scan.member === 'classes' ? MAX_CLASSES : MAX_FEATURES;
    throw new ModelError(`${source}: ${scan.member} has more than ${max} entries; ${limitText(scan.member)}`, { hint: SHAPE_HINT });
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    const located = locateJsonError(text);
    if (located === undefined) {
      const detail = error instanceof Error ? error.message : String(error);
      throw new ModelError(`${source}: not valid JSON (${detail})`, { hint, cause: error });
    }
    if (located.reason === END) {
      throw new ModelError(`${source}: not valid JSON (unexpected end of file at ${lineColumn(text, located.pos)}; the file looks truncated)`, {
        hint,
        cause: error,
      });
    }
    throw new ModelError(`${source}: not valid JSON (${lineColumn(text, located.pos)}: ${located.reason})`, { hint, cause: error });
  }
}

function lineColumn(text: string, pos: number): string {
  let line = 1;
  let lineStart = 0;
  for (let i = text.indexOf('\n'); i !== -1 && i < pos; i = text.indexOf('\n', i + 1)) {
    line++;
    lineStart = i + 1;
  }
  return `line ${line}, column ${pos - lineStart + 1}`;
}

type Prescan =
  | { kind: 'ok' }
  | { kind: 'too-deep'; pos: number }
  | { kind: 'too-many'; what: 'containers' | 'strings'; pos: number }
  | { kind: 'too-long'; member: 'classes' | 'features' };

const Q = 0x22; // "
const OPEN_ARRAY = 0x5b;
const OPEN_OBJECT = 0x7b;
const CLOSE_ARRAY = 0x5d;
const CLOSE_OBJECT = 0x7d;
const COMMA = 0x2c;

/** Runs of anything but quotes, brackets and braces (prescan skips them natively where commas do not count). */
const SKIP_PLAIN = /[^"[\]{}]*/y;

/**
 * One cheap pass over the text before JSON.parse (no allocation): refuses nesting deeper than
 * MAX_JSON_DEPTH (JSON.parse and every recursive walk after it are then safe), and counts the
 * entries of the top-level `classes` and `features` arrays so that an absurd model (a million
 * classes) is refused before JSON.parse materialises it; likewise more than MAX_JSON_CONTAINERS
 * arrays and objects or MAX_JSON_STRINGS strings anywhere. Strings are skipped whole, so brackets
 * and commas inside them do not count. Syntax errors are left for JSON.parse to find.
 */
function prescan(text: string): Prescan {
  const n = text.length;
  let depth = 0;
  let pendingKey: 'classes' | 'features' | undefined; // a top-level key just read, awaiting its value
  let counting: 'classes' | 'features' | undefined; // inside that array (depth 2)
  let commas = 0;
  let containers = 0;
  let strings = 0;
  for (let i = 0; i < n; i++) {
    if (depth >= 2 && counting === undefined) {
      // Deep inside the document, outside classes/features, only brackets, braces and quotes
      // matter: skip everything else (numbers, commas, blanks) natively, not a character at a time.
      SKIP_PLAIN.lastIndex = i;
      SKIP_PLAIN.test(text);
      i = SKIP_PLAIN.lastIndex;
      if (i >= n) break;
    }
    const c = text.charCodeAt(i);
    if (c === Q) {
      if (++strings > MAX_JSON_STRINGS) return { kind: 'too-many', what: 'strings', pos: i };
      if (depth === 1) {
        pendingKey = text.startsWith('"classes"', i) ? 'classes' : text.startsWith('"features"', i) ? 'features' : undefined;
      }
      // skip to the closing quote: the next '"' preceded by an even number of backslashes
      let j = text.indexOf('"', i + 1);
      for (;;) {
        if (j === -1) return { kind: 'ok' }; // unterminated: JSON.parse will say where
        let k = j - 1;
        while (text.charCodeAt(k) === 0x5c) k--;
        if ((j - 1 - k) % 2 === 0) break;
        j = text.indexOf('"', j + 1);
      }
      i = j;
    } else if (c === OPEN_ARRAY || c === OPEN_OBJECT) {
      if (++depth > MAX_JSON_DEPTH) return { kind: 'too-deep', pos: i };
      if (++containers > MAX_JSON_CONTAINERS) return { kind: 'too-many', what: 'containers', pos: i };
      if (depth === 2 && c === OPEN_ARRAY && pendingKey !== undefined) {
        counting = pendingKey;
        commas = 0;
      }
      pendingKey = undefined;
    } else if (c === CLOSE_ARRAY || c === CLOSE_OBJECT) {
      if (depth === 2) counting = undefined;
      depth--;
    } else if (c === COMMA) {
      pendingKey = undefined;
      if (counting !== undefined && depth === 2 && ++commas >= (counting === 'classes' ? MAX_CLASSES : MAX_FEATURES)) {
        return { kind: 'too-long', member: counting };
      }
    }
  }
  return { kind: 'ok' };
}

const END = 'unexpected end of file';

class JsonSyntax {
  constructor(
    readonly pos: number,
    readonly reason: string,
  ) {}
}

const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;

/** Only called after JSON.parse failed: finds where and why (V8's messages do not always say where). */
function locateJsonError(text: string): { pos: number; reason: string } | undefined {
  const n = text.length;
  let i = 0;
  const stop = (reason: string): never => {
    throw new JsonSyntax(i, i >= n ? END : reason);
  };
  const ws = (): void => {
    for (;;) {
      const c = text.charCodeAt(i);
      if (c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d) i++;
      else return;
    }
  };
  const char = (): string => {
    const c = text.codePointAt(i) ?? 0;
    return c < 0x20 || c === 0x7f ? `U+${c.toString(16).toUpperCase().padStart(4, '0')}` : JSON.stringify(String.fromCodePoint(c));
  };
  const string = (): void => {
    i++; // opening quote
    for (;;) {
      if (i >= n) stop(END);
      const c = text.charCodeAt(i);
      if (c === 0x22) {
        i++;
        return;
      }
      if (c < 0x20) stop(`a control character (${char()}) inside a string`);
      if (c === 0x5c) {
        i++;
        const e = text[i];
        if (e === 'u') {
          if (!/^[0-9a-fA-F]{4}$/.test(text.slice(i + 1, i + 5))) stop('a bad \\u escape in a string');
          i += 5;
        } else if (e !== undefined && '"\\/bfnrt'.includes(e)) {
          i++;
        } else {
          stop('a bad escape sequence in a string');
        }
      } else {
        i++;
      }
    }
  };
  const value = (): void => {
    ws();
    if (i >= n) stop(END);
    const c = text[i];
    if (c === '{') {
      i++;
      ws();
      if (text[i] === '}') {
        i++;
        return;
      }
      for (;;) {
        ws();
        if (text[i] !== '"') stop(`expected a property name in double quotes, found ${char()}`);
        string();
        ws();
        if (text[i] !== ':') stop(`expected ':' after a property name, found ${char()}`);
        i++;
        value();
        ws();
        if (text[i] === ',') {
          i++;
          continue;
        }
        if (text[i] === '}') {
          i++;
          return;
        }
        stop(`expected ',' or '}' after a property value, found ${char()}`);
      }
    }
    if (c === '[') {
      i++;
      ws();
      if (text[i] === ']') {
        i++;
        return;
      }
      for (;;) {
        value();
        ws();
        if (text[i] === ',') {
          i++;
          continue;
        }
        if (text[i] === ']') {
          i++;
          return;
        }
        stop(`expected ',' or ']' after an array element, found ${char()}`);
      }
    }
    if (c === '"') return string();
    for (const word of ['true', 'false', 'null']) {
      if (text.startsWith(word, i)) {
        i += word.length;
        return;
      }
    }
    NUMBER.lastIndex = i;
    if (NUMBER.test(text)) {
      i = NUMBER.lastIndex;
      return;
    }
    stop(`unexpected ${char()}`);
  };
  try {
    value();
    ws();
    if (i < n) stop(`unexpected ${char()} after the end of the JSON value`);
  } catch (error) {
    if (error instanceof JsonSyntax) return { pos: error.pos, reason: error.reason };
    throw error;
  }
  return undefined;
}
