// install: the wizard on a terminal, or a non-interactive run from --answers.
import type { CommandContext } from '../cli/commands.js';
import { parseDuration, str } from '../cli/flags.js';
import { UsageError } from '../errors.js';

export async function run(ctx: CommandContext): Promise<number> {
  if (!str(ctx.args.flags, 'answers')) {
    if (!ctx.interactive) {
      throw new UsageError('no terminal to ask questions on, and no --answers FILE given', 'pass --answers FILE (see examples/answers/), or run on a terminal for the wizard');
    }
    // Ink and React load only now, never for --answers or --help.
    const { runWizard } = await import('../ui/run-wizard.js');
    const { renderToDir } = await import('./render-files.js');
    const { wizardProbes } = await import('../ui/probe-adapter.js');
    const { installEngine } = await import('../install/run.js');
    const kubeconfig = str(ctx.args.flags, 'kubeconfig');
    const timeout = str(ctx.args.flags, 'timeout');
    return runWizard({
      cwd: ctx.cwd,
      env: ctx.env,
      ports: {
        probes: wizardProbes({ env: ctx.env, kubeconfig, kubeContext: str(ctx.args.flags, 'kube-context') }),
        engine: installEngine({ kubeconfig, timeoutMs: timeout ? parseDuration(timeout, 'timeout') : undefined, cwd: ctx.cwd }),
        renderFiles: async (answers, answersPath, outDir) => (await renderToDir(answers, outDir, { env: ctx.env, answersPath })).written,
      },
    });
  }
  return runFromAnswers(ctx);
}

/** The non-interactive install (--answers FILE): preflight, steps, health; see src/install/run.ts. */
export async function runFromAnswers(ctx: CommandContext): Promise<number> {
  const { runFromAnswers: runInstall } = await import('../install/run.js');
  return runInstall(ctx);
}
