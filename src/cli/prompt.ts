// The y/N question install and upgrade ask on a terminal before they change the cluster.
import { createInterface } from 'node:readline/promises';
import { Interrupted } from '../errors.js';
import type { CommandContext } from './commands.js';

/** Ctrl-C at the prompt: nothing was changed, so callers report it as it is. */
export class CancelledAtPrompt extends Interrupted {
  constructor() {
    super('cancelled at the prompt; nothing was changed');
  }
}

/**
 * Asks on stderr, reads a line from stdin; only y or yes (any case) is yes. Ctrl-C at the prompt
 * (readline takes it as a key, not a signal) stops with exit 130 and end of input is no, so the
 * question can never hang.
 */
export async function askYesNo(question: string, cmd: Pick<CommandContext, 'stderr'>, input: NodeJS.ReadableStream = process.stdin): Promise<boolean> {
  const rl = createInterface({ input, output: cmd.stderr });
  try {
    return await new Promise<boolean>((resolve, reject) => {
      rl.on('SIGINT', () => {
        cmd.stderr.write('\n');
        reject(new CancelledAtPrompt());
      });
      rl.on('close', () => resolve(false));
      rl.question(question).then((answer) => resolve(/^y(es)?$/i.test(answer.trim())), () => resolve(false));
    });
  } finally {
    rl.close();
  }
}
