// AWS probes against moto_server (STS, RDS, ElastiCache; quota fallback), a local Service
// Quotas JSON peer (used/limit), a proxy in front of moto for what moto lacks
// (DescribeCacheParameters, a 403), and a peer that never answers. Plus the CLI end to end.
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { awsProbes } from '../../src/probes/aws.js';
import { quotaChecks } from '../../src/probes/advice.js';
import { mergeFacts, runProbes } from '../../src/probes/runner.js';
import type { Check } from '../../src/checks/types.js';
import { runCli } from '../helpers/cli.js';
import { json, motoAvailable, startHttp, startMoto, startProxy, startSilent, type Peer } from './peers.js';

if (!motoAvailable) console.warn('moto_server is not on PATH: the AWS probe tests are SKIPPED (pip install "moto[server]")');

const ACCOUNT = '123456789012';
const creds = { accessKeyId: 'x', secretAccessKey: 'y' };
const byId = (checks: Check[], id: string) => checks.find((c) => c.id === id);

describe.skipIf(!motoAvailable)('AWS probes against moto', () => {
  let moto: Peer;
  let env: NodeJS.ProcessEnv;

  beforeAll(async () => {
    moto = await startMoto();
    env = { AWS_ENDPOINT_URL: moto.url, AWS_ACCESS_KEY_ID: 'x', AWS_SECRET_ACCESS_KEY: 'y', AWS_REGION: 'us-east-1', HOME: mkdtempSync(join(tmpdir(), 'home-')) };
    const cfg = { region: 'us-east-1', endpoint: moto.url, credentials: creds };
    const { RDSClient, CreateDBInstanceCommand } = await import('@aws-sdk/client-rds');
    const ec = await import('@aws-sdk/client-elasticache');
    const rds = new RDSClient(cfg);
    await rds.send(new CreateDBInstanceCommand({ DBInstanceIdentifier: 'bucketeer-db', Engine: 'mysql', EngineVersion: '8.0.35', DBInstanceClass: 'db.t3.micro', MasterUsername: 'admin', MasterUserPassword: 'password123', AllocatedStorage: 20, PubliclyAccessible: false }));
    await rds.send(new CreateDBInstanceCommand({ DBInstanceIdentifier: 'legacy-db', Engine: 'mysql', EngineVersion: '5.7.44', DBInstanceClass: 'db.t3.micro', MasterUsername: 'admin', MasterUserPassword: 'password123', AllocatedStorage: 20, PubliclyAccessible: true }));
    const cache = new ec.ElastiCacheClient(cfg);
    // A replication group on the default parameter group (volatile-lru), and its member cluster.
    await cache.send(new ec.CreateReplicationGroupCommand({ ReplicationGroupId: 'bucketeer-redis', ReplicationGroupDescription: 'events', Engine: 'redis', EngineVersion: '7.1', CacheNodeType: 'cache.t3.micro', NumCacheClusters: 1 }));
    await cache.send(new ec.CreateCacheClusterCommand({ CacheClusterId: 'bucketeer-redis-001', Engine: 'redis', EngineVersion: '7.1', CacheNodeType: 'cache.t3.micro', NumCacheNodes: 1, CacheParameterGroupName: 'default.redis7' }));
    for (const c of [rds, cache]) c.destroy();
  });
  afterAll(async () => {
    await moto?.stop();
  });

  it('finds the account, the RDS instances, the replication group and default quotas; no KMS probe (v2.3.0 has no caller of its KMS crypto)', async () => {
    const results = await runProbes(awsProbes({ env }), { timeoutMs: 15_000 });
    expect(results.map((r) => r.id)).toEqual(['aws.identity', 'aws.rds', 'aws.elasticache']);
    expect(results.map((r) => r.outcome)).toEqual(['ok', 'ok', 'ok']);
    const checks = results.flatMap((r) => r.checks);
    const facts = mergeFacts(results);

    expect(facts.aws.account).toBe(ACCOUNT);
    expect(facts.aws.source).toBe('env');
    expect(byId(checks, 'aws.identity')?.status).toBe('pass');
    expect(byId(checks, 'aws.region')?.detail).toContain('us-east-1 (from AWS_REGION)');

    expect(facts.aws.rds?.map((d) => d.id).sort()).toEqual(['bucketeer-db', 'legacy-db']);
    const good = byId(checks, 'aws.rds.bucketeer-db')!;
    expect(good.status).toBe('pass');
    expect(good.facts).toMatchObject({ engineVersion: '8.0.35', publiclyAccessible: false, port: 3306 });
    expect(String(good.facts?.endpoint)).toContain('bucketeer-db');
    const legacy = byId(checks, 'aws.rds.legacy-db')!;
    expect(legacy.status).toBe('fail');
    expect(legacy.detail).toMatch(/MySQL 8.*public|public.*MySQL 8/s);

    // moto keeps no parameter group on cache clusters: the policy is unknown, which warns.
    const redis = byId(checks, 'aws.elasticache.bucketeer-redis')!;
    expect(redis.facts).toMatchObject({ id: 'bucketeer-redis', clusterMode: false, engineVersion: '7.1' });
    expect(String(redis.facts?.endpoint)).toContain('bucketeer-redis');
    expect(redis.status).toBe('warn');
    expect(redis.detail).toContain('maxmemory-policy unknown');

    // moto answers Service Quotas only for vpc: the documented defaults stand, marked as such.
    const rdsQuota = facts.quotas.find((q) => q.code === 'rds/L-7B6409FD')!;
    expect(rdsQuota).toMatchObject({ used: 2, limit: 40, limitSource: 'default' });
    expect(facts.quotas.find((q) => q.code === 'elasticache/L-DFE45DF3')).toMatchObject({ used: 1, limit: 300, limitSource: 'default' });
    expect(quotaChecks([rdsQuota])[0].detail).toContain('documented default');
  });

  it('reads used/limit from a peer speaking the Service Quotas JSON protocol', async () => {
    const asked: { target?: string; body: { ServiceCode?: string; QuotaCode?: string } }[] = [];
    const quotas = await startHttp((req, body, res) => {
      const b = JSON.parse(body || '{}') as { ServiceCode?: string; QuotaCode?: string };
      asked.push({ target: req.headers['x-amz-target'] as string, body: b });
      // The account is at its RDS limit: 2 instances, limit 2.
      const value = b.QuotaCode === 'L-7B6409FD' ? 2 : 500;
      json(res, 200, { Quota: { ServiceCode: b.ServiceCode, QuotaCode: b.QuotaCode, QuotaName: 'q', Value: value, Adjustable: true } }, { 'content-type': 'application/x-amz-json-1.1' });
    });
    try {
      const results = await runProbes(awsProbes({ env: { ...env, AWS_ENDPOINT_URL_SERVICE_QUOTAS: quotas.url } }), { timeoutMs: 15_000 });
      const facts = mergeFacts(results);
      expect(asked.map((a) => a.target)).toContain('ServiceQuotasV20190624.GetServiceQuota');
      expect(asked.map((a) => `${a.body.ServiceCode}/${a.body.QuotaCode}`).sort()).toEqual(['elasticache/L-DFE45DF3', 'rds/L-7B6409FD']);
      const rds = facts.quotas.find((q) => q.code === 'rds/L-7B6409FD')!;
      expect(rds).toMatchObject({ used: 2, limit: 2, limitSource: 'api' });
      const check = quotaChecks(facts.quotas).find((c) => c.id === 'quota.rds/L-7B6409FD')!;
      expect(check.status).toBe('warn');
      expect(check.detail).toContain('2/2 used');
      expect(check.detail).toContain('request an increase');
      expect(check.hint).toContain('servicequotas/home/services/rds/quotas/L-7B6409FD');
      expect(quotaChecks(facts.quotas).find((c) => c.id === 'quota.elasticache/L-DFE45DF3')!.status).toBe('pass');
    } finally {
      await quotas.stop();
    }
  });

  it('reads maxmemory-policy from the parameter group: not noeviction fails, noeviction passes', async () => {
    const ec = await import('@aws-sdk/client-elasticache');
    const cache = new ec.ElastiCacheClient({ region: 'us-east-1', endpoint: moto.url, credentials: creds });
    await cache.send(new ec.CreateReplicationGroupCommand({ ReplicationGroupId: 'lru-redis', ReplicationGroupDescription: 'x', Engine: 'redis', EngineVersion: '7.1', CacheNodeType: 'cache.t3.micro', NumCacheClusters: 1 }));
    await cache.send(new ec.CreateCacheClusterCommand({ CacheClusterId: 'lru-redis-001', Engine: 'redis', EngineVersion: '7.1', CacheNodeType: 'cache.t3.micro', NumCacheNodes: 1, CacheParameterGroupName: 'lru-params' }));
    await cache.send(new ec.CreateReplicationGroupCommand({ ReplicationGroupId: 'events-redis', ReplicationGroupDescription: 'x', Engine: 'redis', EngineVersion: '7.1', CacheNodeType: 'cache.t3.micro', NumCacheClusters: 1 }));
    await cache.send(new ec.CreateCacheClusterCommand({ CacheClusterId: 'events-redis-001', Engine: 'redis', EngineVersion: '7.1', CacheNodeType: 'cache.t3.micro', NumCacheNodes: 1, CacheParameterGroupName: 'events-params' }));
    cache.destroy();
    // moto has no DescribeCacheParameters and keeps no parameter group on clusters: this proxy
    // answers both in the ElastiCache query protocol and passes the rest to moto.
    const policy: Record<string, string> = { 'lru-params': 'allkeys-lru', 'events-params': 'noeviction' };
    const groups: Record<string, string> = { 'bucketeer-redis-001': 'default.redis7', 'lru-redis-001': 'lru-params', 'events-redis-001': 'events-params' };
    const proxy = await startProxy(moto.url, {
      intercept: (_req, body, res) => {
        const p = new URLSearchParams(body);
        if (p.get('Action') === 'DescribeCacheClusters') {
          res.writeHead(200, { 'content-type': 'text/xml' });
          res.end(
            `<DescribeCacheClustersResponse xmlns="http://elasticache.amazonaws.com/doc/2015-02-02/"><DescribeCacheClustersResult><CacheClusters>` +
              Object.entries(groups)
                .map(([id, g]) => `<CacheCluster><CacheClusterId>${id}</CacheClusterId><Engine>redis</Engine><EngineVersion>7.1</EngineVersion><NumCacheNodes>1</NumCacheNodes><CacheParameterGroup><CacheParameterGroupName>${g}</CacheParameterGroupName><ParameterApplyStatus>in-sync</ParameterApplyStatus></CacheParameterGroup></CacheCluster>`)
                .join('') +
              `</CacheClusters></DescribeCacheClustersResult><ResponseMetadata><RequestId>1</RequestId></ResponseMetadata></DescribeCacheClustersResponse>`,
          );
          return true;
        }
        // default.* groups are left to moto, which cannot answer: the documented default applies.
        if (p.get('Action') !== 'DescribeCacheParameters' || !policy[p.get('CacheParameterGroupName') ?? '']) return false;
        const group = p.get('CacheParameterGroupName') ?? '';
        res.writeHead(200, { 'content-type': 'text/xml' });
        res.end(
          `<DescribeCacheParametersResponse xmlns="http://elasticache.amazonaws.com/doc/2015-02-02/"><DescribeCacheParametersResult><Parameters>` +
            `<Parameter><ParameterName>maxmemory-samples</ParameterName><ParameterValue>3</ParameterValue></Parameter>` +
            `<Parameter><ParameterName>maxmemory-policy</ParameterName><ParameterValue>${policy[group]}</ParameterValue></Parameter>` +
            `</Parameters></DescribeCacheParametersResult><ResponseMetadata><RequestId>1</RequestId></ResponseMetadata></DescribeCacheParametersResponse>`,
        );
        return true;
      },
    });
    try {
      const probe = awsProbes({ env: { ...env, AWS_ENDPOINT_URL_ELASTICACHE: proxy.url } }).find((p) => p.id === 'aws.elasticache')!;
      const [r] = await runProbes([probe], { timeoutMs: 15_000 });
      const lru = byId(r.checks, 'aws.elasticache.lru-redis')!;
      expect(lru.facts).toMatchObject({ maxmemoryPolicy: 'allkeys-lru', maxmemoryPolicySource: 'parameter-group' });
      expect(lru.status).toBe('fail');
      expect(lru.hint).toContain('modify-cache-parameter-group --cache-parameter-group-name lru-params');
      const events = byId(r.checks, 'aws.elasticache.events-redis')!;
      expect(events.facts).toMatchObject({ maxmemoryPolicy: 'noeviction', engineVersion: '7.1' });
      expect(events.status).toBe('pass');
      const onDefault = byId(r.checks, 'aws.elasticache.bucketeer-redis')!;
      expect(onDefault.facts).toMatchObject({ parameterGroup: 'default.redis7', maxmemoryPolicy: 'volatile-lru', maxmemoryPolicySource: 'documented-default' });
      expect(onDefault.status).toBe('fail');
      expect(onDefault.detail).toContain('(default parameter group)');
      expect(onDefault.hint).toContain('modify-replication-group --replication-group-id bucketeer-redis');
      expect(mergeFacts([r]).quotas[0]).toMatchObject({ code: 'elasticache/L-DFE45DF3', used: 3 });
    } finally {
      await proxy.stop();
    }
  });

  it('turns a 403 into the missing permission', async () => {
    const proxy = await startProxy(moto.url, {
      intercept: (_req, body, res) => {
        if (new URLSearchParams(body).get('Action') !== 'DescribeDBInstances') return false;
        res.writeHead(403, { 'content-type': 'text/xml' });
        res.end(
          `<ErrorResponse xmlns="http://rds.amazonaws.com/doc/2014-10-31/"><Error><Type>Sender</Type><Code>AccessDenied</Code><Message>User: arn:aws:iam::${ACCOUNT}:user/ci is not authorized to perform: rds:DescribeDBInstances</Message></Error><RequestId>1</RequestId></ErrorResponse>`,
        );
        return true;
      },
    });
    try {
      const probe = awsProbes({ env: { ...env, AWS_ENDPOINT_URL_RDS: proxy.url } }).find((p) => p.id === 'aws.rds')!;
      const [r] = await runProbes([probe], { timeoutMs: 15_000 });
      expect(r.checks).toHaveLength(1);
      expect(r.checks[0]).toMatchObject({ id: 'aws.rds', status: 'fail' });
      expect(r.checks[0].detail).toContain('access denied for rds:DescribeDBInstances');
      expect(r.checks[0].hint).toContain('grant rds:DescribeDBInstances');
    } finally {
      await proxy.stop();
    }
  });

  it('a peer that never answers times out while the other probes still report', async () => {
    const silent = await startSilent();
    try {
      const started = Date.now();
      const results = await runProbes(awsProbes({ env: { ...env, AWS_ENDPOINT_URL_ELASTICACHE: silent.url } }), { timeoutMs: 2000 });
      const elapsed = Date.now() - started;
      const cache = results.find((r) => r.id === 'aws.elasticache')!;
      expect(cache.outcome).toBe('timeout');
      expect(cache.checks[0].status).toBe('warn');
      expect(cache.checks[0].detail).toContain('no answer within 2s');
      expect(cache.checks[0].hint).toContain('--probe-timeout');
      expect(results.filter((r) => r.id !== 'aws.elasticache').map((r) => r.outcome)).toEqual(['ok', 'ok']);
      expect(mergeFacts(results).aws.account).toBe(ACCOUNT);
      expect(elapsed).toBeLessThan(6000);
    } finally {
      await silent.stop();
    }
  });

  it('CLI: doctor --pre --platform aws --output json prints the account, the instance and the replication group', async () => {
    const r = await runCli(['doctor', '--pre', '--platform', 'aws', '--output', 'json'], {
      env: { AWS_ENDPOINT_URL: moto.url, AWS_ACCESS_KEY_ID: 'x', AWS_SECRET_ACCESS_KEY: 'y', AWS_REGION: 'us-east-1', HOME: env.HOME },
    });
    expect(r.stderr).not.toMatch(/\n\s+at /);
    const report = JSON.parse(r.stdout) as { status: string; checks: Check[] };
    expect(report.checks.find((c) => c.id === 'aws.identity')?.facts?.account).toBe(ACCOUNT);
    expect(report.checks.find((c) => c.id === 'aws.rds.bucketeer-db')?.facts?.id).toBe('bucketeer-db');
    expect(report.checks.find((c) => c.id === 'aws.elasticache.bucketeer-redis')?.facts?.id).toBe('bucketeer-redis');
    expect(r.stdout).toContain(ACCOUNT);
    // legacy-db (MySQL 5.7) is a fail, so the run exits 1.
    expect(report.status).toBe('fail');
    expect(r.code).toBe(1);
  });

  it('CLI: no credentials -> one line of cause and `aws configure`', async () => {
    const home = mkdtempSync(join(tmpdir(), 'home-'));
    const r = await runCli(['doctor', '--pre', '--platform', 'aws', '--output', 'json'], {
      env: { HOME: home, AWS_EC2_METADATA_DISABLED: 'true', AWS_REGION: 'us-east-1', AWS_ENDPOINT_URL: moto.url },
    });
    const report = JSON.parse(r.stdout) as { checks: Check[] };
    const id = report.checks.find((c) => c.id === 'aws.identity')!;
    expect(id.status).toBe('fail');
    expect(id.detail).toMatch(/no AWS credentials found/);
    expect(id.hint).toBe('aws configure');
    expect(report.checks.find((c) => c.id === 'aws.rds')?.status).toBe('skip');
    expect(r.code).toBe(1);
  });

  it('CLI: an expired SSO session -> `aws sso login --profile dev`', async () => {
    const home = mkdtempSync(join(tmpdir(), 'home-'));
    mkdirSync(join(home, '.aws', 'sso', 'cache'), { recursive: true });
    writeFileSync(
      join(home, '.aws', 'config'),
      ['[profile dev]', 'sso_session = corp', `sso_account_id = ${ACCOUNT}`, 'sso_role_name = Admin', 'region = us-east-1', '', '[sso-session corp]', 'sso_start_url = https://example.awsapps.com/start', 'sso_region = us-east-1', ''].join('\n'),
    );
    // The SDK looks the token up by the SHA-1 of the sso-session name.
    const cacheFile = join(home, '.aws', 'sso', 'cache', `${createHash('sha1').update('corp').digest('hex')}.json`);
    writeFileSync(cacheFile, JSON.stringify({ accessToken: 'old', expiresAt: '2020-01-01T00:00:00Z', region: 'us-east-1', startUrl: 'https://example.awsapps.com/start' }));
    const r = await runCli(['doctor', '--pre', '--platform', 'aws', '--output', 'text'], {
      env: { HOME: home, AWS_PROFILE: 'dev', AWS_EC2_METADATA_DISABLED: 'true', AWS_ENDPOINT_URL: moto.url },
    });
    expect(r.stdout).toMatch(/AWS credentials: the SSO session of profile dev has expired/);
    expect(r.stdout).toContain('    aws sso login --profile dev');
    expect(r.stdout).toMatch(/AWS region: us-east-1 \(from profile dev\)/);
    expect(r.code).toBe(1);
  });
});

