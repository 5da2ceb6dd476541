// Fake controllers: just enough of kube-controller-manager and the kubelet to make workloads look
// the way kstatus (helm --wait), helm's legacy waiter and `kubectl rollout status` expect.
// Everything runs synchronously inside one tick, so controllers never race each other or clients.
import { randomBytes } from 'node:crypto';
import type { FaultSet, PodFaultEffect, WorkloadKind } from './faults.js';
import { hash, type ResourceRegistry, type ResourceType } from './resources.js';
import { matchesLabelSelector, stableStringify, type KubeObject, type ObjectStore, type OwnerReference } from './store.js';

export interface ControllerOptions {
  /** How often controllers run. Short in tests (50-100 ms), default 150 ms. */
  tickMs?: number;
  /** How long a healthy Job pod runs before it succeeds. */
  jobDurationMs?: number;
  /** How often a crash-looping container "restarts" (restartCount goes up). */
  crashLoopRestartMs?: number;
}

interface Condition {
  type: string;
  status: 'True' | 'False' | 'Unknown';
  reason?: string;
  message?: string;
  lastTransitionTime?: string;
  lastUpdateTime?: string;
  lastProbeTime?: null;
}

export const NODE_NAME = 'kubesim-node';
const now = () => new Date().toISOString().replace(/\.\d+Z$/, 'Z');
const suffix = (n = 5) => randomBytes(8).toString('hex').slice(0, n);
const templateHash = (template: unknown) => hash(stableStringify(template ?? {})).slice(0, 10);

/** Builds a condition, keeping its old timestamps when nothing about it changed (avoids churn). */
function cond(
  previous: Condition[] | undefined,
  type: string,
  status: Condition['status'],
  reason?: string,
  message?: string,
  withUpdateTime = false,
): Condition {
  const old = previous?.find((c) => c.type === type);
  const same = old && old.status === status;
  const c: Condition = { type, status, ...(reason ? { reason } : {}), ...(message ? { message } : {}) };
  c.lastTransitionTime = same && old.lastTransitionTime ? old.lastTransitionTime : now();
  if (withUpdateTime) c.lastUpdateTime = same && old.reason === reason && old.lastUpdateTime ? old.lastUpdateTime : now();
  return c;
}

export class Controllers {
  private timer: NodeJS.Timeout | undefined;
  private readonly tickMs: number;
  private readonly jobDurationMs: number;
  private readonly crashLoopRestartMs: number;
  private nextPodIp = 10;
  private nextClusterIp = 10;
  /** When each deployment generation started rolling out, for progressDeadlineSeconds. */
  private readonly rolloutStarted = new Map<string, { generation: number; since: number }>();
  /** When the kubelet first saw each pod (uid -> ms), for job durations and crash-loop restarts. */
  private readonly podStarted = new Map<string, number>();
  private readonly k: Record<
    'ns' | 'pod' | 'svc' | 'ep' | 'sa' | 'pvc' | 'pv' | 'event' | 'node' | 'sc' | 'deploy' | 'rs' | 'sts' | 'ds' | 'job' | 'cj',
    ResourceType
  >;

  constructor(
    private readonly store: ObjectStore,
    registry: ResourceRegistry,
    private readonly faults: FaultSet,
    opts: ControllerOptions = {},
  ) {
    this.tickMs = opts.tickMs ?? 150;
    this.jobDurationMs = opts.jobDurationMs ?? 300;
    this.crashLoopRestartMs = opts.crashLoopRestartMs ?? 1000;
    const get = (gv: string, plural: string) => {
      const [group, version] = gv.includes('/') ? gv.split('/') : ['', gv];
      const rt = registry.byPlural(group, version, plural);
      if (!rt) throw new Error(`kubesim: controllers need ${plural}`);
      return rt;
    };
    this.k = {
      ns: get('v1', 'namespaces'), pod: get('v1', 'pods'), svc: get('v1', 'services'), ep: get('v1', 'endpoints'),
      sa: get('v1', 'serviceaccounts'), pvc: get('v1', 'persistentvolumeclaims'), pv: get('v1', 'persistentvolumes'),
      event: get('v1', 'events'), node: get('v1', 'nodes'), sc: get('storage.k8s.io/v1', 'storageclasses'),
      deploy: get('apps/v1', 'deployments'), rs: get('apps/v1', 'replicasets'), sts: get('apps/v1', 'statefulsets'),
      ds: get('apps/v1', 'daemonsets'), job: get('batch/v1', 'jobs'), cj: get('batch/v1', 'cronjobs'),
    };
  }

