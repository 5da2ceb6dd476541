// Preflight: everything install needs from the environment, checked before anything changes.
// Checks are data (src/checks); a failure becomes one EnvironmentError (exit 3) whose message is
// the cause and whose hint is the command that fixes it.
import type { Answers } from '../answers/schema.js';
import type { SecretSources } from '../answers/secrets.js';
import type { Check } from '../checks/types.js';
import { runChecks, type CheckSpec } from '../checks/runner.js';
import { CliError, EnvironmentError } from '../errors.js';
import { detectHelm, type HelmInfo } from '../helm/binary.js';
import { resourcePath, type KubeClient } from '../kube/client.js';
import type { ServerVersion } from '../kube/types.js';
import { kubernetesSupported, MIN_KUBERNETES_TEXT } from '../chart/facts.js';
import { BINDING_ID, PERMISSIONS_ID, workloadIdentityOf } from '../probes/gcp-identity.js';
import type { GcpProbeOptions } from '../probes/gcp.js';
import type { Emit, InstallEvent } from './events.js';

const DOC = 'https://github.com/bucketeer-io/bucketeer-install#install';

/** What the install creates or changes in the namespace: the resources (plural) of each API group ('' is the core group), as a Role lists them. */
const INSTALL_RESOURCES_BY_GROUP: Record<string, string[]> = {
  '': ['secrets', 'configmaps', 'services', 'serviceaccounts'],
  apps: ['deployments', 'statefulsets'],
  batch: ['jobs', 'cronjobs'],
  'networking.k8s.io': ['ingresses'],
};
/** The same, as (group, plural) pairs. */
export const INSTALL_RESOURCES: { group: string; resource: string }[] = Object.entries(INSTALL_RESOURCES_BY_GROUP).flatMap(([group, resources]) => resources.map((resource) => ({ group, resource })));
export const INSTALL_VERBS = ['create', 'patch'];

export interface PreflightOptions {
  kube: KubeClient;
  env: NodeJS.ProcessEnv;
  namespace: string;
  /** Budget for each cluster request; the whole preflight stays within about twice this. */
  requestTimeoutMs?: number;
  signal?: AbortSignal;
  /**
   * With answers: the external MySQL and Redis are connected to the way Bucketeer does (no TLS,
   * no AUTH), and the cloud settings of those instances are read, so a server it cannot use stops
   * the install before its first change. On GCP with gcp.workloadIdentity, the pods' Workload
   * Identity bindings and the Google service account's permissions are checked too.
   */
  answers?: Answers;
  secretSources?: SecretSources;
  /** Tests: GCP endpoint and auth client for the Workload Identity check. */
  gcp?: Partial<GcpProbeOptions>;
}

export interface PreflightResult {
  checks: Check[];
  helm?: HelmInfo;
  serverVersion?: ServerVersion;
  namespaceExists?: boolean;
}

const msg = (e: unknown) => (e instanceof Error ? e.message : String(e));
const hintOf = (e: unknown) => (e instanceof CliError ? e.hint : undefined);

export async function runInstallPreflight(o: PreflightOptions): Promise<PreflightResult> {
  // Generous enough for a loaded or far-away API server; short enough to fail fast when it is gone.
  const timeoutMs = o.requestTimeoutMs ?? 10_000;
  const result: PreflightResult = { checks: [] };
  const [{ checks }, middleware] = await Promise.all([runChecks(preflightChecks(o, result, timeoutMs), { signal: o.signal }), middlewareChecks(o, timeoutMs)]);
  result.checks = [...checks, ...middleware];
  return result;
}

/** The MySQL and Redis the answers name, as Bucketeer v2.3.0 would connect, and their cloud settings. */
async function middlewareChecks(o: PreflightOptions, timeoutMs: number): Promise<Check[]> {
  if (!o.answers) return [];
  const a = o.answers;
  // In-cluster MySQL and Redis are the installer's own: nothing to connect to or read yet, so the
  // modules that would (about a third of a second to load) are not loaded.
  if (a.database.mode === 'in-cluster' && a.redis.mode === 'in-cluster') return [];
  const [{ connectionChecks }, { answersMiddlewareChecks }] = await Promise.all([import('../doctor/prepare.js'), import('../probes/middleware.js')]);
  const [direct, cloud] = await Promise.all([
    // A few seconds: a server that answers does so in one round trip; one that does not is left to
    // the prepare Jobs, which check from inside the cluster.
    connectionChecks({ answers: a, env: o.env, sources: o.secretSources ?? { env: o.env, baseDir: process.cwd() }, timeoutMs: Math.min(3_000, timeoutMs), signal: o.signal }),
    // The cloud's own settings of the instances the answers point at (RDS parameter group, Cloud
    // SQL SSL mode, ElastiCache/Memorystore TLS and AUTH).
    answersMiddlewareChecks(a, o.env, timeoutMs, o.signal),
  ]);
  return [...direct, ...cloud];
}

