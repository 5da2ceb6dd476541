import type { CommandContext } from '../cli/context.js';
import { answersJsonSchema } from '../answers/schema.js';

export async function run(ctx: CommandContext): Promise<number> {
  ctx.stdout.write(`${JSON.stringify(answersJsonSchema(), null, 2)}\n`);
  return 0;
}
