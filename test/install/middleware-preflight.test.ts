// Acceptance: a MySQL or Redis that Bucketeer v2.3.0 cannot use fails `doctor --pre --answers F`
// naming the cause, and the same answers stop `install` in its preflight, before any change.
// Bucketeer's connections, read upstream at v2.3.0: pkg/storage/v2/mysql/client.go (a DSN with
// only collation=utf8mb4_bin: no TLS) and pkg/redis/v3/redis.go (no TLS config; WithPassword has
// no caller, so no AUTH).
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import type { Check } from '../../src/checks/types.js';
import { runCli } from '../helpers/cli.js';
import { mariadbMissing, opensslMissing, redisMissing, startMariadb, startRedis, type Peer } from '../prepare/peers.js';
import { motoAvailable, startMoto } from '../probes/peers.js';
import { example, helm, helmHistory, installedRelease, runInstall, startCli, startHarness, upgradeArgs, type Harness } from './helpers.js';

const gap = redisMissing() ?? mariadbMissing() ?? opensslMissing() ?? (helm ? undefined : 'helm not found');
if (gap) console.warn(`SKIPPING middleware preflight acceptance: ${gap}`);

function answersYaml(o: { mysqlPort: number; redisPort: number }): string {
  return `version: 1
platform: other
database:
  mode: external
  host: 127.0.0.1
  port: ${o.mysqlPort}
  name: bucketeer
  user: bkt
  password: {env: BUCKETEER_DB_PASSWORD}
redis:
  mode: external
  addr: 127.0.0.1:${o.redisPort}
messaging:
  backend: redis-stream
  ordering: per-partition
  partitions: 16
warehouse:
  type: mysql
ingress:
  webHost: bucketeer.example.com
  apiHost: api.bucketeer.example.com
auth:
  demoSignIn:
    enabled: true
    email: admin@example.com
    password: {env: BUCKETEER_DEMO_PASSWORD}
`;
}

