// Google Cloud: GKE, Cloud SQL, Memorystore, Pub/Sub and BigQuery. Its probes are in
// src/probes/gcp.ts.
import type * as Zod from '../answers/zod.js';
import { detectGcp } from '../probes/detect.js';
import { findingsOf, maxmemoryPolicyHint, type FindingLines, type Platform } from './types.js';

/** What GCP's probes found, as the wizard keeps it: the credentials' project, Cloud SQL and Memorystore instances. */
export type GcpFinding =
  | { kind: 'gcp-project'; id: string; account?: string }
  | { kind: 'cloudsql-instance'; name: string; privateIp?: string }
  | { kind: 'memorystore-instance'; name: string; host: string; port: number; maxmemoryPolicy?: string };

const found = findingsOf<GcpFinding>();

const FINDING_LINES: FindingLines<GcpFinding> = {
  'gcp-project': { about: 'identity', text: (f) => `GCP project ${f.id}${f.account ? ` as ${f.account}` : ''}` },
  'cloudsql-instance': { about: 'services', text: (f) => `Cloud SQL ${f.name}: ${f.privateIp ?? 'no private IP'}` },
  'memorystore-instance': { about: 'services', text: (f) => `Memorystore ${f.name}: ${f.host}:${f.port}${f.maxmemoryPolicy ? `, ${f.maxmemoryPolicy}` : ''}` },
};

export const CLOUD_SQL_TRUST_FLAG = 'gcloud sql instances patch INSTANCE --database-flags=log_bin_trust_function_creators=on';

/** The answers' `gcp:` block: the project and region of the Google services, and the pods' Google identity. */
function gcpAnswersBlock(z: typeof Zod) {
  return z.strictObject({
    project: z.string().regex(/^[a-z][-a-z0-9]{4,28}[a-z0-9]$/, { error: 'must be a GCP project id (6-30 lower-case letters, digits, hyphens)' }),
    region: z.string().regex(/^[a-z]+-[a-z]+[0-9]$/, { error: 'must be a GCP region such as asia-northeast1' }),
    /** Google service account the four workloads run as (Workload Identity). */
    workloadIdentity: z
      .strictObject({ serviceAccount: z.string().regex(/^[^@\s]+@[-a-z0-9]+\.iam\.gserviceaccount\.com$/, { error: 'must be a service account email ending in .iam.gserviceaccount.com' }) })
      .optional(),
  });
}

