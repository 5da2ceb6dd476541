// The install from answers: preflight, then the steps, with output as text, json or ndjson, a
// confirmation on a terminal, and Ctrl-C handling. `executeInstall` is the engine without any
// terminal concerns (the wizard's InstallEngine port calls it); `runInstall` adds the output,
// the confirmation and Ctrl-C (all given by the caller through ServiceIO).
import { setMaxListeners } from 'node:events';
import { resolveSecretRefs, secretRefsOf, type SecretSources } from '../answers/secrets.js';
import type { Answers } from '../answers/schema.js';
import { renderText, useColor } from '../checks/render.js';
import { summarize } from '../checks/types.js';
import type { Check } from '../checks/types.js';
import { CancelledAtPrompt, CliError, Interrupted, UsageError, exitCodeOf, signalExitCode } from '../errors.js';
import type { ServiceIO } from '../io.js';
import type { PrepareStepName } from '../prepare/types.js';
import { buildPlan } from '../plan/index.js';
import { resolveChartVersion } from '../helm/chart.js';
import { detectHelm } from '../helm/binary.js';
import { KubeClient } from '../kube/client.js';
import { DEFAULT_TIMEOUT_MS } from '../settings.js';
import { runSteps, type InstallContext, type Step } from './engine.js';
import { createRunContext, localSecretSources, resolveRunSecrets, runSecretSources } from './context.js';
import { progressFor, recordingChecks, resultReporter, writeFailure, writeJson, type Emit, type InstallEvent, type RunOutput } from './events.js';
import { preflightFailed, preflightFinished, preflightRequestTimeout, preflightStep, type PreflightResult } from './preflight.js';
import { withoutSecretEnv } from './child-env.js';
import { withLeftovers } from './leftovers.js';
import { releaseLockOf } from './lock.js';
import { releaseHistory } from './release.js';
import { generateKeysInAdvance, installSteps } from './steps.js';
import { bootstrapSpec } from '../bootstrap/bootstrap.js';
import { bootstrapSummary } from '../bootstrap/steps.js';
import type { InstallPreview } from './dry-run.js';


export interface ExecuteOptions {
  answers: Answers;
  answersPath: string;
  env: NodeJS.ProcessEnv;
  cwd: string;
  /** --kubeconfig; the context comes from answers.kubernetes.context (set by --kube-context). */
  kubeconfig?: string;
  timeoutMs?: number;
  healthWindowMs?: number;
  pollIntervalMs?: number;
  probeHttp?: boolean;
  /** The prepare steps, a lane each (src/install/prepare.ts). */
  prepareLanes?: Step[][];
  /** --force (see InstallContext.force). */
  force?: boolean;
  /** --skip-bootstrap, --skip-smoke: leave out the first-run bootstrap and the smoke test. */
  skipBootstrap?: boolean;
  skipSmoke?: boolean;
  smokeEvaluationWaitMs?: number;
  signal: AbortSignal;
  emit: Emit;
  /** Called after preflight and before any change; resolve false to stop (nothing changed). */
  confirm?: (summary: string) => Promise<boolean>;
  /** Receives the run's context as soon as it exists (to report what was applied on failure). */
  onContext?: (ctx: InstallContext) => void;
  /** Receives what install creates (plan.json's shape), before the first object is created. */
  onPlan?: InstallContext['onPlan'];
  skipPrepare?: InstallContext['skipPrepare'];
  /** --dry-run: stop after preflight with the plan; the prepare steps named here are skipped. */
  dryRun?: { skipPrepare: readonly PrepareStepName[] };
}

export interface InstallOutcome {
  ctx?: InstallContext;
  checks: Check[];
  preflight?: PreflightResult;
  /** Set by a dry run, which changed nothing. */
  preview?: InstallPreview;
}

/** Fails fast (exit 2) on secret refs the environment cannot satisfy, before any cluster call. */
export async function checkLocalSecretRefs(answers: Answers, sources: SecretSources): Promise<void> {
  await resolveSecretRefs(secretRefsOf(answers).filter(({ ref }) => !('secret' in ref)), sources);
}

function planSummary(ctx: InstallContext, pre: PreflightResult, historyText: string): string {
  const a = ctx.answers;
  const lines = [
    'About to install Bucketeer:',
    `  cluster    context ${ctx.kube.context} (${ctx.kube.server}), Kubernetes ${pre.serverVersion?.gitVersion ?? '?'}`,
    `  namespace  ${a.kubernetes.namespace}${pre.namespaceExists ? '' : ' (will be created)'}`,
    `  release    ${a.release.name}: ${historyText}`,
    `  chart      ${a.release.chart} ${a.release.version}`,
    `  database   ${a.database.mode === 'in-cluster' ? 'in-cluster MySQL 8 (StatefulSet)' : `${a.database.host}:${a.database.port}`}; redis ${a.redis.mode === 'in-cluster' ? 'in-cluster Redis 7' : a.redis.addr}`,
    `  hosts      https://${a.ingress.webHost} (console), https://${a.ingress.apiHost} (API)`,
    '  Secrets that exist are reused unchanged; missing ones are generated.',
  ];
  return lines.join('\n');
}

