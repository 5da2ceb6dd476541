// The install steps, in order. Each is idempotent: what exists is reused unchanged (Secrets are
// never rotated silently), so re-running the same command after a failure or Ctrl-C converges.
import { setMaxListeners } from 'node:events';
import type { Answers } from '../answers/schema.js';
import { demoSignInChecks } from '../doctor/values.js';
import { buildPlan, MASKED_SECRETS } from '../plan/index.js';
import { mysqlName } from '../plan/in-cluster.js';
import { generateOAuthKey, generateServiceCert, serviceCertSans, signServiceToken, type Material } from '../plan/material.js';
import { endpointsFor, planValues, secretNamesFor } from '../plan/values.js';
import { Interrupted, UsageError } from '../errors.js';
import { isAlreadyExists, isKnownKind, KubeClient, resourcePath } from '../kube/client.js';
import type { KubeObject, Secret, StatefulSet } from '../kube/types.js';
import { StepFailed, type InstallContext, type Step, type StepApi, type StepList } from './engine.js';
import { findProblems, progressLine, statefulSetReady, takeSnapshot, type Problem } from './diagnose.js';
import { healthChecks } from './health.js';
import { bootstrapStep, smokeStep } from '../bootstrap/steps.js';
import { keepDeployedWarehouse, refuseFewerPartitions, refuseWarehouseInMigrationDatabase } from './guards.js';
import { helmGetValues, helmUpgradeInstall, lastGoodRevision, recoverPendingRelease, releaseHistory, type HelmTarget } from './release.js';
import { writeStoredAnswers } from './stored-answers.js';

const MANAGED_LABELS = { 'app.kubernetes.io/managed-by': 'bucketeer-install' };

export function helmTarget(ctx: InstallContext): HelmTarget {
  return { helm: ctx.helm, env: ctx.env, release: ctx.answers.release.name, namespace: ctx.answers.kubernetes.namespace, kubeArgs: ctx.kubeArgs };
}

const ns = (ctx: InstallContext) => ctx.answers.kubernetes.namespace;

export const namespaceStep: Step = {
  id: 'namespace',
  title: 'Namespace',
  async run(ctx, api) {
    const name = ns(ctx);
    const existing = await ctx.kube.get(resourcePath('Namespace', undefined, name), { signal: ctx.signal });
    if (existing) {
      ctx.applied.push(`namespace ${name} (existed)`);
      return `${name} exists`;
    }
    api.progress(`creating namespace ${name}`);
    try {
      await ctx.kube.create(resourcePath('Namespace', undefined), { apiVersion: 'v1', kind: 'Namespace', metadata: { name, labels: MANAGED_LABELS } }, { signal: ctx.signal });
    } catch (e) {
      if (!isAlreadyExists(e)) throw e;
    }
    ctx.state.namespaceCreated = true;
    ctx.applied.push(`namespace ${name} created`);
    return `${name} created`;
  },
};

const EXPECTED_KEYS = {
  serviceCert: ['tls.crt', 'tls.key'],
  oauthKey: ['public.pem', 'private.pem'],
  serviceToken: ['token'],
} as const;

/**
 * Starts generating the keys a first install needs (the RSA key takes a few hundred milliseconds),
 * so that it overlaps preflight. When the Secrets exist already the keys are dropped unused.
 */
export function generateKeysInAdvance(answers: Answers): NonNullable<InstallContext['keysInAdvance']> {
  const keys = {
    serviceCert: answers.existingSecrets.serviceCert ? undefined : generateServiceCert(serviceCertSans(answers)),
    oauthKey: answers.existingSecrets.oauthKey ? undefined : generateOAuthKey(),
  };
  // Never awaited when preflight fails or the Secrets exist: that must not be an unhandled rejection.
  keys.serviceCert?.catch(() => undefined);
  keys.oauthKey?.catch(() => undefined);
  return keys;
}

