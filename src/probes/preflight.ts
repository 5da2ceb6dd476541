// `doctor --pre`: which probes run for a platform, the runner, and advice from the merged facts,
// as one CheckReport (identity, platform, middleware, quotas, capacity, advice).
import type { Answers } from '../answers/schema.js';
import type { SecretSources } from '../answers/secrets.js';
import { runChecks, type AnyCheckSpec, type CheckGroupSpec } from '../checks/runner.js';
import { summarize, type CheckReport } from '../checks/types.js';
import { totalRequests } from '../plan/sizing.js';
import { capacityCheck, messagingCheck, quotaChecks, type Required } from './advice.js';
import { platformById, type PlatformId } from '../platforms/index.js';
import type { AwsProbeOptions } from './aws.js';
import { CLOUD_PROBES } from './clouds.js';
import { middlewareTargets } from './middleware.js';
import type { GcpProbeOptions } from './gcp.js';
import type { KubernetesProbeOptions } from './kubernetes.js';
import { DEFAULT_PROBE_TIMEOUT_MS, mergeFacts, probeSpecs } from './runner.js';
import type { PreflightFacts, Probe, ProbeResult } from './types.js';

export interface PreflightOptions {
  platform: PlatformId;
  env: NodeJS.ProcessEnv;
  answers?: Answers;
  /** Where the answers' secret references resolve (the database password of the connection check). */
  secretSources?: SecretSources;
  timeoutMs?: number;
  signal?: AbortSignal;
  kubeconfig?: string;
  kubeContext?: string;
  /** -n; else the answers file's kubernetes.namespace; else bucketeer. */
  namespace?: string;
  /** Tests: injected clients and endpoints per platform. */
  aws?: Partial<AwsProbeOptions>;
  gcp?: Partial<GcpProbeOptions>;
  kubernetes?: Partial<KubernetesProbeOptions>;
  /** Tests: wrap every probe (e.g. to add latency). */
  wrapProbe?: (p: Probe) => Probe;
}

export interface PreflightResult {
  report: CheckReport;
  results: ProbeResult[];
  facts: PreflightFacts;
  durationMs: number;
}

/** What the install will request from the cluster; without answers, the quick start's sizing. */
export function requiredFor(answers: Answers | undefined, platform: PlatformId): Required {
  if (answers) {
    const inCluster = { mysql: answers.database.mode === 'in-cluster', redis: answers.redis.mode === 'in-cluster' };
    const extra = [inCluster.mysql && 'in-cluster MySQL', inCluster.redis && 'in-cluster Redis'].filter(Boolean).join(', ');
    return { ...totalRequests(answers.sizing, inCluster), label: `${answers.sizing}${extra ? ` with ${extra}` : ''}` };
  }
  const inCluster = platformById(platform).middlewareInCluster;
  return { ...totalRequests('small', { mysql: inCluster, redis: inCluster }), label: `small${inCluster ? ' with in-cluster MySQL and Redis' : ''} (assumed; pass --answers)` };
}

export async function buildProbes(opts: PreflightOptions): Promise<Probe[]> {
  const probes: Probe[] = [];
  const a = opts.answers;
  const platform = platformById(opts.platform);
  const cloud = CLOUD_PROBES[opts.platform];
  if (cloud) probes.push(...(await cloud.all({ env: opts.env, answers: a, namespace: opts.namespace, targets: a && middlewareTargets(a), aws: opts.aws, gcp: opts.gcp })));
  const { kubernetesProbes } = await import('./kubernetes.js');
  const required = requiredFor(a, opts.platform);
  probes.push(
    ...kubernetesProbes({
      env: opts.env,
      kubeconfig: opts.kubeconfig,
      context: opts.kubeContext ?? a?.kubernetes.context,
      platform: opts.platform,
      namespace: opts.namespace ?? a?.kubernetes.namespace,
      required: { cpuMilli: required.cpuMilli, memoryBytes: required.memoryBytes, sizing: required.label },
      pullSecrets: a?.images?.pullSecrets,
      needsStorage: a ? a.database.mode === 'in-cluster' || a.redis.mode === 'in-cluster' : platform.middlewareInCluster,
      ...opts.kubernetes,
    }),
  );
  if (a) probes.push(connectionProbe(a, opts));
  return opts.wrapProbe ? probes.map(opts.wrapProbe) : probes;
}

/** MySQL and Redis connected to the way Bucketeer does (src/doctor/prepare.ts connectionChecks). */
function connectionProbe(answers: Answers, opts: PreflightOptions): Probe {
  return {
    id: 'middleware.connect',
    category: 'middleware',
    title: 'MySQL and Redis accept Bucketeer\'s connections',
    async run(ctx) {
      const { connectionChecks } = await import('../doctor/prepare.js');
      const sources = opts.secretSources ?? { env: opts.env, baseDir: process.cwd() };
      // Leave a margin inside the probe's own budget so the checks report their own timeouts.
      return { checks: await connectionChecks({ answers, env: opts.env, sources, timeoutMs: Math.max(1_000, Math.floor(ctx.timeoutMs * 0.8)), signal: ctx.signal }) };
    },
  };
}

export async function runPreflight(opts: PreflightOptions): Promise<PreflightResult> {
  const started = performance.now();
  const probes = await buildProbes(opts);
  const results: ProbeResult[] = [];
  const specs: AnyCheckSpec[] = probeSpecs(probes, { timeoutMs: opts.timeoutMs ?? DEFAULT_PROBE_TIMEOUT_MS, signal: opts.signal }, results);
  // The advice reads every probe's facts, so it runs when all of them are done.
  const afterProbes = probes.map((p) => p.id);
  let merged: PreflightFacts | undefined;
  const facts = () => (merged ??= mergeFacts(results));
  const capacity: CheckGroupSpec = {
    id: 'advice.capacity',
    category: 'kubernetes',
    title: 'Cluster capacity',
    after: afterProbes,
    async runAll() {
      const check = capacityCheck(facts().kubernetes.free, requiredFor(opts.answers, opts.platform));
      return check ? [check] : [];
    },
  };
  // Keep it with the other cluster checks.
  const at = specs.findIndex((s) => s.id === 'kubernetes.storageclass');
  specs.splice(at === -1 ? specs.length : at, 0, capacity);
  specs.push(
    { id: 'advice.quotas', category: 'quotas', title: 'Quotas', after: afterProbes, runAll: async () => quotaChecks(facts().quotas) },
    { id: 'advice.messaging', category: 'advice', title: 'Messaging', after: afterProbes, runAll: async () => [messagingCheck(opts.answers, opts.platform, facts())] },
  );
  const { checks } = await runChecks(specs, { signal: opts.signal });
  return { report: summarize(checks), results, facts: facts(), durationMs: Math.round(performance.now() - started) };
}
