// Preflight: everything install needs from the environment, checked before anything changes.
// Checks are data (src/checks); a failure becomes one EnvironmentError (exit 3) whose message is
// the cause and whose hint is the command that fixes it. What warns is reported with the step
// (text: a line per check; ndjson and json: the checks themselves) and does not stop the run.
import type { Answers } from '../answers/schema.js';
import type { SecretSources } from '../answers/secrets.js';
import type { Check } from '../checks/types.js';
import { runChecks, type CheckSpec } from '../checks/runner.js';
import { CliError, EnvironmentError } from '../errors.js';
import { detectHelm, type HelmInfo } from '../helm/binary.js';
import { resourcePath, type KubeClient } from '../kube/client.js';
import type { ServerVersion } from '../kube/types.js';
import { kubernetesSupported, MIN_KUBERNETES_TEXT } from '../chart/facts.js';
import { describeRights, INSTALL_RIGHTS, READ_RIGHTS } from '../plan/rights.js';
import { BINDING_ID, PERMISSIONS_ID, workloadIdentityOf } from '../probes/gcp-identity.js';
import type { GcpProbeOptions } from '../probes/gcp.js';
import type { Emit, InstallEvent } from './events.js';

const DOC = 'https://github.com/bucketeer-io/bucketeer-install#install';


/** Budget of each preflight request to the cluster; a run's --timeout lowers it, never raises it. */
const PREFLIGHT_REQUEST_TIMEOUT_MS = 10_000;
export const preflightRequestTimeout = (runTimeoutMs: number) => Math.min(PREFLIGHT_REQUEST_TIMEOUT_MS, runTimeoutMs);

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
  /**
   * --dry-run: nothing is written, so rights only a real run needs (create, patch) warn with what
   * it needs instead of failing; the rights the dry run itself uses (reads) still fail.
   */
  dryRun?: boolean;
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
  const timeoutMs = o.requestTimeoutMs ?? PREFLIGHT_REQUEST_TIMEOUT_MS;
  const result: PreflightResult = { checks: [] };
  const [{ checks }, fromAnswers] = await Promise.all([runChecks(clusterChecks(o, result, () => ({ timeoutMs, signal: o.signal })), { signal: o.signal }), answersChecks(o, timeoutMs)]);
  result.checks = [...checks, ...fromAnswers];
  return result;
}

/** The checks of what the answers point at: Workload Identity, then the external MySQL and Redis. */
async function answersChecks(o: PreflightOptions, timeoutMs: number): Promise<Check[]> {
  const [{ checks: identity }, middleware] = await Promise.all([runChecks(workloadIdentityChecks(o, timeoutMs), { signal: o.signal }), middlewareChecks(o, timeoutMs)]);
  return [...identity, ...middleware];
}

/** Whether the answers name anything answersChecks would check (external MySQL or Redis, Workload Identity). */
export function answersHaveChecks(answers: Answers, namespace: string): boolean {
  return answers.database.mode !== 'in-cluster' || answers.redis.mode !== 'in-cluster' || workloadIdentityOf(answers, namespace) !== undefined;
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
        // `write`: a right only a real run uses (a dry run reads).
        const wanted: { verb: string; group: string; resource: string; namespace?: string; write: boolean }[] = [];
        if (!result.namespaceExists) wanted.push({ verb: 'create', group: '', resource: 'namespaces', write: true });
        for (const r of INSTALL_RIGHTS) for (const verb of r.verbs) wanted.push({ verb, group: r.group, resource: r.resource, namespace: ns, write: true });
        for (const r of READ_RIGHTS) for (const verb of r.verbs) wanted.push({ verb, group: r.group, resource: r.resource, namespace: ns, write: false });
        let answers;
        try {
          answers = await Promise.all(wanted.map((w) => kube.canI(w.verb, w.resource, { group: w.group, namespace: w.namespace, ...request() }).then((a) => ({ ...w, ...a }))));
        } catch (e) {
          return { status: 'fail', detail: `could not ask the API server: ${msg(e)}`, hint: hintOf(e) };
        }
        const denied = answers.filter((a) => !a.allowed);
        if (denied.length === 0) {
          return { status: 'pass', detail: `allowed to ${describeRights()} in ${ns}${result.namespaceExists ? '' : ', and to create the namespace'}` };
        }
        const hintFor = (first: (typeof denied)[number]) =>
          first.namespace || denied.length > 1
            ? `ask a cluster admin to run: kubectl create rolebinding bucketeer-install --clusterrole=admin --user=<you> -n ${ns}${result.namespaceExists ? '' : ` (and kubectl create namespace ${ns})`}; check with: ${kube.kubectl(`auth can-i ${first.verb} ${first.resource} -n ${ns}`)}`
            : `ask a cluster admin to run: kubectl create namespace ${ns}`;
        const facts = { denied: denied.map((d) => ({ verb: d.verb, resource: d.resource, group: d.group, reason: d.reason })) };
        const rights = (ds: typeof denied, where: (d: (typeof denied)[number]) => string) => ds.map((d) => `${d.verb} ${d.resource}${where(d)}`).join(', ');
        const blocking = o.dryRun ? denied.filter((d) => !d.write) : denied;
        if (blocking.length === 0) {
          return {
            status: 'warn',
            detail: `a real run needs: ${rights(denied, (d) => (d.namespace ? ` in ${ns}` : ' (cluster-wide)'))} (context ${kube.context} may not; this dry run only reads)`,
            hint: hintFor(denied[0]),
            facts,
          };
        }
        const first = blocking[0];
        return {
          status: 'fail',
          detail: `context ${kube.context} may not ${rights(blocking, (d) => (d.namespace ? '' : ' (cluster-wide)'))}${first.namespace ? ` in namespace ${ns}` : ''}`,
          hint: hintFor(first),
          facts,
        };
      },
    },
  ];
}

