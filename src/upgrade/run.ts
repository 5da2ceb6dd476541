// `bucketeer-install upgrade`: read what is deployed (stored answers, helm values, manifest and
// chart version), build the new plan from the new (or stored) answers, show what changes, ask,
// then run the install's own steps (secrets reused, helm with the rollback flag), restart the
// Deployments whose ConfigMaps/Secrets changed, verify, and roll back on failure.
import type { LoadedAnswers } from '../answers/load.js';
import { applyOverrides } from '../answers/overrides.js';
import type { Answers } from '../answers/schema.js';
import type { SecretSources } from '../answers/secrets.js';
import { renderText, useColor } from '../checks/render.js';
import { summarize } from '../checks/types.js';
import { CancelledAtPrompt, CliError, Interrupted, OperationFailed, UsageError, exitCodeOf, signalExitCode } from '../errors.js';
import type { ServiceIO } from '../io.js';
import { helmTemplate } from '../helm/template.js';
import { smokeSummary } from '../bootstrap/steps.js';
import { StepFailed, runSteps, type InstallContext, type Step, type StepList } from '../install/engine.js';
import { progressFor, recordingChecks, resultReporter, writeFailure, writeJson, type Emit, type ResultEvent, type RunOutput } from '../install/events.js';
import { installPrepareLanes } from '../install/prepare.js';
import type { PrepareStepName } from '../prepare/types.js';
import { answersPreflightStep, preflightFinished, preflightRequestTimeout, preflightStep } from '../install/preflight.js';
import { helmGetValues, helmRollback, lastGoodRevision, PENDING, releaseHistory, type HelmTarget, type HistoryEntry } from '../install/release.js';
import { checkLocalSecretRefs } from '../install/run.js';
import { createRunContext, localSecretSources, resolveRunSecrets, runSecretSources, STORED_ANSWERS } from '../install/context.js';
import { resolveTarget } from '../resolve.js';
import { everyInlineSecret, RESTART_ANNOTATION } from '../chart/facts.js';
import { handSetFromStored, handSetStep, healthAndSmoke, helmStep, inClusterReadyStep, inClusterStep, releaseStateStep, secretsStep, storeAnswersStep } from '../install/steps.js';
import { readStoredAnswers, type StoredAnswers } from '../install/stored-answers.js';
import { storedAnswersName } from '../plan/ownership.js';
import { deploymentReady } from '../install/diagnose.js';
import { KubeClient, resourcePath } from '../kube/client.js';
import type { Deployment } from '../kube/types.js';
import { buildPlan, secretOverlay } from '../plan/index.js';
import { MASK, planValues, type InlineSecrets, type Values } from '../plan/values.js';
import { keepDeployedWarehouse, refuseFewerPartitions } from '../install/guards.js';
import { withoutSecretEnv } from '../install/child-env.js';
import { lockStep, releaseLockOf } from '../install/lock.js';
import { chartVersionOf, isDowngrade } from '../util/versions.js';
import { deploymentsToRestart, diffResources, diffValues, formatValueChanges, parseManifest, type ResourceDiff, type ValueChange } from './diff.js';
import { deepMerge, leafPaths } from '../util/value-tree.js';
import { resolveChartVersion } from '../helm/chart.js';
import { deployedManifest } from './helm.js';

export { RESTART_ANNOTATION };

/** Every upgrade setting, parsed and validated by the CLI (src/commands/upgrade.ts) before the cluster is read. */
export interface UpgradeOptions {
  /** --answers, read (the flags are applied to it in planUpgrade); none: the stored answers. */
  answersFile?: LoadedAnswers;
  chart?: string;
  chartVersion?: string;
  kubeContext?: string;
  kubeconfig?: string;
  namespace?: string;
  release?: string;
  yes: boolean;
  /** --dry-run: print the plan (values diff, resource diff, restarts) and change nothing. */
  dryRun: boolean;
  force: boolean;
  skipPrepare: PrepareStepName[];
  recreateSubscriptions: boolean;
  /** --skip-smoke: leave out the smoke test beside the health checks. */
  skipSmoke: boolean;
  timeoutMs: number;
  healthWindowMs: number;
  output: RunOutput;
}

/** Sentinel secrets: the leaves that differ from the masked plan are the secret-bearing paths. */
const SENTINEL: InlineSecrets = everyInlineSecret((_, i) => `sentinel${i}`);

