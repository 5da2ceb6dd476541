// GCP probes: ADC source and the project (Resource Manager client library), then lighter REST
// through google-auth-library for enabled APIs, Cloud SQL, Memorystore, Pub/Sub, regional
// quotas and the pods' Workload Identity (gcp-identity.ts). Libraries load inside the probes,
// never at module scope.
//
// Endpoints: every REST base URL can be replaced, for tests and private endpoints:
//   BUCKETEER_INSTALL_GCP_ENDPOINT_<API>  (API: RESOURCEMANAGER, SERVICEUSAGE, SQLADMIN, REDIS, PUBSUB, COMPUTE,
//                                          IAM, IAMCREDENTIALS, BIGQUERY)
//   > BUCKETEER_INSTALL_GCP_ENDPOINT       (one base URL for all of them, e.g. http://127.0.0.1:8085)
//   > the public https://<api>.googleapis.com
// Pub/Sub also honours the standard PUBSUB_EMULATOR_HOST (no credentials sent to an emulator).
import type { MiddlewareTargets } from './aws.js';
import { redisTlsHint } from '../prepare/transport.js';
import type { AuthClient } from 'google-auth-library';
import type { Check } from '../checks/types.js';
import { ON_DEMAND_SUBSCRIBERS, TOPICS } from '../plan/topics.js';
import { detectGcp, GCP_NO_CREDENTIALS, type GcpDetection } from './detect.js';
import { workloadIdentityProbe, type WorkloadIdentityOptions } from './gcp-identity.js';
import { Findings, type Unusable } from './findings.js';
import { oneLine } from './runner.js';
import type { GcpFacts, Probe, ProbeContext, ProbeOutput, QuotaFact } from './types.js';

export type GcpApi = 'resourcemanager' | 'serviceusage' | 'sqladmin' | 'redis' | 'pubsub' | 'compute' | 'iam' | 'iamcredentials' | 'bigquery';

const HOSTS: Record<GcpApi, string> = {
  resourcemanager: 'https://cloudresourcemanager.googleapis.com',
  serviceusage: 'https://serviceusage.googleapis.com',
  sqladmin: 'https://sqladmin.googleapis.com',
  redis: 'https://redis.googleapis.com',
  pubsub: 'https://pubsub.googleapis.com',
  compute: 'https://compute.googleapis.com',
  iam: 'https://iam.googleapis.com',
  iamcredentials: 'https://iamcredentials.googleapis.com',
  bigquery: 'https://bigquery.googleapis.com',
};

/** What a 403 from each API means in IAM terms. */
const PERMISSION: Record<GcpApi, { permission: string; role: string }> = {
  resourcemanager: { permission: 'resourcemanager.projects.get', role: 'roles/browser' },
  serviceusage: { permission: 'serviceusage.services.list', role: 'roles/serviceusage.serviceUsageViewer' },
  sqladmin: { permission: 'cloudsql.instances.list', role: 'roles/cloudsql.viewer' },
  redis: { permission: 'redis.instances.list', role: 'roles/redis.viewer' },
  pubsub: { permission: 'pubsub.topics.list and pubsub.subscriptions.list', role: 'roles/pubsub.viewer' },
  compute: { permission: 'compute.regions.get', role: 'roles/compute.viewer' },
  iam: { permission: 'iam.serviceAccounts.getIamPolicy', role: 'roles/iam.securityReviewer' },
  iamcredentials: { permission: 'iam.serviceAccounts.getAccessToken', role: 'roles/iam.serviceAccountTokenCreator' },
  bigquery: { permission: 'bigquery.datasets.get', role: 'roles/bigquery.metadataViewer' },
};

/** APIs a Bucketeer install on GCP uses, with what needs each. */
export const GCP_APIS: { name: string; why: string }[] = [
  { name: 'sqladmin.googleapis.com', why: 'Cloud SQL' },
  { name: 'redis.googleapis.com', why: 'Memorystore' },
  { name: 'pubsub.googleapis.com', why: 'Pub/Sub messaging' },
  { name: 'bigquery.googleapis.com', why: 'BigQuery warehouse' },
  { name: 'container.googleapis.com', why: 'GKE' },
];

/** Memorystore's documented default maxmemory-policy when redisConfigs does not set one. */
const MEMORYSTORE_DEFAULT_POLICY = 'volatile-lru';

