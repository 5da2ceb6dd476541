// Post-install health as data (src/checks): the migration Job completed, the four Deployments rolled
// out with restart counts stable for a while, Services with endpoints, /health answering.
// Each function returns Check[] so install, upgrade and doctor can run any subset and render them
// with the one text/JSON renderer.
import type { Check } from '../checks/types.js';
import { resourcePath, type KubeClient } from '../kube/client.js';
import type { Endpoints, Job, Pod, Service } from '../kube/types.js';
import { deploymentReady, findProblems, isPodReady, jobState, lastWarning, podProblem, podsOf, takeSnapshot, type Snapshot } from './diagnose.js';

import { SERVICES } from '../chart/facts.js';
import { madeForRelease } from '../plan/ownership.js';

/** One Deployment per service, named after it. */
export const BUCKETEER_DEPLOYMENTS = SERVICES;
const CATEGORY = 'health';
const DOC = 'https://github.com/bucketeer-io/bucketeer-install#health-checks';

export interface HealthOptions {
  namespace: string;
  release: string;
  /** How long restart counts must stay still; default 10 s. */
  stabilityWindowMs?: number;
  /** Deployments to check (default the four Bucketeer ones). */
  deployments?: readonly string[];
  /** Try api's /health and web's API through the API server's service proxy (default true). */
  probeHttp?: boolean;
  signal?: AbortSignal;
}

const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve) => {
    const t = setTimeout(resolve, ms);
    signal?.addEventListener('abort', () => {
      clearTimeout(t);
      resolve();
    }, { once: true });
  });

export function migrationCheck(snap: Snapshot, release: string): Check {
  const name = `${release}-migrate`;
  const job = snap.jobs.find((j) => j.metadata.name === name);
  const base = { category: CATEGORY, id: 'health.migration', title: `migration Job ${name}` };
  if (!job) return { ...base, status: 'warn', detail: 'not found (a hook-delete policy may have removed it after it ran)', hint: `check the last run with: helm history ${release}` };
  const state = jobState(job);
  if (state === 'complete') return { ...base, status: 'pass', detail: 'complete' };
  const problem = findProblems({ ...snap, deployments: [], statefulsets: [], jobs: [job as Job] }, { includeWaiting: true })[0];
  return {
    ...base,
    status: state === 'failed' ? 'fail' : 'warn',
    detail: problem?.reason ?? state,
    hint: `kubectl logs -n ${job.metadata.namespace} job/${name}`,
    docUrl: DOC,
  };
}

export function deploymentChecks(snap: Snapshot, names: readonly string[]): Check[] {
  return names.map((name): Check => {
    const base = { category: CATEGORY, id: `health.deployment.${name}`, title: `Deployment ${name} rolled out` };
    const d = snap.deployments.find((x) => x.metadata.name === name);
    if (!d) return { ...base, status: 'fail', detail: 'not found', hint: 'the chart did not create it: check the chart version and values' };
    const want = d.spec?.replicas ?? 1;
    if (deploymentReady(d)) return { ...base, status: 'pass', detail: `${d.status?.availableReplicas ?? 0}/${want} available`, facts: { replicas: want } };
    const pods = podsOf(snap, d);
    const why = pods.map((p) => podProblem(p)).find(Boolean);
    return { ...base, status: 'fail', detail: `${d.status?.availableReplicas ?? 0}/${want} available${why ? `: ${why}` : ''}`, hint: `kubectl describe deployment -n ${d.metadata.namespace} ${name}`, docUrl: DOC };
  });
}

/** One check per not-ready pod of the given Deployments, or one pass when all are ready. */
export async function podReadinessChecks(kube: KubeClient, snap: Snapshot, names: readonly string[], signal?: AbortSignal): Promise<Check[]> {
  const pods = snap.deployments.filter((d) => names.includes(d.metadata.name)).flatMap((d) => podsOf(snap, d));
  const notReady = pods.filter((p) => !isPodReady(p));
  if (notReady.length === 0) {
    return [{ category: CATEGORY, id: 'health.pods', title: 'pods ready', status: pods.length ? 'pass' : 'fail', detail: pods.length ? `${pods.length} pods ready` : 'no pods found' }];
  }
  return Promise.all(
    notReady.map(async (p): Promise<Check> => {
      let reason = podProblem(p) ?? 'not ready';
      // Without a container reason (probe failures), the pod's newest Warning event says more.
      if (reason.startsWith('running but not ready')) {
        const w = await lastWarning(kube, p.metadata.namespace ?? '', p.metadata.name, signal);
        if (w) reason = `${reason} (${w})`;
      }
      return { category: CATEGORY, id: `health.pod.${p.metadata.name}`, title: `pod ${p.metadata.name}`, status: 'fail', detail: reason, hint: `kubectl describe pod -n ${p.metadata.namespace} ${p.metadata.name}; kubectl logs -n ${p.metadata.namespace} ${p.metadata.name} --previous` };
    }),
  );
}