export async function executeInstall(o: ExecuteOptions): Promise<InstallOutcome> {
  // Every in-flight request listens on the signal; a preflight sends about twenty at once.
  setMaxListeners(0, o.signal);
  const sources = localSecretSources(o.env, o.answersPath, o.cwd);
  await checkLocalSecretRefs(o.answers, sources);
  // Bad bootstrap input (no owner email) is refused before any change.
  if (!o.skipBootstrap) bootstrapSpec(o.answers);

  // helm and credential plugins run without the variables the secret refs name (they are read here only).
  const childEnv = withoutSecretEnv(o.env, o.answers);
  const kube = KubeClient.fromKubeconfig({ kubeconfig: o.kubeconfig, context: o.answers.kubernetes.context, env: childEnv, cwd: o.cwd });
  const timeoutMs = o.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  try {
    const namespace = o.answers.kubernetes.namespace;
    const keysInAdvance = generateKeysInAdvance(o.answers);
    const secretSources = runSecretSources(sources, kube, namespace, o.signal);
    // Reading the chart needs only helm: it runs beside the cluster checks, and its outcome is
    // looked at after them, in the order it always had. A failed preflight stops it.
    const chartRead = new AbortController();
    const stopChartRead = () => chartRead.abort();
    o.signal.addEventListener('abort', stopChartRead, { once: true });
    const chartOutcome: Promise<unknown> = detectHelm(childEnv).then(
      (helm) => resolveChartVersion({ helm, env: childEnv }, o.answers.release.chart, o.answers.release.version, chartRead.signal).then(() => undefined, (e: unknown) => e ?? new Error('chart read failed')),
      () => undefined, // no usable helm: the preflight says so
    );
    const pre = await preflightStep({ kube, env: childEnv, namespace, requestTimeoutMs: preflightRequestTimeout(timeoutMs), signal: o.signal, answers: o.answers, secretSources, dryRun: o.dryRun !== undefined }, o.emit).catch((e: unknown) => {
      stopChartRead();
      throw e;
    });
    // Everything else that can be checked read-only, before the first write: the secrets resolve
    // and are safe for the chart's templates (building the plan validates them), and the chart can
    // be fetched at that version.
    let inlineSecrets;
    try {
      // A database.password other than the one the in-cluster MySQL was created with is refused here.
      inlineSecrets = await resolveRunSecrets(o.answers, secretSources, { kube, signal: o.signal, differentDbPassword: 'refused' });
      buildPlan(o.answers, { inlineSecrets });
      const chartError = await chartOutcome;
      if (chartError) throw chartError;
    } catch (e) {
      stopChartRead();
      o.emit(preflightFailed(pre, (e as Error).message));
      throw e;
    } finally {
      o.signal.removeEventListener('abort', stopChartRead);
    }
    o.emit(preflightFinished(pre));
    const ctx = createRunContext({
      answers: o.answers,
      answersPath: o.answersPath,
      cwd: o.cwd,
      env: o.env,
      childEnv,
      kube,
      helm: pre.helm,
      inlineSecrets,
      signal: o.signal,
      timeoutMs,
      pollIntervalMs: o.pollIntervalMs,
      healthWindowMs: o.healthWindowMs,
      probeHttp: o.probeHttp,
      force: o.force,
      smokeEvaluationWaitMs: o.smokeEvaluationWaitMs,
      keysInAdvance,
      onPlan: o.onPlan,
      skipPrepare: o.skipPrepare,
      skipBootstrap: o.skipBootstrap,
      skipSmoke: o.skipSmoke,
    });
    o.onContext?.(ctx);
    if (o.dryRun) {
      const { installPreview } = await import('./dry-run.js');
      return { ctx, checks: [], preflight: pre, preview: await installPreview(ctx, pre, o.dryRun.skipPrepare) };
    }
    if (o.confirm) {
      const history = await releaseHistory({ helm: ctx.helm, env: ctx.env, release: o.answers.release.name, namespace, kubeArgs: ctx.kubeArgs }, { signal: o.signal }).catch(() => undefined);
      const latest = history?.at(-1);
      const historyText = !history ? 'unknown (helm history failed)' : latest ? `exists (revision ${latest.revision}, ${latest.status}, ${latest.chart}): it will be upgraded` : 'first install';
      if (!(await o.confirm(planSummary(ctx, pre, historyText)))) {
        throw new UsageError('install cancelled; nothing was changed', 'run again and answer y, or pass --yes');
      }
    }
    const outcome: InstallOutcome = { ctx, checks: [], preflight: pre };
    try {
      // A second run waits for the release lock as long as any other wait of this run (--timeout).
      await runSteps(installSteps(o.prepareLanes, { lockWaitMs: timeoutMs, bootstrap: !o.skipBootstrap, smoke: !o.skipSmoke }), ctx, o.emit);
    } catch (e) {
      throw o.signal.aborted ? e : withLeftovers(e, ctx);
    } finally {
      await releaseLockOf(ctx);
      outcome.checks = ctx.state.checks ?? [];
    }
    return outcome;
  } finally {
    kube.close();
  }
}

