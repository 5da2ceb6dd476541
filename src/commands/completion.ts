// completion: the shell script for bash, zsh or fish, generated from the command table and flag
// specs that --help prints (src/completion/generate.ts writes the script).
import type { CommandContext } from '../cli/context.js';
import { completionScript, type CompletionModel } from '../completion/generate.js';
import type { Shell } from '../completion/shells.js';

export async function run(ctx: CommandContext): Promise<number> {
  const shell = ctx.args.positionals[0] as Shell;
  const { commands, globalFlags } = ctx.catalog;
  const model: CompletionModel = {
    program: 'bucketeer-install',
    defaultCommand: 'install',
    commands: commands.map((c) => ({
      name: c.name,
      summary: c.summary,
      args: c.args?.values,
      flags: [...c.flags, ...globalFlags].map((f) => ({
        name: f.name,
        short: f.short,
        aliases: f.aliases,
        description: f.description,
        takesValue: f.type !== 'boolean',
        valueName: f.valueName,
        values: f.values,
      })),
    })),
  };
  ctx.stdout.write(completionScript(shell, model));
  return 0;
}
