// The prepare steps and the preflight connection checks connect the way Bucketeer v2.3.0 does,
// against real servers that insist on more:
// - MySQL without TLS: upstream pkg/storage/v2/mysql/client.go builds its DSN with only
//   `collation=utf8mb4_bin` (no tls parameter) and a failed PingContext ends NewClient.
// - Redis without TLS or AUTH: upstream pkg/redis/v3/redis.go fills goredis Options with no
//   TLSConfig, and its WithPassword option has no caller, so no password is ever sent.
// - Redis mode: the same file's explicit `standalone`/`cluster` mode turns its detection off.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Answers } from '../../src/answers/schema.js';
import { connectionChecks, prepareChecks } from '../../src/doctor/prepare.js';
import { mysqlConnector, redisConnector } from '../../src/prepare/adapters.js';
import { checksFromJobLog, MYSQL_SCRIPT, REDIS_SCRIPT } from '../../src/prepare/job.js';
import { databaseProgram, programFiles, warehouseMysqlProgram } from '../../src/prepare/sql.js';
import { TransportRefused } from '../../src/prepare/transport.js';
import { byId } from '../helpers/checks.js';
import { answers, DATABASE_CHECK_IDS, gcpAnswers, mariadbMissing, opensslMissing, redisMissing, runJobScript, startMariadb, startRedis, which, type Peer } from './peers.js';

const sources = { env: { BKT_DB_PASSWORD: 'pw' }, baseDir: process.cwd() };
/** preflight's connection checks for these answers, straight from this machine. */
const checkConnections = (a: Answers) => connectionChecks({ answers: a, env: {}, sources, timeoutMs: 5000 });

/** How a direct connection fails: it must be refused as a transport Bucketeer cannot use. */
async function refusal(connect: () => Promise<unknown>): Promise<TransportRefused> {
  const err = await connect().catch((e: unknown) => e);
  expect(err).toBeInstanceOf(TransportRefused);
  return err as TransportRefused;
}

const redisGap = redisMissing() ?? opensslMissing();
if (redisGap) console.warn(`SKIPPING Redis transport tests: ${redisGap}`);