/**
 * The InstallEngine port of the wizard (src/ui/ports.ts), structurally: answers in, events out,
 * {ok, checks} back. Errors become a final 'failed' event instead of a rejection.
 */
export interface InstallEngineOptions {
  cwd: string;
  kubeconfig?: string;
  timeoutMs?: number;
  healthWindowMs?: number;
  skipPrepare?: PrepareStepName[];
  force?: boolean;
  recreateSubscriptions?: boolean;
  skipBootstrap?: boolean;
  skipSmoke?: boolean;
}

export function installEngine(opts: InstallEngineOptions) {
  return {
    async run(
      request: { answers: Answers; answersPath: string; env: NodeJS.ProcessEnv },
      onEvent: (e: InstallEvent) => void,
      signal: AbortSignal,
    ): Promise<{ ok: boolean; checks?: Check[]; exitCode?: number; error?: { message: string; hint?: string } }> {
      let step = 'preflight';
      try {
        const { installPrepareLanes } = await import('./prepare.js');
        const prepareLanes = await installPrepareLanes({ skip: opts.skipPrepare ?? [], force: opts.force, recreateSubscriptions: opts.recreateSubscriptions });
        const out = await executeInstall({
          ...request,
          cwd: opts.cwd,
          kubeconfig: opts.kubeconfig,
          timeoutMs: opts.timeoutMs,
          healthWindowMs: opts.healthWindowMs,
          force: opts.force,
          skipBootstrap: opts.skipBootstrap,
          skipSmoke: opts.skipSmoke,
          prepareLanes,
          signal,
          emit: (e) => ((step = e.step), onEvent(e)),
        });
        return { ok: true, checks: out.checks };
      } catch (e) {
        const err = e instanceof CliError ? e : undefined;
        if (!err || !(err.name === 'StepFailed')) onEvent({ type: 'failed', step, reason: (e as Error).message });
        // The same exit code as the answers path: bad input (a secret ref, a chart version) is 2.
        return { ok: false, exitCode: exitCodeOf(e), error: { message: (e as Error).message, hint: err?.hint } };
      }
    },
  };
}

/** The non-interactive install, every setting resolved (src/commands/install.ts parses the flags). */
export interface InstallRunOptions {
  answers: Answers;
  /** Absolute path of the answers file: {file: ...} secret refs resolve relative to it. */
  answersPath: string;
  output: RunOutput;
  timeoutMs: number;
  healthWindowMs: number;
  /** Confirm without asking. */
  yes: boolean;
  /** Run preflight and print the plan; change nothing (no --yes needed). */
  dryRun?: boolean;
  kubeconfig?: string;
  skipPrepare: PrepareStepName[];
  force: boolean;
  recreateSubscriptions: boolean;
  /** --skip-bootstrap, --skip-smoke. */
  skipBootstrap?: boolean;
  skipSmoke?: boolean;
  /** The prepare steps, a lane each; default: built from skipPrepare, force and recreateSubscriptions. */
  prepareLanes?: Step[][];
}

/** What the user reads after Ctrl-C: what was applied and that re-running converges. */
async function interruptedError(ctx: InstallContext | undefined, step: string | undefined, sig: NodeJS.Signals | undefined): Promise<Interrupted> {
  const applied = ctx?.applied.length ? `applied so far: ${ctx.applied.join('; ')}. ` : 'nothing was changed. ';
  let release = '';
  if (ctx && step === 'helm') {
    const history = await releaseHistory({ helm: ctx.helm, env: ctx.env, release: ctx.answers.release.name, namespace: ctx.answers.kubernetes.namespace, kubeArgs: ctx.kubeArgs }).catch(() => undefined);
    const latest = history?.at(-1);
    release = !history
      ? ` helm was stopped; the state of release ${ctx.answers.release.name} is unknown (helm history failed).`
      : latest
        ? ` helm was stopped; release ${ctx.answers.release.name} is now ${latest.status} at revision ${latest.revision}.`
        : ' helm was stopped; the release is not installed.';
  }
  return new Interrupted(
    `interrupted${step ? ` during step ${step}` : ''}.${release}`,
    `${applied}Run the same command again: it reuses what exists (and recovers a pending release) and converges.`,
    signalExitCode(sig),
  );
}

