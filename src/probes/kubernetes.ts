// Kubernetes probes: context -> platform, server version, free capacity against the chosen sizing,
// default StorageClass, IngressClass (and the ssl-passthrough the chart's nginx Ingresses need),
// cert-manager, RBAC in the release namespace. They use the installer's own client (src/kube/):
// the kubeconfig is read the way kubectl reads it (every file of a KUBECONFIG list merged).
import { DEFAULT_NAMESPACE } from '../settings.js';
import { kubernetesSupported, MIN_KUBERNETES_TEXT } from '../chart/facts.js';
import type { Check } from '../checks/types.js';
import { CliError, Interrupted } from '../errors.js';
import { KubeApiError, KubeClient, resourcePath } from '../kube/client.js';
import type { KubeObject } from '../kube/types.js';
import { classifyKubeContext } from './detect.js';
import { oneLine } from './runner.js';
import type { KubernetesFacts, Probe, ProbeContext, ProbeOutput } from './types.js';
// One list of what the install creates, shared with the install's own preflight.
import { INSTALL_RIGHTS } from '../plan/rights.js';
import { platformById, platformOfCluster, type PlatformId } from '../platforms/index.js';

export interface KubernetesProbeOptions {
  env: NodeJS.ProcessEnv;
  /** --kubeconfig; else $KUBECONFIG (its files merged, as kubectl does); else ~/.kube/config. */
  kubeconfig?: string;
  /** --kube-context / answers kubernetes.context; else the current context. */
  context?: string;
  /** What the install will request, from src/plan/sizing.ts totalRequests(); compared with free capacity. */
  required?: { cpuMilli: number; memoryBytes: number; sizing: string };
  /** The chart uses gce Ingresses on GCP and nginx with ssl-passthrough elsewhere. */
  platform?: PlatformId;
  /** In-cluster MySQL/Redis need PVCs, so a default StorageClass matters more. */
  needsStorage?: boolean;
  /** The release namespace (-n / answers kubernetes.namespace), for the RBAC check. */
  namespace?: string;
  /** answers images.pullSecrets: each must exist in the namespace as a registry Secret. */
  pullSecrets?: string[];
}


/** Oldest server the chart's objects work on (autoscaling/v2 HPA). */

// ---- quantities --------------------------------------------------------------------------

export function parseCpuMilli(q: string | undefined): number {
  if (!q) return 0;
  if (q.endsWith('m')) return Number(q.slice(0, -1));
  if (q.endsWith('n')) return Number(q.slice(0, -1)) / 1e6;
  if (q.endsWith('u')) return Number(q.slice(0, -1)) / 1e3;
  return Math.round(Number(q) * 1000);
}

const MEM_UNITS: Record<string, number> = { Ki: 1024, Mi: 1024 ** 2, Gi: 1024 ** 3, Ti: 1024 ** 4, Pi: 1024 ** 5, k: 1e3, K: 1e3, M: 1e6, G: 1e9, T: 1e12, P: 1e15, m: 1e-3 };

export function parseMemBytes(q: string | undefined): number {
  if (!q) return 0;
  const m = /^([0-9.]+(?:e[0-9]+)?)([A-Za-z]*)$/.exec(q);
  if (!m) return 0;
  return Math.round(Number(m[1]) * (m[2] ? (MEM_UNITS[m[2]] ?? 1) : 1));
}

export function formatBytes(n: number): string {
  return n >= 1024 ** 3 ? `${(n / 1024 ** 3).toFixed(1)}Gi` : `${Math.round(n / 1024 ** 2)}Mi`;
}

// ---- the probes --------------------------------------------------------------------------