export interface GcpProbeOptions {
  env: NodeJS.ProcessEnv;
  /** From the answers file (gcp.project / gcp.region); they win over the environment. */
  project?: string;
  region?: string;
  /** Expected ordering, to compare with existing subscriptions. */
  ordering?: 'none' | 'per-partition' | 'per-key';
  /** Tests: an auth client instead of ADC. */
  authClient?: AuthClient;
  /** Base URL for every REST API (see the header); per-API env vars still win. */
  endpoint?: string;
  /** What the answers point at: settings Bucketeer cannot use fail only for these. */
  targets?: MiddlewareTargets;
  /** gcp.workloadIdentity of the answers, with what the pods use: checks the GSA's bindings and permissions. */
  workloadIdentity?: WorkloadIdentityOptions;
}

export function gcpBaseUrl(api: GcpApi, opts: Pick<GcpProbeOptions, 'env' | 'endpoint'>): string {
  const specific = opts.env[`BUCKETEER_INSTALL_GCP_ENDPOINT_${api.toUpperCase()}`];
  if (specific) return specific.replace(/\/+$/, '');
  if (api === 'pubsub' && opts.env.PUBSUB_EMULATOR_HOST) return `http://${opts.env.PUBSUB_EMULATOR_HOST}`;
  const all = opts.endpoint || opts.env.BUCKETEER_INSTALL_GCP_ENDPOINT;
  return (all || HOSTS[api]).replace(/\/+$/, '');
}

/** An HTTP answer other than 2xx, with the pieces a hint needs. */
export class GcpHttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly reason?: string,
  ) {
    super(message);
  }
}

export interface GcpProblem {
  kind: 'no-credentials' | 'denied' | 'api-disabled' | 'not-found' | 'timeout' | 'unreachable' | 'other';
  cause: string;
  fix: string;
}

export function describeGcpError(err: unknown, api: GcpApi, project?: string, principal?: string): GcpProblem {
  const e = err as { status?: number; code?: number | string; response?: { status?: number; data?: unknown }; message?: string; reason?: string; name?: string };
  const status = e?.status ?? e?.response?.status ?? (typeof e?.code === 'number' ? e.code : undefined);
  const msg = oneLine(err);
  const who = principal ?? 'the identity in use';
  const reason = e?.reason ?? reasonOf(e?.response?.data);
  const apiHost = new URL(HOSTS[api]).hostname;
  if (reason === 'SERVICE_DISABLED' || /has not been used in project|is disabled/i.test(msg)) {
    return { kind: 'api-disabled', cause: `${apiHost} is not enabled in project ${project ?? '?'}`, fix: `gcloud services enable ${apiHost === 'cloudresourcemanager.googleapis.com' ? apiHost : apiHost} --project ${project ?? 'PROJECT'}` };
  }
  // The gRPC-fallback client reports 403 as code 7 (PERMISSION_DENIED).
  if (status === 403 || e?.code === 7 || /PERMISSION_DENIED/.test(msg)) {
    const p = PERMISSION[api];
    return {
      kind: 'denied',
      cause: `permission denied: ${p.permission} on project ${project ?? '?'}`,
      fix: `grant ${p.role} to ${who}: gcloud projects add-iam-policy-binding ${project ?? 'PROJECT'} --member=${principal ? memberOf(principal) : 'MEMBER'} --role=${p.role}`,
    };
  }
  // google-auth-library's own text ("Could not load the default credentials. Browse to ...") says
  // neither what is missing in words a user acts on nor the command: say both.
  if (/Could not load the default credentials/i.test(msg)) {
    return { kind: 'no-credentials', ...GCP_NO_CREDENTIALS };
  }
  if (/Unable to detect a Project Id/i.test(msg)) {
    return { kind: 'no-credentials', cause: 'no GCP project: the credentials name none', fix: 'gcloud config set project PROJECT (or set GOOGLE_CLOUD_PROJECT)' };
  }
  if (status === 401 || /invalid_grant|invalid_rapt|reauth/i.test(msg)) {
    return { kind: 'no-credentials', cause: `GCP credentials expired or revoked (${msg})`, fix: 'gcloud auth application-default login' };
  }
  if (status === 404 || e?.code === 5) return { kind: 'not-found', cause: `project ${project ?? '?'} not found (or not visible to ${who})`, fix: 'check gcp.project in the answers file, or GOOGLE_CLOUD_PROJECT' };
  if (e?.name === 'AbortError' || /aborted|timed? ?out|timeout/i.test(msg)) return { kind: 'timeout', cause: 'no answer before the probe timeout', fix: 'check the network path to googleapis.com, or allow more time with --probe-timeout' };
  if (/ECONNREFUSED|ENOTFOUND|EAI_AGAIN|ECONNRESET|EHOSTUNREACH|fetch failed/i.test(`${String(e?.code ?? '')} ${msg}`)) {
    return { kind: 'unreachable', cause: `cannot reach ${apiHost} (${msg})`, fix: 'check the network and proxy settings' };
  }
  return { kind: 'other', cause: msg, fix: 'run again with --debug for details' };
}