export function secretValuePaths(answers: Answers): string[] {
  const masked = planValues(answers, everyInlineSecret(() => MASK));
  return leafPaths(secretOverlay(masked, planValues(answers, SENTINEL)) ?? {});
}

export interface UpgradePlan {
  release: string;
  namespace: string;
  answers: Answers;
  answersPath: string;
  /** The revision compared against and rolled back to on failure. */
  good: HistoryEntry;
  /** Set when the latest revision is pending-* (recovered before the upgrade). */
  pending?: HistoryEntry;
  stored?: StoredAnswers;
  deployedChartVersion: string;
  /** helm get values of the good revision. */
  deployedValues: Values;
  newChartVersion: string;
  valueChanges: ValueChange[];
  resources: ResourceDiff;
  restarts: Map<string, string[]>;
  /** Values helm held that the installer did not produce; carried over. */
  handSet: Values;
  inlineSecrets: InlineSecrets;
  /** Where the answers' secret references are read (the environment, files, the cluster's Secrets). */
  secretSources: SecretSources;
  /** Set when the deployed warehouse location was kept (keepDeployedWarehouse). */
  warehouseNote?: string;
  /** Set when the answers' database.password differs from the in-cluster MySQL's, which is kept. */
  databaseNote?: string;
}

function describePlan(p: UpgradePlan, context: string): string {
  const lines = [
    `Upgrade of release ${p.release} in namespace ${p.namespace} (context ${context}):`,
    `  deployed   revision ${p.good.revision} (${p.good.status}), chart ${p.deployedChartVersion}`,
    `  new        chart ${p.newChartVersion} from ${p.answers.release.chart}`,
    `  answers    ${p.answersPath === STORED_ANSWERS ? `stored in ConfigMap ${storedAnswersName(p.release)}` : p.answersPath}`,
  ];
  if (p.warehouseNote) lines.push(`  warehouse  ${p.warehouseNote}`);
  if (p.databaseNote) lines.push(`  database   ${p.databaseNote}`);
  if (p.pending) lines.push(`  recovery   revision ${p.pending.revision} is ${p.pending.status}: it is rolled back to revision ${p.good.revision} first`);
  const extra = Object.keys(p.handSet).length;
  if (extra) lines.push(`  kept       values set outside bucketeer-install are carried over unchanged`);
  lines.push('', `Values (${p.valueChanges.length} change${p.valueChanges.length === 1 ? '' : 's'}; secrets masked):`);
  lines.push(...(p.valueChanges.length ? formatValueChanges(p.valueChanges) : ['  (no change)']));
  const r = p.resources;
  lines.push('', `Resources (${r.added.length} added, ${r.removed.length} removed, ${r.changed.length} changed, ${r.unchanged} unchanged):`);
  lines.push(...r.added.map((k) => `  + ${k}`), ...r.removed.map((k) => `  - ${k}`), ...r.changed.map((k) => `  ~ ${k}`));
  if (!r.added.length && !r.removed.length && !r.changed.length) lines.push('  (no change)');
  if (p.restarts.size) {
    lines.push('', 'Restarts (their ConfigMaps or Secrets changed but their pod templates did not):');
    for (const [d, why] of p.restarts) lines.push(`  Deployment/${d}: ${why.join(', ')}`);
  }
  return `${lines.join('\n')}\n`;
}

/** The plan as data: ndjson's `plan` line, the `plan` of json's document. Values are the masked diff the text shows. */
function planData(p: UpgradePlan) {
  return {
    release: p.release,
    namespace: p.namespace,
    fromRevision: p.good.revision,
    fromChartVersion: p.deployedChartVersion,
    toChartVersion: p.newChartVersion,
    pending: p.pending ? { revision: p.pending.revision, status: p.pending.status } : undefined,
    values: p.valueChanges,
    resources: p.resources,
    restart: [...p.restarts.keys()],
    notes: [p.warehouseNote, p.databaseNote].filter((n): n is string => n !== undefined),
  };
}
type PlanData = ReturnType<typeof planData>;

interface Session {
  kube: KubeClient;
  t: HelmTarget;
  flags: UpgradeOptions;
  env: NodeJS.ProcessEnv;
  cwd: string;
  signal: AbortSignal;
}

