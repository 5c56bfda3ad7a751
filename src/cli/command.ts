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
}

export type Handler = (input: CommandInput) => Promise<CommandResult>;
