// AWS probes: identity (STS), RDS MySQL, ElastiCache Redis, and the quotas for RDS instances and
// ElastiCache nodes (no KMS: nothing the installer configures uses it at v2.3.0). The SDK clients
// are imported inside the probes (never at module scope) so the CLI entry stays light. Endpoints
// follow AWS_ENDPOINT_URL_<SERVICE> > AWS_ENDPOINT_URL, read from the env the probes are given
// (tests point them at moto and local peers).
import type { AwsCredentialIdentity } from '@aws-sdk/types';
import type { Check } from '../checks/types.js';
import { awsFixCommand, detectAws, type AwsDetection } from './detect.js';
import { MIN_MYSQL, MIN_REDIS } from '../chart/facts.js';
import { meetsMinimum } from '../util/versions.js';
import { Findings, type Unusable } from './findings.js';
import { oneLine } from './runner.js';
import { redisAuthHint, redisTlsHint, requireSecureTransportHint } from '../prepare/transport.js';
import type { ElastiCacheGroupFact, ElastiCacheServerlessFact, Probe, ProbeContext, ProbeOutput, QuotaFact, RdsInstanceFact } from './types.js';

export type AwsService = 'sts' | 'rds' | 'elasticache' | 'service-quotas';

export interface AwsProbeOptions {
  env: NodeJS.ProcessEnv;
  /** From the answers file (aws.profile / aws.region); they win over the environment. */
  profile?: string;
  region?: string;
  /** Per-service endpoint overrides; otherwise AWS_ENDPOINT_URL_<SERVICE> > AWS_ENDPOINT_URL. */
  endpoints?: Partial<Record<AwsService, string>>;
  /** Tests: a credentials provider instead of the default chain. */
  credentials?: () => Promise<AwsCredentialIdentity>;
  /** What the answers point at: settings Bucketeer cannot use fail only for these. */
  targets?: MiddlewareTargets;
}

export interface MiddlewareTargets {
  /** database.host of an external MySQL. */
  databaseHost?: string;
  /** redis.addr (HOST:PORT) of an external Redis. */
  redisAddr?: string;
}

const sameHost = (a: string | undefined, b: string | undefined) => Boolean(a && b && a.toLowerCase().replace(/\.$/, '') === b.toLowerCase().replace(/\.$/, ''));
const hostOf = (addr: string | undefined) => (addr ? addr.slice(0, addr.lastIndexOf(':') > 0 ? addr.lastIndexOf(':') : addr.length) : undefined);

/** Documented defaults, used (and marked as such) when Service Quotas does not answer. */
export const AWS_QUOTAS = {
  rdsInstances: { service: 'rds', code: 'L-7B6409FD', name: 'RDS DB instances', default: 40 },
  elasticacheNodes: { service: 'elasticache', code: 'L-DFE45DF3', name: 'ElastiCache nodes per Region', default: 300 },
} as const;

const ENV_ID: Record<AwsService, string> = { sts: 'STS', rds: 'RDS', elasticache: 'ELASTICACHE', 'service-quotas': 'SERVICE_QUOTAS' };

export function awsEndpoint(service: AwsService, opts: Pick<AwsProbeOptions, 'env' | 'endpoints'>): string | undefined {
  return opts.endpoints?.[service] || opts.env[`AWS_ENDPOINT_URL_${ENV_ID[service]}`] || opts.env.AWS_ENDPOINT_URL || undefined;
}

/** ElastiCache default parameter groups ship maxmemory-policy volatile-lru (AWS docs, Redis parameters). */
const DEFAULT_GROUP_POLICY = 'volatile-lru';

// ---- errors ------------------------------------------------------------------------------

export interface AwsProblem {
  cause: string;
  fix: string;
  /** no-credentials / expired-sso / rejected / denied / unreachable / other */
  kind: 'no-credentials' | 'expired-sso' | 'rejected' | 'denied' | 'unreachable' | 'timeout' | 'other';
}

