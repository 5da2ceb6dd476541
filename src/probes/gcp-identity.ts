// Workload Identity of Bucketeer's pods on GKE. With gcp.workloadIdentity.serviceAccount set, the
// chart creates one Kubernetes service account per workload (api, web, batch-server, subscriber:
// each subchart's fullnameOverride), annotated with that Google service account (GSA). The pods
// reach Pub/Sub and BigQuery with Application Default Credentials as the GSA, and web and api exit
// when a topic lookup fails, so two things must hold before the install:
//   1. the GSA's IAM policy grants roles/iam.workloadIdentityUser to
//      serviceAccount:PROJECT.svc.id.goog[NAMESPACE/KSA] for each of the four;
//   2. the GSA itself holds the Pub/Sub and BigQuery permissions the services use.
// testIamPermissions answers for the caller, so (2) is asked with an access token minted for the
// GSA (iamcredentials generateAccessToken); when the operator may not impersonate it, the roles the
// project's IAM policy binds to the GSA are read instead. The check says which method it used.
import type { Answers } from '../answers/schema.js';
import type { Check } from '../checks/types.js';
import { TOPICS } from '../plan/topics.js';
import type { ProbeContext, ProbeOutput } from './types.js';

/** The Kubernetes service accounts the chart creates when serviceAccount.annotations is set. */
export const WORKLOAD_SERVICE_ACCOUNTS = ['api', 'web', 'batch-server', 'subscriber'] as const;

export const WORKLOAD_IDENTITY_ROLE = 'roles/iam.workloadIdentityUser';

/**
 * What the services do with Pub/Sub: look up and create topics, publish, look up, create, update
 * and delete subscriptions (api also creates and deletes one per pod for cache invalidation),
 * and pull.
 */
export const PUBSUB_PERMISSIONS = [
  'pubsub.topics.get',
  'pubsub.topics.create',
  'pubsub.topics.publish',
  'pubsub.topics.attachSubscription',
  'pubsub.subscriptions.get',
  'pubsub.subscriptions.create',
  'pubsub.subscriptions.update',
  'pubsub.subscriptions.delete',
  'pubsub.subscriptions.consume',
] as const;

/** Permissions a grant on a topic (rather than the project) can give. */
const TOPIC_PERMISSIONS = new Set<string>(['pubsub.topics.get', 'pubsub.topics.publish', 'pubsub.topics.attachSubscription']);

/** BigQuery: rows written through the Storage Write API, rows read, and query jobs. */
export const BIGQUERY_PERMISSIONS = ['bigquery.tables.updateData', 'bigquery.tables.getData', 'bigquery.tables.get', 'bigquery.jobs.create'] as const;

/** Permissions a dataset grant (its access list) can give. */
const DATASET_PERMISSIONS = new Set<string>(['bigquery.tables.updateData', 'bigquery.tables.getData', 'bigquery.tables.get']);

const ALL = [...PUBSUB_PERMISSIONS, ...BIGQUERY_PERMISSIONS];
const DATA_EDIT = ['bigquery.tables.updateData', 'bigquery.tables.getData', 'bigquery.tables.get'];
const DATA_VIEW = ['bigquery.tables.getData', 'bigquery.tables.get'];

/**
 * Which of the permissions above each predefined role carries (only these permissions are
 * listed, not everything the role holds). Used when the permissions cannot be tested directly.
 */
export const ROLE_PERMISSIONS: Record<string, readonly string[]> = {
  'roles/owner': ALL,
  'roles/editor': ALL,
  'roles/pubsub.admin': PUBSUB_PERMISSIONS,
  'roles/pubsub.editor': PUBSUB_PERMISSIONS,
  'roles/pubsub.publisher': ['pubsub.topics.publish'],
  'roles/pubsub.subscriber': ['pubsub.subscriptions.consume', 'pubsub.topics.attachSubscription'],
  'roles/pubsub.viewer': ['pubsub.topics.get', 'pubsub.subscriptions.get'],
  'roles/bigquery.admin': BIGQUERY_PERMISSIONS,
  'roles/bigquery.dataOwner': DATA_EDIT,
  'roles/bigquery.dataEditor': DATA_EDIT,
  'roles/bigquery.dataViewer': DATA_VIEW,
  'roles/bigquery.jobUser': ['bigquery.jobs.create'],
  'roles/bigquery.user': ['bigquery.jobs.create'],
};

/** Legacy dataset access roles and the permissions above they give on the dataset's tables. */
const DATASET_ROLE_PERMISSIONS: Record<string, readonly string[]> = {
  OWNER: DATA_EDIT,
  WRITER: DATA_EDIT,
  READER: DATA_VIEW,
  'roles/bigquery.dataOwner': DATA_EDIT,
  'roles/bigquery.dataEditor': DATA_EDIT,
  'roles/bigquery.dataViewer': DATA_VIEW,
  'roles/bigquery.admin': DATA_EDIT,
};