describe.skipIf(!!gap)('middleware Bucketeer cannot use: doctor --pre fails, install stops before any change', () => {
  let h: Harness;
  let strictDb: Awaited<ReturnType<typeof startMariadb>>;
  let authRedis: Peer;
  let tlsRedis: Peer;
  let plainRedis: Peer;
  const files: Record<string, string> = {};

  beforeAll(async () => {
    [h, strictDb, authRedis, tlsRedis, plainRedis] = await Promise.all([
      startHarness(),
      startMariadb({ requireSecureTransport: true }),
      startRedis('noeviction', { requirepass: 'sekret' }),
      startRedis('noeviction', { tlsOnly: true }),
      startRedis('noeviction'),
    ]);
    const { mysqlConnector } = await import('../../src/prepare/adapters.js');
    const root = await mysqlConnector({ host: '', port: 0, socketPath: strictDb.socket, user: 'root', password: '' })();
    await root.query(`CREATE USER 'bkt'@'%' IDENTIFIED BY '${h.env.BUCKETEER_DB_PASSWORD}'`);
    await root.query("GRANT ALL PRIVILEGES ON *.* TO 'bkt'@'%'");
    await root.close();
    // A MySQL port nobody listens on keeps the Redis cases about Redis (skipped: not reachable).
    const { freePort } = await import('../helpers/ports.js');
    const noMysql = await freePort();
    files.auth = join(h.dir, 'auth.yaml');
    files.tls = join(h.dir, 'tls.yaml');
    files.mysql = join(h.dir, 'mysql.yaml');
    writeFileSync(files.auth, answersYaml({ mysqlPort: noMysql, redisPort: authRedis.port }));
    writeFileSync(files.tls, answersYaml({ mysqlPort: noMysql, redisPort: tlsRedis.port }));
    writeFileSync(files.mysql, answersYaml({ mysqlPort: strictDb.port, redisPort: plainRedis.port }));
    // An installed release's answers, moved to the Redis that requires AUTH (the rest in-cluster).
    const moved = parse(readFileSync(example('in-cluster'), 'utf8'));
    moved.redis = { mode: 'external', addr: `127.0.0.1:${authRedis.port}` };
    files.upgradeAuth = join(h.dir, 'upgrade-auth.yaml');
    writeFileSync(files.upgradeAuth, stringify(moved));
  });
  afterAll(async () => {
    await Promise.all([h?.close(), strictDb?.stop(), authRedis?.stop(), tlsRedis?.stop(), plainRedis?.stop()]);
  });

  const doctorPre = async (file: string) => {
    const r = await runCli(['doctor', '--pre', '--answers', file, '--kubeconfig', h.sim.kubeconfigPath, '--kube-context', 'kubesim', '-o', 'json'], { env: h.env });
    const report = JSON.parse(r.stdout) as { status: string; checks: Check[] };
    return { code: r.code, report, check: (id: string) => report.checks.find((c) => c.id === id) };
  };

  it('doctor --pre: a Redis with requirepass fails naming AUTH', async () => {
    const r = await doctorPre(files.auth);
    expect(r.code).toBe(1);
    expect(r.check('redis.transport')).toMatchObject({ status: 'fail' });
    expect(r.check('redis.transport')!.detail).toContain('requires AUTH');
    expect(r.check('redis.transport')!.detail).toContain('Bucketeer v2.3.0 never sends a password (pkg/redis/v3/redis.go)');
    expect(r.check('database.transport')?.status).toBe('skip');
  });

  it('doctor --pre: a TLS-only Redis fails naming TLS', async () => {
    const r = await doctorPre(files.tls);
    expect(r.code).toBe(1);
    expect(r.check('redis.transport')).toMatchObject({ status: 'fail', facts: { cause: 'redis-tls' } });
    expect(r.check('redis.transport')!.detail).toContain('speaks only TLS');
  });

  it('doctor --pre: a MySQL with require_secure_transport=ON fails naming secure transport; the plain Redis passes', async () => {
    const r = await doctorPre(files.mysql);
    expect(r.code).toBe(1);
    expect(r.check('database.transport')).toMatchObject({ status: 'fail', facts: { cause: 'secure-transport' } });
    expect(r.check('database.transport')!.detail).toContain('requires secure transport (require_secure_transport=ON)');
    expect(r.check('redis.transport')?.status).toBe('pass');
  });

  it.each([
    ['auth', 'requires AUTH'],
    ['tls', 'speaks only TLS'],
    ['mysql', 'requires secure transport'],
  ])('install with the %s answers stops in preflight (exit 3) naming the cause; no namespace is created', async (name, cause) => {
    const ns = `mw-${name}`;
    const r = await runInstall(h, { namespace: ns, answers: files[name] });
    expect(r.code).toBe(3);
    expect(r.stderr).toContain('preflight:');
    expect(r.stderr).toContain(cause);
    expect(h.sim.objects.get('namespace', undefined, ns)).toBeUndefined();
  });

  // upgrade reads its answers from the cluster or --answers, so these checks run once they are
  // settled (after the plan is built), before anything changes: the same exit 3 and message.
  it('upgrade to answers whose Redis requires AUTH stops before any change (exit 3, as install); the release history is unchanged', async () => {
    const ns = 'mw-upgrade';
    const history = await installedRelease(h, ns);
    const upgrade = (extra: string[]) => startCli(upgradeArgs(h, ns, ['--yes', '--answers', files.upgradeAuth, ...extra]), h.env).done;
    const r = await upgrade([]);
    expect(r.code, r.stderr).toBe(3);
    expect(r.stderr).toMatch(/^Error: preflight: .*requires AUTH/m);
    expect(r.stderr).toContain('Bucketeer v2.3.0 never sends a password (pkg/redis/v3/redis.go)');
    // install's message for the same Redis, word for word.
    const install = await runInstall(h, { namespace: 'mw-upgrade-install', answers: files.upgradeAuth });
    expect(install.code).toBe(3);
    const errorLine = (stderr: string) => stderr.split('\n').find((l) => l.startsWith('Error: '));
    expect(errorLine(r.stderr)).toBe(errorLine(install.stderr));

    const j = await upgrade(['-o', 'json']);
    expect(j.code).toBe(3);
    const doc = JSON.parse(j.stdout) as { status: string; exitCode: number; applied: string[]; preflight: Check[] };
    expect(doc).toMatchObject({ status: 'failed', exitCode: 3, applied: [] });
    expect(doc.preflight.find((c) => c.id === 'redis.transport')).toMatchObject({ status: 'fail', detail: expect.stringContaining('requires AUTH') });
    expect(doc.preflight.find((c) => c.id === 'preflight.rbac')?.status).toBe('pass');
    expect(await helmHistory(h, ns)).toEqual(history);
  });
});