/** Everything before the confirmation: reads only. */
async function planUpgrade(s: Session): Promise<UpgradePlan> {
  const { kube, t, flags, signal } = s;
  const history = await releaseHistory(t, { signal });
  if (!history.length) {
    throw new UsageError(`there is no release ${t.release} in namespace ${t.namespace} (context ${kube.context}) to upgrade`, 'check --namespace and --release, or install first: bucketeer-install install --answers FILE');
  }
  const latest = history.at(-1)!;
  const pending = PENDING.includes(latest.status) ? latest : undefined;
  const good = lastGoodRevision(pending ? history.slice(0, -1) : history);
  if (!good) {
    throw new UsageError(`release ${t.release} has never been deployed (latest revision ${latest.revision} is ${latest.status})`, 'run bucketeer-install install --answers FILE: it recovers or replaces a release that never deployed');
  }

  const stored = await readStoredAnswers(kube, t.namespace, t.release, signal);
  let answers: Answers;
  let answersPath: string;
  const overrides = { namespace: t.namespace, kubeContext: flags.kubeContext, chart: flags.chart, chartVersion: flags.chartVersion };
  if (flags.answersFile) {
    answers = applyOverrides(flags.answersFile.answers, overrides);
    answersPath = flags.answersFile.path;
  } else {
    if (!stored) {
      throw new UsageError(`no stored answers for release ${t.release} (ConfigMap ${storedAnswersName(t.release)} in ${t.namespace} is missing)`, 'pass --answers FILE with the answers to upgrade to');
    }
    answers = applyOverrides(stored.answers, overrides);
    // {file: ...} secret references of stored answers are read relative to the working folder.
    answersPath = STORED_ANSWERS;
  }
  answers = { ...answers, release: { ...answers.release, name: t.release } };

  // Downgrade guard: the version the chart reference really resolves to.
  const deployedChartVersion = chartVersionOf(good.chart) ?? stored?.chartVersion;
  const shown = await resolveChartVersion(t, answers.release.chart, answers.release.version, signal);
  if (shown.replace(/^v/, '') !== answers.release.version.replace(/^v/, '')) {
    // A local chart ignores --chart-version, and a partial `v2.4` resolves to a full version:
    // record the version that is really installed.
    answers = { ...answers, release: { ...answers.release, version: answers.release.version.startsWith('v') ? `v${shown.replace(/^v/, '')}` : shown } };
  }
  const newChartVersion = shown.replace(/^v/, '');
  if (isDowngrade(newChartVersion, deployedChartVersion) && !flags.force) {
    throw new UsageError(
      `chart ${newChartVersion} is older than the deployed chart ${deployedChartVersion} (revision ${good.revision}): downgrades are refused`,
      'a downgrade can break a migrated database; pass --force to downgrade anyway, or --chart-version with a version >= the deployed one',
    );
  }

  const deployedValues = await helmGetValues(t, { revision: good.revision, signal });
  refuseFewerPartitions(deployedValues, answers, flags.force);
  const kept = keepDeployedWarehouse(deployedValues, answers);
  answers = kept.answers;

  // The new plan, read-only: the same secret resolution as install, Secrets reused as they are.
  const sources = localSecretSources(s.env, answersPath, s.cwd);
  await checkLocalSecretRefs(answers, sources);
  // The diff is against the password the in-cluster MySQL was created with.
  const secretSources = runSecretSources(sources, kube, t.namespace, signal);
  let databaseNote: string | undefined;
  const inlineSecrets = await resolveRunSecrets(answers, secretSources, { kube, signal, differentDbPassword: 'kept', onKept: (note) => (databaseNote = note) });
  const plan = buildPlan(answers, { inlineSecrets });

  const handSet = handSetFromStored(deployedValues, stored);
  const secretPaths = new Set([...secretValuePaths(answers), ...(stored ? secretValuePaths(stored.answers) : [])]);
  const newValues = deepMerge(handSet, plan.values);
  // Compared with the real secrets (so a changed password shows as changed), printed masked.
  const isSecret = (path: string) => [...secretPaths].some((s) => path === s || path.startsWith(`${s}.`));
  const valueChanges = diffValues(deployedValues, deepMerge(newValues, plan.secretValues ?? {})).map((c) =>
    isSecret(c.path) ? { ...c, ...('before' in c ? { before: MASK } : {}), ...('after' in c ? { after: MASK } : {}) } : c,
  );

  const [before, afterText] = await Promise.all([
    deployedManifest(t, good.revision, signal),
    helmTemplate(t.helm, { release: t.release, namespace: t.namespace, chart: answers.release.chart, version: answers.release.version, values: deepMerge(newValues, plan.secretValues ?? {}), env: t.env, images: answers.images }),
  ]);
  const oldObjects = parseManifest(before);
  const newObjects = parseManifest(afterText);
  return {
    warehouseNote: kept.note,
    databaseNote,
    release: t.release,
    namespace: t.namespace,
    answers,
    answersPath,
    good,
    pending,
    stored,
    deployedChartVersion: deployedChartVersion ?? 'unknown',
    deployedValues,
    newChartVersion,
    valueChanges,
    resources: diffResources(oldObjects, newObjects),
    restarts: deploymentsToRestart(oldObjects, newObjects).deployments,
    handSet,
    inlineSecrets,
    secretSources,
  };
}

