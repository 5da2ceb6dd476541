// `bucketeer-install doctor` of an installed release: read-only checks as data (src/checks), in
// the order a person would debug: tools, cluster, release, stored answers, pods and jobs, Secrets,
// values, then the middleware (the prepare steps' checks, where reachable from here).
// Nothing here writes to the cluster: only GET/LIST requests and `helm history/get values`.
import type { Answers } from '../answers/schema.js';
import type { Check } from '../checks/types.js';
import { CliError } from '../errors.js';
import { detectHelm, type HelmInfo } from '../helm/binary.js';
import { healthChecks } from '../install/health.js';
import { keepDeployedWarehouse } from '../install/guards.js';
import { helmGetValues, PENDING, releaseHistory, type HelmTarget } from '../install/release.js';
import { readStoredAnswers, storedAnswersName } from '../install/stored-answers.js';
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

export async function doctorChecks(o: DoctorOptions): Promise<Check[]> {
  const checks: Check[] = [];
  const timeoutMs = o.requestTimeoutMs ?? DEFAULT_PROBE_TIMEOUT_MS;
  const skipRest = (why: string, categories: string[]) => {
    for (const c of categories) checks.push({ category: c, id: `${c}.skipped`, title: `${c} checks`, status: 'skip', detail: why });
  };

  // tools
  let helm: HelmInfo | undefined;
  try {
    helm = await detectHelm(o.env);
    checks.push({ category: 'tools', id: 'tools.helm', title: 'helm', status: 'pass', detail: `${helm.version} at ${helm.bin}`, facts: { version: helm.version } });
  } catch (e) {
    checks.push({ category: 'tools', id: 'tools.helm', title: 'helm', status: 'fail', detail: msg(e), hint: hintOf(e), docUrl: 'https://helm.sh/docs/intro/install/' });
  }

  // context
  let kube: KubeClient;
  try {
    kube = KubeClient.fromKubeconfig({ kubeconfig: o.kubeconfig, context: o.kubeContext, env: o.env, cwd: o.cwd, timeoutMs });
  } catch (e) {
    checks.push({ category: 'cluster', id: 'cluster.context', title: 'kubeconfig context', status: 'fail', detail: msg(e), hint: hintOf(e) });
    skipRest('no usable kubeconfig context', ['release', 'health', 'secrets', 'values']);
    return checks;
  }
  try {
    try {
      const v = await kube.version({ timeoutMs, signal: o.signal });
      checks.push({ category: 'cluster', id: 'cluster.reachable', title: `cluster reachable (context ${kube.context})`, status: 'pass', detail: `${kube.server}, Kubernetes ${v.gitVersion}`, facts: { server: kube.server, context: kube.context } });
    } catch (e) {
      checks.push({ category: 'cluster', id: 'cluster.reachable', title: `cluster reachable (context ${kube.context})`, status: 'fail', detail: msg(e), hint: hintOf(e) });
      skipRest('the cluster is not reachable', ['release', 'health', 'secrets', 'values']);
      return checks;
    }

    // release
    let values: Values | undefined;
    let deployedRevision: number | undefined;
    if (!helm) {
      skipRest('helm is missing', ['release', 'values']);
    } else {
      const t: HelmTarget = { helm, env: o.env, release: o.release, namespace: o.namespace, kubeArgs: kube.helmKubeArgs() };
      const title = `release ${o.release} in namespace ${o.namespace}`;
      try {
        const history = await releaseHistory(t, { signal: o.signal });
        const latest = history.at(-1);
        if (!latest) {
          checks.push({ category: 'release', id: 'release.status', title, status: 'fail', detail: 'not found', hint: `check --namespace and --release (helm list -A), or install: bucketeer-install install --answers FILE` });
          skipRest('there is no release', ['health', 'secrets', 'values']);
          return checks;
        }
        const facts = { revision: latest.revision, status: latest.status, chart: latest.chart, revisions: history.length };
        if (latest.status === 'deployed') {
          deployedRevision = latest.revision;
          checks.push({ category: 'release', id: 'release.status', title, status: 'pass', detail: `deployed at revision ${latest.revision} (${latest.chart})`, facts });
        } else if (PENDING.includes(latest.status)) {
          checks.push({ category: 'release', id: 'release.status', title, status: 'fail', detail: `${latest.status} at revision ${latest.revision}: an interrupted helm run left it; every later helm upgrade fails with "another operation is in progress"`, hint: 'bucketeer-install upgrade --yes rolls it back to the last deployed revision first (never delete helm\'s release Secrets by hand)', docUrl: DOC, facts });
        } else {
          checks.push({ category: 'release', id: 'release.status', title, status: 'fail', detail: `${latest.status} at revision ${latest.revision}${latest.description ? `: ${latest.description}` : ''}`, hint: `helm history ${o.release} -n ${o.namespace}; fix the cause and run bucketeer-install upgrade --yes`, docUrl: DOC, facts });
        }
        values = await helmGetValues(t, { signal: o.signal });
      } catch (e) {
        checks.push({ category: 'release', id: 'release.status', title, status: 'fail', detail: msg(e), hint: hintOf(e) });
      }
    }

    // stored answers
    let answers: Answers | undefined;
    try {
      const stored = await readStoredAnswers(kube, o.namespace, o.release, o.signal);
      if (stored) {
        // Answers stored before warehouse.database existed: the tables are where the release says.
        answers = values ? keepDeployedWarehouse(values, stored.answers).answers : stored.answers;
        const behind = deployedRevision !== undefined && stored.releaseRevision !== undefined && stored.releaseRevision > deployedRevision;
        checks.push({
          category: 'release',
          id: 'release.stored-answers',
          title: `stored answers (ConfigMap ${storedAnswersName(o.release)})`,
          status: behind ? 'warn' : 'pass',
          detail: `valid; chart ${stored.chartVersion}, written by bucketeer-install ${stored.installerVersion} for revision ${stored.releaseRevision ?? '?'}${behind ? ` (newer than the deployed revision ${deployedRevision})` : ''}`,
        });
      } else {
        checks.push({ category: 'release', id: 'release.stored-answers', title: `stored answers (ConfigMap ${storedAnswersName(o.release)})`, status: 'warn', detail: 'not found: upgrade needs --answers FILE, and the middleware checks below are skipped', hint: 'run bucketeer-install upgrade --answers FILE --yes once to store them' });
      }
    } catch (e) {
      checks.push({ category: 'release', id: 'release.stored-answers', title: `stored answers (ConfigMap ${storedAnswersName(o.release)})`, status: 'fail', detail: msg(e), hint: 'bucketeer-install upgrade --answers FILE --yes replaces them' });
    }

    // pods and jobs (the install's own health checks)
    checks.push(
      ...(await healthChecks(kube, { namespace: o.namespace, release: o.release, stabilityWindowMs: o.healthWindowMs ?? DEFAULT_DOCTOR_HEALTH_WINDOW_MS, probeHttp: true, signal: o.signal }).catch((e): Check[] => [
        { category: 'health', id: 'health.read', title: 'read pods and jobs', status: 'fail', detail: msg(e), hint: hintOf(e) },
      ])),
    );

    // secrets: the names the chart mounts (values), else the answers' names
    const fallback = answers ? secretNamesFor(answers) : { serviceCert: `${o.release}-service-cert`, oauthKey: `${o.release}-oauth-key`, serviceToken: `${o.release}-service-token` };
    const str = (p: string) => (typeof getPath(values, p) === 'string' && getPath(values, p) ? (getPath(values, p) as string) : undefined);
    const names = {
      serviceCert: str('api.tls.service.secret') ?? fallback.serviceCert,
      oauthKey: str('web.oauth.key.secret') ?? fallback.oauthKey,
      serviceToken: str('api.serviceToken.secret') ?? fallback.serviceToken,
    };
    checks.push(...(await secretChecks(kube, o.namespace, names, { issuer: str('web.oauth.issuer'), audience: str('web.oauth.audience') }, o.signal).catch((e): Check[] => [{ category: 'secrets', id: 'secrets.read', title: 'read Secrets', status: 'fail', detail: msg(e), hint: hintOf(e) }])));

    // values
    if (values) checks.push(inlineSecretsCheck(values, o.release, o.namespace), ...valuesChecks(values));

    // middleware, read-only, where reachable from here
    if (answers) {
      const { clusterSecretReader } = await import('../install/steps.js');
      checks.push(...(await prepareChecks({ answers, env: o.env, sources: { env: o.env, baseDir: o.cwd, readClusterSecret: clusterSecretReader(kube, o.namespace, o.signal) }, timeoutMs, signal: o.signal })));
    } else {
      checks.push({ category: 'middleware', id: 'middleware.skipped', title: 'database, warehouse, messaging and Redis', status: 'skip', detail: 'no stored answers to say where they are' });
    }
    return checks;
  } finally {
    kube.close();
  }
}