const decode = (s: Secret | undefined, key: string): string | undefined => {
  const v = s?.data?.[key];
  return v === undefined ? undefined : Buffer.from(v, 'base64').toString('utf8');
};

/**
 * Secrets: the ones answers.existingSecrets names must exist with their keys; the generated ones
 * are created when missing and reused unchanged when present. The plan (values with the real
 * secrets) is built here, because the in-cluster MySQL password of an existing install wins.
 */
export const secretsStep: Step = {
  id: 'secrets',
  title: 'Secrets',
  async run(ctx, api) {
    const { answers, kube, signal } = ctx;
    const namespace = ns(ctx);
    const get = (name: string) => kube.get<Secret>(resourcePath('Secret', namespace, name), { signal });

    // 1. Secrets the user brought must exist and hold the keys the chart mounts.
    const existingRefs = Object.entries(answers.existingSecrets).filter(([, v]) => v) as [keyof typeof EXPECTED_KEYS, string][];
    const brought = new Map<string, Secret>();
    for (const [key, name] of existingRefs) {
      const s = await get(name);
      const fix = `create it with the keys ${EXPECTED_KEYS[key].join(', ')} (kubectl create secret generic ${name} -n ${namespace} --from-file=...), or remove existingSecrets.${key} to have one generated`;
      if (!s) throw new StepFailed(`secret/${name}`, `existingSecrets.${key} names Secret ${name}, which does not exist in namespace ${namespace}`, fix);
      const missing = EXPECTED_KEYS[key].filter((k) => !s.data?.[k]);
      if (missing.length) throw new StepFailed(`secret/${name}`, `existingSecrets.${key}: Secret ${name} has no key ${missing.join(', ')}`, fix);
      brought.set(key, s);
    }

    // 2. The generated ones: read what exists, generate only what is missing.
    const names = secretNamesFor(answers);
    const found = {
      serviceCert: answers.existingSecrets.serviceCert ? undefined : await get(names.serviceCert),
      oauthKey: answers.existingSecrets.oauthKey ? undefined : await get(names.oauthKey),
      serviceToken: answers.existingSecrets.serviceToken ? undefined : await get(names.serviceToken),
    };
    const material: Material = {};
    if (!answers.existingSecrets.serviceCert && !found.serviceCert) material.serviceCert = await (ctx.keysInAdvance?.serviceCert ?? generateServiceCert(serviceCertSans(answers)));
    if (!answers.existingSecrets.oauthKey && !found.oauthKey) material.oauthKey = await (ctx.keysInAdvance?.oauthKey ?? generateOAuthKey());
    if (!answers.existingSecrets.serviceToken && !found.serviceToken) {
      // The token must verify with the OAuth public key the services mount: sign it with that key.
      const privatePem = material.oauthKey?.privatePem ?? decode(found.oauthKey ?? brought.get('oauthKey'), 'private.pem');
      if (!privatePem) throw new StepFailed(`secret/${names.oauthKey}`, 'has no private.pem to sign the service token with', `add private.pem to Secret ${names.oauthKey}, or set existingSecrets.serviceToken`);
      const ep = endpointsFor(answers);
      material.serviceToken = await signServiceToken(privatePem, ep.oauthIssuer, ep.oauthAudience);
    } else if (found.serviceToken && material.oauthKey) {
      throw new StepFailed(
        `secret/${names.serviceToken}`,
        `exists, but the OAuth key Secret ${names.oauthKey} it was signed with does not; a new key would not verify it`,
        `delete the stale token so it is re-signed: kubectl delete secret ${names.serviceToken} -n ${namespace}`,
      );
    }

    // 3. In-cluster MySQL: an existing Secret holds the password MySQL was initialised with.
    let mysqlRootPassword: string | undefined;
    if (answers.database.mode === 'in-cluster') {
      const existing = await get(mysqlName(answers));
      const current = decode(existing, 'password');
      if (existing && current) {
        if (answers.database.password && current !== ctx.inlineSecrets.dbPassword) {
          throw new UsageError(
            `database.password differs from the password the in-cluster MySQL was created with (Secret ${mysqlName(answers)} in ${namespace})`,
            `set it back to the stored one, or change the MySQL user's password first and then update that Secret`,
          );
        }
        ctx.inlineSecrets = { ...ctx.inlineSecrets, dbPassword: current };
        mysqlRootPassword = decode(existing, 'root-password');
      }
    }

    const plan = buildPlan(answers, { inlineSecrets: ctx.inlineSecrets, material, mysqlRootPassword });
    ctx.plan = plan;
    const present = new Set([found.serviceCert, found.oauthKey, found.serviceToken].filter(Boolean).map((s) => s!.metadata.name));
    if (answers.database.mode === 'in-cluster' && (await get(mysqlName(answers)))) present.add(mysqlName(answers));
    let created = 0;
    let reused = brought.size;
    for (const s of plan.secrets) {
      const name = s.metadata.name;
      if (present.has(name)) {
        api.progress(`Secret ${name} exists: reused unchanged`);
        ctx.applied.push(`Secret ${name} (existed, unchanged)`);
        reused++;
        continue;
      }
      api.progress(`creating Secret ${name}`);
      try {
        await kube.create(resourcePath('Secret', namespace), s as KubeObject, { signal });
        ctx.applied.push(`Secret ${name} created`);
        created++;
      } catch (e) {
        // Created meanwhile by someone else: theirs wins, unchanged.
        if (!isAlreadyExists(e)) throw e;
        reused++;
      }
    }
    return `${created} created, ${reused} reused`;
  },
};

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const t = setTimeout(resolve, ms);
    signal.addEventListener('abort', () => {
      clearTimeout(t);
      resolve();
    }, { once: true });
  });
}

