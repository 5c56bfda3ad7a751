/**
 * The typed readers of a model document's fields, shared by the shape checks of every format version.
 * Each failure throws through `bad` with the field's path.
 */
export type Obj = Record<string, unknown>;

/** A value in a message: short strings quoted, containers named, never a whole input. */
export function describe(v: unknown): string {
  if (v === null) return 'null';
  if (v === undefined) return 'nothing';
  if (Array.isArray(v)) return 'an array';
  switch (typeof v) {
    case 'string': {
      const s = JSON.stringify(v.length > 40 ? v.slice(0, 40) + '…' : v);
      return s;
    }
    case 'number':
    case 'boolean':
      return String(v);
    case 'object':
      return 'an object';
    default:
      return typeof v;
  }
}

export function isObj(v: unknown): v is Obj {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/** An integer, or a non-finite number (left for step 6 to report as such). */
export function isIntLike(v: unknown): v is number {
  return typeof v === 'number' && (Number.isInteger(v) || !Number.isFinite(v));
}

export function plural(n: number, one: string, many: string): string {
  return `${n} ${n === 1 ? one : many}`;
}

/** The typed field readers every shape check uses; each failure goes to `bad`. */
export function checkers(bad: (message: string) => never) {
  const field = (parent: Obj, key: string, path: string): unknown => {
    if (!Object.hasOwn(parent, key)) bad(`required field ${path} is missing`);
    return parent[key];
  };
  const obj = (parent: Obj, key: string, path: string): Obj => {
    const v = field(parent, key, path);
    if (!isObj(v)) bad(`${path} should be an object, found ${describe(v)}`);
    return v as Obj;
  };
  const str = (parent: Obj, key: string, path: string): string => {
    const v = field(parent, key, path);
    if (typeof v !== 'string') bad(`${path} should be a string, found ${describe(v)}`);
    return v as string;
  };
  const bool = (parent: Obj, key: string, path: string): boolean => {
    const v = field(parent, key, path);
    if (typeof v !== 'boolean') bad(`${path} should be true or false, found ${describe(v)}`);
    return v as boolean;
  };
  const num = (parent: Obj, key: string, path: string, positive = false): number => {
    const v = field(parent, key, path);
    if (typeof v !== 'number') bad(`${path} should be a number, found ${describe(v)}`);
    if (positive && !((v as number) > 0)) bad(`${path} should be a number > 0, found ${describe(v)}`);
    return v as number;
  };
  const int = (parent: Obj, key: string, path: string, min: number): number => {
    const v = field(parent, key, path);
    if (!isIntLike(v)) bad(`${path} should be a whole number, found ${describe(v)}`);
    if ((v as number) < min) bad(`${path} should be at least ${min}, found ${describe(v)}`);
    return v as number;
  };
  const arr = (parent: Obj, key: string, path: string): unknown[] => {
    const v = field(parent, key, path);
    if (!Array.isArray(v)) bad(`${path} should be an array, found ${describe(v)}`);
    return v as unknown[];
  };
  const numbers = (v: unknown[], path: string, expected: number, per: string): number[] => {
    if (v.length !== expected) bad(`${path} has ${plural(v.length, 'number', 'numbers')}, expected ${expected}${per}`);
    for (let i = 0; i < v.length; i++) {
      if (typeof v[i] !== 'number') bad(`${path}[${i}] should be a number, found ${describe(v[i])}`);
    }
    return v as number[];
  };
  const names = (v: unknown[], path: string, min: number): string[] => {
    if (v.length < min) bad(min === 1 ? `${path} is empty` : `${path} has ${plural(v.length, 'entry', 'entries')}, expected at least ${min}`);
    const seen = new Set<string>();
    for (let i = 0; i < v.length; i++) {
      const s = v[i];
      if (typeof s !== 'string') bad(`${path}[${i}] should be a string, found ${describe(s)}`);
      if (seen.has(s as string)) bad(`${path} has a duplicate: ${describe(s)}`);
      seen.add(s as string);
    }
    return v as string[];
  };
  return { field, obj, str, bool, num, int, arr, numbers, names };
}

export type Checkers = ReturnType<typeof checkers>;
