// Each cloud's read-only probes, by platform id (src/probes/<id>.ts, loaded on demand: they bring
// the cloud's SDK). They are listed here, not in the platform modules (src/platforms), because
// their hints read the answers, whose schema reads the platform list.
import type { Answers } from '../answers/schema.js';
import type { PlatformId } from '../platforms/index.js';
import type { AwsProbeOptions, MiddlewareTargets } from './aws.js';
import type { GcpProbeOptions } from './gcp.js';
import type { Probe } from './types.js';

export interface CloudProbeInput {
  env: NodeJS.ProcessEnv;
  answers?: Answers;
  /** The release's namespace, where the pods' Kubernetes service account is (GKE Workload Identity). */
  namespace?: string;
  /** The instances the answers point at (database.host, redis.addr). */
  targets?: MiddlewareTargets;
  /** Tests: injected clients and endpoints. */
  aws?: Partial<AwsProbeOptions>;
  gcp?: Partial<GcpProbeOptions>;
}

export interface CloudProbes {
  all(input: CloudProbeInput): Promise<Probe[]>;
  /** The ids of the probes of its managed MySQL and Redis. */
  middleware: readonly string[];
}

export const CLOUD_PROBES: Partial<Record<PlatformId, CloudProbes>> = {
  gcp: {
    async all({ env, answers: a, namespace, targets, gcp }) {
      const { gcpProbes } = await import('./gcp.js');
      const { workloadIdentityOf } = await import('./gcp-identity.js');
      const workloadIdentity = a ? workloadIdentityOf(a, namespace) : undefined;
      return gcpProbes({ env, project: a?.gcp?.project, region: a?.gcp?.region, ordering: a?.messaging.ordering, targets, workloadIdentity, ...gcp });
    },
    middleware: ['gcp.cloudsql', 'gcp.memorystore'],
  },
  aws: {
    all: async ({ env, answers: a, targets, aws }) => (await import('./aws.js')).awsProbes({ env, profile: a?.aws?.profile, region: a?.aws?.region, targets, ...aws }),
    middleware: ['aws.rds', 'aws.elasticache'],
  },
};
