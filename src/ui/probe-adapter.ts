// Adapts the real probes (src/probes) to the wizard's port: each probe runs on its own so its
// facts reach the environment screen as soon as it finishes, not when the slowest one does.
import type { WizardFact, WizardProbes, ProbeName, Sizing } from './ports.js';
import type { FactsPatch, ProbeResult } from '../probes/types.js';
import { totalRequests } from '../plan/sizing.js';
import { capacityCheck } from '../probes/advice.js';

export interface ProbeAdapterOptions {
  env: NodeJS.ProcessEnv;
  kubeconfig?: string;
  kubeContext?: string;
  timeoutMs?: number;
}

const SIZES: Sizing[] = ['small', 'medium', 'large'];

/** Maps a probe id ("aws.rds", "kubernetes.nodes") to the wizard row it belongs to. */
function rowOf(id: string): ProbeName {
  if (id.startsWith('aws.rds')) return 'rds';
  if (id.startsWith('aws.elasticache')) return 'elasticache';
  if (id.startsWith('gcp.cloudsql') || id.startsWith('gcp.sql')) return 'cloudsql';
  if (id.startsWith('gcp.memorystore') || id.startsWith('gcp.redis')) return 'memorystore';
  if (id.startsWith('kubernetes.nodes') || id.startsWith('kubernetes.capacity')) return 'capacity';
  if (id.startsWith('aws')) return 'aws';
  if (id.startsWith('gcp')) return 'gcp';
  return 'kubernetes';
}

export function factsFromPatch(patch: FactsPatch | undefined): WizardFact[] {
  const out: WizardFact[] = [];
  if (!patch) return out;
  const a = patch.aws;
  if (a?.account && a.arn) out.push({ kind: 'aws-identity', account: a.account, arn: a.arn, region: a.region, profile: a.profile });
  for (const r of a?.rds ?? []) if (r.endpoint && r.engine.includes('mysql')) out.push({ kind: 'rds-instance', id: r.id, endpoint: r.endpoint, port: r.port });
  for (const g of a?.elasticache ?? []) if (g.endpoint) out.push({ kind: 'elasticache-group', id: g.id, endpoint: g.endpoint, port: g.port, maxmemoryPolicy: g.maxmemoryPolicy, clusterMode: g.clusterMode });
  const g = patch.gcp;
  if (g?.project?.id) out.push({ kind: 'gcp-project', id: g.project.id });
  for (const s of g?.cloudSql ?? []) out.push({ kind: 'cloudsql-instance', name: s.name, privateIp: s.privateIp });
  for (const m of g?.memorystore ?? []) if (m.host) out.push({ kind: 'memorystore-instance', name: m.name, host: m.host, port: m.port ?? 6379, maxmemoryPolicy: m.maxmemoryPolicy });
  const k = patch.kubernetes;
  if (k?.context) {
    const platform = k.platform === 'gke' ? 'gke' : k.platform === 'eks' ? 'eks' : 'other';
    out.push({ kind: 'kube-context', context: k.context, platform, reachable: k.serverVersion !== undefined ? true : undefined });
  }
  if (k?.free) {
    for (const sizing of SIZES) {
      // The wizard has not asked about MySQL/Redis yet: assume the quick start's in-cluster pair.
      const check = capacityCheck(k.free, { ...totalRequests(sizing, { mysql: true, redis: true }), label: sizing })!;
      out.push({ kind: 'capacity', sizing, fits: check.status !== 'fail', detail: check.detail ?? '' });
    }
  }
  return out;
}

export function factsFromResult(r: ProbeResult): WizardFact[] {
  if (r.outcome !== 'ok') {
    const why = r.checks[0]?.detail ?? r.outcome;
    return [{ kind: 'probe-failed', probe: rowOf(r.id), message: why }];
  }
  const facts = factsFromPatch(r.facts);
  const failed = r.checks.find((c) => c.status === 'fail');
  if (failed && facts.length === 0) {
    // The probes classify their errors (src/probes/aws.ts, gcp.ts): "no-credentials" is nothing set up.
    const missing = failed.facts?.problem === 'no-credentials';
    facts.push({ kind: 'probe-failed', probe: rowOf(r.id), message: failed.detail ?? failed.title, ...(failed.hint ? { fix: failed.hint } : {}), ...(missing ? { missing } : {}) });
  }
  return facts;
}

export function wizardProbes(opts: ProbeAdapterOptions): WizardProbes {
  return {
    async run(onFact, signal) {
      const { detectAws, detectGcp } = await import('../probes/detect.js');
      const { runProbes } = await import('../probes/runner.js');
      const { kubernetesProbes } = await import('../probes/kubernetes.js');
      const probes = [];
      // Probe every cloud whose credentials are present; the user picks the platform next.
      if (detectAws(opts.env).source !== 'none') probes.push(...(await import('../probes/aws.js')).awsProbes({ env: opts.env }));
      else onFact({ kind: 'probe-failed', probe: 'aws', message: 'no AWS credentials found', fix: 'aws configure (or aws sso login)', missing: true });
      if (detectGcp(opts.env).source !== 'none') probes.push(...(await import('../probes/gcp.js')).gcpProbes({ env: opts.env }));
      else onFact({ kind: 'probe-failed', probe: 'gcp', message: 'no GCP credentials (no Application Default Credentials on this machine)', fix: 'gcloud auth application-default login', missing: true });
      const need = totalRequests('small', { mysql: true, redis: true });
      probes.push(
        ...kubernetesProbes({
          env: opts.env,
          kubeconfig: opts.kubeconfig,
          context: opts.kubeContext,
          platform: 'other',
          required: { cpuMilli: need.cpuMilli, memoryBytes: need.memoryBytes, sizing: 'small' },
          needsStorage: true,
        }),
      );
      await Promise.all(
        probes.map(async (p) => {
          const [result] = await runProbes([p], { timeoutMs: opts.timeoutMs, signal });
          if (signal.aborted) return;
          for (const fact of factsFromResult(result)) {
            // The context probe also asks /version: a context whose API did not answer is not reachable.
            if (fact.kind === 'kube-context') onFact({ ...fact, reachable: fact.reachable ?? false });
            else onFact(fact);
          }
        }),
      );
    },
  };
}
