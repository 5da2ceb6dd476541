// The install steps, in order. Each is idempotent: what exists is reused unchanged (Secrets are
// never rotated silently), so re-running the same command after a failure or Ctrl-C converges.
import { setMaxListeners } from 'node:events';
import type { Answers } from '../answers/schema.js';
import { demoSignInChecks } from '../doctor/values.js';
import { buildPlan, MASKED_SECRETS } from '../plan/index.js';
import { keepDeployedSelectors, mysqlName } from '../plan/in-cluster.js';
import { generateOAuthKey, generateServiceCert, serviceCertSans, signServiceToken, type Material } from '../plan/material.js';
import { endpointsFor, planValues, secretNamesFor, type Values } from '../plan/values.js';
import { Interrupted } from '../errors.js';
import { isAlreadyExists, isKnownKind, KubeClient, resourcePath } from '../kube/client.js';
import type { KubeObject, Secret, StatefulSet } from '../kube/types.js';
import { recordCreated, StepFailed, type ConcurrentSteps, type InstallContext, type Step, type StepApi, type StepList } from './engine.js';
import { findProblems, progressLine, statefulSetReady, takeSnapshot, type Problem } from './diagnose.js';
import { healthChecks } from './health.js';
import { bootstrapStep, smokeStep } from '../bootstrap/steps.js';
import { keepDeployedWarehouse, refuseChangedDbPassword, refuseFewerPartitions, refuseWarehouseInMigrationDatabase } from './guards.js';
import { helmGetValues, helmUpgradeInstall, lastGoodRevision, PENDING, recoverPendingRelease, releaseHistory, type HelmTarget } from './release.js';
import { readStoredAnswers, writeStoredAnswers, type StoredAnswers } from './stored-answers.js';
import { lockStep } from './lock.js';
import { deepMerge, handSetValues } from '../util/value-tree.js';

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
      // Another run created it a moment ago: it is that run's, not this one's to offer for deletion.
      ctx.applied.push(`namespace ${name} (existed)`);
      return `${name} exists`;
    }
    ctx.state.namespaceCreated = true;
    recordCreated(ctx, 'Namespace', name);
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
  run: (ctx, api) => ensureSecrets(ctx, api, true),
};

async function ensureSecrets(ctx: InstallContext, api: StepApi, mayRetry: boolean): Promise<string> {
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
      // Checked before any change (resolveRunSecrets); again here for a Secret another run, one
      // without the release lock, created since.
      refuseChangedDbPassword(answers, ctx.inlineSecrets, current);
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
      recordCreated(ctx, 'Secret', name);
      ctx.applied.push(`Secret ${name} created`);
      created++;
    } catch (e) {
      if (!isAlreadyExists(e)) throw e;
      // Created meanwhile by someone else (a run that did not take the release lock): theirs
      // wins. Read everything again so the plan uses the values they hold (the MySQL password
      // above all), not the ones generated here.
      if (!mayRetry) throw new StepFailed(`secret/${name}`, 'was created by someone else while this run created it, twice', 'make sure no other install runs against this release, then run the same command again');
      api.progress(`Secret ${name} was created meanwhile by another run: reading the Secrets again to use their values`);
      return ensureSecrets(ctx, api, false);
    }
  }
  return `${created} created, ${reused} reused`;
}

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
    const deployed = new Map<string, StatefulSet>();
    for (const name of inClusterSets(ctx)) {
      const sts = await ctx.kube.get<StatefulSet>(resourcePath('StatefulSet', namespace, name), { signal: ctx.signal });
      if (sts) deployed.set(name, sts);
    }
    for (const m of keepDeployedSelectors(plan.inCluster, deployed)) {
      if (!isKnownKind(m.kind)) throw new Error(`in-cluster manifest of unexpected kind ${m.kind}`);
      const path = resourcePath(m.kind, namespace, m.metadata.name);
      const existed = await ctx.kube.get(path, { signal: ctx.signal });
      await ctx.kube.apply(path, m as KubeObject, { signal: ctx.signal });
      if (!existed) recordCreated(ctx, m.kind, m.metadata.name);
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

/**
 * The release as it is, read-only: the guards that refuse before anything changes (they need the
 * deployed values), the values set by hand to carry over, and the plan event. A pending-* release
 * is only noted here: recoverPendingStep deals with it once this run holds the release lock.
 */
export const releaseChecksStep: Step = {
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
      ctx.state.handSet ??= handSetFromStored(deployed, await readStoredAnswers(ctx.kube, t.namespace, t.release, ctx.signal));
    } else {
      refuseWarehouseInMigrationDatabase(ctx.answers);
    }
    // The answers are settled: say what install creates before anything changes.
    if (ctx.onPlan) {
      const { installPlan } = await import('../plan/resources.js');
      ctx.onPlan(installPlan(ctx.answers, buildPlan(ctx.answers), { skip: ctx.skipPrepare, bootstrap: !ctx.skipBootstrap, smoke: !ctx.skipSmoke }));
    }
    ctx.state.previousRevision = good?.revision;
    if (!latest) return 'no release yet: first install';
    if (PENDING.includes(latest.status)) return `${latest.status} at revision ${latest.revision}: recovered once this run holds the release lock, if no other run is still at it`;
    return `${latest.status} at revision ${latest.revision} (${latest.chart})`;
  },
};

/**
 * With the release lock held, a release still pending-* was left by a run that is gone (the lock
 * would otherwise still be held): roll it back to its last good revision, or uninstall it when it
 * never deployed. Read again here: the release may have changed while this run waited.
 */