const restartsOf = (p: Pod) => (p.status?.containerStatuses ?? []).reduce((n, c) => n + (c.restartCount ?? 0), 0);

/** Restart counts read twice, `windowMs` apart: a pod that restarted in between is crash-looping. */
export async function restartStabilityCheck(kube: KubeClient, namespace: string, names: readonly string[], windowMs: number, first: Snapshot, signal?: AbortSignal): Promise<Check> {
  const pick = (s: Snapshot) => s.deployments.filter((d) => names.includes(d.metadata.name)).flatMap((d) => podsOf(s, d));
  const before = new Map(pick(first).map((p) => [p.metadata.uid ?? p.metadata.name, restartsOf(p)]));
  await sleep(windowMs, signal);
  const second = await takeSnapshot(kube, namespace, signal);
  const grew = pick(second)
    .filter((p) => before.has(p.metadata.uid ?? p.metadata.name) && restartsOf(p) > before.get(p.metadata.uid ?? p.metadata.name)!)
    .map((p) => `${p.metadata.name} +${restartsOf(p) - before.get(p.metadata.uid ?? p.metadata.name)!}${podProblem(p) ? ` (${podProblem(p)})` : ''}`);
  const seconds = Math.round(windowMs / 100) / 10;
  return grew.length
    ? { category: CATEGORY, id: 'health.restarts', title: `restart counts stable over ${seconds}s`, status: 'fail', detail: `restarted: ${grew.join('; ')}`, hint: `kubectl logs -n ${namespace} <pod> --previous`, docUrl: DOC }
    : { category: CATEGORY, id: 'health.restarts', title: `restart counts stable over ${seconds}s`, status: 'pass', detail: `${before.size} pods, no restarts` };
}

/** Every Service of the release (and the in-cluster middleware) has at least one ready endpoint. */
export async function serviceEndpointChecks(kube: KubeClient, namespace: string, release: string, signal?: AbortSignal): Promise<Check[]> {
  const services = (await kube.list<Service>(resourcePath('Service', namespace), { signal })).filter(
    (s) =>
      s.spec?.selector && Object.keys(s.spec.selector).length > 0 &&
      (s.metadata.annotations?.['meta.helm.sh/release-name'] === release || madeForRelease(s, release)),
  );
  return Promise.all(
    services.map(async (s): Promise<Check> => {
      const ep = await kube.get<Endpoints>(resourcePath('Endpoints', namespace, s.metadata.name), { signal });
      const ready = (ep?.subsets ?? []).reduce((n, sub) => n + (sub.addresses?.length ?? 0), 0);
      const notReady = (ep?.subsets ?? []).reduce((n, sub) => n + (sub.notReadyAddresses?.length ?? 0), 0);
      const base = { category: CATEGORY, id: `health.endpoints.${s.metadata.name}`, title: `Service ${s.metadata.name} has endpoints` };
      return ready > 0
        ? { ...base, status: 'pass', detail: `${ready} ready` }
        : { ...base, status: 'fail', detail: notReady ? `${notReady} endpoints, none ready` : 'no endpoints: no ready pod matches its selector', hint: `kubectl get endpoints -n ${namespace} ${s.metadata.name}; kubectl get pods -n ${namespace} -l ${Object.entries(s.spec?.selector ?? {}).map(([k, v]) => `${k}=${v}`).join(',')}` };
    }),
  );
}

/**
 * HTTPS GET /health of a Service through the API server's service proxy. Where the server does
 * not proxy (the simulator) or the user may not use services/proxy, the check is skipped with why.
 */
export async function httpHealthCheck(kube: KubeClient, namespace: string, service: string, port: string | number, signal?: AbortSignal): Promise<Check> {
  const base = { category: CATEGORY, id: `health.http.${service}`, title: `${service} /health over HTTPS (API server proxy)` };
  let res;
  try {
    res = await kube.proxyGet(namespace, service, port, '/health', { timeoutMs: 5_000, signal });
  } catch (e) {
    return { ...base, status: 'warn', detail: `no answer through the API server proxy: ${(e as Error).message}` };
  }
  const fromApiServer = res.body?.kind === 'Status';
  if (res.status >= 200 && res.status < 300) return { ...base, status: 'pass', detail: `HTTP ${res.status}` };
  if (res.status === 404 && fromApiServer && /could not find the requested resource/i.test(res.body?.message ?? '')) {
    return { ...base, status: 'skip', detail: 'the API server does not proxy to Services (the Kubernetes simulator does not)' };
  }
  if (res.status === 403 && fromApiServer) return { ...base, status: 'skip', detail: 'not allowed to use services/proxy in this namespace' };
  // envoy speaks HTTP/2 only on some ports; the proxy's HTTP/1.1 may be refused: warn, not fail.
  return { ...base, status: 'warn', detail: `HTTP ${res.status}${res.body?.message ? `: ${res.body.message}` : res.text ? `: ${res.text.trim().slice(0, 120)}` : ''}`, hint: `kubectl port-forward -n ${namespace} svc/${service} ${port} and open https://localhost:${port}/health` };
}