export const inClusterStep: Step = {
  id: 'in-cluster',
  title: 'In-cluster MySQL and Redis',
  skip: (ctx) => !ctx.plan?.inCluster.length,
  async run(ctx) {
    const plan = ctx.plan!;
    const namespace = ns(ctx);
    for (const m of plan.inCluster) {
      if (!isKnownKind(m.kind)) throw new Error(`in-cluster manifest of unexpected kind ${m.kind}`);
      await ctx.kube.apply(resourcePath(m.kind, namespace, m.metadata.name), m as KubeObject, { signal: ctx.signal });
    }
    const sets = inClusterSets(ctx);
    ctx.applied.push(`in-cluster ${sets.join(', ')} applied`);
    return `${sets.join(', ')} applied`;
  },
};

const inClusterSets = (ctx: InstallContext) => ctx.plan!.inCluster.filter((m) => m.kind === 'StatefulSet').map((m) => m.metadata.name);

/** Waits for the in-cluster MySQL and Redis; runs beside the prepare Jobs, which wait for them too. */
export const inClusterReadyStep: Step = {
  id: 'in-cluster-ready',
  title: 'In-cluster MySQL and Redis ready',
  skip: (ctx) => !ctx.plan?.inCluster.length,
  async run(ctx, api) {
    const namespace = ns(ctx);
    const sets = inClusterSets(ctx);
    let last = '';
    const ready = await KubeClient.poll(
      async () => {
        const all = await Promise.all(sets.map((n) => ctx.kube.get<StatefulSet>(resourcePath('StatefulSet', namespace, n), { signal: ctx.signal })));
        const line = all.map((s, i) => `${sets[i]} ${s?.status?.readyReplicas ?? 0}/${s?.spec?.replicas ?? 1}`).join(', ');
        if (line !== last) api.progress((last = line));
        return all.every((s) => s && statefulSetReady(s)) ? true : undefined;
      },
      { intervalMs: ctx.pollIntervalMs, timeoutMs: ctx.timeoutMs, signal: ctx.signal },
    );
    if (!ready) {
      const snap = await takeSnapshot(ctx.kube, namespace, ctx.signal);
      const problem = findProblems({ ...snap, deployments: [], jobs: [], statefulsets: snap.statefulsets.filter((s) => sets.includes(s.metadata.name)) }, { includeWaiting: true })[0];
      throw new StepFailed(
        problem?.resource ?? `statefulset/${sets[0]}`,
        `not ready after ${Math.round(ctx.timeoutMs / 1000)}s: ${problem?.reason ?? 'no ready replica'}`,
        `kubectl describe statefulset -n ${namespace} ${problem?.resource.split('/')[1] ?? sets[0]}; then run the same command again (a longer --timeout if it is only slow)`,
      );
    }
    return sets.join(', ') + ' ready';
  },
};