/** `kubectl rollout restart` for the Deployments whose config changed, then wait for them. */
function restartStep(restarts: Map<string, string[]>): Step {
  return {
    id: 'restart',
    title: 'Restart Deployments whose ConfigMaps or Secrets changed',
    skip: () => restarts.size === 0,
    async run(ctx, api) {
      const ns = ctx.answers.kubernetes.namespace;
      const at = new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
      for (const name of restarts.keys()) {
        api.progress(`restarting Deployment ${name}`);
        await ctx.kube.mergePatch(resourcePath('Deployment', ns, name), { spec: { template: { metadata: { annotations: { [RESTART_ANNOTATION]: at } } } } }, { signal: ctx.signal });
        ctx.applied.push(`Deployment ${name} restarted (${RESTART_ANNOTATION}=${at})`);
      }
      const names = [...restarts.keys()];
      const done = await KubeClient.poll(
        async () => {
          const ds = await Promise.all(names.map((n) => ctx.kube.get<Deployment>(resourcePath('Deployment', ns, n), { signal: ctx.signal })));
          return ds.every((d) => d && deploymentReady(d)) ? true : undefined;
        },
        { intervalMs: ctx.pollIntervalMs, timeoutMs: ctx.timeoutMs, signal: ctx.signal },
      );
      if (ctx.signal.aborted) throw new Interrupted();
      if (!done) throw new StepFailed(`deployment/${names[0]}`, `not rolled out ${Math.round(ctx.timeoutMs / 1000)}s after the restart`, `kubectl rollout status deployment -n ${ns} ${names.join(' ')}`);
      return names.join(', ');
    },
  };
}

