/**
 * Typed errors. Each carries the exit code of the contract's table, so that the one place that
 * turns errors into exit codes (cli/main.ts) needs no knowledge of where they came from.
 */
export type ExitCode = 0 | 1 | 2 | 3 | 4 | 70;

export interface IrisErrorOptions {
  hint?: string;
  cause?: unknown;
}

export abstract class IrisError extends Error {
  abstract readonly exitCode: ExitCode;
  readonly hint: string | undefined;

  constructor(message: string, options: IrisErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.hint = options.hint;
  }
}

/** Exit 2: an option value invalid on its own, an unknown option, a bad config file. */
export class UsageError extends IrisError {
  readonly exitCode = 2 as const;
}

/** Exit 2 as well: a hyperparameter outside its domain (scikit-learn's InvalidParameterError). */
export class InvalidParameterError extends UsageError {}

/** Exit 3: bad input data, a path that cannot be read or written, or data that cannot satisfy the options. */
export class DataError extends IrisError {
  readonly exitCode = 3 as const;
}

/** Exit 3: training diverged (weights became non-finite), which only the data can cause. */
export class NumericalError extends DataError {}

/** Exit 4: a model artifact that is missing, corrupt, of another format or version, or that does not fit the input. */
export class ModelError extends IrisError {
  readonly exitCode = 4 as const;
}

export function isIrisError(error: unknown): error is IrisError {
  return error instanceof IrisError;
}
