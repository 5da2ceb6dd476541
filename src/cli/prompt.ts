// The y/N question install and upgrade ask on a terminal before they change the cluster. The CLI
// hands it to the services as their `confirm` (src/io.ts); services never read stdin themselves.
import { createInterface } from 'node:readline/promises';
import { CancelledAtPrompt } from '../errors.js';

/**
 * Asks on `output`, reads a line from `input`; only y or yes (any case) is yes. Ctrl-C at the
 * prompt (readline takes it as a key, not a signal) stops with exit 130, `signal` aborting (a
 * SIGTERM while it waits) stops it too, and end of input is no, so the question can never hang.
 */
export async function askYesNo(question: string, output: NodeJS.WritableStream, input: NodeJS.ReadableStream = process.stdin, signal?: AbortSignal): Promise<boolean> {
  const rl = createInterface({ input, output });
  try {
    return await new Promise<boolean>((resolve, reject) => {
      const cancel = () => {
        output.write('\n');
        reject(new CancelledAtPrompt());
      };
      if (signal?.aborted) return cancel();
      signal?.addEventListener('abort', cancel, { once: true });
      rl.on('SIGINT', cancel);
      rl.on('close', () => resolve(false));
      rl.question(question).then((answer) => resolve(/^y(es)?$/i.test(answer.trim())), () => resolve(false));
    });
  } finally {
    rl.close();
  }
}