/** Turns an SDK error into one line of cause and the exact thing to run or grant. */
export function describeAwsError(err: unknown, det: Pick<AwsDetection, 'source' | 'profile'>, action?: string): AwsProblem {
  const e = err as { name?: string; Code?: string; code?: string; message?: string; $metadata?: { httpStatusCode?: number } };
  const name = e?.name ?? e?.Code ?? '';
  const msg = oneLine(err);
  const profileFlag = det.profile === 'default' ? '' : ` --profile ${det.profile}`;
  if (/SSO session .*expired|Token is expired|token.*has expired|refresh.*sso|sso.*token.*(expired|invalid)/i.test(msg) || name === 'TokenProviderError') {
    return { kind: 'expired-sso', cause: `the SSO session of profile ${det.profile} has expired`, fix: `aws sso login${profileFlag}` };
  }
  if (/Could not load credentials from any providers/i.test(msg) || (name === 'CredentialsProviderError' && det.source !== 'sso')) {
    return { kind: 'no-credentials', cause: 'no AWS credentials found (env, profile, SSO, process, web identity, instance role)', fix: `aws configure${profileFlag}` };
  }
  if (name === 'CredentialsProviderError') {
    return { kind: 'no-credentials', cause: `profile ${det.profile}: ${msg}`, fix: awsFixCommand(det) };
  }
  if (/^(ExpiredToken|ExpiredTokenException|RequestExpired)$/.test(name)) {
    return { kind: 'rejected', cause: 'the AWS session credentials have expired', fix: det.source === 'sso' ? `aws sso login${profileFlag}` : 'refresh the session credentials (assume the role again) and retry' };
  }
  if (/^(InvalidClientTokenId|UnrecognizedClientException|SignatureDoesNotMatch|InvalidAccessKeyId|AuthFailure)$/.test(name)) {
    return { kind: 'rejected', cause: `AWS rejected the credentials (${name})`, fix: awsFixCommand(det) };
  }
  if (/^(AccessDenied|AccessDeniedException|UnauthorizedOperation|AuthorizationError|NoSuchEntity)$/.test(name) || e?.$metadata?.httpStatusCode === 403) {
    return { kind: 'denied', cause: `access denied${action ? ` for ${action}` : ''}`, fix: action ? `grant ${action} to this identity (IAM policy)` : 'check the IAM policy of this identity' };
  }
  if (name === 'AbortError' || /aborted|timed out/i.test(msg)) {
    return { kind: 'timeout', cause: 'no answer before the probe timeout', fix: 'check the network path to AWS (or AWS_ENDPOINT_URL), or allow more time with --probe-timeout' };
  }
  const code = (err as NodeJS.ErrnoException)?.code ?? '';
  if (/ECONNREFUSED|ENOTFOUND|EAI_AGAIN|ECONNRESET|ETIMEDOUT|EHOSTUNREACH/.test(`${code} ${msg}`)) {
    return { kind: 'unreachable', cause: `cannot reach the AWS API (${code || msg})`, fix: 'check the network, proxy settings and AWS_ENDPOINT_URL' };
  }
  return { kind: 'other', cause: `${name ? `${name}: ` : ''}${msg}`, fix: 'run again with --debug for details' };
}

// ---- the probes --------------------------------------------------------------------------

interface Session {
  det: AwsDetection;
  credentials: AwsCredentialIdentity;
  region: string;
}


/** Every page of a Marker-paginated AWS listing, at most `maxPages` (a huge account stays bounded). */
async function allPages<T>(page: (marker: string | undefined) => Promise<{ items?: T[]; next?: string }>, maxPages = 10): Promise<T[]> {
  const out: T[] = [];
  let marker: string | undefined;
  for (let i = 0; i < maxPages; i++) {
    const p = await page(marker);
    out.push(...(p.items ?? []));
    if (!p.next) break;
    marker = p.next;
  }
  return out;
}

