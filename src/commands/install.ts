// install: the wizard on a terminal, or a non-interactive run from --answers.
import type { CommandContext } from '../cli/commands.js';
import { str } from '../cli/flags.js';
import { EnvironmentError, UsageError } from '../errors.js';
import { answersFromFlags } from './shared.js';

export async function run(ctx: CommandContext): Promise<number> {
  if (!str(ctx.args.flags, 'answers')) {
    if (!ctx.interactive) {
      throw new UsageError('no terminal to ask questions on, and no --answers FILE given', 'pass --answers FILE (see examples/answers/), or run on a terminal for the wizard');
    }
    throw new EnvironmentError('the interactive wizard is not available in this build yet', 'pass --answers FILE (see examples/answers/)');
  }
  answersFromFlags(ctx, 'install');
  throw new EnvironmentError('install against a cluster is not available in this build yet', 'use `bucketeer-install render` to write the values and manifests, then `helm upgrade --install` them');
}