export async function runUpgrade(flags: UpgradeOptions, cmd: ServiceIO): Promise<number> {
  if (!flags.yes && !flags.dryRun && !cmd.interactive) {
    throw new UsageError('upgrade changes the cluster and there is no terminal to confirm on', 'pass --yes to confirm without a prompt (as with apt-get -y)');
  }
  // The stored answers live in the namespace, so only the flags and the answers file can name it.
  const { namespace, release, kubeContext: context } = resolveTarget(flags, flags.answersFile?.answers);

  const { text, emit: progress } = progressFor(flags.output, cmd);
  // The preflight's checks, for the result document.
  const preflight = recordingChecks(progress);
  const emit = preflight.emit;

  const interrupt = cmd.interrupts({
    stopProgress: () => text?.stop(),
    message: (sig) => `${sig} received: stopping (helm, if running, is signalled and awaited)`,
  });

  // helm and credential plugins run without the variables the secret refs name (read here only).
  const childEnv = withoutSecretEnv(cmd.env, flags.answersFile?.answers);
  const kube = KubeClient.fromKubeconfig({ kubeconfig: flags.kubeconfig, context, env: childEnv, cwd: cmd.cwd });
  let ctx: InstallContext | undefined;
  let plan: UpgradePlan | undefined;
  const result = resultReporter(() => ({
    applied: ctx?.applied,
    preflight: preflight.checks(),
    release: { name: release, namespace, revision: ctx?.state.revision, chartVersion: plan?.answers.release.version ?? '' },
  }));
  // json prints one document: the result, with the plan once it was built (ndjson printed it as its own line).
  const withPlan = (r: ResultEvent): ResultEvent | (ResultEvent & { plan: PlanData }) => (flags.output === 'json' && plan ? { ...r, plan: planData(plan) } : r);
  try {
    const requestTimeoutMs = preflightRequestTimeout(flags.timeoutMs);
    const pre = await preflightStep({ kube, env: childEnv, namespace, requestTimeoutMs, signal: interrupt.signal, dryRun: flags.dryRun }, emit);
    emit(preflightFinished(pre));
    const kubeArgs = kube.helmKubeArgs();
    const t: HelmTarget = { helm: pre.helm, env: childEnv, release, namespace, kubeArgs };

    emit({ type: 'step-started', step: 'plan', title: 'Read the deployed release and build the new plan' });
    plan = await planUpgrade({ kube, t, flags, env: cmd.env, cwd: cmd.cwd, signal: interrupt.signal });
    t.env = withoutSecretEnv(childEnv, plan.answers, plan.stored?.answers);
    emit({ type: 'step-finished', step: 'plan', detail: `${plan.valueChanges.length} value changes, ${plan.resources.added.length + plan.resources.removed.length + plan.resources.changed.length} resource changes` });
    // The MySQL, Redis and Workload Identity of the answers just settled, as install checks them, before the diff is shown.
    await answersPreflightStep({ kube, env: t.env, namespace, requestTimeoutMs, signal: interrupt.signal, answers: plan.answers, secretSources: plan.secretSources }, emit);
    text?.stop();
    if (flags.output === 'text') cmd.stdout.write(describePlan(plan, kube.context));
    else if (flags.output === 'ndjson') writeJson(cmd.stdout, 'ndjson', { type: 'plan', ...planData(plan) });
    // json: the plan is part of the document at the end; the prompt shows it as text.
    else if (!flags.yes && !flags.dryRun) cmd.stderr.write(describePlan(plan, kube.context));
    if (flags.dryRun) {
      // Everything so far only read: helm history/get, the stored answers, helm template.
      if (flags.output === 'text') cmd.stdout.write(`\nDry run: nothing was changed. Apply with: bucketeer-install upgrade ${dryRunReplay(flags)}\n`);
      else writeJson(cmd.stdout, flags.output, { ...withPlan(result('ok', 0, [])), dryRun: true });
      return 0;
    }
    if (!flags.yes) {
      if (!(await cmd.confirm('Apply this upgrade? [y/N] ', interrupt.signal))) throw new UsageError('upgrade cancelled; nothing was changed', 'run again and answer y, or pass --yes');
    }

    ctx = createRunContext({
      answers: plan.answers,
      answersPath: plan.answersPath,
      cwd: cmd.cwd,
      env: cmd.env,
      childEnv: t.env,
      kube,
      helm: pre.helm,
      inlineSecrets: plan.inlineSecrets,
      signal: interrupt.signal,
      timeoutMs: flags.timeoutMs,
      healthWindowMs: flags.healthWindowMs,
      force: flags.force,
      state: { deployedValues: { revision: plan.good.revision, values: plan.deployedValues }, handSet: plan.handSet },
    });
    // The install's steps, reused: pending recovery, Secrets (reused unchanged; missing ones
    // created), in-cluster middleware, helm with the rollback flag; then restarts and health.
    // The answers are stored only once the new revision is verified.
    // The prepare steps too: an ordering change on existing subscriptions is refused here unless
    // --recreate-subscriptions, before helm touches anything.
    const prepareLanes = await installPrepareLanes({ skip: flags.skipPrepare, force: flags.force, recreateSubscriptions: flags.recreateSubscriptions });
    const steps: StepList = [lockStep('upgrade', flags.timeoutMs), releaseStateStep, secretsStep, inClusterStep, { concurrent: [[inClusterReadyStep], ...prepareLanes] }, handSetStep, helmStep, restartStep(plan.restarts), healthAndSmoke({ bootstrap: false, smoke: !flags.skipSmoke }), storeAnswersStep];
    try {
      await runSteps(steps, ctx, emit);
    } catch (err) {
      if (interrupt.signal.aborted || err instanceof Interrupted) throw err;
      throw await afterFailure(ctx, t, plan, err as Error, emit);
    }
  } catch (err) {
    text?.stop();
    const interrupted = interrupt.signal.aborted || err instanceof Interrupted;
    let error = err as Error;
    if (interrupted && !(err instanceof CancelledAtPrompt)) {
      const applied = ctx?.applied.length ? `applied so far: ${ctx.applied.join('; ')}. ` : 'nothing was changed. ';
      error = new Interrupted('upgrade interrupted', `${applied}Run the same command again: it recovers a pending release and converges.`, signalExitCode(interrupt.received()));
    } else if (err instanceof CancelledAtPrompt && interrupt.received()) {
      // At the prompt nothing was changed; a SIGTERM there still exits as SIGTERM does.
      error = new Interrupted(err.message, err.hint, signalExitCode(interrupt.received()));
    }
    writeFailure(flags.output, cmd, withPlan(result(interrupted ? 'interrupted' : 'failed', exitCodeOf(error), ctx?.state.checks ?? [], error)));
    throw error;
  } finally {
    await releaseLockOf(ctx);
    interrupt.dispose();
    kube.close();
  }

  const checks = ctx.state.checks ?? [];
  if (flags.output === 'text') {
    text?.stop();
    cmd.stdout.write(
      [
        '',
        `Bucketeer is upgraded: release ${release} revision ${ctx.state.revision ?? '?'} (chart ${plan.deployedChartVersion === plan.newChartVersion ? plan.newChartVersion : `${plan.deployedChartVersion} -> ${plan.newChartVersion}`}) in namespace ${namespace}.`,
        plan.restarts.size ? `  restarted  ${[...plan.restarts.keys()].join(', ')}` : undefined,
        `  answers    stored in ConfigMap ${storedAnswersName(release)}`,
        '',
        renderText(summarize(checks), { color: useColor(cmd.stdout, cmd.env) }),
        ...smokeSummary(ctx.state.bootstrap).map((l) => `${l}\n`),
      ]
        .filter((l) => l !== undefined)
        .join('\n'),
    );
  } else {
    writeJson(cmd.stdout, flags.output, withPlan(result('ok', 0, checks)));
  }
  return 0;
}

