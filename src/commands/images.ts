// images: the answers (with the overriding flags) -> src/images/report.ts. No cluster needed.
import type { CommandContext } from '../cli/context.js';
import { COMMAND_OUTPUTS, oneOf } from '../cli/flags.js';
import { answersFromFlags } from './shared.js';

export async function run(ctx: CommandContext): Promise<number> {
  const output = oneOf(ctx.args.flags, 'output', COMMAND_OUTPUTS.images, 'images') ?? 'text';
  const { answers } = answersFromFlags(ctx, 'images');
  const { imagesReport, formatImagesReport } = await import('../images/report.js');
  const report = imagesReport(answers);
  ctx.stdout.write(output === 'json' ? `${JSON.stringify(report, null, 2)}\n` : formatImagesReport(report));
  return 0;
}