/** install's preflight as data; each check records what it learned in `result` for the steps. */
function preflightChecks(o: PreflightOptions, result: PreflightResult, timeoutMs: number): CheckSpec[] {
  const request = () => ({ timeoutMs, signal: o.signal });
  return [...clusterChecks(o, result, request), ...workloadIdentityChecks(o, timeoutMs)];
}

/**
 * GKE Workload Identity of the pods (gcp.workloadIdentity): one check for the four bindings, one
 * for the service account's permissions. A missing binding or permission fails the install before
 * any change (web and api exit when their topic lookup is denied); what could not be read warns.
 */
function workloadIdentityChecks(o: PreflightOptions, timeoutMs: number): CheckSpec[] {
  const wi = o.answers ? workloadIdentityOf(o.answers, o.namespace) : undefined;
  if (!o.answers || !wi) return [];
  const answers = o.answers;
  let probed: Promise<Check[]> | undefined;
  const probe = () =>
    (probed ??= (async () => {
      const [{ gcpProbes }, { runProbes }] = await Promise.all([import('../probes/gcp.js'), import('../probes/runner.js')]);
      const identity = gcpProbes({ env: o.env, project: answers.gcp!.project, region: answers.gcp!.region, workloadIdentity: wi, ...o.gcp }).find((p) => p.id === 'gcp.identity')!;
      const [res] = await runProbes([identity], { timeoutMs, signal: o.signal });
      return res.checks;
    })());
  const spec = (id: string, title: string): CheckSpec => ({
    id: id.replace(/^gcp\./, 'preflight.'),
    category: 'preflight',
    title,
    fatal: true,
    async run() {
      const checks = await probe();
      // No credentials, a timeout or a broken probe: one check for the whole probe, not a verdict.
      const c = checks.find((x) => x.id === id) ?? checks[0];
      return { status: c.status === 'skip' ? 'warn' : c.status, detail: c.detail, hint: c.hint, facts: c.facts };
    },
  });
  return [spec(BINDING_ID, `Workload Identity bindings on ${wi.serviceAccount}`), spec(PERMISSIONS_ID, `permissions of ${wi.serviceAccount}`)];
}