export const releaseStateStep: Step = {
  id: 'release-state',
  title: 'Helm release state',
  async run(ctx, api) {
    const t = helmTarget(ctx);
    const history = await releaseHistory(t, { signal: ctx.signal });
    const latest = history.at(-1);
    const good = lastGoodRevision(history);
    // Before anything changes the release: what the deployed revision runs must allow the new answers.
    if (good) {
      const known = ctx.state.deployedValues;
      const deployed = known?.revision === good.revision ? known.values : await helmGetValues(t, { revision: good.revision, signal: ctx.signal });
      refuseFewerPartitions(deployed, ctx.answers, ctx.force ?? false);
      const kept = keepDeployedWarehouse(deployed, ctx.answers);
      if (kept.note) api.progress(kept.note);
      ctx.answers = kept.answers;
    } else {
      refuseWarehouseInMigrationDatabase(ctx.answers);
    }
    // The answers are settled: say what install creates before anything changes.
    if (ctx.onPlan) {
      const { installPlan } = await import('../plan/resources.js');
      ctx.onPlan(installPlan(ctx.answers, buildPlan(ctx.answers), { skip: ctx.skipPrepare }));
    }
    if (latest && ['pending-install', 'pending-upgrade', 'pending-rollback'].includes(latest.status)) {
      api.progress(`release ${t.release} is stuck in ${latest.status} (revision ${latest.revision}), probably from an interrupted run; recovering`);
      const r = await recoverPendingRelease(t, { timeoutMs: ctx.timeoutMs, signal: ctx.signal });
      ctx.applied.push(r?.action === 'rollback' ? `release ${t.release} rolled back from ${latest.status} to revision ${r.to}` : `release ${t.release} (${latest.status}, never deployed) uninstalled`);
      ctx.state.previousRevision = r?.to;
      return r?.action === 'rollback' ? `recovered from ${latest.status}: rolled back to revision ${r.to}` : `recovered from ${latest.status}: uninstalled the never-deployed release`;
    }
    ctx.state.previousRevision = good?.revision;
    if (!latest) return 'no release yet: first install';
    return `${latest.status} at revision ${latest.revision} (${latest.chart})`;
  },
};

/** How telling a problem is, to pick the cause among everything seen while helm waited. */
function severity(p: Problem): number {
  if (p.resource.startsWith('job/') && /^failed/.test(p.reason)) return 4;
  if (/BackOff|ErrImage|CreateContainer|InvalidImageName|exited|OOMKilled|Evicted|failed/i.test(p.reason)) return 3;
  if (/not ready|not scheduled|Pending/i.test(p.reason)) return 2;
  if (/no status yet/.test(p.reason)) return 0;
  return 1;
}

