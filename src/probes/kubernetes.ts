// Kubernetes probes: context -> platform, server version, free capacity against the chosen sizing,
// default StorageClass, IngressClass (and the ssl-passthrough the chart's nginx Ingresses need),
// cert-manager. @kubernetes/client-node is imported inside the probes only.
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { delimiter, join } from 'node:path';
import type { Check } from '../checks/types.js';
import { classifyKubeContext } from './detect.js';
import { oneLine } from './runner.js';
import type { KubernetesFacts, Probe, ProbeContext, ProbeOutput } from './types.js';
// One list of what the install creates, shared with the install's own preflight.
import { INSTALL_RESOURCES } from '../install/preflight.js';

type K8s = typeof import('@kubernetes/client-node');
type KubeConfig = import('@kubernetes/client-node').KubeConfig;

export interface KubernetesProbeOptions {
  env: NodeJS.ProcessEnv;
  /** --kubeconfig; else $KUBECONFIG (first existing file); else ~/.kube/config. */
  kubeconfig?: string;
  /** --kube-context / answers kubernetes.context; else the current context. */
  context?: string;
  /** What the install will request, from src/plan/sizing.ts totalRequests(); compared with free capacity. */
  required?: { cpuMilli: number; memoryBytes: number; sizing: string };
  /** The chart uses gce Ingresses on GCP and nginx with ssl-passthrough elsewhere. */
  platform?: 'aws' | 'gcp' | 'other';
  /** In-cluster MySQL/Redis need PVCs, so a default StorageClass matters more. */
  needsStorage?: boolean;
  /** The release namespace (-n / answers kubernetes.namespace), for the RBAC check. */
  namespace?: string;
}


/** Oldest server the chart's objects work on (autoscaling/v2 HPA). */
const MIN_SERVER: [number, number] = [1, 23];

