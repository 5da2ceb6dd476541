// Reading the cluster to say which resource is failing and why: used while helm waits (progress
// and, when it fails, the cause), while the in-cluster MySQL/Redis start, and by the health checks.
// Helm's own error only says "context deadline exceeded"; the cause is in the pods.
import { resourcePath, type KubeClient } from '../kube/client.js';
import { condition, selectorString, type ContainerStatus, type Deployment, type Job, type KubeEvent, type KubeObject, type LabelSelector, type PersistentVolumeClaim, type Pod, type StatefulSet } from '../kube/types.js';

export interface Problem {
  /** kind/name, e.g. "deployment/web", "job/bucketeer-migrate". */
  resource: string;
  /** The pod that shows it, when there is one. */
  pod?: string;
  reason: string;
}

export interface Snapshot {
  deployments: Deployment[];
  statefulsets: StatefulSet[];
  jobs: Job[];
  pods: Pod[];
  pvcs: PersistentVolumeClaim[];
}

export async function takeSnapshot(kube: KubeClient, namespace: string, signal?: AbortSignal): Promise<Snapshot> {
  const opts = { signal, timeoutMs: 10_000 };
  const [deployments, statefulsets, jobs, pods, pvcs] = await Promise.all([
    kube.list<Deployment>(resourcePath('Deployment', namespace), opts),
    kube.list<StatefulSet>(resourcePath('StatefulSet', namespace), opts),
    kube.list<Job>(resourcePath('Job', namespace), opts),
    kube.list<Pod>(resourcePath('Pod', namespace), opts),
    kube.list<PersistentVolumeClaim>(resourcePath('PersistentVolumeClaim', namespace), opts),
  ]);
  return { deployments, statefulsets, jobs, pods, pvcs };
}

export function matchesSelector(obj: KubeObject, sel: LabelSelector | undefined): boolean {
  const want = sel?.matchLabels ?? {};
  if (Object.keys(want).length === 0) return false;
  const labels = obj.metadata.labels ?? {};
  return Object.entries(want).every(([k, v]) => labels[k] === v);
}

export function podsOf(snap: Pick<Snapshot, 'pods'>, owner: { spec?: { selector?: LabelSelector } }): Pod[] {
  return snap.pods.filter((p) => matchesSelector(p, owner.spec?.selector) && !p.metadata.deletionTimestamp);
}

const oneLine = (s: string | undefined, max = 240) => (s ?? '').replace(/\s+/g, ' ').trim().slice(0, max);

function containerProblem(c: ContainerStatus): string | undefined {
  const waiting = c.state?.waiting;
  if (waiting?.reason && waiting.reason !== 'ContainerCreating' && waiting.reason !== 'PodInitializing') {
    if (waiting.reason === 'CrashLoopBackOff') {
      const last = c.lastState?.terminated;
      const lastText = last ? `; last exit ${last.exitCode ?? '?'}${last.reason ? ` (${last.reason})` : ''}${last.message ? `: ${oneLine(last.message)}` : ''}` : '';
      return `CrashLoopBackOff, container ${c.name} restarted ${c.restartCount} times${lastText}`;
    }
    return `${waiting.reason}, container ${c.name}${waiting.message ? `: ${oneLine(waiting.message)}` : ''}`;
  }
  const term = c.state?.terminated;
  if (term && term.exitCode !== 0) return `container ${c.name} exited ${term.exitCode}${term.reason ? ` (${term.reason})` : ''}${term.message ? `: ${oneLine(term.message)}` : ''}`;
  return undefined;
}

/** Why a pod is not ready (or failed), in one line; undefined when it is fine. */
export function podProblem(pod: Pod): string | undefined {
  const st = pod.status;
  if (!st) return 'no status yet (not scheduled)';
  if (st.phase === 'Succeeded') return undefined;
  for (const c of [...(st.initContainerStatuses ?? []), ...(st.containerStatuses ?? [])]) {
    const p = containerProblem(c);
    if (p) return p;
  }
  if (st.phase === 'Failed') return `pod failed${st.reason ? ` (${st.reason})` : ''}${st.message ? `: ${oneLine(st.message)}` : ''}`;
  const scheduled = condition(pod, 'PodScheduled');
  if (scheduled?.status === 'False') return `not scheduled${scheduled.reason ? ` (${scheduled.reason})` : ''}${scheduled.message ? `: ${oneLine(scheduled.message)}` : ''}`;
  const ready = condition(pod, 'Ready');
  if (ready?.status !== 'True') {
    if (st.phase === 'Running') return `running but not ready${ready?.message ? ` (${oneLine(ready.message)})` : ''}: its readiness probe is failing`;
    return `${st.phase ?? 'Pending'}${ready?.reason ? ` (${ready.reason})` : ''}`;
  }
  return undefined;
}

export function isPodReady(pod: Pod): boolean {
  return condition(pod, 'Ready')?.status === 'True';
}

export function deploymentReady(d: Deployment): boolean {
  const want = d.spec?.replicas ?? 1;
  const s = d.status ?? {};
  return (s.observedGeneration ?? 0) >= (d.metadata.generation ?? 0) && (s.updatedReplicas ?? 0) >= want && (s.availableReplicas ?? 0) >= want && condition(d, 'Available')?.status === 'True';
}

export function statefulSetReady(s: StatefulSet): boolean {
  const want = s.spec?.replicas ?? 1;
  return (s.status?.observedGeneration ?? 0) >= (s.metadata.generation ?? 0) && (s.status?.readyReplicas ?? 0) >= want;
}

