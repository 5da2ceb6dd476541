// Each cloud's read-only probes, by platform id (src/probes/<id>.ts, loaded on demand: they bring
// the cloud's SDK). They are listed here, not in the platform modules (src/platforms), because
// their hints read the answers, whose schema reads the platform list.
import type { Answers } from '../answers/schema.js';
import type { PlatformId } from '../platforms/index.js';
import type { AwsProbeOptions, MiddlewareTargets } from './aws.js';
import { detectAws, detectGcp, GCP_NO_CREDENTIALS } from './detect.js';
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
  /** Why its probes cannot run on this machine (no credentials of any kind), with what to run; undefined when there are some. */
  missingCredentials(env: NodeJS.ProcessEnv): { message: string; fix: string } | undefined;
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
    missingCredentials: (env) => (detectGcp(env).source === 'none' ? { message: GCP_NO_CREDENTIALS.cause, fix: GCP_NO_CREDENTIALS.fix } : undefined),
  },
  aws: {
    all: async ({ env, answers: a, targets, aws }) => (await import('./aws.js')).awsProbes({ env, profile: a?.aws?.profile, region: a?.aws?.region, targets, ...aws }),
    middleware: ['aws.rds', 'aws.elasticache'],
    missingCredentials: (env) => (detectAws(env).source === 'none' ? { message: 'no AWS credentials found', fix: 'aws configure (or aws sso login)' } : undefined),
  },
};

const cloudEntries = () => Object.entries(CLOUD_PROBES).flatMap(([platform, probes]) => (probes ? [{ platform: platform as PlatformId, probes }] : []));

/**
 * A cloud probe's short name ("aws.rds" -> "rds"): the service for its managed MySQL and Redis
 * probes, the platform id for the others (credentials, APIs, quotas). undefined: not a cloud's.
 */
export function cloudProbeName(probeId: string): string | undefined {
  const cloud = cloudEntries().find((c) => probeId.startsWith(`${c.platform}.`));
  if (!cloud) return undefined;
  const service = cloud.probes.middleware.find((id) => probeId.startsWith(id));
  return service ? service.slice(cloud.platform.length + 1) : cloud.platform;
}

/** The cloud a short probe name (cloudProbeName) belongs to, and whether it names a managed MySQL or Redis probe. */
export function cloudOfProbeName(name: string): { platform: PlatformId; middleware: boolean } | undefined {
  for (const { platform, probes } of cloudEntries()) {
    if (name === platform) return { platform, middleware: false };
    if (probes.middleware.includes(`${platform}.${name}`)) return { platform, middleware: true };
  }
  return undefined;
}
