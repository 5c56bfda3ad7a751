import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { UsageError } from '../core/errors.js';

export interface LoadedConfig {
  /** Where the configuration came from, for messages; undefined when none was found. */
  filepath: string | undefined;
  config: unknown;
}

/** cosmiconfig 9's default search places for the module name `iris` (getDefaultSearchPlaces('iris')). */
const SEARCH_PLACES = [
  '.irisrc', '.irisrc.json', '.irisrc.yaml', '.irisrc.yml', '.irisrc.js', '.irisrc.ts', '.irisrc.cjs', '.irisrc.mjs',
  '.config/irisrc', '.config/irisrc.json', '.config/irisrc.yaml', '.config/irisrc.yml', '.config/irisrc.js',
  '.config/irisrc.ts', '.config/irisrc.cjs', '.config/irisrc.mjs',
  'iris.config.js', 'iris.config.ts', 'iris.config.cjs', 'iris.config.mjs',
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

/**
 * Finds the `iris` configuration (package.json#iris, .irisrc, .irisrc.json/.yaml, iris.config.js/.mjs/.cjs)
 * in the working folder, or loads the file given by `--config`. The result is raw: validation belongs to the
 * caller, which knows the option table.
 */
export async function loadConfig(explicitPath: string | undefined, cwd: string): Promise<LoadedConfig> {
  if (explicitPath === undefined && !mayHaveConfig(cwd)) return { filepath: undefined, config: undefined };
  const { cosmiconfig } = await import('cosmiconfig');
  const explorer = cosmiconfig('iris', { stopDir: cwd, cache: false });
  try {
    const result = explicitPath === undefined ? await explorer.search(cwd) : await explorer.load(explicitPath);
    if (result === null) return { filepath: undefined, config: undefined };
    return { filepath: result.filepath, config: result.isEmpty === true ? {} : result.config };
  } catch (error) {
    const where = explicitPath ?? 'configuration file';
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') {
      throw new UsageError(`config ${where}: no such file`, { cause: error });
    }
    if (code === 'EISDIR') throw new UsageError(`config ${where}: is a directory`, { cause: error });
    const message = error instanceof Error ? error.message.split('\n')[0] : String(error);
    throw new UsageError(`config ${where}: cannot be read: ${message}`, {
      hint: 'fix the syntax of the configuration file, or pass another one with --config',
      cause: error,
    });
  }
}