  /** Objects every cluster has: system namespaces, one Node, a default StorageClass. */
  bootstrap(): void {
    for (const name of ['default', 'kube-system', 'kube-public', 'kube-node-lease']) {
      this.store.put(this.k.ns, this.defaultsOnCreate(this.k.ns, { apiVersion: 'v1', kind: 'Namespace', metadata: { name } }));
    }
    const capacity = { cpu: '8', memory: '32Gi', pods: '110', 'ephemeral-storage': '100Gi' };
    this.store.put(this.k.node, {
      apiVersion: 'v1',
      kind: 'Node',
      metadata: {
        name: NODE_NAME,
        labels: { 'kubernetes.io/hostname': NODE_NAME, 'kubernetes.io/os': 'linux', 'kubernetes.io/arch': 'amd64', 'node-role.kubernetes.io/control-plane': '' },
      },
      spec: { podCIDR: '10.244.0.0/24' },
      status: {
        capacity,
        allocatable: capacity,
        conditions: [cond(undefined, 'Ready', 'True', 'KubeletReady', 'kubelet is posting ready status')],
        addresses: [{ type: 'InternalIP', address: '10.0.0.10' }, { type: 'Hostname', address: NODE_NAME }],
        nodeInfo: { kubeletVersion: 'v1.34.1', containerRuntimeVersion: 'kubesim://1.0', operatingSystem: 'linux', architecture: 'amd64', osImage: 'kubesim' },
      },
    });
    this.store.put(this.k.sc, {
      apiVersion: 'storage.k8s.io/v1',
      kind: 'StorageClass',
      metadata: { name: 'standard', annotations: { 'storageclass.kubernetes.io/is-default-class': 'true' } },
      provisioner: 'kubesim.io/fake',
      reclaimPolicy: 'Delete',
      volumeBindingMode: 'Immediate',
    });
  }

  /** Server-side defaulting that real admission/registries do at create time. */
  defaultsOnCreate(rt: ResourceType, obj: KubeObject): KubeObject {
    const o = obj;
    switch (rt.kind) {
      case 'Namespace':
        o.spec = { finalizers: ['kubernetes'], ...(o.spec ?? {}) };
        o.status = { phase: 'Active' };
        (o.metadata.labels ??= {})['kubernetes.io/metadata.name'] = o.metadata.name;
        break;
      case 'Service':
        o.spec ??= {};
        o.spec.type ??= 'ClusterIP';
        if (o.spec.type !== 'ExternalName' && !o.spec.clusterIP) {
          o.spec.clusterIP = `10.96.${Math.floor(this.nextClusterIp / 250)}.${(this.nextClusterIp++ % 250) + 1}`;
          o.spec.clusterIPs = [o.spec.clusterIP];
        }
        break;
      case 'Pod':
        o.spec ??= {};
        o.spec.nodeName ??= NODE_NAME;
        o.spec.serviceAccountName ??= 'default';
        o.status = { phase: 'Pending', conditions: [cond(undefined, 'PodScheduled', 'True')] };
        break;
      case 'Deployment':
      case 'StatefulSet':
      case 'ReplicaSet':
        o.spec ??= {};
        o.spec.replicas ??= 1;
        o.spec.revisionHistoryLimit ??= 10;
        if (rt.kind === 'Deployment') {
          o.spec.progressDeadlineSeconds ??= 600;
          o.spec.strategy ??= { type: 'RollingUpdate', rollingUpdate: { maxSurge: '25%', maxUnavailable: '25%' } };
        }
        if (rt.kind === 'StatefulSet') {
          // `kubectl rollout status` refuses a StatefulSet without an explicit RollingUpdate strategy.
          o.spec.updateStrategy ??= { type: 'RollingUpdate', rollingUpdate: { partition: 0 } };
          o.spec.podManagementPolicy ??= 'OrderedReady';
        }
        break;
      case 'Job':
        o.spec ??= {};
        o.spec.backoffLimit ??= 6;
        o.spec.completions ??= 1;
        o.spec.parallelism ??= 1;
        break;
      case 'PersistentVolumeClaim':
        o.spec ??= {};
        o.spec.storageClassName ??= 'standard';
        o.status = { phase: 'Pending' };
        break;
    }
    return o;
  }

  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => this.tick(), this.tickMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  /** One pass of every controller. Children first, then pods, then status roll-ups. */
  tick(): void {
    for (const d of this.store.list(this.k.deploy)) this.deploymentReplicaSets(d);
    for (const rs of this.store.list(this.k.rs)) this.replicaSetPods(rs);
    for (const sts of this.store.list(this.k.sts)) this.statefulSetPods(sts);
    for (const ds of this.store.list(this.k.ds)) this.daemonSetPods(ds);
    for (const job of this.store.list(this.k.job)) this.jobPods(job);
    const pods = this.store.list(this.k.pod);
    for (const pod of pods) this.kubelet(pod);
    if (this.podStarted.size > pods.length) {
      const live = new Set(pods.map((p) => p.metadata.uid));
      for (const uid of this.podStarted.keys()) if (!live.has(uid)) this.podStarted.delete(uid);
    }
    for (const rs of this.store.list(this.k.rs)) this.replicaSetStatus(rs);
    for (const d of this.store.list(this.k.deploy)) this.deploymentStatus(d);
    for (const sts of this.store.list(this.k.sts)) this.statefulSetStatus(sts);
    for (const ds of this.store.list(this.k.ds)) this.daemonSetStatus(ds);
    for (const job of this.store.list(this.k.job)) this.jobStatus(job);
    for (const svc of this.store.list(this.k.svc)) this.serviceEndpoints(svc);
    this.garbageCollectEndpoints();
    for (const pvc of this.store.list(this.k.pvc)) this.bindClaim(pvc);
    for (const ns of this.store.list(this.k.ns)) this.defaultServiceAccount(ns);
  }

