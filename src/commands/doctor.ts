// doctor: read-only checks. `--pre` is the preflight view (like `linkerd check --pre`): identity,
// platform, middleware found, quotas, capacity and advice, before anything is installed.
import { dirname, resolve } from 'node:path';
import type { CommandContext } from '../cli/context.js';
import { bool, COMMAND_OUTPUTS, oneOf, parseDuration, PLATFORM_FLAG_VALUES, str } from '../cli/flags.js';
import { Interrupted, signalExitCode } from '../errors.js';
import { exitCodeFor } from '../checks/types.js';
import { renderJson, renderText, useColor } from '../checks/render.js';
import type { Answers } from '../answers/schema.js';
import { DEFAULT_DOCTOR_HEALTH_WINDOW_MS } from '../settings.js';
import { loadAnswersWithFlags, resolveTarget } from '../resolve.js';
import type { PlatformId } from '../platforms/index.js';

const OUTPUTS = COMMAND_OUTPUTS.doctor;

export interface DoctorFlags {
  pre: boolean;
  smoke: boolean;
  platform?: PlatformId;
  output: (typeof OUTPUTS)[number];
  probeTimeoutMs?: number;
  strict: boolean;
  kubeconfig?: string;
  kubeContext?: string;
  namespace?: string;
  release?: string;
  healthWindowMs: number;
  answers?: string;
}

/** Every flag is checked before anything runs: bad input exits 2 with nothing probed. */
export function parseDoctorFlags(ctx: CommandContext): DoctorFlags {
  const f = ctx.args.flags;
  const platform = oneOf(f, 'platform', PLATFORM_FLAG_VALUES, 'doctor');
  const output = oneOf(f, 'output', OUTPUTS, 'doctor') ?? 'text';
  const timeout = str(f, 'probe-timeout');
  const healthWindow = str(f, 'health-window');
  return {
    pre: bool(f, 'pre'),
    smoke: bool(f, 'smoke'),
    platform,
    output,
    probeTimeoutMs: timeout === undefined ? undefined : parseDuration(timeout, 'probe-timeout'),
    strict: bool(f, 'strict'),
    kubeconfig: str(f, 'kubeconfig'),
    kubeContext: str(f, 'kube-context'),
    namespace: str(f, 'namespace'),
    release: str(f, 'release'),
    healthWindowMs: healthWindow === undefined ? DEFAULT_DOCTOR_HEALTH_WINDOW_MS : parseDuration(healthWindow, 'health-window'),
    answers: str(f, 'answers'),
  };
}

export async function run(ctx: CommandContext): Promise<number> {
  const flags = parseDoctorFlags(ctx);
  // The answers file fills what the flags leave open (namespace, release, context; for --pre also
  // the platform, sizing and messaging choices).
  const answers = flags.answers ? loadAnswersWithFlags(flags.answers, { namespace: flags.namespace, kubeContext: flags.kubeContext }).answers : undefined;
  if (flags.pre) return runPreflightCommand(ctx, flags, answers);
  return runReleaseDoctor(ctx, flags, answers);
}

/**
 * Ctrl-C (SIGINT) and SIGTERM stop the read-only checks in flight; the run then exits 130 or 143
 * (the shell's 128 + signal number), as install does.
 */
function stopOnSignals(): { controller: AbortController; stopped: () => Interrupted; dispose: () => void } {
  const controller = new AbortController();
  let received: NodeJS.Signals | undefined;
  const onSignal = (sig: NodeJS.Signals) => {
    received ??= sig;
    controller.abort();
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  return {
    controller,
    stopped: () => new Interrupted(`${received ?? 'signal'} received: the checks were stopped`, undefined, signalExitCode(received)),
    dispose: () => {
      process.removeListener('SIGINT', onSignal);
      process.removeListener('SIGTERM', onSignal);
    },
  };
}

/** The installed release: read-only checks (src/doctor/run.ts), exit 0 on pass/warn, 1 on fail. */
async function runReleaseDoctor(ctx: CommandContext, flags: DoctorFlags, answers: Answers | undefined): Promise<number> {
  const target = resolveTarget(flags, answers);
  const { controller, stopped, dispose } = stopOnSignals();
  try {
    const { doctorChecks } = await import('../doctor/run.js');
    const { summarize } = await import('../checks/types.js');
    const checks = await doctorChecks({
      env: ctx.env,
      cwd: ctx.cwd,
      kubeconfig: flags.kubeconfig,
      kubeContext: target.kubeContext,
      namespace: target.namespace,
      release: target.release,
      healthWindowMs: flags.healthWindowMs,
      requestTimeoutMs: flags.probeTimeoutMs,
      signal: controller.signal,
    });
    if (flags.smoke) {
      const { KubeClient } = await import('../kube/client.js');
      const { smokeDoctorChecks } = await import('../bootstrap/doctor.js');
      const kube = KubeClient.fromKubeconfig({ kubeconfig: flags.kubeconfig, context: target.kubeContext, env: ctx.env, cwd: ctx.cwd });
      try {
        checks.push(...(await smokeDoctorChecks(kube, { namespace: target.namespace, release: target.release, signal: controller.signal })));
      } finally {
        kube.close();
      }
    }
    if (controller.signal.aborted) throw stopped();
    const report = summarize(checks);
    ctx.stdout.write(flags.output === 'json' ? renderJson(report) : renderText(report, { color: useColor(ctx.stdout, ctx.env) }));
    return exitCodeFor(report, flags.strict);
  } finally {
    dispose();
  }
}

async function runPreflightCommand(ctx: CommandContext, flags: DoctorFlags, answers: Answers | undefined): Promise<number> {
  const target = resolveTarget(flags, answers);
  const { classifyKubeContext } = await import('../probes/detect.js');
  const { detectPlatform } = await import('../platforms/index.js');
  const platform = flags.platform ?? answers?.platform ?? detectPlatform(ctx.env, target.kubeContext ? classifyKubeContext(target.kubeContext) : undefined);

  const { controller, stopped, dispose } = stopOnSignals();
  try {
    const { runPreflight } = await import('../probes/preflight.js');
    const result = await runPreflight({
      platform,
      env: ctx.env,
      answers,
      // File references in the answers resolve next to the answers file, as install resolves them.
      secretSources: { env: ctx.env, baseDir: flags.answers ? dirname(resolve(ctx.cwd, flags.answers)) : ctx.cwd },
      timeoutMs: flags.probeTimeoutMs,
      signal: controller.signal,
      kubeconfig: flags.kubeconfig,
      kubeContext: target.kubeContext,
      namespace: target.namespace,
    });
    if (controller.signal.aborted) throw stopped();
    if (flags.output === 'json') {
      ctx.stdout.write(renderJson({ ...result.report, platform, durationMs: result.durationMs } as never));
    } else {
      ctx.stdout.write(`Preflight for platform ${platform}${flags.platform || answers ? '' : ' (detected; choose with --platform)'}\n\n`);
      ctx.stdout.write(renderText(result.report, { color: useColor(ctx.stdout, ctx.env) }));
    }
    return exitCodeFor(result.report, flags.strict);
  } finally {
    dispose();
  }
}
