// `bucketeer-install doctor` of an installed release: read-only checks as data (src/checks), in
// the order a person would debug: tools, cluster, release, stored answers, pods and jobs, Secrets,
// values, then the middleware (the prepare steps' checks, where reachable from here).
// Nothing here writes to the cluster: only GET/LIST requests and `helm history/get values`.
import type { Answers } from '../answers/schema.js';
import type { Check } from '../checks/types.js';
import { runChecks, type AnyCheckSpec } from '../checks/runner.js';
import { CliError } from '../errors.js';
import { detectHelm, type HelmInfo } from '../helm/binary.js';
import { healthChecks } from '../install/health.js';
import { keepDeployedWarehouse } from '../install/guards.js';
import { helmGetValues, PENDING, releaseHistory, type HelmTarget } from '../install/release.js';
import { readStoredAnswers } from '../install/stored-answers.js';
import { storedAnswersName } from '../plan/ownership.js';
import { KubeClient } from '../kube/client.js';
import { getPath, secretNamesFor, type Values } from '../plan/values.js';
import { prepareChecks } from './prepare.js';
import { secretChecks } from './secrets.js';
import { inlineSecretsCheck, valuesChecks } from './values.js';
import { DEFAULT_DOCTOR_HEALTH_WINDOW_MS, DEFAULT_PROBE_TIMEOUT_MS } from '../settings.js';

const DOC = 'https://github.com/bucketeer-io/bucketeer-install#doctor';

export interface DoctorOptions {
  env: NodeJS.ProcessEnv;
  cwd: string;
  kubeconfig?: string;
  kubeContext?: string;
  namespace: string;
  release: string;
  healthWindowMs?: number;
  requestTimeoutMs?: number;
  signal?: AbortSignal;
}

const msg = (e: unknown) => (e instanceof Error ? e.message : String(e));
const hintOf = (e: unknown) => (e instanceof CliError ? e.hint : undefined);

/** What the checks learn on the way, for the checks after them. */
interface DoctorState {
  helm?: HelmInfo;
  kube?: KubeClient;
  /** The release's user-supplied values (helm get values). */
  values?: Values;
  deployedRevision?: number;
  /** There is no release: the checks of its pods, Secrets and values have nothing to look at. */
  noRelease?: boolean;
  answers?: Answers;
}

export async function doctorChecks(o: DoctorOptions): Promise<Check[]> {
  const state: DoctorState = {};
  try {
    const { checks } = await runChecks(doctorSpecs(o, state), { signal: o.signal });
    return checks;
  } finally {
    state.kube?.close();
  }
}

const skipped = (category: string, why: string): Check => ({ category, id: `${category}.skipped`, title: `${category} checks`, status: 'skip', detail: why });

