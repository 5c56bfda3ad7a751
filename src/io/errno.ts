/** Node.js system errors (errno codes), read in one place for every file the toolkit opens. */

export function errnoCode(error: unknown): string | undefined {
  if (typeof error === 'object' && error !== null && 'code' in error) {
    const code = (error as { code: unknown }).code;
    if (typeof code === 'string') return code;
  }
  return undefined;
}

/** Why a path could not be opened for reading, in a few words; undefined for an unusual failure. */
export function openFailure(error: unknown): string | undefined {
  switch (errnoCode(error)) {
    case 'ENOENT':
      return 'no such file';
    case 'ENOTDIR':
      return 'no such file (a part of the path is not a folder)';
    case 'EISDIR':
      return 'is a directory';
    case 'EACCES':
    case 'EPERM':
      return 'permission denied';
    default:
      return undefined;
  }
}