/**
 * The preflight step of install and upgrade: announced, run, and asserted. When a fatal check
 * fails, a 'failed' event names the first failed check and carries every check before the
 * EnvironmentError (exit 3) is thrown, so both commands print and fail the same way for the same
 * checks. The caller emits `preflightFinished` once whatever else it checks read-only has passed
 * too, or `preflightFailed` when that fails.
 */
export async function preflightStep(o: PreflightOptions, emit: Emit): Promise<PreflightResult & { helm: HelmInfo }> {
  emit({ type: 'step-started', step: 'preflight', title: 'Preflight' });
  const pre = await runInstallPreflight(o);
  assertStep('preflight', pre, emit);
  return pre;
}

/** The preflight step's end: the helm and Kubernetes versions found, and every check (a line each in text for those that warned). */
export function preflightFinished(pre: PreflightResult & { helm: HelmInfo }): InstallEvent {
  return { type: 'step-finished', step: 'preflight', detail: `helm ${pre.helm.version}, Kubernetes ${pre.serverVersion?.gitVersion}`, ...checksOutcome(pre.checks) };
}

/** The preflight step's end when a later read-only check (after the preflight checks passed) failed. */
export function preflightFailed(pre: PreflightResult, reason: string): InstallEvent {
  return { type: 'failed', step: 'preflight', reason, checks: pre.checks };
}

/**
 * upgrade's preflight of the answers it will apply (read from the cluster or --answers, so known
 * only after the cluster preflight): install's checks of the external MySQL and Redis and of
 * Workload Identity, failing the same way (exit 3, the same message). Nothing to check (in-cluster
 * middleware, no Workload Identity): no step.
 */
export async function answersPreflightStep(o: PreflightOptions & { answers: Answers }, emit: Emit): Promise<void> {
  if (!answersHaveChecks(o.answers, o.namespace)) return;
  const step = 'preflight-answers';
  emit({ type: 'step-started', step, title: 'Preflight of the answers (MySQL, Redis, Workload Identity)' });
  const r: PreflightResult = { checks: await answersChecks(o, o.requestTimeoutMs ?? PREFLIGHT_REQUEST_TIMEOUT_MS) };
  assertStep(step, r, emit);
  emit({ type: 'step-finished', step, ...checksOutcome(r.checks) });
}

const checksOutcome = (checks: Check[]): { checks: Check[]; status?: 'warn' } => (checks.some((c) => c.status === 'warn') ? { checks, status: 'warn' } : { checks });

/** assertPreflight, with a 'failed' event naming the first failed check (and carrying every check) before the error. */
function assertStep(step: string, pre: PreflightResult, emit: Emit): asserts pre is PreflightResult & { helm: HelmInfo } {
  try {
    assertPreflight(pre);
  } catch (e) {
    const failed = pre.checks.find((c) => c.status === 'fail');
    emit({ type: 'failed', step, resource: failed?.title, reason: failed?.detail ?? (e as Error).message, checks: pre.checks });
    throw e;
  }
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