/** doctor as data, in the order a person would debug; each check records what it learned in `state`. */
function doctorSpecs(o: DoctorOptions, state: DoctorState): AnyCheckSpec[] {
  const timeoutMs = o.requestTimeoutMs ?? DEFAULT_PROBE_TIMEOUT_MS;
  const kube = () => state.kube!;
  const release = ['cluster', 'release'];
  return [
    {
      id: 'tools.helm',
      category: 'tools',
      title: 'helm',
      blocksWith: 'helm is missing',
      docUrl: 'https://helm.sh/docs/intro/install/',
      async run() {
        const helm = await detectHelm(o.env);
        state.helm = helm;
        return { status: 'pass', detail: `${helm.version} at ${helm.bin}`, facts: { version: helm.version } };
      },
    },
    {
      // One row: the context when it cannot be used, else whether its cluster answers.
      id: 'cluster',
      category: 'cluster',
      title: 'cluster checks',
      blocksWith: (checks) => (checks.some((c) => c.id === 'cluster.context') ? 'no usable kubeconfig context' : 'the cluster is not reachable'),
      async runAll() {
        try {
          state.kube = KubeClient.fromKubeconfig({ kubeconfig: o.kubeconfig, context: o.kubeContext, env: o.env, cwd: o.cwd, timeoutMs });
        } catch (e) {
          return [{ category: 'cluster', id: 'cluster.context', title: 'kubeconfig context', status: 'fail', detail: msg(e), hint: hintOf(e) }];
        }
        const title = `cluster reachable (context ${kube().context})`;
        try {
          const v = await kube().version({ timeoutMs, signal: o.signal });
          return [{ category: 'cluster', id: 'cluster.reachable', title, status: 'pass', detail: `${kube().server}, Kubernetes ${v.gitVersion}`, facts: { server: kube().server, context: kube().context } }];
        } catch (e) {
          return [{ category: 'cluster', id: 'cluster.reachable', title, status: 'fail', detail: msg(e), hint: hintOf(e) }];
        }
      },
    },
    {
      // The release's status and values, then the stored answers (read without helm).
      id: 'release',
      category: 'release',
      title: 'release checks',
      dependsOn: ['cluster'],
      after: ['tools.helm'],
      async runAll() {
        const checks: Check[] = [];
        if (!state.helm) checks.push(skipped('release', 'helm is missing'));
        else {
          const status = await releaseStatus(o, state);
          checks.push(status);
          if (state.noRelease) return checks;
        }
        checks.push(await storedAnswersCheck(o, state));
        return checks;
      },
    },
    {
      // pods and jobs (the install's own health checks)
      id: 'health',
      category: 'health',
      title: 'health checks',
      dependsOn: ['cluster'],
      after: release,
      async runAll() {
        if (state.noRelease) return [skipped('health', 'there is no release')];
        return healthChecks(kube(), { namespace: o.namespace, release: o.release, stabilityWindowMs: o.healthWindowMs ?? DEFAULT_DOCTOR_HEALTH_WINDOW_MS, probeHttp: true, signal: o.signal }).catch((e): Check[] => [
          { category: 'health', id: 'health.read', title: 'read pods and jobs', status: 'fail', detail: msg(e), hint: hintOf(e) },
        ]);
      },
    },
    {
      // the names the chart mounts (values), else the answers' names
      id: 'secrets',
      category: 'secrets',
      title: 'secrets checks',
      dependsOn: ['cluster'],
      after: release,
      async runAll() {
        if (state.noRelease) return [skipped('secrets', 'there is no release')];
        const { values, answers } = state;
        const fallback = answers ? secretNamesFor(answers) : { serviceCert: `${o.release}-service-cert`, oauthKey: `${o.release}-oauth-key`, serviceToken: `${o.release}-service-token` };
        const str = (p: string) => (typeof getPath(values, p) === 'string' && getPath(values, p) ? (getPath(values, p) as string) : undefined);
        const names = {
          serviceCert: str('api.tls.service.secret') ?? fallback.serviceCert,
          oauthKey: str('web.oauth.key.secret') ?? fallback.oauthKey,
          serviceToken: str('api.serviceToken.secret') ?? fallback.serviceToken,
        };
        return secretChecks(kube(), o.namespace, names, { issuer: str('web.oauth.issuer'), audience: str('web.oauth.audience') }, o.signal).catch((e): Check[] => [
          { category: 'secrets', id: 'secrets.read', title: 'read Secrets', status: 'fail', detail: msg(e), hint: hintOf(e) },
        ]);
      },
    },
    {
      id: 'values',
      category: 'values',
      title: 'values checks',
      dependsOn: ['cluster', 'tools.helm'],
      after: release,
      async runAll() {
        if (state.noRelease) return [skipped('values', 'there is no release')];
        return state.values ? [inlineSecretsCheck(state.values, o.release, o.namespace), ...valuesChecks(state.values)] : [];
      },
    },
    {
      // read-only, where reachable from here
      id: 'middleware',
      category: 'middleware',
      title: 'database, warehouse, messaging and Redis',
      dependsOn: ['cluster'],
      after: release,
      async runAll() {
        if (state.noRelease) return [];
        if (!state.answers) return [{ category: 'middleware', id: 'middleware.skipped', title: 'database, warehouse, messaging and Redis', status: 'skip', detail: 'no stored answers to say where they are' }];
        const { clusterSecretReader } = await import('../install/steps.js');
        return prepareChecks({ answers: state.answers, env: o.env, sources: { env: o.env, baseDir: o.cwd, readClusterSecret: clusterSecretReader(kube(), o.namespace, o.signal) }, timeoutMs, signal: o.signal });
      },
    },
  ];
}