/** The role to grant for a missing permission, with what it is for. */
function fixRole(permission: string): string {
  if (permission.startsWith('pubsub.')) return 'roles/pubsub.editor';
  if (permission === 'bigquery.jobs.create') return 'roles/bigquery.jobUser';
  return 'roles/bigquery.dataEditor';
}

export interface WorkloadIdentityOptions {
  /** The Google service account the workloads run as. */
  serviceAccount: string;
  /** Release namespace: the Kubernetes service accounts live there. */
  namespace: string;
  /** messaging.backend is google-pubsub. */
  pubsub: boolean;
  /** warehouse.type is bigquery. */
  bigquery?: { project: string; dataset: string };
}

/** What to check for these answers; undefined off GCP or without gcp.workloadIdentity. */
export function workloadIdentityOf(a: Answers, namespace?: string): WorkloadIdentityOptions | undefined {
  const sa = a.platform === 'gcp' ? a.gcp?.workloadIdentity?.serviceAccount : undefined;
  if (!sa) return undefined;
  const w = a.warehouse;
  return {
    serviceAccount: sa,
    namespace: namespace ?? a.kubernetes.namespace,
    pubsub: a.messaging.backend === 'google-pubsub',
    bigquery: w.type === 'bigquery' ? { project: w.project ?? a.gcp!.project, dataset: w.dataset } : undefined,
  };
}

/** The REST APIs this check calls (base URLs as in gcp.ts). */
type IdentityApi = 'iam' | 'iamcredentials' | 'resourcemanager' | 'pubsub' | 'bigquery';

/** What gcp.ts lends the check: credentials and project once ready, and one REST call. */
export interface IdentityDeps<R extends { project: string }> {
  ready(id: string, title: string): Promise<R | ProbeOutput>;
  call<T>(api: IdentityApi, path: string, r: R, ctx: ProbeContext, init?: { method?: 'GET' | 'POST'; body?: unknown; bearer?: string }): Promise<T>;
}

type Binding = { role?: string; members?: string[]; condition?: unknown };
type Policy = { bindings?: Binding[] };

const status = (err: unknown): number | undefined => (err as { status?: number })?.status;
const oneLine = (err: unknown): string => (err instanceof Error ? err.message : String(err)).split('\n')[0];
/** Could not ask: unreachable, timed out or denied to the operator. */
const unknownCause = (err: unknown, what: string, permission: string): string =>
  status(err) === 403 ? `could not read ${what}: permission denied (${permission} for the identity in use)` : `could not read ${what}: ${oneLine(err)}`;

export const BINDING_ID = 'gcp.identity.binding';
export const PERMISSIONS_ID = 'gcp.identity.permissions';