/** Reads the namespace while helm waits: progress lines, and the likely cause if helm fails. */
function watchWorkloads(ctx: InstallContext, api: StepApi) {
  const seen = new Map<string, { problem: Problem; severity: number; count: number; lastSeen: number }>();
  const stop = new AbortController();
  setMaxListeners(0, stop.signal);
  const onAbort = () => stop.abort();
  ctx.signal.addEventListener('abort', onAbort, { once: true });
  let lastLine = '';
  let round = 0;
  const loop = (async () => {
    while (!stop.signal.aborted) {
      try {
        const snap = await takeSnapshot(ctx.kube, ns(ctx), stop.signal);
        round++;
        const line = progressLine(snap);
        if (line && line !== lastLine) api.progress((lastLine = line));
        for (const p of findProblems(snap)) {
          const sev = severity(p);
          if (sev === 0) continue;
          const prev = seen.get(p.resource);
          if (!prev || sev >= prev.severity) seen.set(p.resource, { problem: p, severity: sev, count: (prev?.count ?? 0) + 1, lastSeen: round });
          else prev.count++;
        }
      } catch {
        // A failed read must not stop the install; helm's own result decides.
      }
      await sleep(ctx.pollIntervalMs, stop.signal);
    }
  })();
  return {
    async stop() {
      stop.abort();
      ctx.signal.removeEventListener('abort', onAbort);
      await loop;
    },
    /** Most telling first: severity, then how long it lasted. */
    ranked(): Problem[] {
      return [...seen.values()].sort((a, b) => b.severity - a.severity || b.count - a.count || b.lastSeen - a.lastSeen).map((v) => v.problem);
    },
  };
}

function helmError(stderr: string): string {
  const lines = stderr.split('\n').map((l) => l.trim()).filter(Boolean);
  const err = [...lines].reverse().find((l) => /^Error:/.test(l)) ?? lines.at(-1) ?? 'helm failed';
  return err.replace(/^Error: /, '');
}

export const helmStep: Step = {
  id: 'helm',
  title: 'helm upgrade --install',
  async run(ctx, api) {
    const plan = ctx.plan!;
    const t = helmTarget(ctx);
    const watcher = watchWorkloads(ctx, api);
    ctx.state.helmRunning = true;
    let res;
    try {
      res = await helmUpgradeInstall(t, {
        chart: plan.chart.ref,
        version: plan.chart.version,
        values: plan.values,
        secretValues: plan.secretValues,
        timeoutMs: ctx.timeoutMs,
        signal: ctx.signal,
        onLine: (line) => api.log(line),
      });
    } finally {
      ctx.state.helmRunning = false;
      await watcher.stop();
    }
    if (ctx.signal.aborted) throw new Interrupted();
    if (res.exitCode === 0) {
      // helm prints the revision it deployed; asking `helm history` again costs another helm start.
      const printed = /^REVISION: (\d+)$/m.exec(res.stdout)?.[1];
      const revision = printed ? Number(printed) : (await releaseHistory(t, { signal: ctx.signal }).catch(() => [])).at(-1)?.revision;
      ctx.state.revision = revision;
      ctx.applied.push(`helm release ${t.release} revision ${revision ?? '?'} (chart ${plan.chart.version})`);
      return `revision ${revision ?? '?'} deployed`;
    }
    const history = await releaseHistory(t, { signal: ctx.signal }).catch(() => []);
    const latest = history.at(-1);
    // Explain: the resource that failed and why, read from the cluster (before or after rollback).
    let problems = watcher.ranked();
    try {
      const now = findProblems(await takeSnapshot(ctx.kube, t.namespace, ctx.signal)).filter((p) => severity(p) >= 3);
      if (now.length && (problems.length === 0 || severity(problems[0]) < severity(now[0]))) problems = now;
    } catch {
      /* keep what the watcher saw */
    }
    const said = helmError(res.stderr || res.stdout);
    // Helm 4 names the resource its wait gave up on ("resource Deployment/ns/web not ready"): that one first.
    const named = /resource (\w+)\/[^/\s]+\/([^\s.]+) not ready/.exec(said);
    if (named) {
      const key = `${named[1].toLowerCase()}/${named[2]}`;
      const hit = problems.find((p) => p.resource === key);
      problems = hit ? [hit, ...problems.filter((p) => p !== hit)] : [{ resource: key, reason: said.slice(said.indexOf(named[0])) }, ...problems];
    }
    const rolledBackTo = /Rollback to (\d+)/.exec(latest?.description ?? '')?.[1];
    const afterState = !latest
      ? 'the release was uninstalled (first install)'
      : latest.status === 'deployed'
        ? `the release is back at revision ${latest.revision}${rolledBackTo ? ` (the manifests of revision ${rolledBackTo})` : ''}`
        : rolledBackTo
          ? `helm rolled back to revision ${rolledBackTo}, but that did not become ready either (release ${latest.status} at revision ${latest.revision})`
          : `the release is ${latest.status} at revision ${latest.revision}`;
    const top = problems[0];
    const also = problems.slice(1).filter((p) => severity(p) >= 2).slice(0, 2).map((p) => `${p.resource}: ${p.reason}`);
    throw new StepFailed(
      top?.resource,
      top ? `${top.reason}${also.length ? ` (also ${also.join('; ')})` : ''}` : `helm failed: ${said}`,
      `${afterState}; helm said: ${said}. Fix the cause and run the same command again.`,
    );
  },
};