export function awsProbes(opts: AwsProbeOptions): Probe[] {
  // The SDK warns on Node 20 about its releases after January 2027; this CLI pins its SDK, so the
  // warning says nothing a user can act on.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  const det = detectAws(opts.env, { profile: opts.profile, region: opts.region });
  let credentialsPromise: Promise<AwsCredentialIdentity> | undefined;

  // Credentials resolve once and are shared by every AWS probe; each probe still waits under its
  // own timeout.
  const credentials = (signal: AbortSignal): Promise<AwsCredentialIdentity> => {
    credentialsPromise ??= resolveCredentials(opts, det);
    return abortable(credentialsPromise, signal);
  };

  const skipped = (id: string, title: string, why: string): ProbeOutput => ({ checks: [{ category: 'aws', id, title, status: 'skip', detail: why }] });

  /** Shared preamble of the resource probes: credentials and region, or a skip saying why not. */
  const needSession = async (id: string, title: string, ctx: ProbeContext): Promise<Session | ProbeOutput> => {
    let creds: AwsCredentialIdentity;
    try {
      creds = await credentials(ctx.signal);
    } catch (err) {
      return skipped(id, title, `skipped: ${describeAwsError(err, det).kind === 'expired-sso' ? 'the SSO session has expired' : 'no usable AWS credentials'} (see AWS credentials)`);
    }
    if (!det.region) return skipped(id, title, 'no AWS region set');
    return { det, credentials: creds, region: det.region };
  };

  /** Runs `use` with a client of `service` for the session's account and region, then destroys the client. */
  const withClient = async <C extends { destroy(): void }, T>(Ctor: new (cfg: Record<string, unknown>) => C, service: AwsService, s: Session, ctx: ProbeContext, use: (c: C) => Promise<T>): Promise<T> => {
    const c = new Ctor({
      region: s.region,
      credentials: s.credentials,
      endpoint: awsEndpoint(service, opts),
      // One retry: a preflight must stay quick; the probe timeout bounds the rest.
      maxAttempts: 2,
      requestHandler: { requestTimeout: ctx.timeoutMs, connectionTimeout: Math.min(ctx.timeoutMs, 5000) },
    });
    try {
      return await use(c);
    } finally {
      c.destroy();
    }
  };

  /**
   * A probe of the account's resources: without credentials or a region it skips, saying why; a
   * failed listing becomes its one check, failing when `action` is denied, else warning.
   */
  const resourceProbe = (id: string, title: string, action: string, read: (s: Session, ctx: ProbeContext) => Promise<ProbeOutput>): Probe => ({
    id,
    category: 'aws',
    title,
    async run(ctx) {
      const s = await needSession(id, title, ctx);
      if (!('det' in s)) return s;
      try {
        return await read(s, ctx);
      } catch (err) {
        const p = describeAwsError(err, s.det, action);
        return { checks: [{ category: 'aws', id, title, status: p.kind === 'denied' ? 'fail' : 'warn', detail: p.cause, hint: p.fix }] };
      }
    },
  });

  const identity: Probe = {
    id: 'aws.identity',
    category: 'aws',
    title: 'AWS identity',
    async run(ctx) {
      const regionCheck: Check = det.region
        ? { category: 'aws', id: 'aws.region', title: 'AWS region', status: 'pass', detail: `${det.region} (from ${det.regionSource === 'profile' ? `profile ${det.profile}` : det.regionSource})`, facts: { region: det.region, source: det.regionSource } }
        : {
            category: 'aws',
            id: 'aws.region',
            title: 'AWS region',
            status: 'fail',
            detail: opts.env.AWS_DEFAULT_REGION ? 'no region: AWS_DEFAULT_REGION is set, but the JS SDK does not read it' : 'no region set',
            hint: `export AWS_REGION=${opts.env.AWS_DEFAULT_REGION || 'ap-northeast-1'} (or set region in profile ${det.profile}, or aws.region in the answers file)`,
          };
      let creds: AwsCredentialIdentity;
      try {
        creds = await credentials(ctx.signal);
      } catch (err) {
        const p = describeAwsError(err, det);
        return {
          checks: [{ category: 'aws', id: 'aws.identity', title: 'AWS credentials', status: 'fail', detail: p.cause, hint: p.fix, facts: { source: det.source, profile: det.profile, problem: p.kind } }, regionCheck],
          facts: { aws: { source: det.source, profile: det.profile, region: det.region, regionSource: det.regionSource } },
        };
      }
      const source = sourceOf(creds, det);
      const { STSClient, GetCallerIdentityCommand } = await import('@aws-sdk/client-sts');
      // STS is global; without a region us-east-1 answers.
      return withClient(STSClient, 'sts', { det, credentials: creds, region: det.region ?? 'us-east-1' }, ctx, async (sts) => {
        try {
          const who = await sts.send(new GetCallerIdentityCommand({}), { abortSignal: ctx.signal as never });
          const credentialsCheck: Check = {
            category: 'aws',
            id: 'aws.identity',
            title: 'AWS credentials',
            status: 'pass',
            detail: `account ${who.Account} as ${who.Arn} (${sourceLabel(source, det.profile)})`,
            facts: { account: who.Account, arn: who.Arn, source, profile: det.profile },
          };
          return { checks: [credentialsCheck, regionCheck], facts: { aws: { source, profile: det.profile, account: who.Account, arn: who.Arn, region: det.region, regionSource: det.regionSource } } };
        } catch (err) {
          const p = describeAwsError(err, det, 'sts:GetCallerIdentity');
          return {
            checks: [{ category: 'aws', id: 'aws.identity', title: 'AWS credentials', status: 'fail', detail: p.cause, hint: p.fix, facts: { source, profile: det.profile, problem: p.kind } }, regionCheck],
            facts: { aws: { source, profile: det.profile, region: det.region } },
          };
        }
      });
    },
  };

  const rds = resourceProbe('aws.rds', 'RDS MySQL instances', 'rds:DescribeDBInstances', async (s, ctx) => {
    const rdsSdk = await import('@aws-sdk/client-rds');
    return withClient(rdsSdk.RDSClient, 'rds', s, ctx, async (c) => {
      const instances = await allPages(async (Marker) => {
        const out = await c.send(new rdsSdk.DescribeDBInstancesCommand({ Marker, MaxRecords: 100 }), { abortSignal: ctx.signal as never });
        return { items: out.DBInstances, next: out.Marker };
      });
      const all: RdsInstanceFact[] = instances.map((db) => ({
        id: db.DBInstanceIdentifier ?? '?',
        engine: db.Engine ?? '?',
        engineVersion: db.EngineVersion,
        endpoint: db.Endpoint?.Address,
        port: db.Endpoint?.Port,
        publiclyAccessible: Boolean(db.PubliclyAccessible),
        status: db.DBInstanceStatus,
        parameterGroup: db.DBParameterGroups?.[0]?.DBParameterGroupName,
      }));
      const quota = await serviceQuota(AWS_QUOTAS.rdsInstances, all.length, s, ctx);
      const mysql = all.filter((d) => d.engine === 'mysql' || d.engine === 'aurora-mysql');
      // One DescribeDBParameters per distinct group: require_secure_transport must be off, since
      // Bucketeer v2.3.0 connects without TLS.
      const groups = [...new Set(mysql.map((d) => d.parameterGroup).filter((g): g is string => Boolean(g)))];
      const values = new Map<string, { value?: string; source: RdsInstanceFact['requireSecureTransportSource'] }>();
      await Promise.all(
        groups.map(async (name) => {
          const value = await dbParameter(c, rdsSdk, name, 'require_secure_transport', ctx).catch(() => undefined);
          if (value !== undefined) values.set(name, { value, source: 'parameter-group' });
          else if (name.startsWith('default.')) values.set(name, { value: documentedRequireSecureTransport(name), source: 'documented-default' });
        }),
      );
      for (const d of mysql) {
        const v = d.parameterGroup ? values.get(d.parameterGroup) : undefined;
        if (v?.value !== undefined) [d.requireSecureTransport, d.requireSecureTransportSource] = [v.value, v.source];
      }
      return { checks: rdsChecks(mysql, s.region, opts.targets), facts: { aws: { rds: mysql }, quotas: [quota] } };
    });
  });

  const elasticache = resourceProbe('aws.elasticache', 'ElastiCache Redis', 'elasticache:DescribeReplicationGroups', async (s, ctx) => {
    const ec = await import('@aws-sdk/client-elasticache');
    return withClient(ec.ElastiCacheClient, 'elasticache', s, ctx, async (c) => {
      const [replicationGroups, cacheClusters] = await Promise.all([
        allPages(async (Marker) => {
          const out = await c.send(new ec.DescribeReplicationGroupsCommand({ Marker, MaxRecords: 100 }), { abortSignal: ctx.signal as never });
          return { items: out.ReplicationGroups, next: out.Marker };
        }),
        allPages(async (Marker) => {
          const out = await c.send(new ec.DescribeCacheClustersCommand({ Marker, MaxRecords: 100 }), { abortSignal: ctx.signal as never });
          return { items: out.CacheClusters, next: out.Marker };
        }),
      ]);
      const clusters = new Map(cacheClusters.map((cc) => [cc.CacheClusterId ?? '', cc]));
      const nodesUsed = cacheClusters.reduce((n, cc) => n + (cc.NumCacheNodes ?? 0), 0);
      const groups: ElastiCacheGroupFact[] = replicationGroups.map((g) => {
        const member = (g.MemberClusters ?? []).map((m) => clusters.get(m)).find(Boolean);
        const clusterMode = Boolean(g.ClusterEnabled) || g.ClusterMode === 'enabled';
        const ep = clusterMode ? g.ConfigurationEndpoint : g.NodeGroups?.[0]?.PrimaryEndpoint;
        return {
          id: g.ReplicationGroupId ?? '?',
          endpoint: ep?.Address,
          port: ep?.Port,
          clusterMode,
          engineVersion: member?.EngineVersion,
          parameterGroup: member?.CacheParameterGroup?.CacheParameterGroupName,
          transitEncryptionEnabled: g.TransitEncryptionEnabled,
          transitEncryptionMode: g.TransitEncryptionMode,
          authTokenEnabled: g.AuthTokenEnabled,
          addresses: [
            g.ConfigurationEndpoint?.Address,
            ...(g.NodeGroups ?? []).flatMap((n) => [n.PrimaryEndpoint?.Address, n.ReaderEndpoint?.Address, ...(n.NodeGroupMembers ?? []).map((m) => m.ReadEndpoint?.Address)]),
          ].filter((x): x is string => Boolean(x)),
        };
      });
      // Serverless caches are always TLS. Not every endpoint serves the API (older partitions,
      // test peers): then the list is unknown, not empty.
      const serverless: ElastiCacheServerlessFact[] | undefined = await allPages(async (NextToken) => {
        const out = await c.send(new ec.DescribeServerlessCachesCommand({ NextToken, MaxResults: 50 }), { abortSignal: ctx.signal as never });
        return { items: out.ServerlessCaches, next: out.NextToken };
      }).then(
        (items) => items.map((sc) => ({ id: sc.ServerlessCacheName ?? '?', endpoint: sc.Endpoint?.Address, port: sc.Endpoint?.Port })),
        () => undefined,
      );
      // One DescribeCacheParameters per distinct parameter group.
      const policies = new Map<string, { policy?: string; source?: ElastiCacheGroupFact['maxmemoryPolicySource']; error?: string }>();
      await Promise.all(
        [...new Set(groups.map((g) => g.parameterGroup).filter((x): x is string => Boolean(x)))].map(async (name) => {
          try {
            policies.set(name, { policy: await maxmemoryPolicy(c, ec, name, ctx), source: 'parameter-group' });
          } catch (err) {
            // A default.* group cannot be changed and ships volatile-lru: that answer is known.
            if (name.startsWith('default.')) policies.set(name, { policy: DEFAULT_GROUP_POLICY, source: 'documented-default' });
            else policies.set(name, { error: describeAwsError(err, s.det, 'elasticache:DescribeCacheParameters').cause });
          }
        }),
      );
      for (const g of groups) {
        const p = g.parameterGroup ? policies.get(g.parameterGroup) : undefined;
        if (p?.policy) [g.maxmemoryPolicy, g.maxmemoryPolicySource] = [p.policy, p.source];
      }
      const quota = await serviceQuota(AWS_QUOTAS.elasticacheNodes, nodesUsed, s, ctx);
      return {
        checks: [...elasticacheChecks(groups, s.region, (pg) => (pg ? policies.get(pg)?.error : undefined), opts.targets), ...serverlessChecks(serverless ?? [], opts.targets)],
        facts: { aws: { elasticache: groups, ...(serverless ? { elasticacheServerless: serverless } : {}) }, quotas: [quota] },
      };
    });
  });

  /** used/limit, the limit from Service Quotas when it answers, else the documented default. */
  async function serviceQuota(q: (typeof AWS_QUOTAS)[keyof typeof AWS_QUOTAS], used: number, s: Session, ctx: ProbeContext): Promise<QuotaFact> {
    const fact: QuotaFact = {
      code: `${q.service}/${q.code}`,
      name: q.name,
      used,
      limit: q.default,
      limitSource: 'default',
      increaseUrl: `https://${s.region}.console.aws.amazon.com/servicequotas/home/services/${q.service}/quotas/${q.code}`,
    };
    const { ServiceQuotasClient, GetServiceQuotaCommand } = await import('@aws-sdk/client-service-quotas');
    await withClient(ServiceQuotasClient, 'service-quotas', s, ctx, async (c) => {
      const out = await c.send(new GetServiceQuotaCommand({ ServiceCode: q.service, QuotaCode: q.code }), { abortSignal: ctx.signal as never });
      if (typeof out.Quota?.Value === 'number') [fact.limit, fact.limitSource] = [out.Quota.Value, 'api'];
    }).catch(() => {
      // Service Quotas is optional (permissions, partitions, test peers): the default stands, marked.
    });
    return fact;
  }

  return [identity, rds, elasticache];
}

