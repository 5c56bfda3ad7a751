/**
 * Typed errors. Each says what kind of problem it is; the front ends turn kinds into what their
 * users read (cli/exit-codes.ts: exit codes; serve: HTTP statuses), so no error knows where it ends up.
 */

/**
 * usage: an option or parameter value invalid on its own, an unknown option, a bad config file;
 * data: bad input data, a path that cannot be read or written, data that cannot satisfy the options;
 * model: a model artifact that is missing, corrupt, of another format or version, or does not fit the input.
 */
export type ErrorKind = 'usage' | 'data' | 'model';

export interface IrisErrorOptions {
  hint?: string;
  cause?: unknown;
}

export abstract class IrisError extends Error {
  abstract readonly kind: ErrorKind;
  readonly hint: string | undefined;

  constructor(message: string, options: IrisErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.hint = options.hint;
  }
}

export class UsageError extends IrisError {
  readonly kind = 'usage' as const;
}

/** A hyperparameter outside its domain (scikit-learn's InvalidParameterError). */
export class InvalidParameterError extends UsageError {}

export class DataError extends IrisError {
  readonly kind = 'data' as const;
}

/** Training diverged (weights became non-finite), which only the data can cause. */
export class NumericalError extends DataError {}

export class ModelError extends IrisError {
  readonly kind = 'model' as const;
}

export function isIrisError(error: unknown): error is IrisError {
  return error instanceof IrisError;
}
