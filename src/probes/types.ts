// Probes find facts (identity, middleware, quotas, capacity) and report them as checks. The typed
// `facts` each probe returns feed the advice (src/probes/advice.ts) and, later, the wizard's
// defaults; the checks are what `doctor --pre` shows.
import type { Check } from '../checks/types.js';

/** What every probe receives from the runner. */
export interface ProbeContext {
  /** Aborted when the probe's own timeout fires or the whole run is cancelled. */
  signal: AbortSignal;
  /** This probe's time budget, for messages and for SDK request timeouts. */
  timeoutMs: number;
}

export interface ProbeOutput {
  checks: Check[];
  /** Typed facts merged into one PreflightFacts object for advice. */
  facts?: FactsPatch;
}

export interface Probe {
  /** Stable id, also the id prefix of its checks: "aws.rds". */
  id: string;
  /** Group in the text view: "aws", "gcp", "kubernetes". */
  category: string;
  /** What the probe looks at, for the check shown when it times out or breaks. */
  title: string;
  run(ctx: ProbeContext): Promise<ProbeOutput>;
}

export interface ProbeResult {
  id: string;
  category: string;
  title: string;
  /** ok: the probe returned; timeout: its own timer fired; error: it threw; cancelled: the run was aborted. */
  outcome: 'ok' | 'timeout' | 'error' | 'cancelled';
  durationMs: number;
  checks: Check[];
  facts?: FactsPatch;
}

// ---- facts -------------------------------------------------------------------------------

export type AwsCredentialSource = 'env' | 'profile' | 'sso' | 'process' | 'web-identity' | 'assume-role' | 'instance-role' | 'none';

export interface AwsIdentityFacts {
  source: AwsCredentialSource;
  profile?: string;
  region?: string;
  regionSource?: 'answers' | 'AWS_REGION' | 'profile';
  account?: string;
  arn?: string;
}

export interface RdsInstanceFact {
  id: string;
  engine: string;
  engineVersion?: string;
  endpoint?: string;
  port?: number;
  publiclyAccessible: boolean;
  status?: string;
  parameterGroup?: string;
  /** require_secure_transport of the DB parameter group ("0"/"1"); Bucketeer v2.3.0 needs it off. */
  requireSecureTransport?: string;
  requireSecureTransportSource?: 'parameter-group' | 'documented-default';
}

export interface ElastiCacheGroupFact {
  id: string;
  endpoint?: string;
  port?: number;
  clusterMode: boolean;
  engineVersion?: string;
  parameterGroup?: string;
  maxmemoryPolicy?: string;
  /** Where maxmemoryPolicy came from: the parameter group itself, or the documented default of a default.* group. */
  maxmemoryPolicySource?: 'parameter-group' | 'documented-default';
  transitEncryptionEnabled?: boolean;
  /** "preferred" still accepts plain connections; "required" (or enabled without a mode) does not. */
  transitEncryptionMode?: string;
  authTokenEnabled?: boolean;
  /** Every address the group answers on (primary, reader, configuration, node endpoints). */
  addresses?: string[];
}

export interface ElastiCacheServerlessFact {
  id: string;
  endpoint?: string;
  port?: number;
}

export interface QuotaFact {
  /** e.g. "rds/L-7B6409FD". */
  code: string;
  name: string;
  used?: number;
  limit: number;
  /** api: Service Quotas (or the cloud's quota API) answered; default: the documented default. */
  limitSource: 'api' | 'default';
  /** Console page to request an increase. */
  increaseUrl: string;
}

export interface GcpFacts {
  adcSource?: 'key-file' | 'gcloud-user' | 'metadata' | 'external-account' | 'none';
  clientClass?: string;
  project?: { id: string; number?: string; state?: string };
  enabledApis?: string[];
  cloudSql?: { name: string; databaseVersion?: string; privateIp?: string; publicIp?: string; region?: string }[];
  memorystore?: { name: string; redisVersion?: string; host?: string; port?: number; maxmemoryPolicy?: string; tier?: string }[];
  pubsub?: { topics: string[]; subscriptions: { name: string; topic: string; ordering: boolean }[] };
}

export interface KubernetesFacts {
  context?: string;
  platform?: 'gke' | 'eks' | 'aks' | 'kind' | 'other';
  project?: string;
  region?: string;
  account?: string;
  cluster?: string;
  serverVersion?: string;
  free?: { cpuMilli: number; memoryBytes: number; nodes: number };
  defaultStorageClass?: string | null;
  ingressClasses?: { name: string; controller: string; isDefault: boolean }[];
  certManager?: boolean;
}

/** Everything the probes found; each probe fills its part. */
export interface PreflightFacts {
  aws: Partial<AwsIdentityFacts> & {
    rds?: RdsInstanceFact[];
    elasticache?: ElastiCacheGroupFact[];
    elasticacheServerless?: ElastiCacheServerlessFact[];
  };
  gcp: GcpFacts;
  kubernetes: KubernetesFacts;
  quotas: QuotaFact[];
}

/** The part of PreflightFacts one probe fills; objects merge, quota lists concatenate. */
export interface FactsPatch {
  aws?: Partial<PreflightFacts['aws']>;
  gcp?: Partial<GcpFacts>;
  kubernetes?: Partial<KubernetesFacts>;
  quotas?: QuotaFact[];
}