export function kubernetesProbes(opts: KubernetesProbeOptions): Probe[] {
  // One client for all the probes, made on first use: a kubeconfig problem is reported once by the
  // context check (with the loader's own message and fix) and the other checks skip.
  let loaded: Promise<Cluster> | undefined;
  const load = () =>
    (loaded ??= (async () => {
      let kube: KubeClient;
      try {
        kube = KubeClient.fromKubeconfig({ env: opts.env, kubeconfig: opts.kubeconfig, context: opts.context });
      } catch (err) {
        // The loader's errors name the file, the context and the fix; anything else (a server
        // address that is not a URL) is still a kubeconfig problem, not a broken probe.
        if (err instanceof CliError) throw new KubeSetupError(err.message, err.hint ?? 'fix the kubeconfig or point --kubeconfig at another');
        throw new KubeSetupError(`cannot use the kubeconfig: ${oneLine(err)}`, 'fix the kubeconfig or point --kubeconfig at another');
      }
      const server = kube.server;
      return { kube, server, facts: { context: kube.context, ...classifyKubeContext(kube.context, server) } };
    })());

  // Every request takes the probe's signal (its timeout aborts the socket) and the probe's budget.
  const within = (ctx: ProbeContext) => ({ signal: ctx.signal, timeoutMs: ctx.timeoutMs });

  const setupFailure = (id: string, title: string, err: unknown): ProbeOutput => {
    if (err instanceof KubeSetupError) return { checks: [{ category: 'kubernetes', id, title, status: 'skip', detail: err.message }] };
    return { checks: [{ category: 'kubernetes', id, title, status: 'warn', detail: oneLine(err) }] };
  };

  const namespace = opts.namespace ?? DEFAULT_NAMESPACE;

  /**
   * A probe that reads the cluster through the shared client and reports one check. A kubeconfig
   * problem skips it (the context check reports that one); a failed request becomes a warning that
   * says what could not be done (`action`, which the RBAC hint names).
   */
  const clusterProbe = (
    spec: {
      id: string;
      title: string;
      action?: string;
      /** The check's title when it says more than the probe's (the namespace). */
      checkTitle?: string;
      /** The warning's detail when a request fails; else the cause itself. */
      failedDetail?: (cause: string) => string;
    },
    read: (cluster: Cluster, ctx: ProbeContext, check: (fields: CheckFields) => Check) => Promise<ProbeOutput>,
  ): Probe => ({
    id: spec.id,
    category: 'kubernetes',
    title: spec.title,
    async run(ctx) {
      let cluster: Cluster;
      try {
        cluster = await load();
      } catch (err) {
        return setupFailure(spec.id, spec.title, err);
      }
      const check = (fields: CheckFields): Check => ({ category: 'kubernetes', id: spec.id, title: spec.checkTitle ?? spec.title, ...fields });
      try {
        return await read(cluster, ctx, check);
      } catch (err) {
        const p = describeKubeError(err, cluster.server, spec.action);
        return { checks: [check({ status: 'warn', detail: spec.failedDetail ? spec.failedDetail(p.cause) : p.cause, hint: p.fix })] };
      }
    },
  });

  const context: Probe = {
    id: 'kubernetes.context',
    category: 'kubernetes',
    title: 'Kubernetes context',
    async run(ctx) {
      let l;
      try {
        l = await load();
      } catch (err) {
        if (err instanceof KubeSetupError) return { checks: [{ category: 'kubernetes', id: 'kubernetes.context', title: 'Kubernetes context', status: 'fail', detail: err.message, hint: err.hint }] };
        throw err;
      }
      const { facts, server } = l;
      const where = [facts.project && `project ${facts.project}`, facts.account && `account ${facts.account}`, facts.region && `region ${facts.region}`, facts.cluster && `cluster ${facts.cluster}`].filter(Boolean).join(', ');
      const checks: Check[] = [
        {
          category: 'kubernetes',
          id: 'kubernetes.context',
          title: 'Kubernetes context',
          status: mismatch(facts.platform, opts.platform) ? 'warn' : 'pass',
          detail: `${facts.context} -> ${facts.platform}${where ? ` (${where})` : ''} at ${server}`,
          hint: mismatch(facts.platform, opts.platform) ? `the context is a ${facts.platform} cluster but --platform is ${opts.platform}: pass --kube-context for the right cluster` : undefined,
          facts: { ...facts, server },
        },
      ];
      const versionCheck = (fields: CheckFields): Check => ({ category: 'kubernetes', id: 'kubernetes.version', title: 'Kubernetes API server', ...fields });
      try {
        const version = await l.kube.version(within(ctx));
        const serverVersion = version.gitVersion;
        const old = !kubernetesSupported(version);
        checks.push(
          versionCheck({
            status: old ? 'fail' : 'pass',
            detail: `reachable, ${serverVersion}${old ? `; older than ${MIN_KUBERNETES_TEXT}` : ''}`,
            hint: old ? `upgrade the cluster to ${MIN_KUBERNETES_TEXT} or newer, the oldest version Bucketeer's chart is tested on` : undefined,
            facts: { serverVersion },
          }),
        );
        return { checks, facts: { kubernetes: { ...facts, serverVersion } } };
      } catch (err) {
        const p = describeKubeError(err, server);
        checks.push(versionCheck({ status: 'fail', detail: p.cause, hint: p.fix }));
        return { checks, facts: { kubernetes: facts } };
      }
    },
  };

  const capacity = clusterProbe(
    { id: 'kubernetes.capacity', title: 'Cluster capacity', action: 'list nodes and pods cluster-wide', failedDetail: (cause) => `capacity unknown: ${cause}` },
    async (l, ctx) => {
      const [nodes, pods] = await Promise.all([
        l.kube.list<NodeLike>('/api/v1/nodes', within(ctx)),
        l.kube.list<PodLike>('/api/v1/pods', { fieldSelector: 'status.phase!=Succeeded,status.phase!=Failed', ...within(ctx) }),
      ]);
      // The capacity check itself comes from advice, which also knows the sizing asked for.
      return { checks: [], facts: { kubernetes: { free: freeCapacity(nodes, pods) } } };
    },
  );

  const storage = clusterProbe({ id: 'kubernetes.storageclass', title: 'Default StorageClass', action: 'list storageclasses' }, async (l, ctx, check) => {
    const items = await l.kube.list<StorageClass>('/apis/storage.k8s.io/v1/storageclasses', within(ctx));
    const isDefault = (a?: Record<string, string>) => a?.['storageclass.kubernetes.io/is-default-class'] === 'true' || a?.['storageclass.beta.kubernetes.io/is-default-class'] === 'true';
    const def = items.find((sc) => isDefault(sc.metadata?.annotations));
    const names = items.map((sc) => sc.metadata?.name ?? '?');
    const found = def
      ? check({ status: 'pass', detail: `${def.metadata?.name} (${def.provisioner})`, facts: { default: def.metadata?.name, all: names } })
      : check({
          status: opts.needsStorage ? 'fail' : 'warn',
          detail: names.length ? `none marked default (have: ${names.join(', ')})` : 'no StorageClass at all',
          hint: names.length
            ? `kubectl patch storageclass ${names[0]} -p '{"metadata":{"annotations":{"storageclass.kubernetes.io/is-default-class":"true"}}}'`
            : 'install a storage provisioner; in-cluster MySQL and Redis need PersistentVolumes',
          facts: { default: null, all: names },
        });
    return { checks: [found], facts: { kubernetes: { defaultStorageClass: def?.metadata?.name ?? null } } };
  });

  const ingress = clusterProbe({ id: 'kubernetes.ingress', title: 'Ingress controller', action: 'list ingressclasses' }, async (l, ctx, check) => {
    const items = await l.kube.list<IngressClass>('/apis/networking.k8s.io/v1/ingressclasses', within(ctx));
    const classes = items.map((c) => ({
      name: c.metadata?.name ?? '?',
      controller: c.spec?.controller ?? '?',
      isDefault: c.metadata?.annotations?.['ingressclass.kubernetes.io/is-default-class'] === 'true',
    }));
    const facts = { kubernetes: { ingressClasses: classes } };
    // The chart renders gce Ingresses exactly when it runs with GCP features (platform gcp).
    const gce = opts.platform ? platformById(opts.platform).googleServices : l.facts.platform === 'gke';
    if (gce) {
      // GKE's gce class is built in and has no IngressClass object; nothing to verify here.
      return { checks: [check({ status: 'pass', detail: `gce (GKE built-in)${classes.length ? `; also ${classes.map((c) => c.name).join(', ')}` : ''}`, facts: { classes } })], facts };
    }
    const nginx = classes.find((c) => c.name === 'nginx');
    if (!nginx) {
      return {
        checks: [
          check({
            status: 'warn',
            detail: `no IngressClass nginx (the chart's Ingresses use it)${classes.length ? `; have ${classes.map((c) => c.name).join(', ')}` : ''}`,
            hint: 'helm install ingress-nginx ingress-nginx/ingress-nginx -n ingress-nginx --create-namespace --set controller.extraArgs.enable-ssl-passthrough=true',
            facts: { classes },
          }),
        ],
        facts,
      };
    }
    // ssl-passthrough is a controller flag: read it off the controller's Deployment when we can.
    const passthrough = await sslPassthrough(l.kube, ctx).catch(() => undefined);
    const found =
      passthrough === true
        ? check({ status: 'pass', detail: `nginx (${nginx.controller}) with --enable-ssl-passthrough`, facts: { classes, sslPassthrough: true } })
        : check({
            status: 'warn',
            detail: `nginx (${nginx.controller}); ${passthrough === false ? 'the controller runs without --enable-ssl-passthrough' : 'could not confirm --enable-ssl-passthrough'} (the chart's Ingresses need it)`,
            hint: 'helm upgrade ingress-nginx ingress-nginx/ingress-nginx -n ingress-nginx --reuse-values --set controller.extraArgs.enable-ssl-passthrough=true',
            facts: { classes, sslPassthrough: passthrough ?? null },
          });
    return { checks: [found], facts };
  });

  const certManager = clusterProbe({ id: 'kubernetes.cert-manager', title: 'cert-manager', action: 'get customresourcedefinitions' }, async (l, ctx, check) => {
    // get() answers undefined for 404: no such CRD.
    const crd = await l.kube.get('/apis/apiextensions.k8s.io/v1/customresourcedefinitions/certificates.cert-manager.io', within(ctx));
    if (!crd) {
      return {
        checks: [check({ status: 'skip', detail: 'not installed (optional: the installer generates the service certificate itself)', facts: { present: false } })],
        facts: { kubernetes: { certManager: false } },
      };
    }
    return { checks: [check({ status: 'pass', detail: 'installed (certificates.cert-manager.io)', facts: { present: true } })], facts: { kubernetes: { certManager: true } } };
  });

  const rbac = clusterProbe(
    { id: 'kubernetes.rbac', title: 'Permissions in the release namespace', checkTitle: `Permissions in namespace ${namespace}`, action: 'create selfsubjectaccessreviews' },
    async (l, ctx, check) => {
      const exists = (await l.kube.get(resourcePath('Namespace', undefined, namespace), within(ctx))) !== undefined;
      const asks = [...(exists ? [] : [{ group: '', resource: 'namespaces', namespace: undefined as string | undefined }]), ...INSTALL_RIGHTS.map((r) => ({ group: r.group, resource: r.resource, namespace }))];
      const answers = await Promise.all(asks.map((a) => l.kube.canI('create', a.resource, { group: a.group, namespace: a.namespace, ...within(ctx) }).then((r) => ({ ...a, allowed: r.allowed }))));
      const denied = answers.filter((a) => !a.allowed).map((a) => `${a.resource}${a.group ? `.${a.group}` : ''}`);
      return {
        checks: [
          check({
            status: denied.length ? 'fail' : 'pass',
            detail: `${exists ? 'namespace exists' : 'namespace will be created'}; ${denied.length ? `cannot create ${denied.join(', ')}` : 'can create everything the chart needs'}`,
            hint: denied.length ? `ask a cluster admin for a role that can create ${denied.join(', ')} in ${namespace}` : undefined,
            facts: { namespace, namespaceExists: exists, denied },
          }),
        ],
      };
    },
  );

  const pullSecrets = clusterProbe({ id: 'kubernetes.pullsecrets', title: 'Image pull secrets', checkTitle: `Image pull secrets in namespace ${namespace}` }, async (l, ctx, check) => {
    const names = opts.pullSecrets ?? [];
    const result = (status: Check['status'], detail: string, hint?: string): ProbeOutput => ({ checks: [check({ status, detail, hint, facts: { namespace, pullSecrets: names } })] });
    try {
      const found = await Promise.all(names.map(async (name) => ({ name, secret: await l.kube.get<KubeObject & { type?: string }>(resourcePath('Secret', namespace, name), within(ctx)) })));
      const missing = found.filter((f) => !f.secret).map((f) => f.name);
      const REGISTRY_TYPES = ['kubernetes.io/dockerconfigjson', 'kubernetes.io/dockercfg'];
      const wrongType = found.filter((f) => f.secret && !REGISTRY_TYPES.includes(f.secret.type ?? '')).map((f) => `${f.name} (${f.secret!.type ?? 'no type'})`);
      if (missing.length) {
        return result('fail', `missing: ${missing.join(', ')}; no pod could pull from the mirror`, `create each before installing: ${l.kube.kubectl(`create secret docker-registry ${missing[0]} -n ${namespace} --docker-server=REGISTRY --docker-username=USER --docker-password=PASSWORD`)}`);
      }
      if (wrongType.length) return result('warn', `not registry Secrets: ${wrongType.join(', ')}`, 'kubelet reads only kubernetes.io/dockerconfigjson (or dockercfg) Secrets as pull secrets');
      return result('pass', `${names.join(', ')} present (registry Secrets)`);
    } catch (err) {
      if (err instanceof KubeApiError && err.status === 403) return result('warn', `cannot read Secrets in ${namespace} to check ${names.join(', ')}`, `check with an admin: ${l.kube.kubectl(`get secret ${names.join(' ')} -n ${namespace}`)}`);
      const p = describeKubeError(err, l.server);
      return result('warn', p.cause, p.fix);
    }
  });

  return [context, capacity, storage, ingress, certManager, rbac, ...(opts.pullSecrets?.length ? [pullSecrets] : [])];
}