/** The release's latest revision; records its values, or that there is none. */
async function releaseStatus(o: DoctorOptions, state: DoctorState): Promise<Check> {
  const t: HelmTarget = { helm: state.helm!, env: o.env, release: o.release, namespace: o.namespace, kubeArgs: state.kube!.helmKubeArgs() };
  const title = `release ${o.release} in namespace ${o.namespace}`;
  try {
    const history = await releaseHistory(t, { signal: o.signal });
    const latest = history.at(-1);
    if (!latest) {
      state.noRelease = true;
      return { category: 'release', id: 'release.status', title, status: 'fail', detail: 'not found', hint: `check --namespace and --release (helm list -A), or install: bucketeer-install install --answers FILE` };
    }
    const facts = { revision: latest.revision, status: latest.status, chart: latest.chart, revisions: history.length };
    let check: Check;
    if (latest.status === 'deployed') {
      state.deployedRevision = latest.revision;
      check = { category: 'release', id: 'release.status', title, status: 'pass', detail: `deployed at revision ${latest.revision} (${latest.chart})`, facts };
    } else if (PENDING.includes(latest.status)) {
      check = { category: 'release', id: 'release.status', title, status: 'fail', detail: `${latest.status} at revision ${latest.revision}: an interrupted helm run left it; every later helm upgrade fails with "another operation is in progress"`, hint: 'bucketeer-install upgrade --yes rolls it back to the last deployed revision first (never delete helm\'s release Secrets by hand)', docUrl: DOC, facts };
    } else {
      check = { category: 'release', id: 'release.status', title, status: 'fail', detail: `${latest.status} at revision ${latest.revision}${latest.description ? `: ${latest.description}` : ''}`, hint: `helm history ${o.release} -n ${o.namespace}; fix the cause and run bucketeer-install upgrade --yes`, docUrl: DOC, facts };
    }
    state.values = await helmGetValues(t, { signal: o.signal });
    return check;
  } catch (e) {
    return { category: 'release', id: 'release.status', title, status: 'fail', detail: msg(e), hint: hintOf(e) };
  }
}

/** The answers the last install or upgrade stored next to the release; records them. */
async function storedAnswersCheck(o: DoctorOptions, state: DoctorState): Promise<Check> {
  const title = `stored answers (ConfigMap ${storedAnswersName(o.release)})`;
  try {
    const stored = await readStoredAnswers(state.kube!, o.namespace, o.release, o.signal);
    if (!stored) {
      return { category: 'release', id: 'release.stored-answers', title, status: 'warn', detail: 'not found: upgrade needs --answers FILE, and the middleware checks below are skipped', hint: 'run bucketeer-install upgrade --answers FILE --yes once to store them' };
    }
    // Answers stored before warehouse.database existed: the tables are where the release says.
    state.answers = state.values ? keepDeployedWarehouse(state.values, stored.answers).answers : stored.answers;
    const { deployedRevision } = state;
    const behind = deployedRevision !== undefined && stored.releaseRevision !== undefined && stored.releaseRevision > deployedRevision;
    return {
      category: 'release',
      id: 'release.stored-answers',
      title,
      status: behind ? 'warn' : 'pass',
      detail: `valid; chart ${stored.chartVersion}, written by bucketeer-install ${stored.installerVersion} for revision ${stored.releaseRevision ?? '?'}${behind ? ` (newer than the deployed revision ${deployedRevision})` : ''}`,
    };
  } catch (e) {
    return { category: 'release', id: 'release.stored-answers', title, status: 'fail', detail: msg(e), hint: 'bucketeer-install upgrade --answers FILE --yes replaces them' };
  }
}
