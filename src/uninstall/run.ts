// `bucketeer-install uninstall`: helm uninstall of the release, then, with --purge, every object
// the installer created itself for this release. Each carries app.kubernetes.io/managed-by=
// bucketeer-install and app.kubernetes.io/instance=<release> (the Secrets it generated, the
// in-cluster MySQL/Redis and their claims, the prepare Jobs and ConfigMaps, the stored answers);
// those earlier versions made with less are known by their exact names (src/plan/ownership.ts).
// Never by a name prefix: another release's objects in the namespace are not touched, as helm
// uninstall never touches them. Without --purge those stay (the data: PVCs, Secrets, stored
// answers) and each is listed with the command that deletes it. Cloud resources (databases,
// Redis, topics, datasets) are never deleted; they are named.
import type { Answers } from '../answers/schema.js';
import { ExitCode, Interrupted, OperationFailed, UsageError, signalExitCode } from '../errors.js';
import { detectHelm } from '../helm/binary.js';
import type { ServiceIO } from '../io.js';
import { acquireReleaseLock, type ReleaseLock } from '../install/lock.js';
import { helmUninstall, releaseHistory, type HelmTarget } from '../install/release.js';
import { readStoredAnswers } from '../install/stored-answers.js';
import { KubeClient, pluralOf, resourcePath } from '../kube/client.js';
import type { KubeObject } from '../kube/types.js';
import { buildPlan } from '../plan/index.js';
import { inClusterClaimNames, MANAGED_BY, MANAGED_BY_LABEL, madeForRelease, storedAnswersName } from '../plan/ownership.js';
import { onDemandSubscriptions, runningSubscriptions } from '../plan/topics.js';
import { resolveTarget } from '../resolve.js';

export const MANAGED_SELECTOR = `${MANAGED_BY_LABEL}=${MANAGED_BY}`;

export interface UninstallOptions {
  release?: string;
  namespace?: string;
  kubeContext?: string;
  kubeconfig?: string;
  yes: boolean;
  purge: boolean;
  timeoutMs: number;
}

/** Namespaced kinds the installer creates, in the order --purge deletes them (workloads before their claims). */
const PURGE_KINDS = ['Job', 'StatefulSet', 'Service', 'ConfigMap', 'Secret', 'PersistentVolumeClaim'] as const;
type PurgeKind = (typeof PURGE_KINDS)[number];

interface Found {
  kind: PurgeKind | 'Namespace';
  name: string;
}

const SHORT: Record<Found['kind'], string> = {
  Job: 'job',
  StatefulSet: 'statefulset',
  Service: 'service',
  ConfigMap: 'configmap',
  Secret: 'secret',
  PersistentVolumeClaim: 'pvc',
  Namespace: 'namespace',
};

/** The installer's objects of the release in the namespace (by exact label or exact name, never by prefix), read only. */
async function findInstallerObjects(kube: KubeClient, namespace: string, release: string, signal: AbortSignal): Promise<Found[]> {
  const found: Found[] = [];
  const add = (kind: PurgeKind, o: KubeObject) => {
    if (o.metadata.deletionTimestamp || found.some((f) => f.kind === kind && f.name === o.metadata.name)) return;
    found.push({ kind, name: o.metadata.name });
  };
  for (const kind of PURGE_KINDS) {
    const items = await kube.list(resourcePath(kind, namespace), { labelSelector: MANAGED_SELECTOR, signal });
    for (const o of items) if (madeForRelease(o, release)) add(kind, o);
  }
  // Claims of the in-cluster servers made before their templates carried the installer's label:
  // they have only the StatefulSet's selector labels, and their exact names.
  for (const name of inClusterClaimNames(release)) {
    const claim = await kube.get(resourcePath('PersistentVolumeClaim', namespace, name), { signal });
    if (claim && madeForRelease(claim, release)) add('PersistentVolumeClaim', claim);
  }
  return found;
}

/** The cloud resources the stored answers name; uninstall never deletes them. */
export function cloudResources(a: Answers): string[] {
  const out: string[] = [];
  const where = a.platform === 'gcp' ? 'Cloud SQL' : a.platform === 'aws' ? 'RDS' : 'MySQL server';
  if (a.database.mode === 'external') out.push(`${where} database ${a.database.name} on ${a.database.host}:${a.database.port} (user ${a.database.user})`);
  if (a.redis.mode === 'external') out.push(`${a.platform === 'gcp' ? 'Memorystore' : a.platform === 'aws' ? 'ElastiCache' : 'Redis'} at ${a.redis.addr}${a.messaging.backend === 'redis-stream' ? ' (holds the Redis Streams of the events)' : ''}`);
  if (a.messaging.backend === 'google-pubsub') {
    const values = buildPlan(a).values;
    const subs = [...runningSubscriptions(values), ...onDemandSubscriptions(values)];
    const project = a.gcp?.project ? `projects/${a.gcp.project}/` : '';
    const topics = [...new Set(subs.map((s) => s.topic))];
    out.push(`Pub/Sub topics: ${topics.map((t) => `${project}topics/${t}`).join(', ')}`);
    out.push(`Pub/Sub subscriptions: ${[...new Set(subs.map((s) => s.subscription))].map((s) => `${project}subscriptions/${s}`).join(', ')}`);
  }
  if (a.warehouse.type === 'bigquery') out.push(`BigQuery dataset ${a.warehouse.project ?? a.gcp?.project ?? '?'}:${a.warehouse.dataset} (tables evaluation_event, goal_event)`);
  if (a.warehouse.type === 'postgres') out.push(`Postgres database ${a.warehouse.database} on ${a.warehouse.host}:${a.warehouse.port}`);
  return out;
}