function clusterChecks(o: PreflightOptions, result: PreflightResult, request: () => { timeoutMs: number; signal?: AbortSignal }): CheckSpec[] {
  const { kube, namespace: ns } = o;
  return [
    {
      id: 'preflight.helm',
      category: 'preflight',
      title: 'helm',
      fatal: true,
      docUrl: 'https://helm.sh/docs/intro/install/',
      async run() {
        const helm = await detectHelm(o.env);
        result.helm = helm;
        return { status: 'pass', detail: `${helm.version} at ${helm.bin} (rollback flag ${helm.rollbackFlag})`, facts: { version: helm.version, bin: helm.bin } };
      },
    },
    {
      id: 'preflight.cluster',
      category: 'preflight',
      title: `cluster reachable (context ${kube.context})`,
      fatal: true,
      async run() {
        result.serverVersion = await kube.version(request());
        return { status: 'pass', detail: `${kube.server}`, facts: { server: kube.server, context: kube.context } };
      },
    },
    {
      id: 'preflight.version',
      category: 'preflight',
      title: 'Kubernetes version',
      fatal: true,
      dependsOn: ['preflight.cluster'],
      hint: 'upgrade the cluster (GKE: gcloud container clusters upgrade; EKS: eksctl upgrade cluster) or pick another with --kube-context',
      async run() {
        const version = result.serverVersion!;
        const supported = kubernetesSupported(version);
        return {
          status: supported ? 'pass' : 'fail',
          detail: supported ? version.gitVersion : `${version.gitVersion} is older than ${MIN_KUBERNETES_TEXT}, the oldest version Bucketeer's chart is tested on`,
          facts: { gitVersion: version.gitVersion },
        };
      },
    },
    {
      id: 'preflight.rbac',
      category: 'preflight',
      title: 'permissions',
      fatal: true,
      dependsOn: ['preflight.cluster'],
      async run() {
        try {
          const nsObj = await kube.get(resourcePath('Namespace', undefined, ns), request());
          result.namespaceExists = nsObj !== undefined;
        } catch (e) {
          // Reading a namespace can be forbidden to namespace-scoped users; the access review decides.
          if (!(e instanceof CliError) || e.exitCode !== 3) throw e;
          result.namespaceExists = true;
        }
        const wanted: { verb: string; group: string; resource: string; namespace?: string }[] = [];
        if (!result.namespaceExists) wanted.push({ verb: 'create', group: '', resource: 'namespaces' });
        for (const r of INSTALL_RESOURCES) for (const verb of INSTALL_VERBS) wanted.push({ verb, ...r, namespace: ns });
        wanted.push({ verb: 'get', group: '', resource: 'secrets', namespace: ns });
        let answers;
        try {
          answers = await Promise.all(wanted.map((w) => kube.canI(w.verb, w.resource, { group: w.group, namespace: w.namespace, ...request() }).then((a) => ({ ...w, ...a }))));
        } catch (e) {
          return { status: 'fail', detail: `could not ask the API server: ${msg(e)}`, hint: hintOf(e) };
        }
        const denied = answers.filter((a) => !a.allowed);
        if (denied.length === 0) {
          return { status: 'pass', detail: `allowed to ${INSTALL_VERBS.join('/')} ${INSTALL_RESOURCES.map((r) => r.resource).join(', ')} in ${ns}${result.namespaceExists ? '' : ', and to create the namespace'}` };
        }
        const first = denied[0];
        const list = denied.map((d) => `${d.verb} ${d.resource}${d.namespace ? '' : ' (cluster-wide)'}`).join(', ');
        return {
          status: 'fail',
          detail: `context ${kube.context} may not ${list}${first.namespace ? ` in namespace ${ns}` : ''}`,
          hint:
            first.namespace || denied.length > 1
              ? `ask a cluster admin to run: kubectl create rolebinding bucketeer-install --clusterrole=admin --user=<you> -n ${ns}${result.namespaceExists ? '' : ` (and kubectl create namespace ${ns})`}; check with: ${kube.kubectl(`auth can-i ${first.verb} ${first.resource} -n ${ns}`)}`
              : `ask a cluster admin to run: kubectl create namespace ${ns}`,
          facts: { denied: denied.map((d) => ({ verb: d.verb, resource: d.resource, group: d.group, reason: d.reason })) },
        };
      },
    },
  ];
}

/**
 * The preflight step of install and upgrade: announced, run, and asserted. When a fatal check
 * fails, a 'failed' event names the first failed check before the EnvironmentError (exit 3) is
 * thrown, so both commands print and fail the same way for the same checks. The caller emits
 * `preflightFinished` once whatever else it checks read-only has passed too.
 */
export async function preflightStep(o: PreflightOptions, emit: Emit): Promise<PreflightResult & { helm: HelmInfo }> {
  emit({ type: 'step-started', step: 'preflight', title: 'Preflight' });
  const pre = await runInstallPreflight(o);
  try {
    assertPreflight(pre);
  } catch (e) {
    const failed = pre.checks.find((c) => c.status === 'fail');
    emit({ type: 'failed', step: 'preflight', resource: failed?.title, reason: failed?.detail ?? (e as Error).message });
    throw e;
  }
  return pre;
}

/** The preflight step's end: the helm and Kubernetes versions found. */
export function preflightFinished(pre: PreflightResult & { helm: HelmInfo }): InstallEvent {
  return { type: 'step-finished', step: 'preflight', detail: `helm ${pre.helm.version}, Kubernetes ${pre.serverVersion?.gitVersion}` };
}

/** Throws the first failure as an EnvironmentError (all failures listed when there are several). */
export function assertPreflight(r: PreflightResult): asserts r is PreflightResult & { helm: HelmInfo } {
  const failed = r.checks.filter((c) => c.status === 'fail');
  if (failed.length === 0) return;
  const first = failed[0];
  const others = failed.slice(1).map((c) => `${c.title}: ${c.detail}`);
  throw new EnvironmentError(
    `preflight: ${first.title}: ${first.detail}${others.length ? ` (also: ${others.join('; ')})` : ''}`,
    first.hint ?? `see ${DOC}`,
  );
}
