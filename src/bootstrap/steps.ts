// The install/upgrade steps that run bootstrap and the smoke test, and the shared setup (service
// token, transport) that `doctor --smoke` reuses. Bucketeer is reached through the API server's
// service proxy, else a Job per call; when neither answers, the steps finish with a warning saying
// so instead of failing an install whose helm release and health checks passed.
import type { Answers } from '../answers/schema.js';
import type { Check } from '../checks/types.js';
import { StepFailed, type InstallContext, type Step } from '../install/engine.js';
import { resourcePath, type KubeClient } from '../kube/client.js';
import type { Secret } from '../kube/types.js';
import { withImagePolicy } from '../plan/images.js';
import { endpointsFor, secretNamesFor } from '../plan/values.js';
import { bootstrapSpec, earlierKeyNote, locate, readKeyCommand, runBootstrap, sdkKeyName } from './bootstrap.js';
import type { BootstrapState } from './state.js';
import { BucketeerClient, BucketeerError } from './client.js';
import { secretKeyStore } from './keys.js';
import { runSmoke } from './smoke.js';
import { jobTransport, withFallback } from './job-transport.js';
import { serviceProxyTransport, Unreachable, type Transport } from './transport.js';

/** The smoke test has nowhere to run: no bootstrap yet. */
export class NotBootstrapped extends StepFailed {
  constructor(reason: string) {
    super('smoke', reason, 'run install without --skip-bootstrap');
  }
}

export type { BootstrapState };

/**
 * The API server's service proxy first; when it cannot reach the gateways at all (forbidden,
 * cannot dial, not served), a Job per call in the namespace from then on.
 */
function transportFor(kube: KubeClient, a: Answers, progress?: (m: string) => void): Transport {
  const ns = a.kubernetes.namespace;
  return withFallback(serviceProxyTransport(kube, ns), jobTransport(kube, ns, { release: a.release.name, serviceCertSecret: secretNamesFor(a).serviceCert, imagePolicy: (job) => withImagePolicy(job as never, a) }), (why) =>
    progress?.(`the service proxy did not reach Bucketeer (${why}); calling through a Job in the namespace instead`),
  );
}

async function serviceToken(kube: KubeClient, a: Answers, signal?: AbortSignal): Promise<string> {
  const name = secretNamesFor(a).serviceToken;
  const s = await kube.get<Secret>(resourcePath('Secret', a.kubernetes.namespace, name), { signal });
  const token = s?.data?.token ? Buffer.from(s.data.token, 'base64').toString('utf8').trim() : '';
  if (!token) throw new StepFailed(`secret/${name}`, 'has no key token: bootstrap needs the service token', `check it with: kubectl get secret -n ${a.kubernetes.namespace} ${name}`);
  return token;
}

export async function bucketeerClient(kube: KubeClient, a: Answers, signal?: AbortSignal, progress?: (m: string) => void): Promise<BucketeerClient> {
  return new BucketeerClient({
    transport: transportFor(kube, a, progress),
    serviceToken: await serviceToken(kube, a, signal),
    serviceTokenSecret: { name: secretNamesFor(a).serviceToken, key: 'token' },
    signal,
  });
}

function failure(e: unknown, what: string): never {
  if (e instanceof BucketeerError) {
    throw new StepFailed(what, e.message, e.status === 401 || e.status === 403 ? 'the web gateway refused the service token: check that the service-token Secret was signed with the OAuth key web runs with (bucketeer-install doctor checks it)' : 'check the web pod: kubectl logs deploy/web -c web');
  }
  throw e;
}

const unreachableDetail = (e: Unreachable) => `not run: Bucketeer did not answer through the API server proxy nor through a Job (${e.via}: ${e.message}); run the same install again once it does (it converges), or check with: bucketeer-install doctor --smoke`;

export const bootstrapStep: Step = {
  id: 'bootstrap',
  title: 'Bootstrap organization, project, environments and SDK keys',
  async run(ctx, api) {
    const a = ctx.answers;
    const spec = bootstrapSpec(a);
    const state = (ctx.state.bootstrap ??= {});
    const client = await bucketeerClient(ctx.kube, a, ctx.signal, (m) => api.progress(m));
    try {
      const r = await runBootstrap(client, spec, secretKeyStore(ctx.kube, spec.namespace, spec.secretName, a.release.name, ctx.signal), (m) => api.progress(m));
      state.result = r;
      if (r.created.length) ctx.applied.push(`Bucketeer: ${r.created.join(', ')}`);
      const earlier = r.earlierKeys.length ? `; ${r.earlierKeys.length} earlier SDK key${r.earlierKeys.length === 1 ? '' : 's'} still active in Bucketeer` : '';
      return r.created.length ? `created ${r.created.length}: ${r.created.map((c) => c.replace(/ \(bucketeer-install-(client|server)[^)]*\)$/, '')).join(', ')}${earlier}` : 'all present, nothing created';
    } catch (e) {
      if (e instanceof Unreachable) {
        state.unreachable = unreachableDetail(e);
        return { detail: state.unreachable, warn: true };
      }
      failure(e, 'bootstrap');
    }
  },
};