// The cloud's own settings, read before any change: an RDS instance at database.host whose
// parameter group sets require_secure_transport=1 (moto), unreachable from here (so only the
// probe can tell).
describe.skipIf(!helm || !motoAvailable)('install on AWS: an RDS parameter group requiring TLS stops the install before any change', () => {
  let h: Harness;
  let moto: Awaited<ReturnType<typeof startMoto>>;
  let file: string;
  let awsEnv: NodeJS.ProcessEnv;
  beforeAll(async () => {
    [h, moto] = await Promise.all([startHarness(), startMoto()]);
    const rds = await import('@aws-sdk/client-rds');
    const c = new rds.RDSClient({ region: 'us-east-1', endpoint: moto.url, credentials: { accessKeyId: 'x', secretAccessKey: 'y' } });
    await c.send(new rds.CreateDBParameterGroupCommand({ DBParameterGroupName: 'strict', DBParameterGroupFamily: 'mysql8.0', Description: 'tls only' }));
    await c.send(new rds.ModifyDBParameterGroupCommand({ DBParameterGroupName: 'strict', Parameters: [{ ParameterName: 'require_secure_transport', ParameterValue: '1', ApplyMethod: 'immediate' }] }));
    const db = await c.send(new rds.CreateDBInstanceCommand({ DBInstanceIdentifier: 'bucketeer-db', Engine: 'mysql', EngineVersion: '8.0.35', DBInstanceClass: 'db.t3.micro', MasterUsername: 'admin', MasterUserPassword: 'password123', AllocatedStorage: 20, DBParameterGroupName: 'strict' }));
    c.destroy();
    file = join(h.dir, 'aws.yaml');
    const yaml = answersYaml({ mysqlPort: 3306, redisPort: 6379 })
      .replace('platform: other', 'platform: aws\naws:\n  region: us-east-1')
      .replace('host: 127.0.0.1', `host: ${db.DBInstance!.Endpoint!.Address}`)
      .replace('addr: 127.0.0.1:6379', 'addr: redis.invalid:6379');
    writeFileSync(file, yaml);
    awsEnv = { AWS_ENDPOINT_URL: moto.url, AWS_ACCESS_KEY_ID: 'x', AWS_SECRET_ACCESS_KEY: 'y', AWS_EC2_METADATA_DISABLED: 'true' };
  });
  afterAll(async () => {
    await Promise.all([h?.close(), moto?.stop()]);
  });

  it('exit 3 naming require_secure_transport and the parameter group fix; no namespace created', async () => {
    const r = await runInstall(h, { namespace: 'mw-rds', answers: file, env: awsEnv });
    expect(r.code).toBe(3);
    expect(r.stderr).toContain('require_secure_transport is ON in parameter group strict');
    expect(r.stderr).toContain('ParameterName=require_secure_transport,ParameterValue=0');
    expect(h.sim.objects.get('namespace', undefined, 'mw-rds')).toBeUndefined();
  });
});
