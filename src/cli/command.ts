/** What every command handler receives and returns (commands import this, never main.ts). */
import type { Context } from './context.js';
import type { ExitCode } from './exit-codes.js';
import type { Config, ParsedFlags } from './settings.js';

export type CommandResult = ExitCode;

export interface CommandInput {
  ctx: Context;
  flags: ParsedFlags;
  config: Config;
  /** Tokens commander did not recognise (predict's feature flags) and positional arguments. */
  args: string[];
  /**
   * The command's option names and its parents', as commander knows them (long without `--`, short
   * without `-`): what predict's feature flags must not shadow. main.ts always passes them.
   */
  options?: readonly string[];
}

export type Handler = (input: CommandInput) => Promise<CommandResult>;
