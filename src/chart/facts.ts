// Facts about the Bucketeer Helm chart (v2.3.x) and the tools it needs, each stated once. The
// planner, the install and upgrade steps, the guards, doctor and the probes read them from here.

/** The chart's OCI reference and the version this installer is built and tested against. */
export const CHART_REF = 'oci://ghcr.io/bucketeer-io/chart/bucketeer';
export const CHART_VERSION = 'v2.3.0';

/**
 * The four Bucketeer services: each is a subchart (top-level values key), a Deployment and a
 * Service of that name in the release namespace.
 */
export const SERVICES = ['web', 'api', 'batch-server', 'subscriber'] as const;
export type ServiceKey = (typeof SERVICES)[number];

/**
 * Oldest Kubernetes the chart is tested on (its HorizontalPodAutoscalers use autoscaling/v2 and its
 * CronJobs batch/v1). install's preflight, doctor --pre and the wizard all refuse older servers.
 */
export const MIN_KUBERNETES = { major: 1, minor: 27 } as const;
export const MIN_KUBERNETES_TEXT = `${MIN_KUBERNETES.major}.${MIN_KUBERNETES.minor}`;

/** True when a server of this version (the API server's /version) can run the chart. */
export function kubernetesSupported(v: { major: string; minor: string; gitVersion: string }): boolean {
  const { major, minor } = kubernetesMinor(v);
  return major > MIN_KUBERNETES.major || (major === MIN_KUBERNETES.major && minor >= MIN_KUBERNETES.minor);
}

/** Major and minor of a server version. GKE and EKS report minor as "30+": gitVersion is the reliable one. */
export function kubernetesMinor(v: { major: string; minor: string; gitVersion: string }): { major: number; minor: number } {
  const m = /^v?(\d+)\.(\d+)/.exec(v.gitVersion);
  return m ? { major: Number(m[1]), minor: Number(m[2]) } : { major: Number(v.major), minor: parseInt(v.minor, 10) };
}

/** Oldest helm 3 the installer drives (helm 4.x is accepted too; it renamed --atomic). */
export const MIN_HELM = { major: 3, minor: 14 } as const;
export const MIN_HELM_TEXT = `${MIN_HELM.major}.${MIN_HELM.minor}+ or 4.x`;

/**
 * The secret values the chart takes inline in its values (not from a Secret): the database
 * password, the Google OAuth client secret, the demo sign-in password and the Postgres warehouse
 * password. Every other secret reaches the chart as an existing Secret.
 */
export const INLINE_SECRET_FIELDS = ['dbPassword', 'googleClientSecret', 'demoSignInPassword', 'warehousePassword'] as const;
export type InlineSecretField = (typeof INLINE_SECRET_FIELDS)[number];

/** The same value for every inline secret field (masks, sentinels). */
export function everyInlineSecret<T>(value: (field: InlineSecretField, index: number) => T): Record<InlineSecretField, T> {
  return Object.fromEntries(INLINE_SECRET_FIELDS.map((f, i) => [f, value(f, i)])) as Record<InlineSecretField, T>;
}

/** Value paths the release-state guards read from the deployed values (helm get values). */
export const VALUE_PATHS = {
  /** redis-stream or google (Pub/Sub): publishers and subscribers must agree. */
  pubsubType: 'global.pubsub.type',
  /** Redis Streams partitions per topic; fewer than deployed strands events in the dropped ones. */
  redisPartitionCount: 'global.pubsub.redis.partitionCount',
} as const;

/**
 * The restart rule: the chart's pod-template checksum covers only the envoy ConfigMap, so a
 * Deployment whose other ConfigMaps or Secrets changed while its pod template did not is not
 * rolled by Kubernetes. upgrade restarts it by stamping this pod-template annotation (what
 * `kubectl rollout restart` does with its own key).
 */
export const RESTART_ANNOTATION = 'bucketeer.io/restartedAt';