/** The flags that name the same upgrade, for the line after a dry run (secrets are never flags). */
function dryRunReplay(f: UpgradeOptions): string {
  const words: string[] = [];
  const add = (flag: string, v: string | undefined) => v !== undefined && words.push(flag, /^[\w@%+=:,./-]+$/.test(v) ? v : `'${v.replace(/'/g, `'\\''`)}'`);
  add('--answers', f.answersFile?.path);
  add('--chart', f.chart);
  add('--chart-version', f.chartVersion);
  add('--kube-context', f.kubeContext);
  add('--kubeconfig', f.kubeconfig);
  add('--namespace', f.namespace);
  add('--release', f.release);
  if (f.force) words.push('--force');
  return [...words, '--yes'].join(' ');
}

/**
 * A step failed after the confirmation. helm's rollback flag has usually put the last good
 * revision back already; verify that, roll back ourselves when it has not (or when the failure
 * came after helm: restarts, health), and say which revision is live.
 */
async function afterFailure(ctx: InstallContext, t: HelmTarget, plan: UpgradePlan, err: Error, emit: Emit): Promise<Error> {
  const hint = err instanceof CliError ? err.hint : undefined;
  const failedAfterHelm = ctx.state.revision !== undefined;
  let history: HistoryEntry[] = [];
  try {
    history = await releaseHistory(t);
  } catch {
    return err;
  }
  const latest = history.at(-1);
  const good = ctx.state.previousRevision ?? plan.good.revision;
  // helm's rollback flag put the good revision back: helmStep's message names the resource and revision.
  if (!latest || (!failedAfterHelm && latest.status === 'deployed')) return err;
  emit({ type: 'step-started', step: 'rollback', title: `Roll back to revision ${good}` });
  try {
    await helmRollback(t, good, { timeoutMs: ctx.timeoutMs });
  } catch (e) {
    emit({ type: 'failed', step: 'rollback', reason: (e as Error).message });
    return new OperationFailed(err.message, `${hint ? `${hint} ` : ''}The rollback to revision ${good} failed too: ${(e as Error).message}`);
  }
  const now = (await releaseHistory(t).catch(() => [])).at(-1);
  emit({ type: 'step-finished', step: 'rollback', detail: `revision ${now?.revision ?? '?'} (${now?.status ?? '?'}) has the manifests of revision ${good}` });
  ctx.applied.push(`release ${t.release} rolled back to revision ${good}`);
  const resource = err instanceof StepFailed ? err.resource : undefined;
  return new StepFailed(resource, err instanceof StepFailed ? err.reason : err.message, `the release is back at revision ${now?.revision ?? '?'} (the manifests of revision ${good}); the stored answers are unchanged. Fix the cause and run the same command again.`);
}