describe.skipIf(!!redisGap)('Redis that wants AUTH or TLS', () => {
  let authed: Peer;
  let tlsOnly: Peer;
  let plain: Peer;
  let cluster: Peer;
  beforeAll(async () => {
    [authed, tlsOnly, plain, cluster] = await Promise.all([
      startRedis('noeviction', { requirepass: 'sekret' }),
      startRedis('noeviction', { tlsOnly: true }),
      startRedis('noeviction'),
      startRedis('noeviction', { cluster: true }),
    ]);
  });
  afterAll(async () => {
    await Promise.all([authed, tlsOnly, plain, cluster].map((p) => p?.stop()));
  });
  const at = (p: Peer, over: { clusterMode?: boolean; platform?: 'aws' } = {}) =>
    answers({ redis: { mode: 'external', addr: `127.0.0.1:${p.port}`, clusterMode: over.clusterMode ?? false }, ...(over.platform ? { platform: 'aws', aws: { region: 'us-east-1' } } : {}) });

  it('requirepass: the direct connection names AUTH and why Bucketeer cannot use it', async () => {
    const a = at(authed);
    const err = await refusal(redisConnector({ addr: a.redis.addr!, timeoutMs: 5000, answers: a }));
    expect(err.message).toContain('requires AUTH');
    expect(err.message).toContain('Bucketeer v2.3.0 never sends a password (pkg/redis/v3/redis.go)');
    expect(err.hint).toContain('use in-cluster Redis');
    const checks = await checkConnections(a);
    expect(byId(checks, 'redis.transport')).toMatchObject({ status: 'fail', facts: { cause: 'redis-auth' } });
    // doctor's prepare checks (the redis step) say the same, not "check redis.addr".
    const doctor = await prepareChecks({ answers: a, env: {}, sources, timeoutMs: 5000 });
    expect(byId(doctor, 'redis.doctor')?.detail).toContain('requires AUTH');
  });

  it('requirepass: the in-cluster redis-cli script names AUTH too', async () => {
    if (!which('redis-cli')) return void console.warn('SKIPPING Redis Job script run: no redis-cli');
    const a = at(authed, { platform: 'aws' });
    const checks = checksFromJobLog('redis', a, await runJobScript(REDIS_SCRIPT, {}, { REDIS_HOST: '127.0.0.1', REDIS_PORT: String(authed.port) }), 'apply');
    expect(checks).toHaveLength(1);
    expect(checks[0]).toMatchObject({ id: 'redis.transport', status: 'fail', facts: { cause: 'redis-auth' } });
    expect(checks[0].detail).toContain('Bucketeer v2.3.0 never sends a password (pkg/redis/v3/redis.go)');
    expect(checks[0].hint).toContain('ElastiCache');
  });

  it('TLS-only: a dropped plain connection is named as TLS once Redis answers over TLS on the same port', async () => {
    const a = at(tlsOnly);
    const err = await refusal(redisConnector({ addr: a.redis.addr!, timeoutMs: 5000, answers: a }));
    expect(err.message).toMatch(/speaks only TLS \(it answered over TLSv1\.[23]/);
    expect(err.message).toContain('no TLS option (pkg/redis/v3/redis.go)');
    const checks = await checkConnections(a);
    expect(byId(checks, 'redis.transport')).toMatchObject({ status: 'fail', facts: { cause: 'redis-tls' } });
    if (!which('redis-cli')) return void console.warn('SKIPPING Redis Job script run: no redis-cli');
    const fromJob = checksFromJobLog('redis', a, await runJobScript(REDIS_SCRIPT, {}, { REDIS_HOST: '127.0.0.1', REDIS_PORT: String(tlsOnly.port) }), 'apply');
    expect(fromJob[0]).toMatchObject({ id: 'redis.transport', status: 'fail', facts: { cause: 'redis-tls' } });
    expect(fromJob[0].detail).toContain('speaks only TLS');
  });

  it('a plain server passes; the cluster mode in the answers is compared with INFO cluster', async () => {
    const ok = await checkConnections(at(plain));
    expect(byId(ok, 'redis.transport')?.status).toBe('pass');
    expect(byId(ok, 'redis.cluster-mode')).toMatchObject({ status: 'pass', facts: { clusterEnabled: false } });
    const wrong = await checkConnections(at(plain, { clusterMode: true }));
    expect(byId(wrong, 'redis.cluster-mode')).toMatchObject({ status: 'fail', hint: 'set redis.clusterMode: false in the answers file' });
    const clustered = await checkConnections(at(cluster));
    expect(byId(clustered, 'redis.cluster-mode')?.status).toBe('fail');
    expect(byId(clustered, 'redis.cluster-mode')?.detail).toContain('cluster_enabled:1');
    expect(byId(await checkConnections(at(cluster, { clusterMode: true })), 'redis.cluster-mode')?.status).toBe('pass');
    if (!which('redis-cli')) return void console.warn('SKIPPING Redis Job script run: no redis-cli');
    const fromJob = checksFromJobLog('redis', at(cluster), await runJobScript(REDIS_SCRIPT, {}, { REDIS_HOST: '127.0.0.1', REDIS_PORT: String(cluster.port) }), 'apply');
    expect(byId(fromJob, 'redis.cluster-mode')?.status).toBe('fail');
  });
});

const mysqlGap = mariadbMissing() ?? opensslMissing();
if (mysqlGap) console.warn(`SKIPPING MySQL transport tests: ${mysqlGap}`);

describe.skipIf(!!mysqlGap)('MariaDB with require_secure_transport=ON', () => {
  let strict: Awaited<ReturnType<typeof startMariadb>>;
  let lax: Awaited<ReturnType<typeof startMariadb>>;
  beforeAll(async () => {
    [strict, lax] = await Promise.all([startMariadb({ requireSecureTransport: true }), startMariadb()]);
    for (const server of [strict, lax]) {
      const root = await mysqlConnector({ host: '', port: 0, socketPath: server.socket, user: 'root', password: '' })();
      await root.query("CREATE USER 'bkt'@'%' IDENTIFIED BY 'pw'");
      await root.query("GRANT ALL PRIVILEGES ON *.* TO 'bkt'@'%'");
      await root.close();
    }
  });
  afterAll(async () => {
    await Promise.all([strict?.stop(), lax?.stop()]);
  });
  const at = (port: number) =>
    answers({
      database: { mode: 'external', host: '127.0.0.1', port, name: 'bucketeer', user: 'bkt', password: { env: 'BKT_DB_PASSWORD' } },
    });
  const on = (port: number, platform: 'aws' | 'gcp' | 'other' = 'other') => {
    const database = at(port).database;
    if (platform === 'gcp') return gcpAnswers({ database });
    return platform === 'aws' ? answers({ database, platform: 'aws', aws: { region: 'us-east-1' } }) : at(port);
  };

  it('the direct connection (mysql2, no TLS) is refused and named as secure transport, with the RDS fix', async () => {
    // MariaDB answers "Access denied" here; the diagnostic TLS login reads require_secure_transport.
    const a = on(strict.port, 'aws');
    const err = await refusal(mysqlConnector({ host: '127.0.0.1', port: strict.port, user: 'bkt', password: 'pw', timeoutMs: 5000, answers: a }));
    expect(err.message).toContain('requires secure transport (require_secure_transport=ON)');
    expect(err.message).toContain('without TLS');
    expect(err.hint).toContain('ParameterName=require_secure_transport,ParameterValue=0');
    const checks = await checkConnections(a);
    expect(byId(checks, 'database.transport')).toMatchObject({ status: 'fail', facts: { cause: 'secure-transport' } });
  });

  it('a wrong password on the same server is not blamed on TLS', async () => {
    const err = await mysqlConnector({ host: '127.0.0.1', port: strict.port, user: 'bkt', password: 'nope', timeoutMs: 5000 })().catch((e: unknown) => e);
    expect(err).not.toBeInstanceOf(TransportRefused);
    expect((err as Error).message).toContain('Access denied');
  });

  it('the in-cluster mysql script connects without TLS and names secure transport (database and warehouse)', async () => {
    if (!which('mysql')) return void console.warn('SKIPPING MySQL Job script run: no mysql client');
    const a = on(strict.port, 'gcp');
    const env = { DB_HOST: '127.0.0.1', DB_PORT: String(strict.port), DB_USER: 'bkt', MYSQL_PWD: 'pw', MODE: 'check', GRANTS: '1' };
    const db = checksFromJobLog('database', a, await runJobScript(MYSQL_SCRIPT, programFiles(databaseProgram('bucketeer')), env), 'check');
    expect(db).toHaveLength(1);
    expect(db[0]).toMatchObject({ id: 'database.transport', status: 'fail', facts: { cause: 'secure-transport' } });
    expect(db[0].hint).toContain('gcloud sql instances patch INSTANCE --ssl-mode=ALLOW_UNENCRYPTED_AND_ENCRYPTED');
    const wh = checksFromJobLog('warehouse', a, await runJobScript(MYSQL_SCRIPT, programFiles(warehouseMysqlProgram('bucketeer')), { ...env, GRANTS: '0' }), 'check');
    expect(wh[0]).toMatchObject({ id: 'warehouse.transport', status: 'fail' });
  });

  it('a server without the requirement passes and reports require_secure_transport', async () => {
    const checks = await checkConnections(at(lax.port));
    expect(byId(checks, 'database.transport')).toMatchObject({ status: 'pass', facts: { requireSecureTransport: '0' } });
    expect(byId(checks, 'database.transport')?.detail).toContain('require_secure_transport is OFF');
    if (!which('mysql')) return;
    const env = { DB_HOST: '127.0.0.1', DB_PORT: String(lax.port), DB_USER: 'bkt', MYSQL_PWD: 'pw', MODE: 'check', GRANTS: '1' };
    const db = checksFromJobLog('database', at(lax.port), await runJobScript(MYSQL_SCRIPT, programFiles(databaseProgram('bucketeer')), env), 'check');
    expect(db.map((c) => c.id)).toEqual(DATABASE_CHECK_IDS);
  });
});

describe('connection checks without a reachable server', () => {
  it('skip with the reason (the prepare Job checks from inside the cluster); in-cluster servers are not checked', async () => {
    const a = answers({ redis: { mode: 'external', addr: '10.255.0.1:6379' } });
    const checks = await connectionChecks({ answers: a, env: {}, sources, timeoutMs: 500, reachable: async () => false });
    expect(checks.map((c) => [c.id, c.status])).toEqual([
      ['database.transport', 'skip'],
      ['redis.transport', 'skip'],
    ]);
    expect(byId(checks, 'redis.transport')?.detail).toContain("not reachable from this machine (a private network?); install's prepare Job checks it from inside the cluster");
    const inCluster = await connectionChecks({ answers: answers({ database: { mode: 'in-cluster' }, redis: { mode: 'in-cluster' } }), env: {}, sources });
    expect(inCluster.every((c) => c.status === 'skip')).toBe(true);
  });
});
