import { cosmiconfig } from 'cosmiconfig';
import { UsageError } from '../core/errors.js';

export interface LoadedConfig {
  /** Where the configuration came from, for messages; undefined when none was found. */
  filepath: string | undefined;
  config: unknown;
}

/**
 * Finds the `iris` configuration (package.json#iris, .irisrc, .irisrc.json/.yaml, iris.config.js/.mjs/.cjs)
 * in the working folder, or loads the file given by `--config`. The result is raw: validation belongs to the
 * caller, which knows the option table.
 */
export async function loadConfig(explicitPath: string | undefined, cwd: string): Promise<LoadedConfig> {
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
