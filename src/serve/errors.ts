/**
 * HTTP errors of the server: each carries the status and code of the table in docs/SERVE.md from
 * where it is thrown (the queue's errors, src/queue/errors.ts, carry the same members), and
 * travels between threads as a plain object (`HttpErrorData`). The error handler
 * (plugins/errors.ts) sends any error with a status and a code as it is.
 */
export type ErrorCode =
  | 'BAD_REQUEST'
  | 'UNAUTHORIZED'
  | 'NOT_FOUND'
  | 'METHOD_NOT_ALLOWED'
  | 'TOO_LARGE'
  | 'UNSUPPORTED_MEDIA_TYPE'
  | 'NOT_READY'
  | 'OVERLOADED'
  | 'QUEUE_DOWN'
  | 'NO_WORKER'
  | 'TIMEOUT'
  | 'WORKER_FAILED'
  | 'CONFLICT'
  | 'INTERNAL';

export interface HttpErrorData {
  status: number;
  code: ErrorCode;
  message: string;
  /** NDJSON: the 1-based line of the body that failed. */
  line?: number;
}

export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: ErrorCode,
    message: string,
    readonly headers: Record<string, string> = {},
    readonly line?: number,
  ) {
    super(message);
    this.name = 'HttpError';
  }

  toData(): HttpErrorData {
    return { status: this.status, code: this.code, message: this.message, ...(this.line === undefined ? {} : { line: this.line }) };
  }

  static from(data: HttpErrorData): HttpError {
    return new HttpError(data.status, data.code, data.message, retryHeaders(data.status), data.line);
  }
}

export function retryHeaders(status: number): Record<string, string> {
  return status === 503 ? { 'retry-after': '1' } : {};
}

export const badRequest = (message: string, line?: number) => new HttpError(400, 'BAD_REQUEST', message, {}, line);
export const tooLarge = (message: string) => new HttpError(413, 'TOO_LARGE', message);
export const notFound = (message: string) => new HttpError(404, 'NOT_FOUND', message);

/** At most ~80 characters of a value for a message: never the whole input. */
export function quote(value: unknown): string {
  let text: string;
  if (typeof value === 'string') text = JSON.stringify(value);
  else if (value === undefined) text = 'undefined';
  else {
    try {
      text = JSON.stringify(value) ?? String(value);
    } catch {
      text = String(value);
    }
  }
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

/** An error that says its own HTTP status and code (HttpError, or the queue's QueueError). */
export interface StatusError {
  status: number;
  code: ErrorCode;
  message: string;
  headers?: Record<string, string>;
  line?: number;
}

export function isStatusError(error: unknown): error is StatusError {
  if (!(error instanceof Error)) return false;
  const e = error as Error & { status?: unknown; code?: unknown };
  return typeof e.status === 'number' && e.status >= 400 && e.status < 600 && typeof e.code === 'string';
}

/**
 * The JSON body of an error response: `error` and `code` everywhere (the Open Inference Protocol's
 * `error`), plus MLflow's `error_code` and `message` on the MLflow routes, which its clients read.
 */
export function errorBody(code: ErrorCode, message: string, extra: Record<string, unknown> = {}, mlflow = false): string {
  return JSON.stringify(mlflow ? { error: message, code, error_code: code, message, ...extra } : { error: message, code, ...extra });
}
