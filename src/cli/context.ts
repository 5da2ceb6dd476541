// What every command module receives. Kept apart from the command table (src/cli/commands.ts),
// which loads the command modules, so that the modules can name this type without a cycle.
import type { ServiceIO } from '../io.js';
import type { FlagSpec, ParsedArgs } from './flags.js';

/** A command as --help and shell completion describe it (the command table without its loader). */
export interface CommandInfo {
  name: string;
  summary: string;
  usage: string;
  flags: FlagSpec[];
  /** A positional argument and the words it may be (completion's shell); other commands take none. */
  args?: { name: string; values: readonly string[] };
  /** Shown under Examples in --help; a test parses each with the command's flag specs. */
  examples: { command: string; description: string }[];
}

/** Parsed flags plus the process (streams, env, the y/N prompt, Ctrl-C); tests swap them. */
export interface CommandContext extends ServiceIO {
  args: ParsedArgs;
  debug: boolean;
  /** Every command, and the flags every command takes (--help, --debug): what completion covers. */
  catalog: { commands: readonly CommandInfo[]; globalFlags: readonly FlagSpec[] };
}

export interface CommandModule {
  run(ctx: CommandContext): Promise<number>;
}
