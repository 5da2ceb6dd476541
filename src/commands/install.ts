// install: the wizard on a terminal, or a non-interactive run from --answers. Every flag is parsed
// once here, for both paths: the wizard gets each one as a prefilled answer or passes it to the
// install it runs.
import type { CommandContext } from '../cli/context.js';
import { bool, COMMAND_OUTPUTS, list, oneOf, parseDuration, str, type ParsedFlags } from '../cli/flags.js';
import { UsageError } from '../errors.js';
import type { PrepareStepName } from '../prepare/types.js';
import { DEFAULT_HEALTH_WINDOW_MS, DEFAULT_TIMEOUT_MS } from '../settings.js';

/** The install flags other than --answers, validated before anything runs (bad input exits 2). */
export interface InstallFlags {
  output: (typeof COMMAND_OUTPUTS.install)[number];
  timeoutMs: number;
  healthWindowMs: number;
  yes: boolean;
  dryRun: boolean;
  kubeconfig?: string;
  kubeContext?: string;
  namespace?: string;
  release?: string;
  chart?: string;
  chartVersion?: string;
  skipPrepare: PrepareStepName[];
  force: boolean;
  recreateSubscriptions: boolean;
  skipBootstrap: boolean;
  skipSmoke: boolean;
}

export async function parseInstallFlags(flags: ParsedFlags): Promise<InstallFlags> {
  const output = oneOf(flags, 'output', COMMAND_OUTPUTS.install, 'install') ?? 'text';
  const timeout = str(flags, 'timeout');
  const healthWindow = str(flags, 'health-window');
  const timeoutMs = timeout ? parseDuration(timeout, 'timeout') : DEFAULT_TIMEOUT_MS;
  const healthWindowMs = healthWindow ? parseDuration(healthWindow, 'health-window') : DEFAULT_HEALTH_WINDOW_MS;
  const { parseSkipPrepare } = await import('../prepare/types.js');
  return {
    output,
    timeoutMs,
    healthWindowMs,
    yes: bool(flags, 'yes'),
    dryRun: bool(flags, 'dry-run'),
    kubeconfig: str(flags, 'kubeconfig'),
    kubeContext: str(flags, 'kube-context'),
    namespace: str(flags, 'namespace'),
    release: str(flags, 'release'),
    chart: str(flags, 'chart'),
    chartVersion: str(flags, 'chart-version'),
    skipPrepare: parseSkipPrepare(list(flags, 'skip-prepare')),
    force: bool(flags, 'force'),
    recreateSubscriptions: bool(flags, 'recreate-subscriptions'),
    skipBootstrap: bool(flags, 'skip-bootstrap'),
    skipSmoke: bool(flags, 'skip-smoke'),
  };
}

export async function run(ctx: CommandContext): Promise<number> {
  if (!str(ctx.args.flags, 'answers')) {
    if (bool(ctx.args.flags, 'dry-run')) throw new UsageError('install --dry-run needs --answers FILE', 'pass --answers FILE (the wizard can save one); render --answers FILE works without a cluster');
    if (!ctx.interactive) {
      throw new UsageError('no terminal to ask questions on, and no --answers FILE given', 'pass --answers FILE (see examples/answers/), or run on a terminal for the wizard');
    }
    return runWizardInstall(ctx, await parseInstallFlags(ctx.args.flags));
  }
  return runFromAnswers(ctx);
}

/**
 * The wizard. --kube-context and --namespace prefill their questions, --release, --chart and
 * --chart-version go into the saved answers file, and the flags the wizard asks nothing about (--timeout,
 * --health-window, --skip-prepare, --force, --recreate-subscriptions, --skip-bootstrap, --skip-smoke,
 * --kubeconfig) go to the
 * install it runs. --output and --yes do not apply: the wizard is the output and asks itself.
 */
async function runWizardInstall(ctx: CommandContext, f: InstallFlags): Promise<number> {
  // Ink and React load only now, never for --answers or --help. The probes, the engine and the
  // render code load inside their ports, after the first frame is on screen.
  const { runWizard } = await import('../ui/run-wizard.js');
  return runWizard({
    cwd: ctx.cwd,
    env: ctx.env,
    presets: { kubeContext: f.kubeContext, namespace: f.namespace, release: f.release, chart: f.chart, chartVersion: f.chartVersion },
    ports: {
      probes: {
        run: async (onFact, signal) => {
          const { wizardProbes } = await import('../ui/probe-adapter.js');
          return wizardProbes({ env: ctx.env, kubeconfig: f.kubeconfig, kubeContext: f.kubeContext }).run(onFact, signal);
        },
      },
      engine: {
        run: async (request, onEvent, signal) => {
          const { installEngine } = await import('../install/run.js');
          return installEngine({
            kubeconfig: f.kubeconfig,
            timeoutMs: f.timeoutMs,
            healthWindowMs: f.healthWindowMs,
            skipPrepare: f.skipPrepare,
            force: f.force,
            recreateSubscriptions: f.recreateSubscriptions,
            skipBootstrap: f.skipBootstrap,
            skipSmoke: f.skipSmoke,
            cwd: ctx.cwd,
          }).run(request, onEvent, signal);
        },
      },
      renderFiles: async (answers, answersPath, outDir) => {
        const { renderToDir } = await import('../render/files.js');
        return (await renderToDir(answers, outDir, { env: ctx.env, answersPath })).written;
      },
    },
  });
}

/** The non-interactive install (--answers FILE): flags -> options, then src/install/run.ts. */
export async function runFromAnswers(ctx: CommandContext): Promise<number> {
  const f = await parseInstallFlags(ctx.args.flags);
  // The answers loader brings zod and yaml: not on the wizard's path to its first frame.
  const { answersFromFlags } = await import('./shared.js');
  const { answers, path } = answersFromFlags(ctx, 'install');
  const { runInstall } = await import('../install/run.js');
  return runInstall({ ...f, answers, answersPath: path }, ctx);
}