export function kubeconfigPath(opts: Pick<KubernetesProbeOptions, 'env' | 'kubeconfig'>): { path?: string; tried: string[] } {
  const tried = opts.kubeconfig ? [opts.kubeconfig] : opts.env.KUBECONFIG ? opts.env.KUBECONFIG.split(delimiter).filter(Boolean) : [join(opts.env.HOME || homedir(), '.kube', 'config')];
  return { path: tried.find((p) => existsSync(p)), tried };
}

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
  let loaded: Promise<{ k8s: K8s; kc: KubeConfig; facts: KubernetesFacts; server: string }> | undefined;
  const load = () =>
    (loaded ??= (async () => {
      const { path, tried } = kubeconfigPath(opts);
      if (!path) throw new KubeSetupError(`no kubeconfig found (looked at ${tried.join(', ')})`, 'point --kubeconfig or KUBECONFIG at one, or create one (gcloud container clusters get-credentials / aws eks update-kubeconfig / kind create cluster)');
      const k8s = await import('@kubernetes/client-node');
      k8sModule = k8s;
      const kc = new k8s.KubeConfig();
      try {
        kc.loadFromFile(path);
      } catch (err) {
        throw new KubeSetupError(`cannot read kubeconfig ${path}: ${oneLine(err)}`, 'fix the file or point --kubeconfig at another');
      }
      if (opts.context) {
        if (!kc.getContextObject(opts.context)) {
          throw new KubeSetupError(`context "${opts.context}" is not in ${path}`, `kubectl config get-contexts --kubeconfig ${path} lists the contexts`);
        }
        kc.setCurrentContext(opts.context);
      }
      const context = kc.getCurrentContext();
      if (!context) throw new KubeSetupError(`${path} has no current context`, 'kubectl config use-context NAME, or pass --kube-context');
      const server = kc.getCurrentCluster()?.server ?? '';
      return { k8s, kc, server, facts: { context, ...classifyKubeContext(context, server) } };
    })());

  // The object-style API takes observable-style middleware; this one hands the probe's signal to
  // each request so a timeout aborts the socket instead of leaving it open.
  let k8sModule: K8s | undefined;
  const withSignal = (signal: AbortSignal) => signalOptions(k8sModule!, signal);

  const setupFailure = (id: string, title: string, err: unknown): ProbeOutput => {
    if (err instanceof KubeSetupError) return { checks: [{ category: 'kubernetes', id, title, status: 'skip', detail: err.message }] };
    return { checks: [{ category: 'kubernetes', id, title, status: 'warn', detail: oneLine(err) }] };
  };

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
      try {
        const version = await l.kc.makeApiClient(l.k8s.VersionApi).getCode(withSignal(ctx.signal) as never);
        const serverVersion = version.gitVersion;
        const minor = Number(String(version.minor).replace(/\D.*$/, ''));
        const old = Number(version.major) === MIN_SERVER[0] && minor < MIN_SERVER[1];
        checks.push({
          category: 'kubernetes',
          id: 'kubernetes.version',
          title: 'Kubernetes API server',
          status: old ? 'fail' : 'pass',
          detail: `reachable, ${serverVersion}${old ? `; older than ${MIN_SERVER.join('.')}` : ''}`,
          hint: old ? `upgrade the cluster to ${MIN_SERVER.join('.')} or newer (the chart uses autoscaling/v2)` : undefined,
          facts: { serverVersion },
        });
        return { checks, facts: { kubernetes: { ...facts, serverVersion } } };
      } catch (err) {
        const p = describeKubeError(err, server);
        checks.push({ category: 'kubernetes', id: 'kubernetes.version', title: 'Kubernetes API server', status: 'fail', detail: p.cause, hint: p.fix });
        return { checks, facts: { kubernetes: facts } };
      }
    },
  };

  const capacity: Probe = {
    id: 'kubernetes.capacity',
    category: 'kubernetes',
    title: 'Cluster capacity',
    async run(ctx) {
      let l;
      try {
        l = await load();
      } catch (err) {
        return setupFailure('kubernetes.capacity', 'Cluster capacity', err);
      }
      const core = l.kc.makeApiClient(l.k8s.CoreV1Api);
      try {
        const [nodes, pods] = await Promise.all([
          core.listNode({}, withSignal(ctx.signal) as never),
          core.listPodForAllNamespaces({ fieldSelector: 'status.phase!=Succeeded,status.phase!=Failed' }, withSignal(ctx.signal) as never),
        ]);
        const free = freeCapacity(nodes.items, pods.items);
        // The capacity check itself comes from advice, which also knows the sizing asked for.
        return {
          checks: [],
          facts: { kubernetes: { free } },
        };
      } catch (err) {
        const p = describeKubeError(err, l.server, 'list nodes and pods cluster-wide');
        return { checks: [{ category: 'kubernetes', id: 'kubernetes.capacity', title: 'Cluster capacity', status: 'warn', detail: `capacity unknown: ${p.cause}`, hint: p.fix }] };
      }
    },
  };

  const storage: Probe = {
    id: 'kubernetes.storageclass',
    category: 'kubernetes',
    title: 'Default StorageClass',
    async run(ctx) {
      let l;
      try {
        l = await load();
      } catch (err) {
        return setupFailure('kubernetes.storageclass', 'Default StorageClass', err);
      }
      try {
        const list = await l.kc.makeApiClient(l.k8s.StorageV1Api).listStorageClass({}, withSignal(ctx.signal) as never);
        const isDefault = (a?: Record<string, string>) => a?.['storageclass.kubernetes.io/is-default-class'] === 'true' || a?.['storageclass.beta.kubernetes.io/is-default-class'] === 'true';
        const def = list.items.find((sc) => isDefault(sc.metadata?.annotations));
        const names = list.items.map((sc) => sc.metadata?.name ?? '?');
        const check: Check = def
          ? { category: 'kubernetes', id: 'kubernetes.storageclass', title: 'Default StorageClass', status: 'pass', detail: `${def.metadata?.name} (${def.provisioner})`, facts: { default: def.metadata?.name, all: names } }
          : {
              category: 'kubernetes',
              id: 'kubernetes.storageclass',
              title: 'Default StorageClass',
              status: opts.needsStorage ? 'fail' : 'warn',
              detail: names.length ? `none marked default (have: ${names.join(', ')})` : 'no StorageClass at all',
              hint: names.length
                ? `kubectl patch storageclass ${names[0]} -p '{"metadata":{"annotations":{"storageclass.kubernetes.io/is-default-class":"true"}}}'`
                : 'install a storage provisioner; in-cluster MySQL and Redis need PersistentVolumes',
              facts: { default: null, all: names },
            };
        return { checks: [check], facts: { kubernetes: { defaultStorageClass: def?.metadata?.name ?? null } } };
      } catch (err) {
        const p = describeKubeError(err, l.server, 'list storageclasses');
        return { checks: [{ category: 'kubernetes', id: 'kubernetes.storageclass', title: 'Default StorageClass', status: 'warn', detail: p.cause, hint: p.fix }] };
      }
    },
  };

  const ingress: Probe = {
    id: 'kubernetes.ingress',
    category: 'kubernetes',
    title: 'Ingress controller',
    async run(ctx) {
      let l;
      try {
        l = await load();
      } catch (err) {
        return setupFailure('kubernetes.ingress', 'Ingress controller', err);
      }
      try {
        const list = await l.kc.makeApiClient(l.k8s.NetworkingV1Api).listIngressClass({}, withSignal(ctx.signal) as never);
        const classes = list.items.map((c) => ({
          name: c.metadata?.name ?? '?',
          controller: c.spec?.controller ?? '?',
          isDefault: c.metadata?.annotations?.['ingressclass.kubernetes.io/is-default-class'] === 'true',
        }));
        const facts = { kubernetes: { ingressClasses: classes } };
        // The chart renders gce Ingresses exactly when it runs with GCP features (platform gcp).
        const gce = opts.platform ? opts.platform === 'gcp' : l.facts.platform === 'gke';
        if (gce) {
          // GKE's gce class is built in and has no IngressClass object; nothing to verify here.
          return { checks: [{ category: 'kubernetes', id: 'kubernetes.ingress', title: 'Ingress controller', status: 'pass', detail: `gce (GKE built-in)${classes.length ? `; also ${classes.map((c) => c.name).join(', ')}` : ''}`, facts: { classes } }], facts };
        }
        const nginx = classes.find((c) => c.name === 'nginx');
        if (!nginx) {
          return {
            checks: [
              {
                category: 'kubernetes',
                id: 'kubernetes.ingress',
                title: 'Ingress controller',
                status: 'warn',
                detail: `no IngressClass nginx (the chart's Ingresses use it)${classes.length ? `; have ${classes.map((c) => c.name).join(', ')}` : ''}`,
                hint: 'helm install ingress-nginx ingress-nginx/ingress-nginx -n ingress-nginx --create-namespace --set controller.extraArgs.enable-ssl-passthrough=true',
                facts: { classes },
              },
            ],
            facts,
          };
        }
        // ssl-passthrough is a controller flag: read it off the controller's Deployment when we can.
        const passthrough = await sslPassthrough(l, ctx).catch(() => undefined);
        const check: Check =
          passthrough === true
            ? { category: 'kubernetes', id: 'kubernetes.ingress', title: 'Ingress controller', status: 'pass', detail: `nginx (${nginx.controller}) with --enable-ssl-passthrough`, facts: { classes, sslPassthrough: true } }
            : {
                category: 'kubernetes',
                id: 'kubernetes.ingress',
                title: 'Ingress controller',
                status: 'warn',
                detail: `nginx (${nginx.controller}); ${passthrough === false ? 'the controller runs without --enable-ssl-passthrough' : 'could not confirm --enable-ssl-passthrough'} (the chart's Ingresses need it)`,
                hint: 'helm upgrade ingress-nginx ingress-nginx/ingress-nginx -n ingress-nginx --reuse-values --set controller.extraArgs.enable-ssl-passthrough=true',
                facts: { classes, sslPassthrough: passthrough ?? null },
              };
        return { checks: [check], facts };
      } catch (err) {
        const p = describeKubeError(err, l.server, 'list ingressclasses');
        return { checks: [{ category: 'kubernetes', id: 'kubernetes.ingress', title: 'Ingress controller', status: 'warn', detail: p.cause, hint: p.fix }] };
      }
    },
  };

  const certManager: Probe = {
    id: 'kubernetes.cert-manager',
    category: 'kubernetes',
    title: 'cert-manager',
    async run(ctx) {
      let l;
      try {
        l = await load();
      } catch (err) {
        return setupFailure('kubernetes.cert-manager', 'cert-manager', err);
      }
      try {
        await l.kc.makeApiClient(l.k8s.ApiextensionsV1Api).readCustomResourceDefinition({ name: 'certificates.cert-manager.io' }, withSignal(ctx.signal) as never);
        return { checks: [{ category: 'kubernetes', id: 'kubernetes.cert-manager', title: 'cert-manager', status: 'pass', detail: 'installed (certificates.cert-manager.io)', facts: { present: true } }], facts: { kubernetes: { certManager: true } } };
      } catch (err) {
        if (statusOf(err) === 404) {
          return {
            checks: [{ category: 'kubernetes', id: 'kubernetes.cert-manager', title: 'cert-manager', status: 'skip', detail: 'not installed (optional: the installer generates the service certificate itself)', facts: { present: false } }],
            facts: { kubernetes: { certManager: false } },
          };
        }
        const p = describeKubeError(err, l.server, 'get customresourcedefinitions');
        return { checks: [{ category: 'kubernetes', id: 'kubernetes.cert-manager', title: 'cert-manager', status: 'warn', detail: p.cause, hint: p.fix }] };
      }
    },
  };

  const rbac: Probe = {
    id: 'kubernetes.rbac',
    category: 'kubernetes',
    title: 'Permissions in the release namespace',
    async run(ctx) {
      let l;
      try {
        l = await load();
      } catch (err) {
        return setupFailure('kubernetes.rbac', 'Permissions in the release namespace', err);
      }
      const ns = opts.namespace ?? 'bucketeer';
      const core = l.kc.makeApiClient(l.k8s.CoreV1Api);
      const authz = l.kc.makeApiClient(l.k8s.AuthorizationV1Api);
      try {
        let exists = true;
        await core.readNamespace({ name: ns }, withSignal(ctx.signal) as never).catch((err) => {
          if (statusOf(err) === 404) exists = false;
          else throw err;
        });
        const asks = [...(exists ? [] : [{ group: '', resource: 'namespaces', namespace: undefined as string | undefined }]), ...INSTALL_RESOURCES.map((n) => ({ ...n, namespace: ns }))];
        const answers = await Promise.all(
          asks.map((a) =>
            authz
              .createSelfSubjectAccessReview({ body: { apiVersion: 'authorization.k8s.io/v1', kind: 'SelfSubjectAccessReview', spec: { resourceAttributes: { verb: 'create', group: a.group, resource: a.resource, namespace: a.namespace } } } }, withSignal(ctx.signal) as never)
              .then((r) => ({ ...a, allowed: Boolean(r.status?.allowed) })),
          ),
        );
        const denied = answers.filter((a) => !a.allowed).map((a) => `${a.resource}${a.group ? `.${a.group}` : ''}`);
        return {
          checks: [
            {
              category: 'kubernetes',
              id: 'kubernetes.rbac',
              title: `Permissions in namespace ${ns}`,
              status: denied.length ? 'fail' : 'pass',
              detail: `${exists ? 'namespace exists' : 'namespace will be created'}; ${denied.length ? `cannot create ${denied.join(', ')}` : 'can create everything the chart needs'}`,
              hint: denied.length ? `ask a cluster admin for a role that can create ${denied.join(', ')} in ${ns}` : undefined,
              facts: { namespace: ns, namespaceExists: exists, denied },
            },
          ],
        };
      } catch (err) {
        const p = describeKubeError(err, l.server, 'create selfsubjectaccessreviews');
        return { checks: [{ category: 'kubernetes', id: 'kubernetes.rbac', title: `Permissions in namespace ${ns}`, status: 'warn', detail: p.cause, hint: p.fix }] };
      }
    },
  };

  return [context, capacity, storage, ingress, certManager, rbac];
}