export async function runInstall(o: InstallRunOptions, io: ServiceIO): Promise<number> {
  const { answers, answersPath: path, output: mode } = o;
  const { installPrepareLanes } = await import('./prepare.js');
  const prepareLanes = o.prepareLanes ?? (await installPrepareLanes({ skip: o.skipPrepare, force: o.force, recreateSubscriptions: o.recreateSubscriptions }));
  if (!o.yes && !o.dryRun && !io.interactive) {
    throw new UsageError('install changes the cluster and there is no terminal to confirm on', 'pass --yes to confirm without a prompt (as with apt-get -y)');
  }

  const progress = progressFor(mode, io);
  const { text } = progress;
  // The preflight's checks, for the result document.
  const preflight = recordingChecks(progress.emit);
  let currentStep: string | undefined;
  const trackingEmit: Emit = (e) => {
    if (e.type === 'step-started') currentStep = e.step;
    preflight.emit(e);
  };

  const interrupt = io.interrupts({
    stopProgress: () => text?.stop(),
    message: (sig) => `${sig} received: stopping${currentStep === 'helm' ? ' helm and waiting for it to exit' : ''}`,
  });

  let outcome: InstallOutcome | undefined;
  let ctxRef: InstallContext | undefined;
  const result = resultReporter(() => ({
    applied: ctxRef?.applied,
    preflight: preflight.checks(),
    release: { name: answers.release.name, namespace: answers.kubernetes.namespace, revision: ctxRef?.state.revision, chartVersion: answers.release.version },
  }));

  try {
    outcome = await executeInstall({
      answers,
      answersPath: path,
      env: io.env,
      cwd: io.cwd,
      kubeconfig: o.kubeconfig,
      timeoutMs: o.timeoutMs,
      healthWindowMs: o.healthWindowMs,
      prepareLanes,
      force: o.force,
      skipBootstrap: o.skipBootstrap,
      skipSmoke: o.skipSmoke,
      signal: interrupt.signal,
      emit: trackingEmit,
      onContext: (c) => (ctxRef = c),
      skipPrepare: o.skipPrepare,
      // ndjson: what install creates, as one line before the first object is created.
      onPlan: mode === 'ndjson' ? (plan) => io.stdout.write(`${JSON.stringify({ type: 'plan', ...plan })}\n`) : undefined,
      dryRun: o.dryRun ? { skipPrepare: o.skipPrepare } : undefined,
      confirm: o.yes || o.dryRun
        ? undefined
        : async (summary) => {
            text?.stop();
            io.stderr.write(`${summary}\n`);
            return io.confirm('Continue? [y/N] ', interrupt.signal);
          },
    });
  } catch (err) {
    text?.stop();
    let error = err as Error;
    const interrupted = interrupt.signal.aborted || err instanceof Interrupted;
    if (interrupted && !(err instanceof CancelledAtPrompt)) error = await interruptedError(ctxRef, currentStep, interrupt.received());
    // At the prompt nothing was changed; a SIGTERM there still exits as SIGTERM does.
    else if (err instanceof CancelledAtPrompt && interrupt.received()) error = new Interrupted(err.message, err.hint, signalExitCode(interrupt.received()));
    writeFailure(mode, io, result(interrupted ? 'interrupted' : 'failed', exitCodeOf(error), ctxRef?.state.checks ?? [], error));
    throw error;
  } finally {
    interrupt.dispose();
  }

  if (outcome.preview) {
    text?.stop();
    const { formatInstallPreview } = await import('./dry-run.js');
    if (mode === 'text') io.stdout.write(formatInstallPreview(outcome.preview));
    else writeJson(io.stdout, mode, outcome.preview);
    return 0;
  }
  const checks = outcome.checks;
  if (mode === 'text') {
    text?.stop();
    const a = answers;
    const rev = outcome.ctx?.state.revision;
    io.stdout.write(
      [
        `Bucketeer is installed: release ${a.release.name}${rev ? ` revision ${rev}` : ''} (chart ${a.release.version}) in namespace ${a.kubernetes.namespace}, context ${outcome.ctx?.kube.context}.`,
        `  console  https://${a.ingress.webHost}`,
        `  API      https://${a.ingress.apiHost}`,
        `  answers  stored in ConfigMap ${a.release.name}-bucketeer-install (upgrade and doctor read them)`,
        '',
        renderText(summarize(checks), { color: useColor(io.stdout, io.env) }),
        ...bootstrapSummary(a, outcome.ctx?.state.bootstrap),
      ].join('\n') + (outcome.ctx?.state.bootstrap?.result || outcome.ctx?.state.bootstrap?.unreachable ? '\n' : ''),
    );
  } else {
    writeJson(io.stdout, mode, result('ok', 0, checks));
  }
  return 0;
}