function reasonOf(data: unknown): string | undefined {
  const details = (data as { error?: { details?: { reason?: string }[] } })?.error?.details;
  return details?.find((d) => d.reason)?.reason;
}

function memberOf(principal: string): string {
  return principal.endsWith('.gserviceaccount.com') ? `serviceAccount:${principal}` : `user:${principal}`;
}

// ---- the probes --------------------------------------------------------------------------

type Ready = { client: AuthClient | null; project: string; det: GcpDetection };

const NO_PROJECT = 'no GCP project known: set gcp.project in the answers, GOOGLE_CLOUD_PROJECT, or `gcloud config set project PROJECT_ID`';

export function gcpProbes(opts: GcpProbeOptions): Probe[] {
  const det = detectGcp(opts.env);
  const project = opts.project ?? det.project;
  const principal = typeof det.credentials?.client_email === 'string' ? det.credentials.client_email : undefined;
  let clientPromise: Promise<AuthClient> | undefined;

  const authClient = (): Promise<AuthClient> => {
    clientPromise ??= (async () => {
      if (opts.authClient) return opts.authClient;
      if (det.source === 'none') throw Object.assign(new Error('Could not load the default credentials'), { status: 401 });
      const { GoogleAuth } = await import('google-auth-library');
      const auth = new GoogleAuth({
        // With the file already read, the library does not look at process.env again.
        credentials: det.credentials as never,
        scopes: ['https://www.googleapis.com/auth/cloud-platform'],
        ...(det.quotaProject ? { clientOptions: { quotaProjectId: det.quotaProject } } : {}),
      });
      return (await auth.getClient()) as AuthClient;
    })();
    return clientPromise;
  };

  // PUBSUB_EMULATOR_HOST, unless a Pub/Sub endpoint of our own is set: no credentials are sent to it.
  const pubsubEmulator = Boolean(opts.env.PUBSUB_EMULATOR_HOST) && !opts.env.BUCKETEER_INSTALL_GCP_ENDPOINT_PUBSUB;

  const skip = (id: string, title: string, detail: string): ProbeOutput => ({ checks: [{ category: 'gcp', id, title, status: 'skip', detail }] });

  const ready = async (id: string, title: string): Promise<Ready | ProbeOutput> => {
    if (!project) return skip(id, title, NO_PROJECT);
    try {
      return { client: await authClient(), project, det };
    } catch (err) {
      return skip(id, title, `no usable GCP credentials (${describeGcpError(err, 'resourcemanager', project).cause})`);
    }
  };

  /**
   * One REST call (GET unless `init` says otherwise); non-2xx becomes a GcpHttpError carrying
   * status and reason. `init.bearer` sends that access token instead of the ADC client's (a token
   * minted for another identity); the probe's signal and timeout bound every call.
   */
  const call = async <T>(api: GcpApi, path: string, r: Ready, ctx: ProbeContext, init: { method?: 'GET' | 'POST'; body?: unknown; bearer?: string } = {}): Promise<T> => {
    const url = `${gcpBaseUrl(api, opts)}${path}`;
    const method = init.method ?? 'GET';
    const body = init.body === undefined ? undefined : JSON.stringify(init.body);
    if ((api === 'pubsub' && pubsubEmulator) || !r.client || init.bearer) {
      const headers: Record<string, string> = body ? { 'content-type': 'application/json' } : {};
      if (init.bearer) headers.authorization = `Bearer ${init.bearer}`;
      const res = await fetch(url, { method, headers, body, signal: AbortSignal.any([ctx.signal, AbortSignal.timeout(ctx.timeoutMs)]) });
      const text = await res.text();
      if (!res.ok) throw httpError(res.status, text);
      return (text ? JSON.parse(text) : {}) as T;
    }
    try {
      const res = await r.client.request<T>({ url, method, data: body, headers: body ? { 'content-type': 'application/json' } : undefined, signal: ctx.signal, timeout: ctx.timeoutMs, retry: false } as never);
      return res.data;
    } catch (err) {
      const resp = (err as { response?: { status?: number; data?: unknown } }).response;
      if (resp?.status) throw httpError(resp.status, typeof resp.data === 'string' ? resp.data : JSON.stringify(resp.data ?? ''));
      throw err;
    }
  };
  const get = <T>(api: GcpApi, path: string, r: Ready, ctx: ProbeContext): Promise<T> => call<T>(api, path, r, ctx);

  const failFrom = (id: string, title: string, api: GcpApi, err: unknown): ProbeOutput => {
    const p = describeGcpError(err, api, project, principal);
    const status: Check['status'] = p.kind === 'denied' || p.kind === 'api-disabled' || p.kind === 'no-credentials' || p.kind === 'not-found' ? 'fail' : 'warn';
    return { checks: [{ category: 'gcp', id, title, status, detail: p.cause, hint: p.fix, facts: { problem: p.kind } }] };
  };

  /**
   * A probe of the project's resources through `api`: without a project or credentials it skips,
   * saying why; a failed call becomes its one check. `session` replaces the usual way to them (a
   * Pub/Sub emulator needs no credentials; quotas also need a region).
   */
  const projectProbe = (
    id: string,
    title: string,
    api: GcpApi,
    read: (r: Ready, ctx: ProbeContext) => Promise<ProbeOutput>,
    session: () => Promise<Ready | ProbeOutput> = () => ready(id, title),
  ): Probe => ({
    id,
    category: 'gcp',
    title,
    async run(ctx) {
      const r = await session();
      if (!('det' in r)) return r;
      try {
        return await read(r, ctx);
      } catch (err) {
        return failFrom(id, title, api, err);
      }
    },
  });

  const identity: Probe = {
    id: 'gcp.project',
    category: 'gcp',
    title: 'GCP credentials and project',
    async run(ctx) {
      const checks: Check[] = [];
      let client: AuthClient;
      try {
        client = await authClient();
      } catch (err) {
        const p = describeGcpError(err, 'resourcemanager', project);
        checks.push({ category: 'gcp', id: 'gcp.credentials', title: 'GCP credentials', status: 'fail', detail: p.cause, hint: p.fix, facts: { adcSource: det.source, problem: p.kind } });
        return { checks, facts: { gcp: { adcSource: det.source } } };
      }
      const clientClass = client.constructor?.name ?? 'unknown';
      checks.push({
        category: 'gcp',
        id: 'gcp.credentials',
        title: 'GCP credentials',
        status: 'pass',
        detail: `${adcLabel(det)} (${clientClass})${principal ? ` as ${principal}` : ''}`,
        facts: { adcSource: det.source, clientClass, principal },
      });
      const facts: Partial<GcpFacts> = { adcSource: det.source, clientClass };
      if (!project) {
        checks.push({ category: 'gcp', id: 'gcp.project', title: 'GCP project', status: 'fail', detail: 'no project known', hint: 'set gcp.project in the answers file, export GOOGLE_CLOUD_PROJECT=PROJECT_ID, or run gcloud config set project PROJECT_ID' });
        return { checks, facts: { gcp: facts } };
      }
      const { ProjectsClient } = await import('@google-cloud/resource-manager');
      const base = new URL(gcpBaseUrl('resourcemanager', opts));
      const rm = new ProjectsClient({
        fallback: true,
        apiEndpoint: base.hostname,
        port: base.port ? Number(base.port) : base.protocol === 'http:' ? 80 : 443,
        protocol: base.protocol.replace(':', ''),
        authClient: client,
      } as never);
      try {
        const [p] = await rm.getProject({ name: `projects/${project}` }, { timeout: ctx.timeoutMs, retry: null } as never);
        const number = p.name?.replace(/^projects\//, '');
        const state = typeof p.state === 'string' ? p.state : String(p.state ?? '');
        facts.project = { id: p.projectId ?? project, number, state };
        checks.push({
          category: 'gcp',
          id: 'gcp.project',
          title: 'GCP project',
          status: state === 'ACTIVE' ? 'pass' : 'fail',
          detail: `${p.projectId ?? project} (number ${number ?? '?'}, ${state || 'state unknown'}${opts.project ? '' : det.projectSource === 'gcloud-config' ? '; from gcloud config' : det.projectSource === 'key-file' ? '; from the key file' : ''})`,
          hint: state === 'ACTIVE' ? undefined : `project ${project} is ${state}; choose an active project`,
          facts: { ...facts.project },
        });
      } catch (err) {
        checks.push(...failFrom('gcp.project', 'GCP project', 'resourcemanager', err).checks);
      } finally {
        await rm.close().catch(() => undefined);
      }
      return { checks, facts: { gcp: facts } };
    },
  };

  const apis = projectProbe('gcp.apis', 'Enabled APIs', 'serviceusage', async (r, ctx) => {
    const enabled: string[] = [];
    let token = '';
    for (let page = 0; page < 20; page++) {
      const out = await get<{ services?: { config?: { name?: string }; name?: string }[]; nextPageToken?: string }>(
        'serviceusage',
        `/v1/projects/${r.project}/services?filter=state:ENABLED&pageSize=200${token ? `&pageToken=${encodeURIComponent(token)}` : ''}`,
        r,
        ctx,
      );
      for (const s of out.services ?? []) enabled.push(s.config?.name ?? s.name?.split('/').pop() ?? '');
      token = out.nextPageToken ?? '';
      if (!token) break;
    }
    const checks: Check[] = GCP_APIS.map((a) => {
      const on = enabled.includes(a.name);
      return {
        category: 'gcp',
        id: `gcp.api.${a.name.split('.')[0]}`,
        title: `${a.name} (${a.why})`,
        status: on ? 'pass' : 'warn',
        detail: on ? 'enabled' : 'not enabled',
        hint: on ? undefined : `gcloud services enable ${a.name} --project ${r.project}`,
      };
    });
    return { checks, facts: { gcp: { enabledApis: enabled } } };
  });

  const cloudSql = projectProbe('gcp.cloudsql', 'Cloud SQL MySQL instances', 'sqladmin', async (r, ctx) => {
    type Instance = {
      name: string;
      databaseVersion?: string;
      region?: string;
      ipAddresses?: { type?: string; ipAddress?: string }[];
      settings?: { databaseFlags?: { name: string; value: string }[]; connectorEnforcement?: string; ipConfiguration?: { sslMode?: string; requireSsl?: boolean } };
    };
    const out = await get<{ items?: Instance[] }>('sqladmin', `/v1/projects/${r.project}/instances`, r, ctx);
    const mysql = (out.items ?? []).filter((i) => (i.databaseVersion ?? '').startsWith('MYSQL'));
    const facts = mysql.map((i) => ({
      name: i.name,
      databaseVersion: i.databaseVersion,
      region: i.region,
      privateIp: i.ipAddresses?.find((a) => a.type === 'PRIVATE')?.ipAddress,
      publicIp: i.ipAddresses?.find((a) => a.type === 'PRIMARY')?.ipAddress,
    }));
    if (mysql.length === 0) {
      return { checks: [{ category: 'gcp', id: 'gcp.cloudsql', title: 'Cloud SQL MySQL instances', status: 'pass', detail: 'none (create one, or use database.mode in-cluster)', facts: { instances: [] } }], facts: { gcp: { cloudSql: [] } } };
    }
    const checks = mysql.map((i, n): Check => {
      const f = facts[n];
      const found = new Findings();
      if (!/^MYSQL_8/.test(i.databaseVersion ?? '')) found.add('fail', 'Bucketeer needs MySQL 8', `create a MYSQL_8_0 instance (Cloud SQL cannot upgrade ${i.name} in place without a maintenance window)`);
      if (!f.privateIp) found.add('warn', 'no private IP (Bucketeer connects without TLS or the Auth Proxy)', `gcloud sql instances patch ${i.name} --network=VPC_NETWORK --project ${r.project}`);
      // Bucketeer v2.3.0 connects without TLS and without the Cloud SQL connectors.
      const target = Boolean(opts.targets?.databaseHost) && (i.ipAddresses ?? []).some((a) => a.ipAddress === opts.targets?.databaseHost);
      found.unusable(cloudSqlUnusable(i.name, i.settings, r.project), target, 'database.host');
      const flag = i.settings?.databaseFlags?.find((d) => d.name === 'log_bin_trust_function_creators');
      if (flag?.value !== 'on') {
        found.add(
          'warn',
          'flag log_bin_trust_function_creators is not on (one migration needs it)',
          `gcloud sql instances patch ${i.name} --database-flags=log_bin_trust_function_creators=on (this replaces the instance's other flags: list them too)`,
        );
      }
      return found.check({
        category: 'gcp',
        id: `gcp.cloudsql.${i.name}`,
        title: `Cloud SQL ${i.name}${target ? ' (database.host)' : ''}`,
        detail: `${i.databaseVersion ?? '?'} in ${i.region ?? '?'}, ${f.privateIp ? `private IP ${f.privateIp}` : `public IP ${f.publicIp ?? '?'}`}`,
        facts: { ...f, sslMode: i.settings?.ipConfiguration?.sslMode, requireSsl: i.settings?.ipConfiguration?.requireSsl, connectorEnforcement: i.settings?.connectorEnforcement, ...(target ? { answersKey: 'database.host' } : {}) },
      });
    });
    return { checks, facts: { gcp: { cloudSql: facts } } };
  });

  /**
   * Memorystore for Redis Cluster: IAM auth or TLS make it unusable by Bucketeer v2.3.0. The list is
   * best effort (the Cluster API may be off): a failure to list yields no checks.
   */
  const memorystoreClusters = async (r: Ready, ctx: ProbeContext): Promise<Check[]> => {
    type Cluster = { name: string; authorizationMode?: string; transitEncryptionMode?: string; discoveryEndpoints?: { address?: string; port?: number }[] };
    let clusters: Cluster[];
    try {
      clusters = (await get<{ clusters?: Cluster[] }>('redis', `/v1/projects/${r.project}/locations/-/clusters`, r, ctx)).clusters ?? [];
    } catch {
      return [];
    }
    const targetHost = opts.targets?.redisAddr?.slice(0, opts.targets.redisAddr.lastIndexOf(':'));
    return clusters.map((c): Check => {
      const name = c.name.split('/').pop() ?? c.name;
      const location = /locations\/([^/]+)/.exec(c.name)?.[1] ?? 'REGION';
      const target = Boolean(targetHost) && (c.discoveryEndpoints ?? []).some((e) => e.address === targetHost);
      const problems = [
        c.authorizationMode === 'AUTH_MODE_IAM_AUTH' ? 'IAM authentication is on (authorizationMode AUTH_MODE_IAM_AUTH): Bucketeer v2.3.0 never sends credentials' : '',
        c.transitEncryptionMode === 'TRANSIT_ENCRYPTION_MODE_SERVER_AUTHENTICATION' ? "in-transit encryption is on: Bucketeer v2.3.0's Redis client has no TLS" : '',
      ].filter(Boolean);
      const endpoint = c.discoveryEndpoints?.[0];
      return {
        category: 'gcp',
        id: `gcp.memorystore-cluster.${name}`,
        title: `Memorystore Cluster ${name}${target ? ' (redis.addr)' : ''}`,
        status: target && problems.length ? 'fail' : 'pass',
        detail: `discovery endpoint ${endpoint?.address ?? '?'}:${endpoint?.port ?? '?'}${problems.length ? `; ${problems.map((p) => (target ? p : `${p} (not redis.addr)`)).join('; ')}` : ''}`,
        hint: target && problems.length ? `both are fixed at creation: gcloud redis clusters create NAME --region ${location} --auth-mode=disabled --transit-encryption-mode=disabled ...; or use in-cluster Redis` : undefined,
        facts: { name, authorizationMode: c.authorizationMode, transitEncryptionMode: c.transitEncryptionMode, endpoint: endpoint?.address, ...(target ? { answersKey: 'redis.addr' } : {}) },
      };
    });
  };

  const memorystore = projectProbe('gcp.memorystore', 'Memorystore Redis instances', 'redis', async (r, ctx) => {
    type Instance = { name: string; redisVersion?: string; host?: string; readEndpoint?: string; port?: number; tier?: string; redisConfigs?: Record<string, string>; authEnabled?: boolean; transitEncryptionMode?: string };
    const [out, clusterChecks] = await Promise.all([get<{ instances?: Instance[] }>('redis', `/v1/projects/${r.project}/locations/-/instances`, r, ctx), memorystoreClusters(r, ctx)]);
    const list = out.instances ?? [];
    const targetHost = opts.targets?.redisAddr?.slice(0, opts.targets.redisAddr.lastIndexOf(':'));
    const facts = list.map((i) => ({ name: i.name.split('/').pop() ?? i.name, redisVersion: i.redisVersion, host: i.host, port: i.port, tier: i.tier, maxmemoryPolicy: i.redisConfigs?.['maxmemory-policy'] }));
    if (list.length === 0) {
      return { checks: [{ category: 'gcp', id: 'gcp.memorystore', title: 'Memorystore Redis instances', status: 'pass', detail: 'none (create one, or use redis.mode in-cluster)', facts: { instances: [] } }, ...clusterChecks], facts: { gcp: { memorystore: [] } } };
    }
    const checks = list.map((i, n): Check => {
      const f = facts[n];
      const location = /locations\/([^/]+)/.exec(i.name)?.[1] ?? 'REGION';
      const policy = f.maxmemoryPolicy ?? MEMORYSTORE_DEFAULT_POLICY;
      const found = new Findings();
      const v = /^REDIS_(\d+)_(\d+|X)$/.exec(i.redisVersion ?? '');
      // Memorystore's REDIS_6_X is Redis 6.2.
      if (v && Number(v[1]) < 6) found.add('fail', `${i.redisVersion} is older than Redis 6.2`, `gcloud redis instances upgrade ${f.name} --redis-version=redis_7_0 --region ${location}`);
      if (policy !== 'noeviction') {
        found.add(
          'fail',
          `maxmemory-policy is ${policy}${f.maxmemoryPolicy ? '' : ' (Memorystore default)'}; Redis Streams hold events and must never be evicted`,
          `gcloud redis instances update ${f.name} --region ${location} --update-redis-config maxmemory-policy=noeviction`,
        );
      }
      // Bucketeer v2.3.0's Redis client has no TLS and never sends AUTH (pkg/redis/v3/redis.go).
      const target = Boolean(targetHost) && (i.host === targetHost || i.readEndpoint === targetHost);
      const unusable: Unusable[] = [];
      if (i.authEnabled) unusable.push({ problem: 'AUTH is enabled (authEnabled): Bucketeer v2.3.0 never sends a password', fix: `gcloud redis instances update ${f.name} --region ${location} --no-enable-auth, or use in-cluster Redis` });
      if (i.transitEncryptionMode === 'SERVER_AUTHENTICATION') unusable.push({ problem: "in-transit encryption is on (transitEncryptionMode SERVER_AUTHENTICATION): Bucketeer v2.3.0's Redis client has no TLS", fix: redisTlsHint('gcp') });
      found.unusable(unusable, target, 'redis.addr');
      return found.check({
        category: 'gcp',
        id: `gcp.memorystore.${f.name}`,
        title: `Memorystore ${f.name}${target ? ' (redis.addr)' : ''}`,
        detail: `${i.redisVersion ?? '?'} at ${i.host ?? '?'}:${i.port ?? '?'} (${i.tier ?? '?'}), maxmemory-policy ${policy}`,
        facts: { ...f, maxmemoryPolicy: policy, ...(target ? { answersKey: 'redis.addr' } : {}) },
      });
    });
    return { checks: [...checks, ...clusterChecks], facts: { gcp: { memorystore: facts.map((f) => ({ ...f, maxmemoryPolicy: f.maxmemoryPolicy ?? MEMORYSTORE_DEFAULT_POLICY })) } } };
  });

  const pubsub = projectProbe(
    'gcp.pubsub',
    'Pub/Sub topics and subscriptions',
    'pubsub',
    async (r, ctx) => {
      const [topicsOut, subsOut] = await Promise.all([
        listAll<{ name: string }>((tok) => get('pubsub', `/v1/projects/${r.project}/topics?pageSize=500${tok}`, r, ctx), 'topics'),
        listAll<{ name: string; topic: string; enableMessageOrdering?: boolean }>((tok) => get('pubsub', `/v1/projects/${r.project}/subscriptions?pageSize=500${tok}`, r, ctx), 'subscriptions'),
      ]);
      const ours = new Set<string>(Object.values(TOPICS));
      const topics = topicsOut.map((t) => t.name.split('/').pop() ?? t.name).filter((t) => ours.has(t));
      const subscriptions = subsOut
        .map((s) => ({ name: s.name.split('/').pop() ?? s.name, topic: s.topic.split('/').pop() ?? s.topic, ordering: Boolean(s.enableMessageOrdering) }))
        .filter((s) => ours.has(s.topic));
      const checks: Check[] = [];
      const ordered = subscriptions.filter((s) => s.ordering).length;
      let status: Check['status'] = 'pass';
      let hint: string | undefined;
      // On-demand subscriptions are deleted and recreated unordered by Bucketeer itself.
      const onDemand = new Set(Object.values(ON_DEMAND_SUBSCRIBERS).map((b) => b.subscription));
      const unordered = subscriptions.filter((s) => !s.ordering && !onDemand.has(s.name));
      if (opts.ordering === 'per-key' && unordered.length) {
        // enableMessageOrdering is fixed at creation: the only way is delete and recreate.
        status = 'warn';
        hint = `ordering cannot be turned on later: recreate ${unordered.slice(0, 3).map((s) => s.name).join(', ')}${unordered.length > 3 ? ', ...' : ''} with --enable-message-ordering (gcloud pubsub subscriptions create NAME --topic TOPIC --enable-message-ordering)`;
      }
      checks.push({
        category: 'gcp',
        id: 'gcp.pubsub',
        title: 'Pub/Sub topics and subscriptions',
        status,
        detail:
          topics.length || subscriptions.length
            ? `${topics.length} Bucketeer topic${topics.length === 1 ? '' : 's'} (${topics.join(', ') || 'none'}), ${subscriptions.length} subscription${subscriptions.length === 1 ? '' : 's'}, ${ordered} with message ordering${pubsubEmulator ? ' (emulator)' : ''}`
            : `no Bucketeer topics yet (the services create them)${pubsubEmulator ? ' (emulator)' : ''}`,
        hint,
        facts: { topics, subscriptions },
      });
      return { checks, facts: { gcp: { pubsub: { topics, subscriptions } } } };
    },
    // An emulator needs no credentials; the real API does.
    async () => (pubsubEmulator ? (project ? { client: null, project, det } : skip('gcp.pubsub', 'Pub/Sub', NO_PROJECT)) : ready('gcp.pubsub', 'Pub/Sub')),
  );

  const quotas = projectProbe(
    'gcp.quotas',
    'Regional quotas',
    'compute',
    async (r, ctx) => {
      const out = await get<{ quotas?: { metric: string; limit: number; usage: number }[] }>('compute', `/compute/v1/projects/${r.project}/regions/${opts.region}`, r, ctx);
      const wanted: Record<string, string> = { CPUS: 'CPUs', SSD_TOTAL_GB: 'SSD persistent disk (GB)', DISKS_TOTAL_GB: 'persistent disk (GB)', IN_USE_ADDRESSES: 'in-use IP addresses' };
      const facts: QuotaFact[] = (out.quotas ?? [])
        .filter((q) => q.metric in wanted)
        .map((q) => ({
          code: `compute/${q.metric}`,
          name: `${wanted[q.metric]} in ${opts.region}`,
          used: q.usage,
          limit: q.limit,
          limitSource: 'api',
          increaseUrl: `https://console.cloud.google.com/iam-admin/quotas?project=${r.project}&metric=compute.googleapis.com%2F${q.metric.toLowerCase()}`,
        }));
      // The quota checks themselves come from advice (quota fit), like AWS's.
      return { checks: [], facts: { quotas: facts } };
    },
    async () => (opts.region ? ready('gcp.quotas', 'Regional quotas') : skip('gcp.quotas', 'Regional quotas', 'no GCP region known (gcp.region in the answers file)')),
  );

  const probes = [identity, apis, cloudSql, memorystore, pubsub, quotas];
  if (opts.workloadIdentity) probes.push(workloadIdentityProbe({ ready, call }, opts.workloadIdentity));
  return probes;
}

async function listAll<T>(fetchPage: (tokenParam: string) => Promise<unknown>, key: string): Promise<T[]> {
  const all: T[] = [];
  let token = '';
  for (let page = 0; page < 20; page++) {
    const out = (await fetchPage(token ? `&pageToken=${encodeURIComponent(token)}` : '')) as Record<string, unknown> & { nextPageToken?: string };
    all.push(...((out[key] as T[] | undefined) ?? []));
    token = out.nextPageToken ?? '';
    if (!token) break;
  }
  return all;
}

function httpError(status: number, body: string): GcpHttpError {
  let message = `HTTP ${status}`;
  let reason: string | undefined;
  try {
    const j = JSON.parse(body) as { error?: { message?: string; status?: string; details?: { reason?: string }[] } };
    message = j.error?.message ?? message;
    reason = j.error?.details?.find((d) => d.reason)?.reason;
  } catch {
    if (body) message = `${message}: ${body.slice(0, 200)}`;
  }
  return new GcpHttpError(status, message, reason);
}

function adcLabel(det: GcpDetection): string {
  switch (det.source) {
    case 'key-file':
      return `service account key file ${det.file}`;
    case 'gcloud-user':
      return `gcloud user credentials (${det.file})`;
    case 'external-account':
      return `workload identity federation (${det.file})`;
    case 'metadata':
      return 'the metadata server';
    default:
      return 'none';
  }
}

/** Cloud SQL settings Bucketeer v2.3.0 cannot use: it connects without TLS and without the connectors. */
export function cloudSqlUnusable(name: string, settings: { connectorEnforcement?: string; ipConfiguration?: { sslMode?: string; requireSsl?: boolean } } | undefined, project: string): Unusable[] {
  const out: Unusable[] = [];
  const ip = settings?.ipConfiguration;
  const sslMode = ip?.sslMode ?? (ip?.requireSsl ? 'ENCRYPTED_ONLY (requireSsl)' : undefined);
  if (sslMode && sslMode !== 'ALLOW_UNENCRYPTED_AND_ENCRYPTED') {
    out.push({
      problem: `ipConfiguration.sslMode is ${sslMode}: Bucketeer v2.3.0 connects to MySQL without TLS, so its services would fail their start-up ping`,
      fix: `gcloud sql instances patch ${name} --ssl-mode=ALLOW_UNENCRYPTED_AND_ENCRYPTED --project ${project} (keep the instance on a private IP)`,
    });
  }
  if (settings?.connectorEnforcement === 'REQUIRED') {
    out.push({
      problem: 'connectorEnforcement is REQUIRED: only the Cloud SQL Auth Proxy or connectors may connect, and Bucketeer v2.3.0 uses neither',
      fix: `gcloud sql instances patch ${name} --connector-enforcement=NOT_REQUIRED --project ${project}`,
    });
  }
  return out;
}
