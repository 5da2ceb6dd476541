// upgrade: read what is deployed, show the values and resource diff, ask, apply, verify, roll back
// on failure. The work is in src/upgrade/run.ts (loaded only when the command runs).
import type { CommandContext } from '../cli/commands.js';

export async function run(ctx: CommandContext): Promise<number> {
  const { runUpgrade } = await import('../upgrade/run.js');
  return runUpgrade(ctx);
}