/**
 * A route of web's REST gateway that needs no sign-in and that only the running web service
 * answers: envoy sends /v1/ to the gRPC gateway, which asks the auth service, and the reply is
 * JSON with a boolean isDemoSiteEnabled. Any other path on that port (/health included) falls
 * through to the console's index.html, which proves nothing about the API.
 */
export const WEB_API_PROBE_PATH = '/v1/demo_site_status';

type ProbeReply = { kind?: string; reason?: string; message?: string; code?: unknown; isDemoSiteEnabled?: unknown };

function describeWebReply(status: number, body: ProbeReply | undefined, text: string): string {
  if (/^\s*<(!doctype|html)/i.test(text)) return `HTTP ${status} with an HTML page (the console's index.html fallback), not web's API: its gRPC gateway or services do not answer`;
  if (body && typeof body.code === 'number') return `HTTP ${status}: web's gRPC gateway answered gRPC code ${body.code}${body.message ? ` (${body.message})` : ''}`;
  return `HTTP ${status}${text.trim() ? `: ${text.trim().slice(0, 120)}` : ''}`;
}

async function webApiProbeOnce(kube: KubeClient, namespace: string, signal?: AbortSignal): Promise<Check> {
  const base = { category: CATEGORY, id: 'health.web-api', title: `web API answers (GET ${WEB_API_PROBE_PATH} through the API server proxy)` };
  const hint = `kubectl logs -n ${namespace} deployment/web -c web; kubectl port-forward -n ${namespace} svc/web 9003 and open https://localhost:9003${WEB_API_PROBE_PATH}`;
  let res;
  try {
    res = await kube.proxyGet<ProbeReply>(namespace, 'web', 'http-service', WEB_API_PROBE_PATH, { timeoutMs: 5_000, signal });
  } catch (e) {
    return { ...base, status: 'warn', detail: `no answer through the API server proxy: ${(e as Error).message}`, hint };
  }
  const body = res.body;
  if (body?.kind === 'Status') {
    // The API server answered itself: it has no proxy, may not proxy, or could not reach web.
    if (res.status === 404 && /could not find the requested resource/i.test(body.message ?? '')) {
      return { ...base, status: 'skip', detail: 'the API server does not proxy to this Service (the Kubernetes simulator does only where a test gives a backend)' };
    }
    if (res.status === 403) return { ...base, status: 'skip', detail: 'not allowed to use services/proxy in this namespace' };
    if (res.status === 503 && /no endpoints available/i.test(body.message ?? '')) return { ...base, status: 'fail', detail: `no ready web pod: ${body.message}`, hint, docUrl: DOC };
    return { ...base, status: 'warn', detail: `the API server could not reach web: ${body.message ?? `HTTP ${res.status}`}`, hint };
  }
  if (res.status === 200 && body && typeof body.isDemoSiteEnabled === 'boolean') return { ...base, status: 'pass', detail: 'HTTP 200 from the auth service through the gRPC gateway' };
  return { ...base, status: 'fail', detail: describeWebReply(res.status, body, res.text), hint, docUrl: DOC };
}

/** webApiProbeOnce, tried again each second while it fails and `retryForMs` lasts (web may still be starting). */
export async function webApiCheck(kube: KubeClient, namespace: string, opts: { retryForMs?: number; signal?: AbortSignal } = {}): Promise<Check> {
  const deadline = Date.now() + (opts.retryForMs ?? 0);
  for (;;) {
    const c = await webApiProbeOnce(kube, namespace, opts.signal);
    if (c.status !== 'fail' || Date.now() + 1_000 > deadline || opts.signal?.aborted) return c;
    await sleep(1_000, opts.signal);
  }
}

/** The whole post-install health check list. */
export async function healthChecks(kube: KubeClient, o: HealthOptions): Promise<Check[]> {
  const names = o.deployments ?? BUCKETEER_DEPLOYMENTS;
  const snap = await takeSnapshot(kube, o.namespace, o.signal);
  const checks: Check[] = [migrationCheck(snap, o.release), ...deploymentChecks(snap, names)];
  checks.push(...(await podReadinessChecks(kube, snap, names, o.signal)));
  const [restarts, endpoints, http] = await Promise.all([
    restartStabilityCheck(kube, o.namespace, names, o.stabilityWindowMs ?? 10_000, snap, o.signal),
    serviceEndpointChecks(kube, o.namespace, o.release, o.signal),
    o.probeHttp === false
      ? Promise.resolve([] as Check[])
      : Promise.all([
          httpHealthCheck(kube, o.namespace, 'api', 'service', o.signal),
          // Not web's /health: envoy answers it with the console's index.html whatever the API does.
          webApiCheck(kube, o.namespace, { retryForMs: o.stabilityWindowMs ?? 10_000, signal: o.signal }),
        ]),
  ]);
  checks.push(restarts, ...endpoints, ...http);
  return checks;
}
