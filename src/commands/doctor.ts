// doctor: read-only checks. `--pre` is the preflight view (like `linkerd check --pre`): identity,
// platform, middleware found, quotas, capacity and advice, before anything is installed.
import type { CommandContext } from '../cli/context.js';
import { bool, parseDuration, str } from '../cli/flags.js';
import { Interrupted, UsageError } from '../errors.js';
import { exitCodeFor } from '../checks/types.js';
import { renderJson, renderText, useColor } from '../checks/render.js';
import type { Answers } from '../answers/schema.js';
import { DEFAULT_DOCTOR_HEALTH_WINDOW_MS } from '../settings.js';

const PLATFORMS = ['aws', 'gcp', 'other'] as const;
const OUTPUTS = ['text', 'json'] as const;

export interface DoctorFlags {
  pre: boolean;
  platform?: (typeof PLATFORMS)[number];
  output: (typeof OUTPUTS)[number];
  probeTimeoutMs?: number;
  strict: boolean;
  kubeconfig?: string;
  kubeContext?: string;
  namespace?: string;
  answers?: string;
}

/** Every flag is checked before anything runs: bad input exits 2 with nothing probed. */
export function parseDoctorFlags(ctx: CommandContext): DoctorFlags {
  const f = ctx.args.flags;
  const platform = str(f, 'platform');
  if (platform !== undefined && !PLATFORMS.includes(platform as never)) {
    throw new UsageError(`flag --platform must be aws, gcp or other (got "${platform}")`, 'write --platform aws, --platform gcp or --platform other');
  }
  const output = str(f, 'output') ?? 'text';
  if (!OUTPUTS.includes(output as never)) {
    throw new UsageError(`flag --output must be text or json for doctor (got "${output}")`, 'write --output json or --output text');
  }
  const timeout = str(f, 'probe-timeout');
  return {
    pre: bool(f, 'pre'),
    platform: platform as DoctorFlags['platform'],
    output: output as DoctorFlags['output'],
    probeTimeoutMs: timeout === undefined ? undefined : parseDuration(timeout, 'probe-timeout'),
    strict: bool(f, 'strict'),
    kubeconfig: str(f, 'kubeconfig'),
    kubeContext: str(f, 'kube-context'),
    namespace: str(f, 'namespace'),
    answers: str(f, 'answers'),
  };
}

export async function run(ctx: CommandContext): Promise<number> {
  const flags = parseDoctorFlags(ctx);
  if (flags.pre) return runPreflightCommand(ctx, flags);
  return runReleaseDoctor(ctx, flags);
}

/** The installed release: read-only checks (src/doctor/run.ts), exit 0 on pass/warn, 1 on fail. */
async function runReleaseDoctor(ctx: CommandContext, flags: DoctorFlags): Promise<number> {
  const controller = new AbortController();
  const onSigint = () => controller.abort();
  process.once('SIGINT', onSigint);
  try {
    const { doctorChecks } = await import('../doctor/run.js');
    const { summarize } = await import('../checks/types.js');
    const window = str(ctx.args.flags, 'health-window');
    const checks = await doctorChecks({
      env: ctx.env,
      cwd: ctx.cwd,
      kubeconfig: flags.kubeconfig,
      kubeContext: flags.kubeContext,
      namespace: flags.namespace ?? 'bucketeer',
      release: str(ctx.args.flags, 'release') ?? 'bucketeer',
      healthWindowMs: window === undefined ? DEFAULT_DOCTOR_HEALTH_WINDOW_MS : parseDuration(window, 'health-window'),
      requestTimeoutMs: flags.probeTimeoutMs,
      signal: controller.signal,
    });
    if (controller.signal.aborted) throw new Interrupted();
    const report = summarize(checks);
    ctx.stdout.write(flags.output === 'json' ? renderJson(report) : renderText(report, { color: useColor(ctx.stdout, ctx.env) }));
    return exitCodeFor(report, flags.strict);
  } finally {
    process.removeListener('SIGINT', onSigint);
  }
}

async function runPreflightCommand(ctx: CommandContext, flags: DoctorFlags): Promise<number> {
  let answers: Answers | undefined;
  if (flags.answers) {
    const { loadAnswersFile } = await import('../answers/load.js');
    const { applyOverrides } = await import('../answers/overrides.js');
    answers = applyOverrides(loadAnswersFile(flags.answers).answers, { namespace: flags.namespace, kubeContext: flags.kubeContext });
  }
  const { detectPlatform, classifyKubeContext } = await import('../probes/detect.js');
  const platform = flags.platform ?? answers?.platform ?? detectPlatform(ctx.env, flags.kubeContext ? classifyKubeContext(flags.kubeContext) : undefined);

  const controller = new AbortController();
  const onSigint = () => controller.abort();
  process.once('SIGINT', onSigint);
  try {
    const { runPreflight } = await import('../probes/preflight.js');
    const result = await runPreflight({
      platform,
      env: ctx.env,
      answers,
      timeoutMs: flags.probeTimeoutMs,
      signal: controller.signal,
      kubeconfig: flags.kubeconfig,
      kubeContext: flags.kubeContext,
      namespace: flags.namespace,
    });
    if (controller.signal.aborted) throw new Interrupted();
    if (flags.output === 'json') {
      ctx.stdout.write(renderJson({ ...result.report, platform, durationMs: result.durationMs } as never));
    } else {
      ctx.stdout.write(`Preflight for platform ${platform}${flags.platform || answers ? '' : ' (detected; choose with --platform)'}\n\n`);
      ctx.stdout.write(renderText(result.report, { color: useColor(ctx.stdout, ctx.env) }));
    }
    return exitCodeFor(result.report, flags.strict);
  } finally {
    process.removeListener('SIGINT', onSigint);
  }
}
