import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Loader } from 'cosmiconfig';
import { UsageError } from '../core/errors.js';

export interface LoadedConfig {
  /** Where the configuration came from, for messages; undefined when none was found. */
  filepath: string | undefined;
  config: unknown;
}

/**
 * cosmiconfig treats a file that holds `null` as no file at all (and keeps searching), so a config
 * file reading `null` would be silently ignored. The loaders hand such a file back as this marker,
 * which loadConfig turns into `config: null` for the caller's validation to refuse.
 */
const HOLDS_NULL = Object.freeze({ ['iris: the file holds null']: true });

function keepNull(loader: Loader): Loader {
  return async (filepath, content) => {
    let value: unknown;
    try {
      value = await loader(filepath, content);
    } catch (error) {
      // cosmiconfig names the file of a JSON or YAML syntax error, not of a JS file that throws
      if (error instanceof Error && !Object.hasOwn(error, 'filepath')) Object.assign(error, { filepath });
      throw error;
    }
    return value === null ? HOLDS_NULL : value;
  };
}

/** cosmiconfig 9's default search places for the module name `iris` (getDefaultSearchPlaces('iris')), but package.json. */
const SEARCH_PLACES = [
  '.irisrc',
  '.irisrc.json',
  '.irisrc.yaml',
  '.irisrc.yml',
  '.irisrc.js',
  '.irisrc.ts',
  '.irisrc.cjs',
  '.irisrc.mjs',
  '.config/irisrc',
  '.config/irisrc.json',
  '.config/irisrc.yaml',
  '.config/irisrc.yml',
  '.config/irisrc.js',
  '.config/irisrc.ts',
  '.config/irisrc.cjs',
  '.config/irisrc.mjs',
  'iris.config.js',
  'iris.config.ts',
  'iris.config.cjs',
  'iris.config.mjs',
];

/**
 * Whether cosmiconfig could find anything in `cwd`. Most runs have no configuration at all, and importing
 * cosmiconfig (and its YAML and TypeScript loaders) costs a one-off `iris predict` tens of milliseconds.
 */
function mayHaveConfig(cwd: string): boolean {
  if (SEARCH_PLACES.some((place) => existsSync(join(cwd, place)))) return true;
  try {
    const pkg: unknown = JSON.parse(readFileSync(join(cwd, 'package.json'), 'utf8'));
    return typeof pkg === 'object' && pkg !== null && Object.hasOwn(pkg, 'iris');
  } catch {
    // No package.json, or one that cosmiconfig would reject too: let it say so.
    return existsSync(join(cwd, 'package.json'));
  }
}

/** A printable character for a control character in an error message. */
function printable(text: string): string {
  return text.replace(/[\u0000-\u001f\u007f]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/**
 * The reason of a loader error in one line. cosmiconfig words syntax errors as
 * "JSON Error in <path>:\n<reason>" (often with a code frame), so the first line alone says nothing.
 */
function reasonOf(error: unknown): string {
  if (!(error instanceof Error)) return printable(String(error));
  const body = error.message.replace(/^[\w ]*Error in [^\n]*?:[ \t]*(?:\n|$)/, '');
  const line = body
    .split('\n')
    .map((l) => l.trim())
    .find((l) => l !== '' && !/^>?\s*\d*\s*\|/.test(l) && !/^-*\^$/.test(l));
  const reason = (line ?? error.message.split('\n')[0] ?? '').replace(/ while parsing '[\s\S]*$/, '').trim();
  return printable(reason === '' ? error.name : reason);
}

/**
 * Finds the `iris` configuration (package.json#iris, .irisrc, .irisrc.json/.yaml, iris.config.js/.mjs/.cjs)
 * in the working folder, or loads the file given by `--config`. The result is raw: validation belongs to the
 * caller, which knows the option table.
 */
export async function loadConfig(explicitPath: string | undefined, cwd: string): Promise<LoadedConfig> {
  if (explicitPath === undefined && !mayHaveConfig(cwd)) return { filepath: undefined, config: undefined };
  const { cosmiconfig, defaultLoaders } = await import('cosmiconfig');
  const loaders = Object.fromEntries(Object.entries(defaultLoaders).map(([ext, loader]) => [ext, keepNull(loader as Loader)]));
  const explorer = cosmiconfig('iris', { stopDir: cwd, cache: false, loaders });
  try {
    const result = explicitPath === undefined ? await explorer.search(cwd) : await explorer.load(explicitPath);
    if (result === null) return { filepath: undefined, config: undefined };
    if (result.config === HOLDS_NULL) return { filepath: result.filepath, config: null };
    return { filepath: result.filepath, config: result.isEmpty === true ? {} : result.config };
  } catch (error) {
    const found = (error as { filepath?: unknown }).filepath;
    const where = explicitPath ?? (typeof found === 'string' ? found : 'configuration file');
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') {
      throw new UsageError(`config ${where}: no such file`, { cause: error });
    }
    if (code === 'EISDIR') throw new UsageError(`config ${where}: is a directory`, { cause: error });
    throw new UsageError(`config ${where}: cannot be read: ${reasonOf(error)}`, {
      hint: 'fix the syntax of the configuration file, or pass another one with --config',
      cause: error,
    });
  }
}