export function jobState(j: Job): 'complete' | 'failed' | 'running' {
  if (condition(j, 'Complete')?.status === 'True') return 'complete';
  if (condition(j, 'Failed')?.status === 'True') return 'failed';
  return 'running';
}

function podsReason(pods: Pod[], fallback: string): { reason: string; pod?: string } {
  for (const p of pods) {
    const r = podProblem(p);
    if (r) return { reason: r, pod: p.metadata.name };
  }
  return { reason: fallback };
}

function jobPods(snap: Snapshot, j: Job): Pod[] {
  const byOwner = snap.pods.filter((p) => p.metadata.ownerReferences?.some((o) => o.kind === 'Job' && o.name === j.metadata.name));
  return byOwner.length ? byOwner : podsOf(snap, j);
}

/** Every failing or not-yet-ready workload in the snapshot, the most telling first. */
export function findProblems(snap: Snapshot, opts: { includeWaiting?: boolean } = {}): Problem[] {
  const out: Problem[] = [];
  for (const j of snap.jobs) {
    const state = jobState(j);
    if (state === 'failed') {
      const c = condition(j, 'Failed');
      const pods = jobPods(snap, j);
      const fromPod = podsReason(pods, '');
      out.push({ resource: `job/${j.metadata.name}`, pod: fromPod.pod, reason: `failed (${c?.reason ?? 'Failed'}${c?.message ? `: ${oneLine(c.message)}` : ''})${fromPod.reason ? `; ${fromPod.reason}` : ''}` });
    } else if (state === 'running') {
      const r = podsReason(jobPods(snap, j), '');
      if (r.reason || opts.includeWaiting) out.push({ resource: `job/${j.metadata.name}`, pod: r.pod, reason: r.reason || 'still running' });
    }
  }
  for (const d of snap.deployments) {
    if (deploymentReady(d)) continue;
    const pods = podsOf(snap, d);
    const want = d.spec?.replicas ?? 1;
    const counts = `${d.status?.availableReplicas ?? 0}/${want} available`;
    const r = podsReason(pods, pods.length === 0 ? `${counts}, no pods created` : `${counts}${condition(d, 'Progressing')?.reason === 'ProgressDeadlineExceeded' ? ' (ProgressDeadlineExceeded)' : ''}`);
    if (r.pod || opts.includeWaiting || pods.length === 0) out.push({ resource: `deployment/${d.metadata.name}`, pod: r.pod, reason: r.pod ? `${counts}; pod ${r.pod}: ${r.reason}` : r.reason });
  }
  for (const s of snap.statefulsets) {
    if (statefulSetReady(s)) continue;
    const want = s.spec?.replicas ?? 1;
    const counts = `${s.status?.readyReplicas ?? 0}/${want} ready`;
    const pvc = snap.pvcs.find((c) => c.status?.phase === 'Pending' && c.metadata.name.endsWith(`-${s.metadata.name}-0`));
    const r = podsReason(podsOf(snap, s), pvc ? `${counts}; PersistentVolumeClaim ${pvc.metadata.name} is Pending (no StorageClass can provision it?)` : counts);
    if (r.pod || pvc || opts.includeWaiting) out.push({ resource: `statefulset/${s.metadata.name}`, pod: r.pod, reason: r.pod ? `${counts}; pod ${r.pod}: ${r.reason}` : r.reason });
  }
  return out;
}

/** The newest Warning event about an object (e.g. "Readiness probe failed: ..."), if any. */
export async function lastWarning(kube: KubeClient, namespace: string, name: string, signal?: AbortSignal): Promise<string | undefined> {
  try {
    const events = await kube.list<KubeEvent>(resourcePath('Event', namespace), { fieldSelector: `involvedObject.name=${name}`, timeoutMs: 5_000, signal });
    const warnings = events.filter((e) => e.type === 'Warning').sort((a, b) => String(a.lastTimestamp ?? '').localeCompare(String(b.lastTimestamp ?? '')));
    const w = warnings.at(-1);
    return w ? `${w.reason ?? 'Warning'}: ${oneLine(w.message)}` : undefined;
  } catch {
    return undefined;
  }
}

/** The first words of a podProblem() line: "CrashLoopBackOff", "not ready", "ErrImagePull". */
export function shortReason(reason: string): string {
  if (reason.startsWith('running but not ready')) return 'not ready';
  return reason.split(/[,:(]/)[0].trim();
}

/** "web 1/1, api 0/1 (ImagePullBackOff)" — a compact progress line for the workloads. */
export function progressLine(snap: Snapshot, names?: string[]): string {
  const deps = snap.deployments.filter((d) => !names || names.includes(d.metadata.name)).sort((a, b) => a.metadata.name.localeCompare(b.metadata.name));
  const parts = deps.map((d) => {
    const want = d.spec?.replicas ?? 1;
    const avail = d.status?.availableReplicas ?? 0;
    const stuck = avail < want ? podsOf(snap, d).map(podProblem).find(Boolean) : undefined;
    const tag = stuck ? ` (${shortReason(stuck)})` : '';
    return `${d.metadata.name} ${avail}/${want}${tag}`;
  });
  const migrate = snap.jobs.find((j) => j.metadata.name.endsWith('-migrate'));
  if (migrate) parts.unshift(`${migrate.metadata.name} ${jobState(migrate)}`);
  return parts.join(', ');
}

export { selectorString };