async function maxmemoryPolicy(
  c: import('@aws-sdk/client-elasticache').ElastiCacheClient,
  ec: typeof import('@aws-sdk/client-elasticache'),
  group: string,
  ctx: ProbeContext,
): Promise<string | undefined> {
  let marker: string | undefined;
  for (let page = 0; page < 10; page++) {
    const out = await c.send(new ec.DescribeCacheParametersCommand({ CacheParameterGroupName: group, Marker: marker, MaxRecords: 100 }), { abortSignal: ctx.signal as never });
    const p = (out.Parameters ?? []).find((x) => x.ParameterName === 'maxmemory-policy');
    if (p) return p.ParameterValue;
    marker = out.Marker;
    if (!marker) break;
  }
  return undefined;
}

async function dbParameter(c: import('@aws-sdk/client-rds').RDSClient, rds: typeof import('@aws-sdk/client-rds'), group: string, name: string, ctx: ProbeContext): Promise<string | undefined> {
  let marker: string | undefined;
  for (let page = 0; page < 10; page++) {
    const out = await c.send(new rds.DescribeDBParametersCommand({ DBParameterGroupName: group, Marker: marker, MaxRecords: 100 }), { abortSignal: ctx.signal as never });
    const p = (out.Parameters ?? []).find((x) => x.ParameterName === name);
    if (p) return p.ParameterValue;
    marker = out.Marker;
    if (!marker) break;
  }
  return undefined;
}

