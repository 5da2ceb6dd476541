// Facts about the Bucketeer Helm chart (v2.3.x) and the tools it needs, each stated once. The
// planner, the install and upgrade steps, the guards, doctor and the probes read them from here.
import { kubernetesVersionText, meetsMinimum } from '../util/versions.js';

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

/**
 * True when a server of this version (the API server's /version) can run the chart; an unreadable
 * version is let through (the API calls that follow show what the server can do).
 */
export function kubernetesSupported(v: { major: string; minor: string; gitVersion: string }): boolean {
  return meetsMinimum(kubernetesVersionText(v), `${MIN_KUBERNETES.major}.${MIN_KUBERNETES.minor}.0`) !== false;
}

/**
 * Where the chart's migration Job (`<release>-migrate`, a pre-install and pre-upgrade hook) keeps
 * atlas's revisions: it runs `atlas migrate apply --revisions-schema public` against
 * migration.dbUrl, the operational MySQL server. A MySQL schema is a database, so atlas creates the
 * database `public` there when missing, with its revisions table in it.
 */
export const ATLAS_REVISIONS = { database: 'public', table: 'atlas_schema_revisions' } as const;

/** Oldest Redis Bucketeer runs on: it uses XAUTOCLAIM and XPENDING IDLE. */
export const MIN_REDIS = '6.2.0';
/** Oldest MySQL Bucketeer runs on. */
export const MIN_MYSQL = '8.0.0';

/** Oldest helm 3 the installer drives (helm 4.x is accepted too; it renamed --atomic). */
export const MIN_HELM = { major: 3, minor: 14 } as const;
export const MIN_HELM_TEXT = `${MIN_HELM.major}.${MIN_HELM.minor}+ or 4.x`;

/** True when helm's version text (`v3.14.0+g3fc9f4b`) is new enough. */
export function helmSupported(version: string): boolean {
  return meetsMinimum(version, `${MIN_HELM.major}.${MIN_HELM.minor}.0`) === true;
}

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
