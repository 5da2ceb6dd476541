// Getting the Answers from flags: the answers file with the flags that override it applied.
import { loadAnswersFile } from '../answers/load.js';
import { applyOverrides } from '../answers/overrides.js';
import type { Answers } from '../answers/schema.js';
import type { CommandContext } from '../cli/context.js';
import { str } from '../cli/flags.js';
import { UsageError } from '../errors.js';

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
  const loaded = loadAnswersFile(file);
  const answers = applyOverrides(loaded.answers, {
    namespace: str(ctx.args.flags, 'namespace'),
    kubeContext: str(ctx.args.flags, 'kube-context'),
    chart: str(ctx.args.flags, 'chart'),
    chartVersion: str(ctx.args.flags, 'chart-version'),
  });
  return { answers, path: loaded.path };
}