export const recoverPendingStep: Step = {
  id: 'release-recover',
  title: 'Recover an interrupted release',
  async run(ctx, api) {
    // A namespace this run created, locked by a Lease this run created without waiting, cannot
    // hold a release left by another run: nothing to read again.
    if (ctx.state.namespaceCreated && ctx.state.lock?.createdFresh) return 'nothing to recover (new namespace)';
    const t = helmTarget(ctx);
    const latest = (await releaseHistory(t, { signal: ctx.signal })).at(-1);
    if (!latest || !PENDING.includes(latest.status)) return latest ? `nothing to recover (${latest.status})` : 'nothing to recover';
    api.progress(`release ${t.release} is stuck in ${latest.status} (revision ${latest.revision}), left by a run that is gone; recovering`);
    const r = await recoverPendingRelease(t, { timeoutMs: ctx.timeoutMs, signal: ctx.signal });
    ctx.applied.push(r?.action === 'rollback' ? `release ${t.release} rolled back from ${latest.status} to revision ${r.to}` : `release ${t.release} (${latest.status}, never deployed) uninstalled`);
    ctx.state.previousRevision = r?.to;
    return r?.action === 'rollback' ? `recovered from ${latest.status}: rolled back to revision ${r.to}` : `recovered from ${latest.status}: uninstalled the never-deployed release`;
  },
};

/** Both, for upgrade (whose plan already ran the read-only part before its confirmation). */
export const releaseStateStep: Step = {
  id: 'release-state',
  title: 'Helm release state',
  async run(ctx, api) {
    const checked = await releaseChecksStep.run(ctx, api);
    const recovered = await recoverPendingStep.run(ctx, api);
    return typeof recovered === 'string' && recovered.startsWith('recovered') ? recovered : checked;
  },
};

/**
 * The values of a deployed release that bucketeer-install did not produce: what differs from the
 * plan of the answers it stored with the release. None when there are no stored answers (nothing
 * tells the installer's values from hand-set ones).
 */
export function handSetFromStored(deployedValues: Values, stored: StoredAnswers | undefined): Values {
  return stored ? handSetValues(deployedValues, buildPlan(stored.answers).values) : {};
}

/** After secretsStep built ctx.plan: carry the hand-set values over (the plan's values win). */
export const handSetStep: Step = {
  id: 'values',
  title: 'Merge values set outside bucketeer-install',
  skip: (ctx) => Object.keys(ctx.state.handSet ?? {}).length === 0,
  async run(ctx) {
    const handSet = ctx.state.handSet!;
    ctx.plan!.values = deepMerge(handSet, ctx.plan!.values);
    return `${Object.keys(handSet).length} top-level keys kept`;
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

/** helm says so when its rollback flag removed a first install ("... has been uninstalled due to ..."). */
const helmUninstalled = (output: string) => /has been uninstalled|uninstalled due to/i.test(output);

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
        images: ctx.answers.images,
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
    // undefined: helm history itself failed, so the release state is unknown (never "no release").
    const history = await releaseHistory(t, { signal: ctx.signal }).catch((e: Error) => e);
    const latest = Array.isArray(history) ? history.at(-1) : undefined;
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
    const afterState = !Array.isArray(history)
      ? `the state of release ${t.release} is unknown (${history.message})`
      : !latest
        ? helmUninstalled(res.stdout + res.stderr)
          ? `helm uninstalled the release it had created (first install)`
          : `there is no release ${t.release} (helm did not create one)`
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
    // The smoke test may have run beside the window and recorded its checks already.
    ctx.state.checks = [...checks, ...(ctx.state.checks ?? [])];
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
 * The health window is a wait (restart counts must stay still), and helm --wait has already seen
 * every pod ready: bootstrap and the smoke test run beside it instead of after it. Either side
 * failing lets the other finish, so a failed bootstrap still reports the health checks.
 */
export function healthAndSmoke(opts: { bootstrap: boolean; smoke: boolean }): ConcurrentSteps {
  const calls = [...(opts.bootstrap ? [bootstrapStep] : []), ...(opts.smoke ? [smokeStep] : [])];
  return { concurrent: calls.length ? [[healthStep], calls] : [[healthStep]], settle: true };
}

/**
 * The full list. The release state is read first: its guards refuse before anything changes.
 * Then the namespace, because the release lock (a Lease) lives in it; with the lock held, a
 * pending-* release can only be a run that was interrupted, not one still going, and is
 * recovered. Once
 * the in-cluster MySQL and Redis are applied, waiting for them and the prepare lanes run side by
 * side; helm starts when all are done.
 */
export function installSteps(prepareLanes: Step[][] = [], opts: { lockWaitMs?: number; bootstrap?: boolean; smoke?: boolean } = {}): StepList {
  const { bootstrap = true, smoke = true } = opts;
  return [
    releaseChecksStep, namespaceStep, lockStep('install', opts.lockWaitMs), recoverPendingStep, secretsStep, handSetStep, inClusterStep,
    { concurrent: [[inClusterReadyStep], ...prepareLanes] }, helmStep, storeAnswersStep,
    healthAndSmoke({ bootstrap, smoke }),
  ];
}

/** For the secret refs that point into the cluster ({secret: {name, key}}). */
export function clusterSecretReader(kube: KubeClient, namespace: string, signal?: AbortSignal) {
  return async (name: string, key: string): Promise<string | undefined> => {
    const s = await kube.get<Secret>(resourcePath('Secret', namespace, name), { signal });
    return decode(s, key);
  };
}

