/**
 * Errors of the queue mode that a server sends as they are: each carries the HTTP status and code
 * docs/SERVE.md gives it from where it is thrown (serve's error handler takes any error with a
 * `status` and a `code`; nothing translates them on the way).
 */
export type QueueErrorCode = 'QUEUE_DOWN' | 'NO_WORKER' | 'WORKER_FAILED' | 'TIMEOUT' | 'NOT_FOUND' | 'CONFLICT';

export class QueueError extends Error {
  readonly headers: Record<string, string>;
  constructor(
    readonly status: number,
    readonly code: QueueErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'QueueError';
    this.headers = status === 503 ? { 'retry-after': '1' } : {};
  }
}