export const gcp: Platform<'gcp', typeof gcpAnswersBlock> = {
  id: 'gcp',
  choice: { label: 'Google Cloud (GKE)', hint: 'Cloud SQL, Memorystore, Pub/Sub, BigQuery, Workload Identity' },
  clusterKind: 'gke',
  // The metadata server answers on any GCE VM: not a choice the user made.
  hasExplicitCredentials: (env) => !['none', 'metadata'].includes(detectGcp(env).source),
  googleServices: true,
  middlewareInCluster: false,
  answersBlock: gcpAnswersBlock,
  validate(a) {
    const issues = [];
    if (!a.gcp) issues.push({ path: ['gcp'], message: 'gcp: {project, region} is required when platform is gcp' });
    if (!a.ingress?.staticIPNames) issues.push({ path: ['ingress', 'staticIPNames'], message: 'on gcp the gce Ingress needs staticIPNames: {web, api} (reserved global static IPs)' });
    return issues;
  },
  hints: {
    mysqlLogBinTrust: `set the Cloud SQL flag: ${CLOUD_SQL_TRUST_FLAG} (list your other flags in the same --database-flags: it replaces them)`,
    mysqlRequireSecureTransport:
      'allow unencrypted connections on the private IP: gcloud sql instances patch INSTANCE --ssl-mode=ALLOW_UNENCRYPTED_AND_ENCRYPTED (and --connector-enforcement=NOT_REQUIRED if the Auth Proxy is enforced)',
    redisAuthOff: 'Memorystore: gcloud redis instances update NAME --region REGION --no-enable-auth',
    redisTlsOff: 'Memorystore: create the instance with --transit-encryption-mode=disabled (it cannot be turned off on an existing instance)',
    redisNoeviction: (a) => `Memorystore: gcloud redis instances update NAME --region ${a.gcp?.region ?? 'REGION'} --update-redis-config maxmemory-policy=noeviction`,
  },
  wizard: {
    // gke_PROJECT_LOCATION_CLUSTER; a zone such as asia-northeast1-a becomes its region.
    regionOfContext: (context) => /^gke_[^_]+_([a-z]+-[a-z]+[0-9])(-[a-z])?_/.exec(context)?.[1],
    cloudQuestions({ values: v, detected: d, text }) {
      const region = d.kubeContext ? gcp.wizard!.regionOfContext(d.kubeContext) : undefined;
      const [detected] = found(d.findings, 'gcp-project');
      const project = v['gcp.project'] ?? detected?.id ?? 'PROJECT';
      return [
        text({ id: 'gcp.project', title: 'GCP project id', initial: detected?.id, source: detected ? 'from your gcloud credentials' : undefined, path: ['gcp', 'project'], placeholder: 'my-project' }),
        text({ id: 'gcp.region', title: 'GCP region', initial: region, source: region ? `from context ${d.kubeContext}` : undefined, path: ['gcp', 'region'], placeholder: 'asia-northeast1' }),
        text({
          id: 'gcp.sa',
          title: 'Workload Identity service account (empty: none)',
          help: ['The Google service account the pods act as; it needs the Pub/Sub and BigQuery roles.'],
          initial: `bucketeer@${project}.iam.gserviceaccount.com`,
          source: `suggested for project ${project}`,
          path: ['gcp', 'workloadIdentity', 'serviceAccount'],
          optional: true,
        }),
      ];
    },
    foundIn: (d) => found(d.findings, 'gcp-project').map((p) => `found in project ${p.id}`)[0] ?? 'found by the gcp probe',
    managedMysql: (d) =>
      found(d.findings, 'cloudsql-instance').flatMap((i) => (i.privateIp ? [{ label: `Cloud SQL ${i.name} (${i.privateIp})`, value: `cloudsql:${i.name}`, hint: gcp.wizard!.foundIn(d), sets: { 'db.host': i.privateIp, 'db.port': '3306' } }] : [])),
    managedRedis: (d) =>
      found(d.findings, 'memorystore-instance').map((i) => ({
        label: `Memorystore ${i.name} (${i.host}:${i.port})`,
        value: `memorystore:${i.name}`,
        hint: `${maxmemoryPolicyHint(i.maxmemoryPolicy)} · ${gcp.wizard!.foundIn(d)}`,
        sets: { 'redis.addr': `${i.host}:${i.port}`, 'redis.cluster': 'off' },
        maxmemoryPolicy: i.maxmemoryPolicy,
      })),
    ingressQuestions: ({ text }) => [
      text({ id: 'ing.ipWeb', title: 'Reserved global static IP name for the console', help: ['gcloud compute addresses create NAME --global'], initial: 'bucketeer-web-ip', source: 'suggested name', path: ['ingress', 'staticIPNames', 'web'] }),
      text({ id: 'ing.ipApi', title: 'Reserved global static IP name for the API', initial: 'bucketeer-api-ip', source: 'suggested name', path: ['ingress', 'staticIPNames', 'api'] }),
    ],
    ingressDraft: (v) => ({ staticIPNames: v['ing.ipWeb'] !== undefined ? { web: v['ing.ipWeb'], api: v['ing.ipApi'] } : undefined }),
    draft: (v) =>
      v['gcp.project'] === undefined
        ? undefined
        : { gcp: { project: v['gcp.project'], region: v['gcp.region'], workloadIdentity: v['gcp.sa'] ? { serviceAccount: v['gcp.sa'] } : undefined } },
    findings: ({ gcp: g }) => [
      ...(g?.project?.id ? [{ kind: 'gcp-project' as const, id: g.project.id }] : []),
      ...(g?.cloudSql ?? []).map((s) => ({ kind: 'cloudsql-instance' as const, name: s.name, privateIp: s.privateIp })),
      ...(g?.memorystore ?? []).flatMap((m) => (m.host ? [{ kind: 'memorystore-instance' as const, name: m.name, host: m.host, port: m.port ?? 6379, maxmemoryPolicy: m.maxmemoryPolicy }] : [])),
    ],
    findingLines: FINDING_LINES,
    identity: (findings) => found(findings, 'gcp-project').map((p) => `gcloud project ${p.id}`)[0],
    region: (v) => (v['gcp.region'] ? { value: v['gcp.region'], source: 'the GCP region' } : undefined),
  },
  summary: (a) => `GCP ${a.gcp!.project}, ${a.gcp!.region}`,
};