/** RDS default parameter groups: require_secure_transport is ON from MySQL 8.4 on, OFF before. */
export function documentedRequireSecureTransport(group: string): string {
  const m = /mysql(\d+)\.(\d+)/.exec(group);
  return m && (Number(m[1]) > 8 || (Number(m[1]) === 8 && Number(m[2]) >= 4)) ? '1' : '0';
}

async function resolveCredentials(opts: AwsProbeOptions, det: AwsDetection): Promise<AwsCredentialIdentity> {
  if (opts.credentials) return opts.credentials();
  if (det.source === 'env') {
    return { accessKeyId: opts.env.AWS_ACCESS_KEY_ID!, secretAccessKey: opts.env.AWS_SECRET_ACCESS_KEY!, sessionToken: opts.env.AWS_SESSION_TOKEN || undefined };
  }
  if (det.source === 'none') {
    const err = new Error('Could not load credentials from any providers');
    err.name = 'CredentialsProviderError';
    throw err;
  }
  const { fromNodeProviderChain } = await import('@aws-sdk/credential-providers');
  const explicit = (opts.profile !== 'default' && opts.profile) || opts.env.AWS_PROFILE;
  // The chain never prompts: SSO uses the cached token only, process providers get no terminal.
  const provider = fromNodeProviderChain({ profile: explicit || undefined, filepath: det.credentialsFile, configFilepath: det.configFile, ignoreCache: true });
  return provider();
}