async function sslPassthrough(l: { k8s: K8s; kc: KubeConfig }, ctx: ProbeContext): Promise<boolean | undefined> {
  const apps = l.kc.makeApiClient(l.k8s.AppsV1Api);
  const list = await apps.listDeploymentForAllNamespaces({ labelSelector: 'app.kubernetes.io/name=ingress-nginx' }, signalOptions(l.k8s, ctx.signal) as never);
  if (list.items.length === 0) return undefined;
  return list.items.some((d) => (d.spec?.template.spec?.containers ?? []).some((c) => (c.args ?? []).some((a) => /^--enable-ssl-passthrough(=true)?$/.test(a))));
}

function signalOptions(k8s: K8s, signal: AbortSignal) {
  return {
    middleware: [
      {
        pre: (c: import('@kubernetes/client-node').RequestContext) => {
          c.setSignal(signal);
          return new k8s.Observable(Promise.resolve(c));
        },
        post: (r: import('@kubernetes/client-node').ResponseContext) => new k8s.Observable(Promise.resolve(r)),
      },
    ],
    middlewareMergeStrategy: 'append' as const,
  };
}

function mismatch(cluster: KubernetesFacts['platform'], platform: KubernetesProbeOptions['platform']): boolean {
  return (platform === 'aws' && cluster === 'gke') || (platform === 'gcp' && cluster === 'eks');
}