describe.skipIf(!motoAvailable)('AWS listings follow every page', () => {
  it('more than one page of replication groups: all are listed, the next page asked with the marker', async () => {
    const moto = await startMoto();
    const asked: string[] = [];
    // Records what the probes ask and passes everything on to moto.
    const proxy = await startProxy(moto.url, {
      intercept: (req, body) => {
        asked.push(req.headers['x-amz-target'] ? `${req.headers['x-amz-target']} ${body}` : body);
        return false;
      },
    });
    try {
      const cfg = { region: 'us-east-1', endpoint: moto.url, credentials: creds };
      const ec = await import('@aws-sdk/client-elasticache');
      const cache = new ec.ElastiCacheClient(cfg);
      const N = 105;
      for (let i = 0; i < N; i++) {
        await cache.send(new ec.CreateReplicationGroupCommand({ ReplicationGroupId: `rg-${i}`, ReplicationGroupDescription: 'x', Engine: 'redis', CacheNodeType: 'cache.t3.micro', NumCacheClusters: 1 }));
      }
      cache.destroy();

      const env = { AWS_ENDPOINT_URL: proxy.url, AWS_ACCESS_KEY_ID: 'x', AWS_SECRET_ACCESS_KEY: 'y', AWS_REGION: 'us-east-1', HOME: mkdtempSync(join(tmpdir(), 'home-')) };
      const probes = awsProbes({ env }).filter((p) => p.id === 'aws.elasticache');
      const facts = mergeFacts(await runProbes(probes, { timeoutMs: 30_000 }));
      expect(facts.aws?.elasticache?.length).toBe(N);
      // The second pages were asked for with the first page's marker.
      expect(asked.some((b) => /Action=DescribeReplicationGroups/.test(b) && /Marker=/.test(b))).toBe(true);
    } finally {
      await proxy.stop();
      await moto.stop();
    }
  });
});