/** The smoke test against the first bootstrap environment; throws StepFailed naming the failed step. */
export async function smokeChecks(kube: KubeClient, a: Answers, opts: { signal?: AbortSignal; evaluationWaitMs?: number; progress?: (m: string) => void } = {}): Promise<Check[]> {
  const spec = bootstrapSpec(a);
  const client = await bucketeerClient(kube, a, opts.signal, opts.progress);
  const { environments } = await locate(client, spec);
  const first = spec.environments[0];
  const env = environments.find((e) => e.urlCode === first.urlCode);
  if (!env) throw new NotBootstrapped(`environment ${first.name} of organization ${spec.organization.urlCode} not found: bootstrap has not run`);
  const keys = await secretKeyStore(kube, spec.namespace, spec.secretName, a.release.name, opts.signal).read();
  const clientKey = keys[sdkKeyName(env.urlCode, 'client')];
  if (!clientKey) throw new StepFailed(`secret/${spec.secretName}`, `has no key ${sdkKeyName(env.urlCode, 'client')}`, 'run install again: bootstrap creates the missing SDK keys');
  return runSmoke(client, { environmentId: env.id, environmentName: env.name, clientKey, clientKeySecret: { name: spec.secretName, key: sdkKeyName(env.urlCode, 'client') }, evaluationWaitMs: opts.evaluationWaitMs, signal: opts.signal });
}

export const smokeStep: Step = {
  id: 'smoke',
  title: 'Smoke test: flag, evaluation, event',
  async run(ctx, api) {
    const state = (ctx.state.bootstrap ??= {});
    if (state.unreachable) return { detail: state.unreachable, warn: true };
    let checks: Check[];
    try {
      checks = await smokeChecks(ctx.kube, ctx.answers, { signal: ctx.signal, evaluationWaitMs: ctx.smokeEvaluationWaitMs, progress: (m) => api.progress(m) });
    } catch (e) {
      if (e instanceof Unreachable) {
        state.unreachable = unreachableDetail(e);
        return { detail: state.unreachable, warn: true };
      }
      if (e instanceof NotBootstrapped) return { detail: `not run: ${e.reason}`, warn: true };
      failure(e, 'smoke');
    }
    state.smoke = checks;
    ctx.state.checks = [...(ctx.state.checks ?? []), ...checks];
    for (const c of checks) api.log(`${c.status === 'pass' ? '✓' : c.status === 'skip' ? '-' : '✗'} ${c.title}: ${c.detail}`);
    const failed = checks.find((c) => c.status === 'fail');
    if (failed) throw new StepFailed(`smoke test step "${failed.title}"`, failed.detail ?? 'failed', failed.hint);
    const ms = checks.reduce((n, c) => n + Number(c.facts?.ms ?? 0), 0);
    return `${checks.filter((c) => c.status === 'pass').length} steps passed in ${ms} ms`;
  },
};

/** The smoke test's closing line, if it ran or could not. */
export function smokeSummary(state: BootstrapState | undefined): string[] {
  if (state?.smoke) {
    const failed = state.smoke.find((c) => c.status === 'fail');
    const ms = state.smoke.reduce((n, c) => n + Number(c.facts?.ms ?? 0), 0);
    return [failed ? `smoke test failed: ${failed.detail}` : `smoke test passed: flag created, evaluated with the client SDK key, event registered, flag archived (${ms} ms)`];
  }
  return state?.unreachable ? [`smoke test ${state.unreachable}`] : [];
}

/** The closing lines of install: what was bootstrapped, where the keys are, the smoke result. */
export function bootstrapSummary(a: Answers, state: BootstrapState | undefined): string[] {
  if (!state) return [];
  if (!state.result) return smokeSummary(state);
  const r = state.result;
  return [
    `organization ${r.organization.name} (${r.organization.urlCode}), project ${r.project.name}, environments ${r.environments.map((e) => e.name).join(', ')}, SDK keys in secret ${r.secretName}`,
    `  read a key: ${readKeyCommand(a.kubernetes.namespace, r.secretName, sdkKeyName(r.environments[0].urlCode, 'client'))}`,
    ...r.earlierKeys.map((k) => `  ${earlierKeyNote(k, endpointsFor(a).webURL)}`),
    ...smokeSummary(state),
  ];
}
