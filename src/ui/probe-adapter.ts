// Adapts the real probes (src/probes) to the wizard's port: each probe runs on its own so its
// facts reach the environment screen as soon as it finishes, not when the slowest one does.
import type { WizardFact, WizardProbes, ProbeName, Sizing } from './ports.js';
import type { FactsPatch, ProbeResult } from '../probes/types.js';
import { totalRequests } from '../plan/sizing.js';
import { capacityCheck } from '../probes/advice.js';
import { CLOUD_PROBES, cloudProbeName } from '../probes/clouds.js';
import { PLATFORMS, platformOfCluster, type PlatformFinding } from '../platforms/index.js';

export interface ProbeAdapterOptions {
  env: NodeJS.ProcessEnv;
  kubeconfig?: string;
  kubeContext?: string;
  timeoutMs?: number;
}

const SIZES: Sizing[] = ['small', 'medium', 'large'];

/** The name a probe reports under ("aws.rds" -> "rds", "kubernetes.nodes" -> "capacity"): its row on the environment screen. */
function nameOf(id: string): ProbeName {
  if (id.startsWith('kubernetes.nodes') || id.startsWith('kubernetes.capacity')) return 'capacity';
  return cloudProbeName(id) ?? 'kubernetes';
}

export function factsFromPatch(patch: FactsPatch | undefined): WizardFact[] {
  if (!patch) return [];
  // Each cloud's findings are its member of PlatformFinding (the platform interface types them loosely).
  const out: WizardFact[] = PLATFORMS.flatMap((p) => p.wizard?.findings(patch) ?? []) as PlatformFinding[];
  const k = patch.kubernetes;
  if (k?.context) {
    // A managed Kubernetes of one of the platforms (GKE, EKS), else any other.
    const platform = platformOfCluster(k.platform) ? k.platform! : 'other';
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
    return [{ kind: 'probe-failed', probe: nameOf(r.id), message: why }];
  }
  const facts = factsFromPatch(r.facts);
  const failed = r.checks.find((c) => c.status === 'fail');
  if (failed && facts.length === 0) {
    // The probes classify their errors (src/probes/aws.ts, gcp.ts): "no-credentials" is nothing set up.
    const missing = failed.facts?.problem === 'no-credentials';
    facts.push({ kind: 'probe-failed', probe: nameOf(r.id), message: failed.detail ?? failed.title, ...(failed.hint ? { fix: failed.hint } : {}), ...(missing ? { missing } : {}) });
  }
  return facts;
}

export function wizardProbes(opts: ProbeAdapterOptions): WizardProbes {
  return {
    async run(onFact, signal) {
      const { runProbes } = await import('../probes/runner.js');
      const { kubernetesProbes } = await import('../probes/kubernetes.js');
      const probes = [];
      // Probe every cloud whose credentials are present; the user picks the platform next.
      for (const [platform, cloud] of Object.entries(CLOUD_PROBES)) {
        const missing = cloud?.missingCredentials(opts.env);
        if (missing) onFact({ kind: 'probe-failed', probe: platform, ...missing, missing: true });
        else if (cloud) probes.push(...(await cloud.all({ env: opts.env })));
      }
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
