// The images Bucketeer's chart (v2.3.0) runs, where each is set in its values, and the one it
// hard-codes. The four services take their repository from <service>.image.repository and their
// tag from global.image.tag; envoy and httpstan have a repository and tag of their own; the
// migration Job has migration.image; the batch CronJobs run curlimages/curl:8.1.2 with no value to
// change it and no imagePullSecrets (charts/batch/templates/cronjob.yaml), so the installer's helm
// post-renderer moves that one.

export interface ChartImage {
  /** Where it runs. */
  component: string;
  repository: string;
  /** A fixed tag, or 'release': the chart version's tag (global.image.tag, migration.image.tag). */
  tag: string | 'release';
  /** The values key of the repository; undefined when the chart hard-codes the image (the post-renderer moves it). */
  repositoryValue?: string;
}

const SERVICES = ['api', 'batch-server', 'subscriber', 'web'] as const;
const SERVICE_REPOSITORY: Record<(typeof SERVICES)[number], string> = {
  api: 'ghcr.io/bucketeer-io/bucketeer-api',
  'batch-server': 'ghcr.io/bucketeer-io/bucketeer-batch',
  subscriber: 'ghcr.io/bucketeer-io/bucketeer-subscriber',
  web: 'ghcr.io/bucketeer-io/bucketeer-web',
};
export const ENVOY_IMAGE = { repository: 'envoyproxy/envoy', tag: 'v1.34.1' };

export const CHART_IMAGES: ChartImage[] = [
  ...SERVICES.map((s) => ({ component: `Deployment ${s}`, repository: SERVICE_REPOSITORY[s], tag: 'release', repositoryValue: `${s}.image.repository` })),
  ...SERVICES.map((s) => ({ component: `Deployment ${s} (envoy sidecar)`, repository: ENVOY_IMAGE.repository, tag: ENVOY_IMAGE.tag, repositoryValue: `${s}.envoy.image.repository` })),
  { component: 'Deployment batch-server (httpstan sidecar)', repository: 'ghcr.io/bucketeer-io/bucketeer-httpstan', tag: '0.0.1', repositoryValue: 'batch-server.httpstan.image.repository' },
  { component: 'Job <release>-migrate (hook)', repository: 'ghcr.io/bucketeer-io/bucketeer-migration', tag: 'release', repositoryValue: 'migration.image.repository' },
  { component: 'CronJobs batch-server-* (hard-coded in the chart)', repository: 'curlimages/curl', tag: '8.1.2' },
];