class KubeSetupError extends Error {
  constructor(
    message: string,
    readonly hint: string,
  ) {
    super(message);
  }
}

function statusOf(err: unknown): number | undefined {
  const code = (err as { code?: unknown })?.code;
  return typeof code === 'number' ? code : undefined;
}

export function describeKubeError(err: unknown, server: string, action?: string): { cause: string; fix: string } {
  const status = statusOf(err);
  const msg = oneLine(err);
  if (status === 401) return { cause: `the API server at ${server} rejected the credentials (401)`, fix: 'refresh the kubeconfig credentials (gcloud container clusters get-credentials / aws eks update-kubeconfig)' };
  if (status === 403) return { cause: `forbidden${action ? `: cannot ${action}` : ''} (RBAC)`, fix: `ask for a role that can ${action ?? 'read this resource'}` };
  if (/abort/i.test(msg) || (err as { name?: string })?.name === 'AbortError') return { cause: `no answer from ${server} before the probe timeout`, fix: 'check the cluster is reachable (VPN, firewall), or allow more time with --probe-timeout' };
  if (/ECONNREFUSED|ENOTFOUND|EHOSTUNREACH|ECONNRESET|ETIMEDOUT|certificate|self.signed/i.test(msg)) return { cause: `cannot reach ${server} (${msg})`, fix: 'check the cluster is running and reachable from here' };
  return { cause: status ? `HTTP ${status}: ${msg}` : msg, fix: 'run again with --debug for details' };
}

type NodeLike = import('@kubernetes/client-node').V1Node;
type PodLike = import('@kubernetes/client-node').V1Pod;

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
