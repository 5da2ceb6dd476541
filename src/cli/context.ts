// What every command module receives. Kept apart from the command table (src/cli/commands.ts),
// which loads the command modules, so that the modules can name this type without a cycle.
import type { ServiceIO } from '../io.js';
import type { ParsedArgs } from './flags.js';

/** Parsed flags plus the process (streams, env, the y/N prompt, Ctrl-C); tests swap them. */
export interface CommandContext extends ServiceIO {
  args: ParsedArgs;
  debug: boolean;
}

export interface CommandModule {
  run(ctx: CommandContext): Promise<number>;
}