const SOURCE_KEYS: Record<string, import('./types.js').AwsCredentialSource> = {
  CREDENTIALS_ENV_VARS: 'env',
  CREDENTIALS_PROFILE: 'profile',
  CREDENTIALS_PROFILE_SSO: 'sso',
  CREDENTIALS_SSO: 'sso',
  CREDENTIALS_PROFILE_PROCESS: 'process',
  CREDENTIALS_PROCESS: 'process',
  CREDENTIALS_STS_ASSUME_ROLE_WEB_ID: 'web-identity',
  CREDENTIALS_PROFILE_STS_WEB_ID_TOKEN: 'web-identity',
  CREDENTIALS_ENV_VARS_STS_WEB_ID_TOKEN: 'web-identity',
  CREDENTIALS_STS_ASSUME_ROLE: 'assume-role',
  CREDENTIALS_PROFILE_SOURCE_PROFILE: 'assume-role',
  CREDENTIALS_IMDS: 'instance-role',
  CREDENTIALS_HTTP: 'instance-role',
};

/** The SDK marks resolved credentials with an (undocumented) $source map; prefer it when present. */
function sourceOf(creds: AwsCredentialIdentity, det: AwsDetection): import('./types.js').AwsCredentialSource {
  const marks = Object.keys((creds as { $source?: Record<string, unknown> }).$source ?? {});
  for (const key of ['CREDENTIALS_PROFILE_SSO', 'CREDENTIALS_SSO', 'CREDENTIALS_STS_ASSUME_ROLE_WEB_ID', 'CREDENTIALS_PROFILE_STS_WEB_ID_TOKEN', 'CREDENTIALS_PROCESS', 'CREDENTIALS_PROFILE_PROCESS', 'CREDENTIALS_STS_ASSUME_ROLE', 'CREDENTIALS_IMDS', 'CREDENTIALS_HTTP', 'CREDENTIALS_ENV_VARS', 'CREDENTIALS_PROFILE']) {
    if (marks.includes(key)) return SOURCE_KEYS[key];
  }
  return det.source;
}

