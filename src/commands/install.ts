// install: the wizard on a terminal, or a non-interactive run from --answers.
import type { CommandContext } from '../cli/context.js';
import { bool, COMMAND_OUTPUTS, list, oneOf, parseDuration, str } from '../cli/flags.js';
import { UsageError } from '../errors.js';
import { DEFAULT_HEALTH_WINDOW_MS, DEFAULT_TIMEOUT_MS } from '../settings.js';
import { answersFromFlags } from './shared.js';

export async function run(ctx: CommandContext): Promise<number> {
  if (!str(ctx.args.flags, 'answers')) {
    if (!ctx.interactive) {
      throw new UsageError('no terminal to ask questions on, and no --answers FILE given', 'pass --answers FILE (see examples/answers/), or run on a terminal for the wizard');
    }
    // Ink and React load only now, never for --answers or --help. The probes, the engine and the
    // render code load inside their ports, after the first frame is on screen.
    const { runWizard } = await import('../ui/run-wizard.js');
    const kubeconfig = str(ctx.args.flags, 'kubeconfig');
    const timeout = str(ctx.args.flags, 'timeout');
    const timeoutMs = timeout ? parseDuration(timeout, 'timeout') : undefined;
    return runWizard({
      cwd: ctx.cwd,
      env: ctx.env,
      ports: {
        probes: {
          run: async (onFact, signal) => {
            const { wizardProbes } = await import('../ui/probe-adapter.js');
            return wizardProbes({ env: ctx.env, kubeconfig, kubeContext: str(ctx.args.flags, 'kube-context') }).run(onFact, signal);
          },
        },
        engine: {
          run: async (request, onEvent, signal) => {
            const { installEngine } = await import('../install/run.js');
            return installEngine({ kubeconfig, timeoutMs, cwd: ctx.cwd }).run(request, onEvent, signal);
          },
        },
        renderFiles: async (answers, answersPath, outDir) => {
          const { renderToDir } = await import('../render/files.js');
          return (await renderToDir(answers, outDir, { env: ctx.env, answersPath })).written;
        },
      },
    });
  }
  return runFromAnswers(ctx);
}

/** The non-interactive install (--answers FILE): flags -> options, then src/install/run.ts. */
export async function runFromAnswers(ctx: CommandContext): Promise<number> {
  const flags = ctx.args.flags;
  const output = oneOf(flags, 'output', COMMAND_OUTPUTS.install, 'install') ?? 'text';
  const timeout = str(flags, 'timeout');
  const healthWindow = str(flags, 'health-window');
  const timeoutMs = timeout ? parseDuration(timeout, 'timeout') : DEFAULT_TIMEOUT_MS;
  const healthWindowMs = healthWindow ? parseDuration(healthWindow, 'health-window') : DEFAULT_HEALTH_WINDOW_MS;
  const { answers, path } = answersFromFlags(ctx, 'install');
  const { parseSkipPrepare } = await import('../install/prepare.js');
  const skipPrepare = parseSkipPrepare(list(flags, 'skip-prepare'));
  const { runInstall } = await import('../install/run.js');
  return runInstall(
    {
      answers,
      answersPath: path,
      output,
      timeoutMs,
      healthWindowMs,
      yes: bool(flags, 'yes'),
      kubeconfig: str(flags, 'kubeconfig'),
      skipPrepare,
      force: bool(flags, 'force'),
      recreateSubscriptions: bool(flags, 'recreate-subscriptions'),
    },
    ctx,
  );
}