export async function runUninstall(o: UninstallOptions, io: ServiceIO): Promise<number> {
  if (!o.yes && !io.interactive) {
    throw new UsageError(
      `uninstall${o.purge ? ' --purge' : ''} deletes from the cluster and there is no terminal to confirm on`,
      'pass --yes to confirm without a prompt',
    );
  }
  const { namespace, release, kubeContext } = resolveTarget(o);
  const kube = KubeClient.fromKubeconfig({ kubeconfig: o.kubeconfig, context: kubeContext, env: io.env, cwd: io.cwd });
  const interrupt = io.interrupts({ message: (sig) => `${sig} received: stopping (helm, if running, is signalled and awaited)` });
  const out = (line = '') => io.stdout.write(`${line}\n`);
  let lock: ReleaseLock | undefined;
  try {
    const signal = interrupt.signal;
    // Read everything first: nothing is deleted when the cluster or helm is missing.
    const helm = await detectHelm(io.env);
    await kube.version({ timeoutMs: Math.min(10_000, o.timeoutMs), signal });
    const kubeArgs = ['--kube-context', kube.context, ...(kube.config.explicitFile ? ['--kubeconfig', kube.config.explicitFile] : [])];
    const t: HelmTarget = { helm, env: io.env, release, namespace, kubeArgs };
    const history = await releaseHistory(t, { signal });
    const latest = history.at(-1);
    const stored = await readStoredAnswers(kube, namespace, release, signal).catch(() => undefined);
    const objects = await findInstallerObjects(kube, namespace, release, signal);
    // helm uninstall leaves hook resources behind; the chart's migration Job is one.
    const hook = await kube.get(resourcePath('Job', namespace, `${release}-migrate`), { signal });
    const hookJob = hook?.metadata.annotations?.['helm.sh/hook'] ? hook.metadata.name : undefined;
    const nsObject = await kube.get(resourcePath('Namespace', undefined, namespace), { signal });
    const nsCreatedByInstaller = nsObject?.metadata.labels?.[MANAGED_BY_LABEL] === MANAGED_BY;

    const where = `namespace ${namespace} (context ${kube.context})`;
    if (!latest && !o.purge) {
      throw new UsageError(
        `there is no release ${release} in ${where}`,
        objects.length
          ? `${objects.length} objects bucketeer-install created for it remain; delete them with: bucketeer-install uninstall --purge --release ${release} -n ${namespace}`
          : 'check --release and --namespace (helm list -A lists the releases)',
      );
    }
    if (!latest && objects.length === 0 && !nsCreatedByInstaller && !hookJob) {
      out(`Nothing to uninstall: no release ${release} and no object bucketeer-install created in ${where}.`);
      return ExitCode.ok;
    }

    const lines = [`Uninstall of release ${release} in ${where}:`];
    lines.push(latest ? `  helm uninstall  revision ${latest.revision} (${latest.status}, ${latest.chart}), waiting for its resources to go` : `  helm            no release ${release} (already uninstalled)`);
    if (hookJob) lines.push(`  delete          Job/${hookJob}, the chart's migration hook (helm uninstall leaves hooks behind)`);
    if (o.purge) {
      lines.push(`  delete          ${objects.length} object${objects.length === 1 ? '' : 's'} bucketeer-install created: ${objects.map((f) => `${f.kind}/${f.name}`).join(', ') || 'none'}`);
      if (objects.some((f) => f.kind === 'PersistentVolumeClaim')) lines.push('                  the PVCs hold the in-cluster MySQL and Redis data: it is lost');
      if (nsCreatedByInstaller) lines.push(`  namespace       ${namespace} (created by bucketeer-install): deleted if nothing else is left in it`);
    } else {
      lines.push(`  keep            the data and the objects bucketeer-install created (${objects.length}); --purge deletes them`);
    }
    io.stderr.write(`${lines.join('\n')}\n`);
    if (!o.yes && !(await io.confirm(`${o.purge ? 'Uninstall and delete the data' : 'Uninstall'}? [y/N] `, interrupt.signal))) {
      throw new UsageError('uninstall cancelled; nothing was changed', 'run again and answer y, or pass --yes');
    }

    // The release lock install and upgrade hold: no uninstall while one of them runs.
    if (nsObject) lock = await acquireReleaseLock(kube, { namespace, release, command: 'uninstall', waitMs: o.timeoutMs, signal, onWait: (m) => io.stderr.write(`${m}\n`) });

    if (latest) {
      await helmUninstall(t, { timeoutMs: o.timeoutMs, signal });
      out(`Release ${release} uninstalled (helm uninstall --wait).`);
    }
    if (hookJob && (await kube.delete(resourcePath('Job', namespace, hookJob), { signal, propagationPolicy: 'Background' }))) {
      out(`Job ${hookJob} deleted (the chart's migration hook).`);
    }

    let kept: Found[] = objects;
    if (o.purge) {
      await deleteAll(kube, namespace, objects, o.timeoutMs, signal);
      out(`Deleted ${objects.length} object${objects.length === 1 ? '' : 's'} bucketeer-install created${objects.length ? `: ${objects.map((f) => `${f.kind}/${f.name}`).join(', ')}` : ''}.`);
      kept = [];
      if (nsCreatedByInstaller) {
        const others = await somethingElseIn(kube, namespace, signal);
        if (others) {
          kept = [{ kind: 'Namespace', name: namespace }];
          out(`Namespace ${namespace} kept: it still holds ${others}.`);
        } else {
          await kube.delete(resourcePath('Namespace', undefined, namespace), { signal });
          out(`Namespace ${namespace} deleted (bucketeer-install had created it).`);
        }
      }
    } else if (nsCreatedByInstaller) {
      kept = [...objects, { kind: 'Namespace', name: namespace }];
    }

    if (kept.length) {
      out('');
      out(o.purge ? 'Kept:' : 'Kept (the data and what bucketeer-install created; delete each with the command shown, or run again with --purge):');
      for (const f of kept) {
        const cmd = f.kind === 'Namespace' ? kube.kubectl(`delete namespace ${f.name}`) : kube.kubectl(`delete ${SHORT[f.kind]} ${f.name} -n ${namespace}`);
        out(`  ${`${f.kind}/${f.name}`.padEnd(48)}  ${cmd}`);
      }
    }
    const cloud = stored ? cloudResources(stored.answers) : [];
    if (cloud.length) {
      out('');
      out('Not deleted, outside the cluster (delete them with your cloud console or CLI when no longer needed):');
      for (const c of cloud) out(`  ${c}`);
    } else if (!stored && latest) {
      out('');
      out(`No stored answers (ConfigMap ${storedAnswersName(release)}) were found, so the cloud resources of this install cannot be named; none were deleted.`);
    }
    return ExitCode.ok;
  } catch (err) {
    if (interrupt.signal.aborted || err instanceof Interrupted) {
      // 130 for Ctrl-C, 143 for SIGTERM, as install and upgrade.
      throw new Interrupted('uninstall interrupted', 'run the same command again: it continues where it stopped', signalExitCode(interrupt.received()));
    }
    throw err;
  } finally {
    await lock?.release();
    interrupt.dispose();
    kube.close();
  }
}