function sourceLabel(source: string, profile: string): string {
  return source === 'env' ? 'env credentials' : source === 'instance-role' ? 'instance role' : `${source} via profile ${profile}`;
}

function abortable<T>(p: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    p.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}

// ---- facts -> checks ---------------------------------------------------------------------

export function rdsChecks(instances: RdsInstanceFact[], region: string, targets: MiddlewareTargets = {}): Check[] {
  if (instances.length === 0) {
    return [{ category: 'aws', id: 'aws.rds', title: 'RDS MySQL instances', status: 'pass', detail: `none in ${region} (create one, or use database.mode in-cluster)`, facts: { instances: [] } }];
  }
  return instances.map((db) => {
    // Aurora's engine version starts with the MySQL version it is compatible with: 8.0.mysql_aurora.3.05.2.
    const v8 = meetsMinimum(db.engineVersion, MIN_MYSQL);
    const problems: string[] = [];
    let status: Check['status'] = 'pass';
    let hint: string | undefined;
    if (v8 === false) {
      status = 'fail';
      problems.push('Bucketeer needs MySQL 8');
      hint = `upgrade ${db.id} to MySQL 8.0 or newer`;
    }
    if (db.publiclyAccessible) {
      if (status === 'pass') status = 'warn';
      problems.push('publicly accessible (Bucketeer connects without TLS)');
      hint ??= `aws rds modify-db-instance --db-instance-identifier ${db.id} --no-publicly-accessible --apply-immediately`;
    }
    const target = sameHost(db.endpoint, targets.databaseHost);
    if (db.requireSecureTransport !== undefined && /^(1|on)$/i.test(db.requireSecureTransport)) {
      const where = `parameter group ${db.parameterGroup}${db.requireSecureTransportSource === 'documented-default' ? ' (its documented default)' : ''}`;
      if (target) {
        status = 'fail';
        problems.push(`require_secure_transport is ON in ${where}: Bucketeer v2.3.0 connects to MySQL without TLS, so its services would fail their start-up ping`);
        hint = `${db.parameterGroup?.startsWith('default.') ? `attach a custom DB parameter group to ${db.id} (aws rds modify-db-instance --db-instance-identifier ${db.id} --db-parameter-group-name GROUP --apply-immediately) and ` : ''}${requireSecureTransportHint('aws')}`;
      } else problems.push(`require_secure_transport is ON in ${where} (not database.host, so not checked further)`);
    }
    return {
      category: 'aws',
      id: `aws.rds.${db.id}`,
      title: `RDS ${db.id}${target ? ' (database.host)' : ''}`,
      status,
      detail: `${db.engine} ${db.engineVersion ?? '?'} at ${db.endpoint ?? '?'}:${db.port ?? '?'}, ${db.publiclyAccessible ? 'public' : 'private'}${problems.length ? `; ${problems.join('; ')}` : ''}`,
      hint,
      facts: { ...db, ...(target ? { answersKey: 'database.host' } : {}) },
    };
  });
}