async function sslPassthrough(kube: KubeClient, ctx: ProbeContext): Promise<boolean | undefined> {
  const items = await kube.list<DeploymentLike>('/apis/apps/v1/deployments', { labelSelector: 'app.kubernetes.io/name=ingress-nginx', signal: ctx.signal, timeoutMs: ctx.timeoutMs });
  if (items.length === 0) return undefined;
  return items.some((d) => (d.spec?.template?.spec?.containers ?? []).some((c) => (c.args ?? []).some((a) => /^--enable-ssl-passthrough(=true)?$/.test(a))));
}

function mismatch(cluster: KubernetesFacts['platform'], platform: KubernetesProbeOptions['platform']): boolean {
  // A managed cluster of one cloud while another cloud was chosen; any platform runs on other.
  const runsOn = platformOfCluster(cluster);
  return runsOn !== undefined && platform !== undefined && platform !== 'other' && runsOn.id !== platform;
}

/** The shared client, the facts read off its context, and the server it talks to. */
interface Cluster {
  kube: KubeClient;
  facts: KubernetesFacts;
  server: string;
}

/** A check's own fields: the probe adds category, id and title. */
type CheckFields = Omit<Check, 'category' | 'id' | 'title'>;

class KubeSetupError extends Error {
  constructor(
    message: string,
    readonly hint: string,
  ) {
    super(message);
  }
}