/** Deletes in PURGE_KINDS order, then waits (within the timeout) until every one is gone. */
async function deleteAll(kube: KubeClient, namespace: string, objects: Found[], timeoutMs: number, signal: AbortSignal): Promise<void> {
  for (const kind of PURGE_KINDS) {
    for (const f of objects.filter((x) => x.kind === kind)) {
      // Background: a Job's and a StatefulSet's pods go with them.
      await kube.delete(resourcePath(kind, namespace, f.name), { signal, propagationPolicy: 'Background' });
    }
  }
  const gone = await KubeClient.poll(
    async () => {
      const left = await Promise.all(objects.map(async (f) => ((await kube.get(resourcePath(f.kind as PurgeKind, namespace, f.name), { signal })) ? f : undefined)));
      return left.every((f) => f === undefined) ? true : undefined;
    },
    { intervalMs: 1_000, timeoutMs, signal },
  );
  if (signal.aborted) throw new Interrupted();
  if (!gone) {
    throw new OperationFailed(
      `objects bucketeer-install created are still terminating ${Math.round(timeoutMs / 1000)}s after their deletion`,
      `see what holds them: kubectl get ${PURGE_KINDS.map((k) => pluralOf(k)).join(',')} -n ${namespace} -l ${MANAGED_SELECTOR}`,
    );
  }
}

/** What keeps an installer-created namespace: anything but its default ServiceAccount, ConfigMap and token. */
async function somethingElseIn(kube: KubeClient, namespace: string, signal: AbortSignal): Promise<string | undefined> {
  const kinds = ['Deployment', 'StatefulSet', 'Job', 'Service', 'PersistentVolumeClaim', 'Secret', 'ConfigMap'] as const;
  const left: string[] = [];
  for (const kind of kinds) {
    const items = await kube.list(resourcePath(kind, namespace), { signal });
    const real = items.filter((o) => !o.metadata.deletionTimestamp && !(kind === 'ConfigMap' && o.metadata.name === 'kube-root-ca.crt') && !(kind === 'Secret' && o.type === 'kubernetes.io/service-account-token'));
    if (real.length) left.push(`${real.length} ${pluralOf(kind)} (e.g. ${real[0].metadata.name})`);
  }
  if (!left.length) return undefined;
  return left.join(', ');
}