export function workloadIdentityProbe<R extends { project: string }>(deps: IdentityDeps<R>, wi: WorkloadIdentityOptions) {
  const gsa = wi.serviceAccount;
  const gsaProject = /@([^.]+)\.iam\.gserviceaccount\.com$/.exec(gsa)?.[1] ?? 'PROJECT';
  const saPath = `/v1/projects/-/serviceAccounts/${encodeURIComponent(gsa)}`;

  const bindingCheck = async (r: R, ctx: ProbeContext): Promise<Check> => {
    const base = { category: 'gcp', id: BINDING_ID, title: `Workload Identity bindings on ${gsa}` };
    // The workload pool is the cluster's project: gcp.project.
    const member = (ksa: string) => `serviceAccount:${r.project}.svc.id.goog[${wi.namespace}/${ksa}]`;
    let policy: Policy;
    try {
      policy = await deps.call<Policy>('iam', `${saPath}:getIamPolicy`, r, ctx, { method: 'POST', body: {} });
    } catch (err) {
      if (status(err) === 404) {
        return {
          ...base,
          status: 'fail',
          detail: `the Google service account ${gsa} does not exist`,
          hint: `gcloud iam service-accounts create ${gsa.split('@')[0]} --project ${gsaProject}, or correct gcp.workloadIdentity.serviceAccount`,
        };
      }
      return {
        ...base,
        status: 'warn',
        detail: unknownCause(err, `the IAM policy of ${gsa}`, 'iam.serviceAccounts.getIamPolicy'),
        hint: `grant roles/iam.securityReviewer (or roles/iam.serviceAccountAdmin) on ${gsa} to the identity in use, or check by hand: gcloud iam service-accounts get-iam-policy ${gsa} --project ${gsaProject}`,
      };
    }
    // A conditional binding may not apply to the pods' requests: only unconditional ones count.
    const granted = new Set((policy.bindings ?? []).filter((b) => b.role === WORKLOAD_IDENTITY_ROLE && !b.condition).flatMap((b) => b.members ?? []));
    const missing = WORKLOAD_SERVICE_ACCOUNTS.filter((ksa) => !granted.has(member(ksa)));
    if (missing.length === 0) {
      return { ...base, status: 'pass', detail: `${WORKLOAD_IDENTITY_ROLE} granted to ${WORKLOAD_SERVICE_ACCOUNTS.map((k) => `${wi.namespace}/${k}`).join(', ')}`, facts: { missing: [] } };
    }
    return {
      ...base,
      status: 'fail',
      detail: `${WORKLOAD_IDENTITY_ROLE} is not granted to ${missing.map((k) => `${wi.namespace}/${k}`).join(', ')}: ${missing.length === 1 ? 'that pod gets' : 'those pods get'} no Google credentials and cannot reach Pub/Sub or BigQuery`,
      hint: missing
        .map((ksa) => `gcloud iam service-accounts add-iam-policy-binding ${gsa} --project ${gsaProject} --role=${WORKLOAD_IDENTITY_ROLE} --member="${member(ksa)}"`)
        .join('; '),
      facts: { missing },
    };
  };

  /** The needed permissions, each with the project it is asked on. */
  const needed = (r: R): { project: string; permissions: string[] }[] => {
    const out: { project: string; permissions: string[] }[] = [];
    if (wi.pubsub) out.push({ project: r.project, permissions: [...PUBSUB_PERMISSIONS] });
    if (wi.bigquery) {
      const same = out.find((o) => o.project === wi.bigquery!.project);
      if (same) same.permissions.push(...BIGQUERY_PERMISSIONS);
      else out.push({ project: wi.bigquery.project, permissions: [...BIGQUERY_PERMISSIONS] });
    }
    return out;
  };

  /** Table permissions the dataset's access list gives the GSA (a grant below the project). */
  const datasetGrants = async (r: R, ctx: ProbeContext): Promise<{ granted: Set<string>; note?: string }> => {
    if (!wi.bigquery) return { granted: new Set() };
    const { project, dataset } = wi.bigquery;
    try {
      type Access = { role?: string; userByEmail?: string; iamMember?: string };
      const ds = await deps.call<{ access?: Access[] }>('bigquery', `/bigquery/v2/projects/${project}/datasets/${encodeURIComponent(dataset)}`, r, ctx);
      const mine = (ds.access ?? []).filter((a) => a.userByEmail === gsa || a.iamMember === `serviceAccount:${gsa}`);
      return { granted: new Set(mine.flatMap((a) => DATASET_ROLE_PERMISSIONS[a.role ?? ''] ?? [])) };
    } catch (err) {
      // Not created yet (the warehouse prepare step creates it): only project grants can count.
      if (status(err) === 404) return { granted: new Set() };
      return { granted: new Set(), note: unknownCause(err, `dataset ${project}.${dataset}`, 'bigquery.datasets.get') };
    }
  };

  const permissionsCheck = async (r: R, ctx: ProbeContext): Promise<Check> => {
    const base = { category: 'gcp', id: PERMISSIONS_ID, title: `Permissions of ${gsa}` };
    const asks = needed(r);
    if (asks.length === 0) return { ...base, status: 'pass', detail: 'nothing to grant: neither Pub/Sub nor BigQuery is in the answers' };
    const all = asks.flatMap((a) => a.permissions);
    const granted = new Set<string>();
    let method: string;
    const notes: string[] = [];

    let token: string | undefined;
    let impersonation: unknown;
    try {
      const out = await deps.call<{ accessToken?: string }>('iamcredentials', `${saPath}:generateAccessToken`, r, ctx, {
        method: 'POST',
        body: { scope: ['https://www.googleapis.com/auth/cloud-platform'], lifetime: '300s' },
      });
      token = out.accessToken;
      if (!token) impersonation = new Error('generateAccessToken returned no token');
    } catch (err) {
      impersonation = err;
    }

    if (token) {
      method = `tested as ${gsa} (testIamPermissions with a token from generateAccessToken)`;
      try {
        for (const a of asks) {
          const out = await deps.call<{ permissions?: string[] }>('resourcemanager', `/v1/projects/${a.project}:testIamPermissions`, r, ctx, { method: 'POST', body: { permissions: a.permissions }, bearer: token });
          for (const p of out.permissions ?? []) granted.add(p);
        }
        // A grant on the topics themselves also counts for the topic permissions; the topics
        // that do not exist yet are created by the services, which needs the project grant.
        const topicMissing = PUBSUB_PERMISSIONS.filter((p) => TOPIC_PERMISSIONS.has(p) && !granted.has(p));
        if (wi.pubsub && topicMissing.length) {
          const perTopic: Set<string>[] = [];
          for (const topic of Object.values(TOPICS)) {
            try {
              const out = await deps.call<{ permissions?: string[] }>('pubsub', `/v1/projects/${r.project}/topics/${topic}:testIamPermissions`, r, ctx, { method: 'POST', body: { permissions: topicMissing }, bearer: token });
              perTopic.push(new Set(out.permissions ?? []));
            } catch (err) {
              if (status(err) !== 404) throw err;
              perTopic.push(new Set());
            }
          }
          for (const p of topicMissing) if (perTopic.every((s) => s.has(p))) granted.add(p);
        }
      } catch (err) {
        return { ...base, status: 'warn', detail: `${unknownCause(err, 'the permissions of the service account', 'testIamPermissions')}`, hint: 'run again with --debug', facts: { method: 'testIamPermissions' } };
      }
    } else {
      const why = status(impersonation) === 403 ? 'the identity in use may not impersonate it (iam.serviceAccounts.getAccessToken)' : `generateAccessToken failed: ${oneLine(impersonation)}`;
      method = `read from the project IAM policy (roles bound to serviceAccount:${gsa}), because ${why}`;
      try {
        for (const project of new Set(asks.map((a) => a.project))) {
          const policy = await deps.call<Policy>('resourcemanager', `/v1/projects/${project}:getIamPolicy`, r, ctx, { method: 'POST', body: { options: { requestedPolicyVersion: 3 } } });
          const roles = (policy.bindings ?? []).filter((b) => !b.condition && (b.members ?? []).includes(`serviceAccount:${gsa}`)).map((b) => b.role ?? '');
          const wanted = new Set(asks.filter((a) => a.project === project).flatMap((a) => a.permissions));
          for (const role of roles) for (const p of ROLE_PERMISSIONS[role] ?? []) if (wanted.has(p)) granted.add(p);
        }
      } catch (err) {
        return {
          ...base,
          status: 'warn',
          detail: `could not determine: ${why}, and ${unknownCause(err, 'the project IAM policy', 'resourcemanager.projects.getIamPolicy')}`,
          hint: `let the identity in use test it: gcloud iam service-accounts add-iam-policy-binding ${gsa} --project ${gsaProject} --role=roles/iam.serviceAccountTokenCreator --member=YOUR_MEMBER`,
          facts: { method: 'none' },
        };
      }
    }

    if (wi.bigquery && all.some((p) => DATASET_PERMISSIONS.has(p) && !granted.has(p))) {
      const ds = await datasetGrants(r, ctx);
      for (const p of ds.granted) granted.add(p);
      if (ds.note) notes.push(ds.note);
    }

    const missing = all.filter((p) => !granted.has(p));
    const facts = { method: token ? 'testIamPermissions' : 'project-policy', missing };
    if (missing.length === 0) return { ...base, status: 'pass', detail: `all ${all.length} permissions Bucketeer uses are granted; ${method}`, facts };
    // Only table permissions short, and the dataset's grants unreadable: unknown, not missing.
    const undetermined = notes.length > 0 && missing.every((p) => DATASET_PERMISSIONS.has(p));
    const byRole = new Map<string, { project: string; permissions: string[] }>();
    for (const a of asks) {
      for (const p of a.permissions.filter((x) => missing.includes(x))) {
        const role = fixRole(p);
        const key = `${a.project} ${role}`;
        const entry = byRole.get(key) ?? { project: a.project, permissions: [] };
        entry.permissions.push(p);
        byRole.set(key, entry);
      }
    }
    return {
      ...base,
      status: undetermined ? 'warn' : 'fail',
      detail: `${undetermined ? 'not granted on the project, and the dataset could not be read' : 'missing'}: ${missing.join(', ')}; ${method}${notes.length ? `; ${notes.join('; ')}` : ''}`,
      hint: [...byRole.entries()].map(([key, e]) => `gcloud projects add-iam-policy-binding ${e.project} --member=serviceAccount:${gsa} --role=${key.split(' ')[1]}`).join('; '),
      facts,
    };
  };

  return {
    id: 'gcp.identity',
    category: 'gcp',
    title: `Workload Identity of ${gsa}`,
    async run(ctx: ProbeContext): Promise<ProbeOutput> {
      const r = await deps.ready('gcp.identity', `Workload Identity of ${gsa}`);
      if ('checks' in r) return r;
      const [binding, permissions] = await Promise.all([bindingCheck(r, ctx), permissionsCheck(r, ctx)]);
      return { checks: [binding, permissions] };
    },
  };
}