/**
 * What to show for a failed request. The client already turns network failures, its own timeout,
 * 401 and credential-plugin failures into an EnvironmentError naming the server, the context and
 * the fix; HTTP errors are KubeApiError with the status; the probe's signal firing is Interrupted.
 */
export function describeKubeError(err: unknown, server: string, action?: string): { cause: string; fix: string } {
  if (err instanceof Interrupted) return { cause: `no answer from ${server} before the probe timeout`, fix: 'check the cluster is reachable (VPN, firewall), or allow more time with --probe-timeout' };
  if (err instanceof KubeApiError) {
    if (err.status === 403) return { cause: `forbidden${action ? `: cannot ${action}` : ''} (RBAC)`, fix: `ask for a role that can ${action ?? 'read this resource'}` };
    return { cause: `HTTP ${err.status}: ${oneLine(err)}`, fix: 'run again with --debug for details' };
  }
  if (err instanceof CliError) return { cause: oneLine(err), fix: err.hint ?? 'check the cluster is running and reachable from here' };
  return { cause: oneLine(err), fix: 'run again with --debug for details' };
}

// The few fields of the objects these probes read (src/kube/types.ts holds the installer's own).
type NodeLike = KubeObject & {
  spec?: { unschedulable?: boolean; taints?: { key?: string; effect?: string }[] };
  status?: { allocatable?: Record<string, string>; conditions?: { type: string; status: string }[] };
};
type PodLike = KubeObject & {
  spec?: { nodeName?: string; containers?: { resources?: { requests?: Record<string, string> } }[] };
  status?: { phase?: string };
};
type StorageClass = KubeObject & { provisioner?: string };
type IngressClass = KubeObject & { spec?: { controller?: string } };
type DeploymentLike = KubeObject & { spec?: { template?: { spec?: { containers?: { args?: string[] }[] } } } };

