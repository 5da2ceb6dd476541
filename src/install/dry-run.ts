// install --dry-run: after preflight, what the install would do, read from the cluster but never
// written to it. The core is the install plan (`render`'s plan.json, src/plan/resources.ts) with
// the chart's objects from `helm template`, decided with the same release-state guards install
// applies (read-only: helm history and helm get values); around it, the cluster, the release as
// it is now, which of the installer's objects exist already, and the chart values (secrets masked).
import { stringify } from 'yaml';
import type { Answers } from '../answers/schema.js';
import type { Check } from '../checks/types.js';
import { helmTemplate } from '../helm/template.js';
import { isKnownKind, resourcePath } from '../kube/client.js';
import { buildPlan } from '../plan/index.js';
import { installPlan, type InstallPlan } from '../plan/resources.js';
import type { Values } from '../plan/values.js';
import type { PrepareStepName } from '../prepare/types.js';
import type { InstallContext } from './engine.js';
import { keepDeployedWarehouse, refuseFewerPartitions, refuseWarehouseInMigrationDatabase } from './guards.js';
import type { PreflightResult } from './preflight.js';
import { helmGetValues, lastGoodRevision, releaseHistory } from './release.js';
import { helmTarget } from './steps.js';

/** The --dry-run plan: plan.json's object plus what the cluster holds now; printed as JSON with -o json|ndjson. */
export interface InstallPreview extends InstallPlan {
  type: 'plan';
  dryRun: true;
  cluster: { context: string; server: string; kubernetesVersion?: string };
  release: { name: string; chart: string; version: string; latest?: { revision: number; status: string; chart: string } };
  /** `Kind/name` of the installer's objects that exist already (Secrets among them are reused unchanged). */
  existing: string[];
  /** The chart values with every secret masked. */
  values: Values;
  notes: string[];
  /** The preflight's checks, every outcome (a right only a real run needs warns here). */
  preflight: Check[];
}

export async function installPreview(ctx: InstallContext, pre: PreflightResult, skipPrepare: readonly PrepareStepName[]): Promise<InstallPreview> {
  const t = helmTarget(ctx);
  const history = await releaseHistory(t, { signal: ctx.signal });
  const latest = history.at(-1);
  const good = lastGoodRevision(history);
  let answers: Answers = ctx.answers;
  const notes: string[] = [];
  // The release-state step's guards, which only read: they refuse or adjust the answers as install would.
  if (good) {
    const deployed = await helmGetValues(t, { revision: good.revision, signal: ctx.signal });
    refuseFewerPartitions(deployed, answers, ctx.force ?? false);
    const kept = keepDeployedWarehouse(deployed, answers);
    if (kept.note) notes.push(kept.note);
    answers = kept.answers;
  } else {
    refuseWarehouseInMigrationDatabase(answers);
  }
  const ns = answers.kubernetes.namespace;
  const plan = buildPlan(answers);
  // The masked values render the chart's objects as well as the real ones would; no secret is read for it.
  const manifests = await helmTemplate(ctx.helm, { release: answers.release.name, namespace: ns, chart: answers.release.chart, version: answers.release.version, values: plan.values, env: ctx.env, images: answers.images });
  const whole = installPlan(answers, plan, { skip: skipPrepare, chartManifests: manifests, bootstrap: !ctx.skipBootstrap, smoke: !ctx.skipSmoke });

  const existing: string[] = [];
  if (pre.namespaceExists) existing.push(`Namespace/${ns}`);
  // A conditional object (a call Job) has no fixed name to look up.
  const own = whole.kubernetes.filter((o) => !o.when && o.namespace === ns && isKnownKind(o.kind) && ['Secret', 'ConfigMap', 'Service', 'StatefulSet', 'Job'].includes(o.kind));
  if (pre.namespaceExists) {
    const found = await Promise.all(own.map(async (o) => ((await ctx.kube.get(resourcePath(o.kind as 'Secret', ns, o.name), { signal: ctx.signal })) ? `${o.kind}/${o.name}` : undefined)));
    existing.push(...found.filter((x): x is string => x !== undefined));
  }
  return {
    type: 'plan',
    dryRun: true,
    ...whole,
    cluster: { context: ctx.kube.context, server: ctx.kube.server, kubernetesVersion: pre.serverVersion?.gitVersion },
    release: { name: answers.release.name, chart: answers.release.chart, version: answers.release.version, ...(latest ? { latest: { revision: latest.revision, status: latest.status, chart: latest.chart } } : {}) },
    existing,
    values: plan.values,
    notes,
    preflight: pre.checks,
  };
}

export function formatInstallPreview(p: InstallPreview): string {
  const ns = p.kubernetes.find((o) => o.kind === 'Namespace')?.name ?? '';
  const exists = new Set(p.existing);
  const lines = [
    `Install plan (dry run: nothing was changed):`,
    `  cluster    context ${p.cluster.context} (${p.cluster.server}), Kubernetes ${p.cluster.kubernetesVersion ?? '?'}`,
    `  namespace  ${ns}${exists.has(`Namespace/${ns}`) ? '' : ' (will be created)'}`,
    `  release    ${p.release.name}: ${p.release.latest ? `exists (revision ${p.release.latest.revision}, ${p.release.latest.status}, ${p.release.latest.chart}): it would be upgraded` : 'first install'}`,
    `  chart      ${p.release.chart} ${p.release.version}`,
    ...p.notes.map((n) => `  note       ${n}`),
    '',
    `Kubernetes objects (${p.kubernetes.length}; "exists": already there, a Secret is reused unchanged):`,
    ...p.kubernetes.map((o) => `  ${exists.has(`${o.kind}/${o.name}`) ? 'exists' : '      '}  ${o.kind}/${o.name}${o.when ? ` (only when ${o.when})` : ''}`),
  ];
  lines.push('', 'MySQL:', `  databases  ${p.mysql.databases.join(', ')}`, `  tables     ${p.mysql.tables.join(', ') || '-'}`);
  if (p.pubsub) {
    lines.push('', `Pub/Sub (project ${p.pubsub.project}):`, `  topics         ${p.pubsub.topics.join(', ')}`);
    lines.push(`  subscriptions  ${p.pubsub.subscriptions.map((s) => `${s.name} (${s.topic}${s.ordering ? ', ordered' : ''})`).join(', ')}`);
  }
  if (p.bigquery) lines.push('', `BigQuery: dataset ${p.bigquery.project}:${p.bigquery.dataset} (${p.bigquery.location}), tables ${p.bigquery.tables.join(', ')}`);
  lines.push('', 'Values (secrets masked):', ...stringify(p.values).trimEnd().split('\n').map((l) => `  ${l}`));
  return `${lines.join('\n')}\n`;
}