  // ---- helpers ----

  private owned(rt: ResourceType, owner: KubeObject): KubeObject[] {
    return this.store.list(rt, owner.metadata.namespace, (o) =>
      (o.metadata.ownerReferences ?? []).some((r) => r.uid === owner.metadata.uid),
    );
  }

  private ownerRef(owner: KubeObject) {
    return { apiVersion: owner.apiVersion, kind: owner.kind, name: owner.metadata.name, uid: owner.metadata.uid!, controller: true, blockOwnerDeletion: true };
  }

  /** Writes a new status only when it differs, so idle ticks emit no watch events. */
  private setStatus(rt: ResourceType, obj: KubeObject, status: Record<string, unknown>): KubeObject {
    if (stableStringify(status) === stableStringify(obj.status ?? {})) return obj;
    return this.store.put(rt, { ...obj, status });
  }

  private createPod(owner: KubeObject, name: string, template: KubeObject['spec'], extraLabels: Record<string, string>): KubeObject {
    const pod: KubeObject = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: {
        name,
        namespace: owner.metadata.namespace,
        labels: { ...(template?.metadata?.labels ?? {}), ...extraLabels },
        annotations: { ...(template?.metadata?.annotations ?? {}) },
        ownerReferences: [this.ownerRef(owner)],
      },
      spec: structuredClone(template?.spec ?? { containers: [] }),
    };
    return this.store.put(this.k.pod, this.defaultsOnCreate(this.k.pod, pod));
  }

  private emitEvent(involved: KubeObject, type: 'Normal' | 'Warning', reason: string, message: string): void {
    const t = now();
    this.store.put(this.k.event, {
      apiVersion: 'v1',
      kind: 'Event',
      metadata: { name: `${involved.metadata.name}.${suffix(16)}`, namespace: involved.metadata.namespace ?? 'default' },
      involvedObject: {
        apiVersion: involved.apiVersion, kind: involved.kind, name: involved.metadata.name,
        namespace: involved.metadata.namespace, uid: involved.metadata.uid,
      },
      type, reason, message, count: 1, firstTimestamp: t, lastTimestamp: t,
      source: { component: 'kubesim', host: NODE_NAME },
      reportingComponent: 'kubesim',
    });
  }

  /** The pod and its controller ancestors as [kind, name] pairs, for fault matching. */
  private ownerChain(pod: KubeObject): Array<[WorkloadKind, string]> {
    const chain: Array<[WorkloadKind, string]> = [['pod', pod.metadata.name]];
    let current: KubeObject | undefined = pod;
    for (let depth = 0; current && depth < 4; depth++) {
      const refs: OwnerReference[] = current.metadata.ownerReferences ?? [];
      const ref = refs.find((r) => r.controller) ?? refs[0];
      if (!ref) break;
      chain.push([ref.kind.toLowerCase() as WorkloadKind, ref.name]);
      const rt: ResourceType | undefined = ({ ReplicaSet: this.k.rs, Deployment: this.k.deploy, StatefulSet: this.k.sts, DaemonSet: this.k.ds, Job: this.k.job, CronJob: this.k.cj } as Record<string, ResourceType>)[ref.kind];
      current = rt ? this.store.get(rt, pod.metadata.namespace, ref.name) : undefined;
    }
    return chain;
  }

  // ---- Deployment -> ReplicaSets ----

  private deploymentReplicaSets(d: KubeObject): void {
    const replicas: number = d.spec?.replicas ?? 1;
    const template = d.spec?.template ?? {};
    const podHash = templateHash(template);
    const owned = this.owned(this.k.rs, d);
    const revisionOf = (rs: KubeObject) => Number(rs.metadata.annotations?.['deployment.kubernetes.io/revision'] ?? 0);
    const maxRevision = Math.max(0, ...owned.map(revisionOf));
    let current = owned.find((rs) => rs.metadata.labels?.['pod-template-hash'] === podHash);
    if (!current) {
      const labels = { ...(template.metadata?.labels ?? {}), 'pod-template-hash': podHash };
      current = this.store.put(this.k.rs, {
        apiVersion: 'apps/v1',
        kind: 'ReplicaSet',
        metadata: {
          name: `${d.metadata.name}-${podHash}`,
          namespace: d.metadata.namespace,
          labels,
          annotations: { 'deployment.kubernetes.io/revision': String(maxRevision + 1), 'deployment.kubernetes.io/desired-replicas': String(replicas) },
          ownerReferences: [this.ownerRef(d)],
        },
        spec: {
          replicas,
          selector: { ...d.spec?.selector, matchLabels: { ...(d.spec?.selector?.matchLabels ?? {}), 'pod-template-hash': podHash } },
          template: { ...template, metadata: { ...(template.metadata ?? {}), labels } },
        },
      });
    } else if (current.spec.replicas !== replicas || revisionOf(current) < maxRevision) {
      // A rollback re-uses an old ReplicaSet and, as in the real controller, gives it the next revision.
      const revision = revisionOf(current) < maxRevision ? maxRevision + 1 : revisionOf(current);
      current = this.store.put(this.k.rs, {
        ...current,
        metadata: { ...current.metadata, annotations: { ...current.metadata.annotations, 'deployment.kubernetes.io/revision': String(revision) } },
        spec: { ...current.spec, replicas },
      });
    }
    // Old ReplicaSets are scaled to zero at once (a "Recreate"-speed rolling update).
    for (const rs of owned) {
      if (rs.metadata.uid !== current.metadata.uid && rs.spec.replicas !== 0) {
        this.store.put(this.k.rs, { ...rs, spec: { ...rs.spec, replicas: 0 } });
      }
    }
    const revision = current.metadata.annotations?.['deployment.kubernetes.io/revision'];
    if (revision && d.metadata.annotations?.['deployment.kubernetes.io/revision'] !== revision) {
      this.store.put(this.k.deploy, { ...d, metadata: { ...d.metadata, annotations: { ...d.metadata.annotations, 'deployment.kubernetes.io/revision': revision } } });
    }
  }

  private deploymentStatus(d: KubeObject): void {
    const replicas: number = d.spec?.replicas ?? 1;
    const owned = this.owned(this.k.rs, d);
    const podHash = templateHash(d.spec?.template);
    const current = owned.find((rs) => rs.metadata.labels?.['pod-template-hash'] === podHash);
    const sum = (f: string) => owned.reduce((n, rs) => n + (rs.status?.[f] ?? 0), 0);
    const total = sum('replicas');
    const ready = sum('readyReplicas');
    const available = sum('availableReplicas');
    const updated = current?.status?.replicas ?? 0;
    const complete =
      !!current && current.status?.observedGeneration === current.metadata.generation &&
      updated === replicas && total === replicas && available === replicas;
    const generation = d.metadata.generation ?? 1;
    const key = d.metadata.uid!;
    let started = this.rolloutStarted.get(key);
    if (!started || started.generation !== generation || complete) {
      started = { generation, since: Date.now() };
      this.rolloutStarted.set(key, started);
    }
    const deadlineExceeded = !complete && Date.now() - started.since > (d.spec?.progressDeadlineSeconds ?? 600) * 1000;
    const prev: Condition[] | undefined = d.status?.conditions;
    const rsName = current?.metadata.name ?? d.metadata.name;
    const conditions = [
      available >= replicas
        ? cond(prev, 'Available', 'True', 'MinimumReplicasAvailable', 'Deployment has minimum availability.', true)
        : cond(prev, 'Available', 'False', 'MinimumReplicasUnavailable', 'Deployment does not have minimum availability.', true),
      complete
        ? cond(prev, 'Progressing', 'True', 'NewReplicaSetAvailable', `ReplicaSet "${rsName}" has successfully progressed.`, true)
        : deadlineExceeded
          ? cond(prev, 'Progressing', 'False', 'ProgressDeadlineExceeded', `ReplicaSet "${rsName}" has timed out progressing.`, true)
          : cond(prev, 'Progressing', 'True', 'ReplicaSetUpdated', `ReplicaSet "${rsName}" is progressing.`, true),
    ];
    this.setStatus(this.k.deploy, d, {
      observedGeneration: generation,
      replicas: total,
      updatedReplicas: updated,
      readyReplicas: ready,
      availableReplicas: available,
      ...(total - available > 0 ? { unavailableReplicas: total - available } : {}),
      conditions,
    });
  }

  // ---- ReplicaSet -> Pods ----

  private replicaSetPods(rs: KubeObject): void {
    const want: number = rs.spec?.replicas ?? 1;
    const pods = this.owned(this.k.pod, rs);
    for (let i = pods.length; i < want; i++) {
      this.createPod(rs, `${rs.metadata.name}-${suffix()}`, rs.spec?.template, { 'pod-template-hash': rs.metadata.labels?.['pod-template-hash'] ?? '' });
    }
    for (const extra of pods.slice(want)) this.store.removeCascade(this.k.pod, extra.metadata.namespace, extra.metadata.name);
  }

  private replicaSetStatus(rs: KubeObject): void {
    const pods = this.owned(this.k.pod, rs);
    const ready = pods.filter(isPodReady).length;
    this.setStatus(this.k.rs, rs, {
      replicas: pods.length,
      fullyLabeledReplicas: pods.length,
      readyReplicas: ready,
      availableReplicas: ready,
      observedGeneration: rs.metadata.generation ?? 1,
    });
  }

  // ---- StatefulSet -> Pods (+ PVCs from volumeClaimTemplates) ----

  private statefulSetPods(sts: KubeObject): void {
    const replicas: number = sts.spec?.replicas ?? 1;
    const revision = `${sts.metadata.name}-${templateHash(sts.spec?.template)}`;
    const ns = sts.metadata.namespace;
    for (let i = 0; i < replicas; i++) {
      const name = `${sts.metadata.name}-${i}`;
      const existing = this.store.get(this.k.pod, ns, name);
      if (existing && existing.metadata.labels?.['controller-revision-hash'] === revision) continue;
      // Template changed: replace the pod at once (the real controller goes one ordinal at a time).
      if (existing) this.store.removeCascade(this.k.pod, ns, name);
      const template = structuredClone(sts.spec?.template ?? {});
      template.spec ??= { containers: [] };
      for (const claim of sts.spec?.volumeClaimTemplates ?? []) {
        const claimName = `${claim.metadata?.name}-${name}`;
        if (!this.store.get(this.k.pvc, ns, claimName)) {
          this.store.put(this.k.pvc, this.defaultsOnCreate(this.k.pvc, {
            apiVersion: 'v1', kind: 'PersistentVolumeClaim',
            // Like the StatefulSet controller: the template's labels plus the selector's.
            metadata: { name: claimName, namespace: ns, labels: { ...(claim.metadata?.labels ?? {}), ...(sts.spec?.selector?.matchLabels ?? {}) } },
            spec: structuredClone(claim.spec ?? {}),
          }));
        }
        template.spec.volumes = [...(template.spec.volumes ?? []), { name: claim.metadata?.name, persistentVolumeClaim: { claimName } }];
      }
      template.spec.hostname = name;
      if (sts.spec?.serviceName) template.spec.subdomain = sts.spec.serviceName;
      this.createPod(sts, name, template, {
        'controller-revision-hash': revision,
        'statefulset.kubernetes.io/pod-name': name,
        'apps.kubernetes.io/pod-index': String(i),
      });
    }
    for (const pod of this.owned(this.k.pod, sts)) {
      const index = Number(pod.metadata.labels?.['apps.kubernetes.io/pod-index'] ?? -1);
      if (index >= replicas) this.store.removeCascade(this.k.pod, ns, pod.metadata.name);
    }
  }

  private statefulSetStatus(sts: KubeObject): void {
    const revision = `${sts.metadata.name}-${templateHash(sts.spec?.template)}`;
    const pods = this.owned(this.k.pod, sts);
    const updated = pods.filter((p) => p.metadata.labels?.['controller-revision-hash'] === revision).length;
    const ready = pods.filter(isPodReady).length;
    this.setStatus(this.k.sts, sts, {
      observedGeneration: sts.metadata.generation ?? 1,
      replicas: pods.length,
      readyReplicas: ready,
      availableReplicas: ready,
      currentReplicas: updated,
      updatedReplicas: updated,
      currentRevision: updated === pods.length ? revision : (sts.status?.currentRevision ?? revision),
      updateRevision: revision,
      collisionCount: 0,
    });
  }

  // ---- DaemonSet -> one pod on the single node ----

  private daemonSetPods(ds: KubeObject): void {
    const revision = templateHash(ds.spec?.template);
    const pods = this.owned(this.k.pod, ds);
    for (const p of pods) {
      if (p.metadata.labels?.['controller-revision-hash'] !== revision) this.store.removeCascade(this.k.pod, p.metadata.namespace, p.metadata.name);
    }
    if (!pods.some((p) => p.metadata.labels?.['controller-revision-hash'] === revision)) {
      this.createPod(ds, `${ds.metadata.name}-${suffix()}`, ds.spec?.template, { 'controller-revision-hash': revision });
    }
  }

  private daemonSetStatus(ds: KubeObject): void {
    const pods = this.owned(this.k.pod, ds);
    const ready = pods.filter(isPodReady).length;
    this.setStatus(this.k.ds, ds, {
      observedGeneration: ds.metadata.generation ?? 1,
      desiredNumberScheduled: 1,
      currentNumberScheduled: pods.length,
      updatedNumberScheduled: pods.length,
      numberReady: ready,
      numberAvailable: ready,
      numberMisscheduled: 0,
    });
  }

  // ---- Job -> Pods ----

  private jobFinished(job: KubeObject): boolean {
    return (job.status?.conditions ?? []).some((c: Condition) => (c.type === 'Complete' || c.type === 'Failed') && c.status === 'True');
  }

  private jobPods(job: KubeObject): void {
    if (this.jobFinished(job) || job.spec?.suspend) return;
    const pods = this.owned(this.k.pod, job);
    const active = pods.filter((p) => !['Succeeded', 'Failed'].includes(p.status?.phase));
    const failed = pods.filter((p) => p.status?.phase === 'Failed');
    const succeeded = pods.filter((p) => p.status?.phase === 'Succeeded');
    if (active.length === 0 && failed.length === 0 && succeeded.length < (job.spec?.completions ?? 1)) {
      const labels = {
        'batch.kubernetes.io/controller-uid': job.metadata.uid!, 'batch.kubernetes.io/job-name': job.metadata.name,
        'controller-uid': job.metadata.uid!, 'job-name': job.metadata.name,
      };
      this.createPod(job, `${job.metadata.name}-${suffix()}`, job.spec?.template, labels);
    }
  }

  private jobStatus(job: KubeObject): void {
    if (this.jobFinished(job)) return;
    const pods = this.owned(this.k.pod, job);
    const succeeded = pods.filter((p) => p.status?.phase === 'Succeeded').length;
    const failed = pods.filter((p) => p.status?.phase === 'Failed').length;
    const active = pods.length - succeeded - failed;
    const prev: Condition[] | undefined = job.status?.conditions;
    const status: Record<string, unknown> = {
      startTime: job.status?.startTime ?? now(),
      active, ready: pods.filter(isPodReady).length, terminating: 0, uncountedTerminatedPods: {},
      ...(succeeded ? { succeeded } : {}),
      ...(failed ? { failed } : {}),
    };
    if (succeeded >= (job.spec?.completions ?? 1)) {
      status.completionTime = now();
      status.conditions = [
        cond(prev, 'SuccessCriteriaMet', 'True', 'CompletionsReached', 'Reached expected number of succeeded pods'),
        cond(prev, 'Complete', 'True', 'CompletionsReached', 'Reached expected number of succeeded pods'),
      ];
    } else if (failed > 0) {
      // Only injected faults fail pods, so the first failure exhausts the backoff limit.
      status.conditions = [
        cond(prev, 'FailureTarget', 'True', 'BackoffLimitExceeded', 'Job has reached the specified backoff limit'),
        cond(prev, 'Failed', 'True', 'BackoffLimitExceeded', 'Job has reached the specified backoff limit'),
      ];
      this.emitEvent(job, 'Warning', 'BackoffLimitExceeded', 'Job has reached the specified backoff limit');
    }
    this.setStatus(this.k.job, job, status);
  }

  // ---- the "kubelet": pod phases, container states, faults ----

  private kubelet(pod: KubeObject): void {
    const phaseNow = pod.status?.phase;
    if (phaseNow === 'Succeeded' || phaseNow === 'Failed') return;
    const chain = this.ownerChain(pod);
    // Job pods and bare pods with restartPolicy Never/OnFailure (hook or test pods) run to completion.
    const isJobPod = chain.some(([kind]) => kind === 'job') || ['Never', 'OnFailure'].includes(pod.spec?.restartPolicy);
    let effect: PodFaultEffect | undefined = this.faults.podEffect(chain);
    // A job-fail fault on a long-running workload behaves like a crash loop.
    if (effect === 'job-fail' && !isJobPod) effect = 'crashloop';
    const prev: KubeObject['status'] = pod.status ?? {};
    const startTime: string = prev.startTime ?? now();
    // API timestamps have second precision; timing uses milliseconds kept on the side.
    if (!this.podStarted.has(pod.metadata.uid!)) this.podStarted.set(pod.metadata.uid!, Date.now());
    const runningFor = Date.now() - this.podStarted.get(pod.metadata.uid!)!;
    const podIP: string = prev.podIP ?? `10.244.0.${(this.nextPodIp++ % 250) + 2}`;
    const finished = isJobPod && runningFor >= this.jobDurationMs && (effect === undefined || effect === 'job-fail');
    let phase = 'Running';
    let ready = true;
    const containerState = (c: { name: string; image?: string }, i: number) => {
      const base = {
        name: c.name, image: c.image ?? '', imageID: '', started: false, ready: false, restartCount: 0,
        containerID: `containerd://${hash(`${pod.metadata.uid}/${c.name}`).slice(0, 32)}`,
      };
      const running = { running: { startedAt: startTime } };
      switch (effect) {
        case 'image-pull':
          return { ...base, containerID: undefined, state: { waiting: { reason: 'ImagePullBackOff', message: `Back-off pulling image "${c.image}": ErrImagePull: kubesim fault image-pull: failed to pull and unpack image "${c.image}": not found` } } };
        case 'crashloop':
          return {
            ...base,
            restartCount: Math.floor(runningFor / this.crashLoopRestartMs) + (i === 0 ? 1 : 0),
            state: { waiting: { reason: 'CrashLoopBackOff', message: `back-off 10s restarting failed container=${c.name} pod=${pod.metadata.name}_${pod.metadata.namespace}(${pod.metadata.uid})` } },
            lastState: { terminated: { exitCode: 1, reason: 'Error', message: 'kubesim fault crashloop: the container exited with status 1', startedAt: startTime, finishedAt: startTime } },
          };
        case 'never-ready':
          return { ...base, started: true, imageID: `${c.image}@sha256:${hash(c.image ?? '')}`, state: running };
        default:
          if (finished) {
            const failedRun = effect === 'job-fail';
            return {
              ...base, imageID: `${c.image}@sha256:${hash(c.image ?? '')}`,
              state: { terminated: { exitCode: failedRun ? 1 : 0, reason: failedRun ? 'Error' : 'Completed', ...(failedRun ? { message: 'kubesim fault job-fail: the container exited with status 1' } : {}), startedAt: startTime, finishedAt: now() } },
            };
          }
          return { ...base, started: true, ready: true, imageID: `${c.image}@sha256:${hash(c.image ?? '')}`, state: running };
      }
    };
    const containerStatuses = (pod.spec?.containers ?? []).map(containerState);
    if (effect === 'image-pull') phase = 'Pending';
    if (effect) ready = false;
    if (finished) {
      phase = effect === 'job-fail' ? 'Failed' : 'Succeeded';
      ready = false;
    }
    const pc: Condition[] | undefined = prev.conditions;
    const notReadyReason = finished ? 'PodCompleted' : 'ContainersNotReady';
    const notReadyMessage = finished ? undefined : `containers with unready status: [${(pod.spec?.containers ?? []).map((c: { name: string }) => c.name).join(' ')}]`;
    const readyCond = (type: string) => (ready ? cond(pc, type, 'True') : cond(pc, type, 'False', notReadyReason, notReadyMessage));
    const status = {
      phase,
      conditions: [
        cond(pc, 'PodReadyToStartContainers', 'True'), cond(pc, 'Initialized', 'True'),
        readyCond('Ready'), readyCond('ContainersReady'), cond(pc, 'PodScheduled', 'True'),
      ].map((c) => ({ ...c, lastProbeTime: null })),
      hostIP: '10.0.0.10', hostIPs: [{ ip: '10.0.0.10' }], podIP, podIPs: [{ ip: podIP }],
      startTime, qosClass: 'BestEffort',
      ...((pod.spec?.initContainers ?? []).length
        ? { initContainerStatuses: pod.spec.initContainers.map((c: { name: string; image?: string }) => ({ name: c.name, image: c.image, ready: true, restartCount: 0, state: { terminated: { exitCode: 0, reason: 'Completed', startedAt: startTime, finishedAt: startTime } } })) }
        : {}),
      containerStatuses: JSON.parse(JSON.stringify(containerStatuses)), // drops undefined fields
    };
    const prevReason = prev.containerStatuses?.[0]?.state?.waiting?.reason;
    const updated = this.setStatus(this.k.pod, pod, status);
    const reason = status.containerStatuses[0]?.state?.waiting?.reason;
    if (updated !== pod && reason && reason !== prevReason) {
      const first = status.containerStatuses[0];
      const message = reason === 'CrashLoopBackOff'
        ? `Back-off restarting failed container ${first.name} in pod ${pod.metadata.name}_${pod.metadata.namespace}(${pod.metadata.uid})`
        : `Back-off pulling image "${first.image}"`;
      this.emitEvent(updated, 'Warning', 'BackOff', message);
    }
  }

  // ---- Service -> Endpoints ----

  private serviceEndpoints(svc: KubeObject): void {
    const selector: Record<string, string> | undefined = svc.spec?.selector;
    if (!selector || Object.keys(selector).length === 0) return; // selector-less services keep manual Endpoints
    const ns = svc.metadata.namespace;
    const pods = this.store.list(this.k.pod, ns, (p) =>
      matchesLabelSelector({ matchLabels: selector }, p.metadata.labels) && !['Succeeded', 'Failed'].includes(p.status?.phase) && !!p.status?.podIP,
    );
    const address = (p: KubeObject) => ({ ip: p.status.podIP, nodeName: NODE_NAME, targetRef: { kind: 'Pod', namespace: ns, name: p.metadata.name, uid: p.metadata.uid } });
    // A named targetPort resolves against the pods' container ports (the first pod that has it).
    const namedPort = (portName: string): number | undefined => {
      for (const pod of pods) {
        for (const c of pod.spec?.containers ?? []) {
          const found = (c.ports ?? []).find((cp: { name?: string }) => cp.name === portName);
          if (found) return found.containerPort;
        }
      }
      return undefined;
    };
    const ports = (svc.spec?.ports ?? []).map((p: { name?: string; port: number; targetPort?: number | string; protocol?: string }) => ({
      ...(p.name ? { name: p.name } : {}),
      port: typeof p.targetPort === 'number' ? p.targetPort : (p.targetPort && (Number(p.targetPort) || namedPort(p.targetPort))) || p.port,
      protocol: p.protocol ?? 'TCP',
    }));
    const readyPods = pods.filter(isPodReady);
    const notReady = pods.filter((p) => !isPodReady(p));
    const subsets = pods.length
      ? [{ ...(readyPods.length ? { addresses: readyPods.map(address) } : {}), ...(notReady.length ? { notReadyAddresses: notReady.map(address) } : {}), ports }]
      : [];
    const existing = this.store.get(this.k.ep, ns, svc.metadata.name);
    const desired: KubeObject = {
      apiVersion: 'v1', kind: 'Endpoints',
      metadata: {
        ...(existing?.metadata ?? { name: svc.metadata.name, namespace: ns }),
        ...(svc.metadata.labels ? { labels: { ...svc.metadata.labels } } : {}),
        annotations: { 'kubesim.io/managed-by': 'endpoints-controller' },
      },
      subsets,
    };
    if (!existing || stableStringify({ ...existing, metadata: null }) !== stableStringify({ ...desired, metadata: null }) ||
        stableStringify(existing.metadata.labels) !== stableStringify(desired.metadata.labels)) {
      this.store.put(this.k.ep, desired);
    }
    if (svc.spec?.type === 'LoadBalancer' && !svc.status?.loadBalancer?.ingress) {
      // Loopback on purpose: nothing should ever send traffic to a made-up address from a test.
      this.setStatus(this.k.svc, svc, { ...(svc.status ?? {}), loadBalancer: { ingress: [{ ip: '127.0.0.1', ipMode: 'VIP' }] } });
    }
  }

  private garbageCollectEndpoints(): void {
    for (const ep of this.store.list(this.k.ep)) {
      if (ep.metadata.annotations?.['kubesim.io/managed-by'] !== 'endpoints-controller') continue;
      const svc = this.store.get(this.k.svc, ep.metadata.namespace, ep.metadata.name);
      if (!svc || !svc.spec?.selector) this.store.removeCascade(this.k.ep, ep.metadata.namespace, ep.metadata.name);
    }
  }

  // ---- PVCs bind at once to a made-up PersistentVolume ----

  private bindClaim(pvc: KubeObject): void {
    if (pvc.status?.phase === 'Bound' || this.faults.pvcPending(pvc.metadata.name)) return;
    const volumeName = `pvc-${pvc.metadata.uid}`;
    const storage = pvc.spec?.resources?.requests?.storage ?? '1Gi';
    const accessModes = pvc.spec?.accessModes ?? ['ReadWriteOnce'];
    this.store.put(this.k.pv, {
      apiVersion: 'v1', kind: 'PersistentVolume',
      metadata: { name: volumeName, annotations: { 'pv.kubernetes.io/provisioned-by': 'kubesim.io/fake' } },
      spec: {
        capacity: { storage }, accessModes, persistentVolumeReclaimPolicy: 'Delete', storageClassName: pvc.spec?.storageClassName,
        claimRef: { apiVersion: 'v1', kind: 'PersistentVolumeClaim', name: pvc.metadata.name, namespace: pvc.metadata.namespace, uid: pvc.metadata.uid },
        hostPath: { path: `/tmp/kubesim/${volumeName}` },
      },
      status: { phase: 'Bound' },
    });
    const bound = this.store.put(this.k.pvc, { ...pvc, spec: { ...pvc.spec, volumeName } });
    this.setStatus(this.k.pvc, bound, { phase: 'Bound', accessModes, capacity: { storage } });
  }

  private defaultServiceAccount(ns: KubeObject): void {
    if (this.store.get(this.k.sa, ns.metadata.name, 'default')) return;
    this.store.put(this.k.sa, { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'default', namespace: ns.metadata.name } });
  }
}

export function isPodReady(pod: KubeObject): boolean {
  return pod.status?.phase === 'Running' && (pod.status?.conditions ?? []).some((c: Condition) => c.type === 'Ready' && c.status === 'True');
}
