// Fault injection. Spec syntax: `KIND/NAME=FAULT`, e.g. `deployment/web=never-ready`.
//   KIND: deployment|statefulset|daemonset|replicaset|job|cronjob|pod (short names work too:
//         deploy, sts, ds, rs, cj, po). NAME may be `*` for every object of that kind.
//   FAULT for workloads: never-ready | crashloop | image-pull | job-fail
//   persistentvolumeclaim/NAME=pending (alias pvc): the claim never binds.
//   rbac/deny=VERB:RESOURCE[,VERB:RESOURCE...]: access reviews answer "no" and the matching
//         requests get 403 Forbidden. `*` works for either part; RESOURCE is the plural
//         (e.g. `create:secrets`, `*:namespaces`, `delete:*`).
//   api/fail=WHAT:N[:PATH]: the next N requests (whose path starts with PATH, or is PATH when it
//         ends with `$`, query aside) fail
//         transiently. WHAT: 503 (ServiceUnavailable, no Retry-After), 429 (TooManyRequests with
//         Retry-After: 1, as API priority and fairness answers), reset (the connection is
//         dropped before the request is handled) or reset-after (the request is handled, its
//         changes are kept, and the connection is dropped instead of the reply).

export const POD_FAULTS = ['never-ready', 'crashloop', 'image-pull', 'job-fail'] as const;
export type PodFaultEffect = (typeof POD_FAULTS)[number];

export type WorkloadKind = 'deployment' | 'statefulset' | 'daemonset' | 'replicaset' | 'job' | 'cronjob' | 'pod';

export type Fault =
  | { type: 'pod'; kind: WorkloadKind; name: string; effect: PodFaultEffect }
  | { type: 'pvc-pending'; name: string }
  | { type: 'rbac-deny'; verb: string; resource: string }
  | { type: 'api-fail'; what: ApiFailure; remaining: number; pathPrefix?: string };

export const API_FAILURES = ['503', '429', 'reset', 'reset-after'] as const;
export type ApiFailure = (typeof API_FAILURES)[number];

const KIND_ALIASES: Record<string, WorkloadKind> = {
  deployment: 'deployment', deploy: 'deployment', deployments: 'deployment',
  statefulset: 'statefulset', sts: 'statefulset', statefulsets: 'statefulset',
  daemonset: 'daemonset', ds: 'daemonset', daemonsets: 'daemonset',
  replicaset: 'replicaset', rs: 'replicaset', replicasets: 'replicaset',
  job: 'job', jobs: 'job',
  cronjob: 'cronjob', cj: 'cronjob', cronjobs: 'cronjob',
  pod: 'pod', po: 'pod', pods: 'pod',
};

/** Parses one spec string; rbac specs with several VERB:RESOURCE pairs yield several faults. */
export function parseFault(spec: string): Fault[] {
  const m = /^([a-z]+)\/([^=]+)=(.+)$/.exec(spec.trim());
  if (!m) throw new Error(`kubesim: bad fault "${spec}", expected KIND/NAME=FAULT`);
  const [, kind, name, effect] = m;
  if (kind === 'rbac') {
    if (name !== 'deny') throw new Error(`kubesim: bad fault "${spec}", only rbac/deny=VERB:RESOURCE is supported`);
    return effect.split(',').map((pair) => {
      const [verb, resource] = pair.split(':');
      if (!verb || !resource) throw new Error(`kubesim: bad rbac fault "${pair}", expected VERB:RESOURCE`);
      return { type: 'rbac-deny', verb, resource };
    });
  }
  if (kind === 'api') {
    const f = /^([\w-]+):(\d+)(?::(\/.*))?$/.exec(effect);
    if (name !== 'fail' || !f || !(API_FAILURES as readonly string[]).includes(f[1])) {
      throw new Error(`kubesim: bad fault "${spec}", expected api/fail=${API_FAILURES.join('|')}:N[:PATH]`);
    }
    return [{ type: 'api-fail', what: f[1] as ApiFailure, remaining: Number(f[2]), pathPrefix: f[3] }];
  }
  if (kind === 'pvc' || kind === 'persistentvolumeclaim') {
    if (effect !== 'pending') throw new Error(`kubesim: bad fault "${spec}", PVCs support only "pending"`);
    return [{ type: 'pvc-pending', name }];
  }
  const workload = KIND_ALIASES[kind];
  if (!workload) throw new Error(`kubesim: bad fault "${spec}", unknown kind "${kind}"`);
  if (!(POD_FAULTS as readonly string[]).includes(effect)) {
    throw new Error(`kubesim: bad fault "${spec}", FAULT must be one of ${POD_FAULTS.join(', ')}`);
  }
  return [{ type: 'pod', kind: workload, name, effect: effect as PodFaultEffect }];
}

export function toFaults(specs: ReadonlyArray<Fault | string> | undefined): Fault[] {
  return (specs ?? []).flatMap((s) => (typeof s === 'string' ? parseFault(s) : [s]));
}

const nameMatches = (pattern: string, name: string) => pattern === '*' || pattern === name;

export class FaultSet {
  private faults: Fault[] = [];

  constructor(initial: Fault[] = []) {
    this.faults = [...initial];
  }

  add(f: Fault[]): void {
    this.faults.push(...f);
  }

  clear(): void {
    this.faults = [];
  }

  list(): readonly Fault[] {
    return this.faults;
  }

  /** The fault for a pod, given its owner chain as [kind, name] pairs (the pod itself included). */
  podEffect(chain: Array<[WorkloadKind, string]>): PodFaultEffect | undefined {
    for (const f of this.faults) {
      if (f.type === 'pod' && chain.some(([k, n]) => k === f.kind && nameMatches(f.name, n))) return f.effect;
    }
    return undefined;
  }

  pvcPending(name: string): boolean {
    return this.faults.some((f) => f.type === 'pvc-pending' && nameMatches(f.name, name));
  }

  /** Whether this request is one of the next N that an api/fail fault fails, and how; counts it. */
  takeApiFailure(url: string): ApiFailure | undefined {
    const path = url.split('?')[0];
    const matches = (p?: string) => !p || (p.endsWith('$') ? path === p.slice(0, -1) : path.startsWith(p));
    const f = this.faults.find((x) => x.type === 'api-fail' && x.remaining > 0 && matches(x.pathPrefix));
    if (f?.type !== 'api-fail') return undefined;
    f.remaining--;
    if (f.remaining === 0) this.faults = this.faults.filter((x) => x !== f);
    return f.what;
  }

  /** The rbac fault that denies this verb on this resource (plural), if any. */
  denies(verb: string, resource: string): Fault | undefined {
    return this.faults.find(
      (f) => f.type === 'rbac-deny' && (f.verb === '*' || f.verb === verb) && (f.resource === '*' || f.resource === resource),
    );
  }
}