export const storeAnswersStep: Step = {
  id: 'store-answers',
  title: 'Store the answers with the release',
  async run(ctx) {
    const plan = ctx.plan!;
    await writeStoredAnswers(ctx.kube, ns(ctx), plan.releaseName, {
      answers: ctx.answers,
      chartRef: plan.chart.ref,
      chartVersion: plan.chart.version,
      releaseRevision: ctx.state.revision,
      installedAt: new Date().toISOString().replace(/\.\d{3}Z$/, 'Z'),
      installerVersion: ctx.installerVersion,
    }, ctx.signal);
    ctx.applied.push(`ConfigMap ${plan.releaseName}-bucketeer-install (stored answers)`);
    return `ConfigMap ${plan.releaseName}-bucketeer-install`;
  },
};

export const healthStep: Step = {
  id: 'health',
  title: 'Health checks',
  async run(ctx, api) {
    api.progress(`watching restart counts for ${Math.round(ctx.healthWindowMs / 100) / 10}s`);
    const checks = await healthChecks(ctx.kube, {
      namespace: ns(ctx),
      release: ctx.answers.release.name,
      stabilityWindowMs: ctx.healthWindowMs,
      probeHttp: ctx.probeHttp,
      signal: ctx.signal,
    });
    // Said after every install and upgrade with demo sign-in: its password is public.
    checks.push(...demoSignInChecks(planValues(ctx.answers, MASKED_SECRETS)));
    ctx.state.checks = checks;
    const failed = checks.filter((c) => c.status === 'fail');
    if (failed.length) {
      const f = failed[0];
      throw new StepFailed(f.title, `${f.detail ?? 'failed'}${failed.length > 1 ? ` (and ${failed.length - 1} more failing checks)` : ''}`, f.hint);
    }
    const count = (s: string) => checks.filter((c) => c.status === s).length;
    return `${count('pass')} pass, ${count('warn')} warn, ${count('skip')} skipped`;
  },
};

/**
 * The full list. The release state comes first: its guards refuse before anything changes. Once
 * the in-cluster MySQL and Redis are applied, waiting for them and the prepare lanes run side by
 * side; helm starts when all are done.
 */
export function installSteps(prepareLanes: Step[][] = [], after: { bootstrap?: boolean; smoke?: boolean } = { bootstrap: true, smoke: true }): StepList {
  return [
    releaseStateStep, namespaceStep, secretsStep, inClusterStep, { concurrent: [[inClusterReadyStep], ...prepareLanes] }, helmStep, storeAnswersStep, healthStep,
    ...(after.bootstrap ? [bootstrapStep] : []),
    ...(after.smoke ? [smokeStep] : []),
  ];
}

/** For the secret refs that point into the cluster ({secret: {name, key}}). */
export function clusterSecretReader(kube: KubeClient, namespace: string, signal?: AbortSignal) {
  return async (name: string, key: string): Promise<string | undefined> => {
    const s = await kube.get<Secret>(resourcePath('Secret', namespace, name), { signal });
    return decode(s, key);
  };
}

