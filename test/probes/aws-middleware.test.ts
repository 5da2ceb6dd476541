// AWS settings Bucketeer v2.3.0 cannot use, tied to the instance the answers point at, against
// moto (RDS parameter groups, ElastiCache TransitEncryptionEnabled / TransitEncryptionMode /
// AuthTokenEnabled) and a proxy in front of it for what moto lacks (DescribeServerlessCaches).
// Upstream at v2.3.0: pkg/storage/v2/mysql/client.go (MySQL DSN without TLS) and
// pkg/redis/v3/redis.go (no TLS config, no password sent).
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { awsProbes, documentedRequireSecureTransport } from '../../src/probes/aws.js';
import { runProbes } from '../../src/probes/runner.js';
import { byId, failedCheck } from '../helpers/checks.js';
import { motoAvailable, startMoto, startProxy, type Peer } from './peers.js';

if (!motoAvailable) console.warn('moto_server is not on PATH: the AWS middleware settings tests are SKIPPED (pip install "moto[server]")');

const creds = { accessKeyId: 'x', secretAccessKey: 'y' };

describe.skipIf(!motoAvailable)('AWS middleware settings against moto', () => {
  let moto: Peer;
  let proxy: Awaited<ReturnType<typeof startProxy>>;
  let env: NodeJS.ProcessEnv;
  const endpoints: Record<string, string> = {};

  beforeAll(async () => {
    moto = await startMoto();
    const cfg = { region: 'us-east-1', endpoint: moto.url, credentials: creds };
    const rds = await import('@aws-sdk/client-rds');
    const ec = await import('@aws-sdk/client-elasticache');
    const r = new rds.RDSClient(cfg);
    await r.send(new rds.CreateDBParameterGroupCommand({ DBParameterGroupName: 'strict', DBParameterGroupFamily: 'mysql8.0', Description: 'tls only' }));
    await r.send(new rds.ModifyDBParameterGroupCommand({ DBParameterGroupName: 'strict', Parameters: [{ ParameterName: 'require_secure_transport', ParameterValue: '1', ApplyMethod: 'immediate' }] }));
    await r.send(new rds.CreateDBParameterGroupCommand({ DBParameterGroupName: 'lax', DBParameterGroupFamily: 'mysql8.0', Description: 'plain ok' }));
    await r.send(new rds.ModifyDBParameterGroupCommand({ DBParameterGroupName: 'lax', Parameters: [{ ParameterName: 'require_secure_transport', ParameterValue: '0', ApplyMethod: 'immediate' }] }));
    for (const [id, group] of [['strict-db', 'strict'], ['other-strict-db', 'strict'], ['lax-db', 'lax']]) {
      const out = await r.send(new rds.CreateDBInstanceCommand({ DBInstanceIdentifier: id, Engine: 'mysql', EngineVersion: '8.0.35', DBInstanceClass: 'db.t3.micro', MasterUsername: 'admin', MasterUserPassword: 'password123', AllocatedStorage: 20, DBParameterGroupName: group }));
      endpoints[id] = out.DBInstance!.Endpoint?.Address ?? '';
    }
    const c = new ec.ElastiCacheClient(cfg);
    const groups: [string, Partial<import('@aws-sdk/client-elasticache').CreateReplicationGroupCommandInput>][] = [
      ['tls-redis', { TransitEncryptionEnabled: true }],
      ['auth-redis', { TransitEncryptionEnabled: true, AuthToken: 'abcdefghijklmnop1234' }],
      ['pref-redis', { TransitEncryptionEnabled: true, TransitEncryptionMode: 'preferred' }],
      ['plain-redis', {}],
    ];
    for (const [id, extra] of groups) {
      const out = await c.send(new ec.CreateReplicationGroupCommand({ ReplicationGroupId: id, ReplicationGroupDescription: 'x', Engine: 'redis', EngineVersion: '7.1', CacheNodeType: 'cache.t3.micro', NumCacheClusters: 1, ...extra }));
      endpoints[id] = out.ReplicationGroup!.NodeGroups![0].PrimaryEndpoint!.Address!;
    }
    r.destroy();
    c.destroy();
    // moto answers DescribeServerlessCaches with HTTP 500: the proxy answers it in the ElastiCache
    // query protocol and passes the rest to moto.
    proxy = await startProxy(moto.url, {
      intercept: (_req, body, res) => {
        const p = new URLSearchParams(body);
        if (p.get('Action') !== 'DescribeServerlessCaches') return false;
        res.writeHead(200, { 'content-type': 'text/xml' });
        res.end(
          `<DescribeServerlessCachesResponse xmlns="http://elasticache.amazonaws.com/doc/2015-02-02/"><DescribeServerlessCachesResult><ServerlessCaches>` +
            `<member><ServerlessCacheName>events-serverless</ServerlessCacheName><Engine>redis</Engine><Endpoint><Address>events-serverless-abc.serverless.use1.cache.amazonaws.com</Address><Port>6379</Port></Endpoint></member>` +
            `</ServerlessCaches></DescribeServerlessCachesResult><ResponseMetadata><RequestId>1</RequestId></ResponseMetadata></DescribeServerlessCachesResponse>`,
        );
        return true;
      },
    });
    env = { AWS_ENDPOINT_URL: moto.url, AWS_ENDPOINT_URL_ELASTICACHE: proxy.url, AWS_ACCESS_KEY_ID: 'x', AWS_SECRET_ACCESS_KEY: 'y', AWS_REGION: 'us-east-1', HOME: mkdtempSync(join(tmpdir(), 'home-')) };
  });
  afterAll(async () => {
    await proxy?.stop();
    await moto?.stop();
  });

  const run = async (targets: { databaseHost?: string; redisAddr?: string }) => (await runProbes(awsProbes({ env, targets }).filter((p) => p.id === 'aws.rds' || p.id === 'aws.elasticache'), { timeoutMs: 20_000 })).flatMap((r) => r.checks);

  it('RDS: require_secure_transport ON in the parameter group fails for database.host only, with the parameter group fix', async () => {
    const checks = await run({ databaseHost: endpoints['strict-db'] });
    const strict = failedCheck(checks, 'aws.rds.strict-db');
    expect(strict.title).toBe('RDS strict-db (database.host)');
    expect(strict.facts).toMatchObject({ parameterGroup: 'strict', requireSecureTransport: '1', requireSecureTransportSource: 'parameter-group' });
    expect(strict.detail).toContain('require_secure_transport is ON in parameter group strict: Bucketeer v2.3.0 connects to MySQL without TLS');
    expect(strict.hint).toContain('ParameterName=require_secure_transport,ParameterValue=0');
    // Same group, not the one the answers point at: reported, not failed.
    const other = byId(checks, 'aws.rds.other-strict-db')!;
    expect(other.status).toBe('pass');
    expect(other.detail).toContain('not database.host');
    const lax = byId(checks, 'aws.rds.lax-db')!;
    expect(lax.facts).toMatchObject({ requireSecureTransport: '0' });
    expect(byId(await run({ databaseHost: endpoints['lax-db'] }), 'aws.rds.lax-db')!.status).toBe('pass');
  });

  it('RDS default parameter groups: require_secure_transport is ON by default from MySQL 8.4', () => {
    expect(documentedRequireSecureTransport('default.mysql8.4')).toBe('1');
    expect(documentedRequireSecureTransport('default.mysql8.0')).toBe('0');
  });

  it('ElastiCache: transit encryption required and an AUTH token fail for redis.addr, preferred warns, others are only reported', async () => {
    const at = (id: string) => run({ redisAddr: `${endpoints[id]}:6379` });
    const tls = failedCheck(await at('tls-redis'), 'aws.elasticache.tls-redis');
    expect(tls.detail).toContain("in-transit encryption is required (TransitEncryptionEnabled): Bucketeer v2.3.0's Redis client has no TLS");
    expect(tls.hint).toContain('or use in-cluster Redis');
    const authChecks = await at('auth-redis');
    const auth = failedCheck(authChecks, 'aws.elasticache.auth-redis');
    expect(auth.detail).toContain('AuthTokenEnabled');
    expect(auth.detail).toContain('never sends a password');
    // Not redis.addr: reported, not failed (moto keeps no engine version or parameter group on
    // the groups, so their baseline is a warning about those).
    const notTarget = byId(authChecks, 'aws.elasticache.tls-redis')!;
    expect(notTarget.status).not.toBe('fail');
    expect(notTarget.detail).toContain('(not redis.addr, so not checked further)');
    const pref = byId(await at('pref-redis'), 'aws.elasticache.pref-redis')!;
    expect(pref.status).toBe('warn');
    expect(pref.detail).toContain('TransitEncryptionMode is preferred');
    const plain = byId(await at('plain-redis'), 'aws.elasticache.plain-redis')!;
    expect(plain.status).not.toBe('fail');
    expect(plain.detail).not.toMatch(/TLS|AUTH|transit/i);
  });

  it('ElastiCache Serverless is always TLS: redis.addr pointing at one fails', async () => {
    const checks = await run({ redisAddr: 'events-serverless-abc.serverless.use1.cache.amazonaws.com:6379' });
    const sc = failedCheck(checks, 'aws.elasticache-serverless.events-serverless');
    expect(sc.detail).toContain('serverless caches accept only TLS');
    expect(sc.hint).toContain('use in-cluster Redis');
    expect(byId(await run({}), 'aws.elasticache-serverless.events-serverless')!.status).toBe('pass');
  });
});