export function elasticacheChecks(groups: ElastiCacheGroupFact[], region: string, policyError: (group?: string) => string | undefined = () => undefined, targets: MiddlewareTargets = {}): Check[] {
  if (groups.length === 0) {
    return [{ category: 'aws', id: 'aws.elasticache', title: 'ElastiCache Redis', status: 'pass', detail: `no replication groups in ${region} (create one, or use redis.mode in-cluster)`, facts: { replicationGroups: [] } }];
  }
  return groups.map((g) => {
    const found = new Findings();
    const okVersion = meetsMinimum(g.engineVersion, MIN_REDIS);
    if (okVersion === false) found.add('fail', `engine ${g.engineVersion} is older than 6.2 (XAUTOCLAIM)`, `upgrade ${g.id} to Redis 6.2 or newer`);
    else if (okVersion === undefined) found.add('warn', 'engine version unknown');
    if (g.maxmemoryPolicy === undefined) {
      found.add(
        'warn',
        `maxmemory-policy unknown${policyError(g.parameterGroup) ? ` (${policyError(g.parameterGroup)})` : ''}`,
        `check that parameter group ${g.parameterGroup ?? '?'} sets maxmemory-policy noeviction`,
      );
    } else if (g.maxmemoryPolicy !== 'noeviction') {
      found.add(
        'fail',
        `maxmemory-policy is ${g.maxmemoryPolicy}${g.maxmemoryPolicySource === 'documented-default' ? ' (default parameter group)' : ''}; Redis Streams hold events and must never be evicted`,
        g.parameterGroup?.startsWith('default.') || !g.parameterGroup
          ? `create a parameter group with maxmemory-policy noeviction and attach it: aws elasticache modify-replication-group --replication-group-id ${g.id} --cache-parameter-group-name <group> --apply-immediately`
          : `aws elasticache modify-cache-parameter-group --cache-parameter-group-name ${g.parameterGroup} --parameter-name-values ParameterName=maxmemory-policy,ParameterValue=noeviction`,
      );
    }
    // Bucketeer v2.3.0's Redis client has no TLS and never sends AUTH (pkg/redis/v3/redis.go).
    const target = Boolean(targets.redisAddr) && [g.endpoint, ...(g.addresses ?? [])].some((a) => sameHost(a, hostOf(targets.redisAddr)));
    const unusable: Unusable[] = [];
    if (g.transitEncryptionEnabled && g.transitEncryptionMode !== 'preferred') {
      unusable.push({
        problem: `in-transit encryption is required (TransitEncryptionEnabled${g.transitEncryptionMode ? `, TransitEncryptionMode ${g.transitEncryptionMode}` : ''}): Bucketeer v2.3.0's Redis client has no TLS`,
        fix: `aws elasticache modify-replication-group --replication-group-id ${g.id} --transit-encryption-mode preferred --apply-immediately, then --no-transit-encryption-enabled; or use in-cluster Redis`,
      });
    }
    if (g.transitEncryptionEnabled && g.transitEncryptionMode === 'preferred') {
      unusable.push({
        status: 'warn',
        problem: 'TransitEncryptionMode is preferred: plain connections still work, but Bucketeer v2.3.0 talks to it without TLS',
        fix: `to keep it working never switch ${g.id} to required; aws elasticache modify-replication-group --replication-group-id ${g.id} --no-transit-encryption-enabled --apply-immediately turns TLS off`,
      });
    }
    if (g.authTokenEnabled) unusable.push({ problem: 'an AUTH token is set (AuthTokenEnabled): Bucketeer v2.3.0 never sends a password', fix: redisAuthHint('aws') });
    found.unusable(unusable, target, 'redis.addr');
    return found.check({
      category: 'aws',
      id: `aws.elasticache.${g.id}`,
      title: `ElastiCache ${g.id}${target ? ' (redis.addr)' : ''}`,
      detail: `${g.endpoint ?? '?'}:${g.port ?? '?'}, cluster mode ${g.clusterMode ? 'on' : 'off'}, engine ${g.engineVersion ?? '?'}, maxmemory-policy ${g.maxmemoryPolicy ?? '?'}`,
      docUrl: found.status === 'pass' ? undefined : 'https://docs.aws.amazon.com/AmazonElastiCache/latest/dg/ParameterGroups.Redis.html',
      facts: { ...g, ...(target ? { answersKey: 'redis.addr' } : {}) },
    });
  });
}

/** ElastiCache Serverless always requires TLS: unusable by Bucketeer v2.3.0 when redis.addr points at one. */
export function serverlessChecks(caches: ElastiCacheServerlessFact[], targets: MiddlewareTargets = {}): Check[] {
  return caches.map((sc) => {
    const target = sameHost(sc.endpoint, hostOf(targets.redisAddr));
    return {
      category: 'aws',
      id: `aws.elasticache-serverless.${sc.id}`,
      title: `ElastiCache Serverless ${sc.id}${target ? ' (redis.addr)' : ''}`,
      status: target ? 'fail' : 'pass',
      detail: `${sc.endpoint ?? '?'}:${sc.port ?? '?'}; serverless caches accept only TLS${target ? ': Bucketeer v2.3.0\'s Redis client has no TLS (pkg/redis/v3/redis.go)' : ' (not redis.addr)'}`,
      hint: target ? `${redisTlsHint('aws')}: point redis.addr at a replication group without in-transit encryption` : undefined,
      facts: { ...sc, ...(target ? { answersKey: 'redis.addr' } : {}) },
    };
  });
}
