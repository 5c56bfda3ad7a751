/** The contract's exit codes (docs/CLI.md, "Exit codes"), and the one mapping from error kinds to them. */
import type { ErrorKind } from '../core/errors.js';

export type ExitCode = 0 | 1 | 2 | 3 | 4 | 70;

export const EXIT_GATE_FAILED = 1;
export const EXIT_INTERNAL = 70;

const BY_KIND: Readonly<Record<ErrorKind, ExitCode>> = { usage: 2, data: 3, model: 4 };

export function exitCodeOf(error: { kind: ErrorKind }): ExitCode {
  return BY_KIND[error.kind];
}
