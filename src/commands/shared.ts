// Getting the Answers from flags: the answers file with the flags that override it applied.
import type { Answers } from '../answers/schema.js';
import type { CommandContext } from '../cli/context.js';
import { str } from '../cli/flags.js';
import { UsageError } from '../errors.js';
import { loadAnswersWithFlags } from '../resolve.js';

export interface CommandAnswers {
  answers: Answers;
  /** Absolute path of the answers file. */
  path: string;
}

export function answersFromFlags(ctx: CommandContext, command: string): CommandAnswers {
  const file = str(ctx.args.flags, 'answers');
  if (!file) {
    throw new UsageError(
      `${command} needs --answers FILE when not run interactively`,
      `write one from examples/answers/*.yaml, or run on a terminal for the wizard`,
    );
  }
  const { answers, path } = loadAnswersWithFlags(file, {
    namespace: str(ctx.args.flags, 'namespace'),
    kubeContext: str(ctx.args.flags, 'kube-context'),
    chart: str(ctx.args.flags, 'chart'),
    chartVersion: str(ctx.args.flags, 'chart-version'),
    release: str(ctx.args.flags, 'release'),
  });
  return { answers, path };
}