/** Allocatable of schedulable, Ready, untainted nodes minus the requests of pods bound to them. */
export function freeCapacity(nodes: NodeLike[], pods: PodLike[]): { cpuMilli: number; memoryBytes: number; nodes: number } {
  const usable = nodes.filter(
    (n) =>
      !n.spec?.unschedulable &&
      (n.status?.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True') &&
      !(n.spec?.taints ?? []).some((t) => t.effect === 'NoSchedule' || t.effect === 'NoExecute'),
  );
  const names = new Set(usable.map((n) => n.metadata?.name));
  let cpu = usable.reduce((s, n) => s + parseCpuMilli(n.status?.allocatable?.cpu), 0);
  let mem = usable.reduce((s, n) => s + parseMemBytes(n.status?.allocatable?.memory), 0);
  for (const p of pods) {
    if (!p.spec?.nodeName || !names.has(p.spec.nodeName)) continue;
    if (p.status?.phase === 'Succeeded' || p.status?.phase === 'Failed') continue;
    for (const c of p.spec.containers ?? []) {
      cpu -= parseCpuMilli(c.resources?.requests?.cpu);
      mem -= parseMemBytes(c.resources?.requests?.memory);
    }
  }
  return { cpuMilli: Math.max(0, Math.round(cpu)), memoryBytes: Math.max(0, mem), nodes: usable.length };
}
