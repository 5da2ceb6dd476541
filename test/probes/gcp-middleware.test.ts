// GCP settings Bucketeer v2.3.0 cannot use, tied to the instance the answers point at, against a
// local server speaking the Cloud SQL Admin and Memorystore REST paths. Upstream at v2.3.0:
// pkg/storage/v2/mysql/client.go (MySQL DSN without TLS, no Cloud SQL connector) and
// pkg/redis/v3/redis.go (no TLS config, no password or IAM token sent).
import { OAuth2Client } from 'google-auth-library';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gcpProbes } from '../../src/probes/gcp.js';
import { runProbes } from '../../src/probes/runner.js';
import { byId, failedCheck } from '../helpers/checks.js';
import { json, startHttp } from './peers.js';


function token(): OAuth2Client {
  const c = new OAuth2Client();
  c.setCredentials({ access_token: 'test-token', expiry_date: Date.now() + 3_600_000 });
  return c;
}

const flags = { databaseFlags: [{ name: 'log_bin_trust_function_creators', value: 'on' }] };

describe('GCP middleware settings against a local REST server', () => {
  let gcp: Awaited<ReturnType<typeof startHttp>>;
  beforeAll(async () => {
    gcp = await startHttp((req, _body, res) => {
      const path = new URL(req.url ?? '/', 'http://x').pathname;
      if (path === '/v1/projects/my-proj/instances') {
        const sql = (name: string, ip: string, settings: object) => ({ name, databaseVersion: 'MYSQL_8_0', region: 'asia-northeast1', ipAddresses: [{ type: 'PRIVATE', ipAddress: ip }], settings: { ...flags, ...settings } });
        return json(res, 200, {
          items: [
            sql('encrypted-sql', '10.0.0.5', { ipConfiguration: { sslMode: 'ENCRYPTED_ONLY' } }),
            sql('certs-sql', '10.0.0.6', { ipConfiguration: { sslMode: 'TRUSTED_CLIENT_CERTIFICATE_REQUIRED' } }),
            sql('legacy-ssl-sql', '10.0.0.7', { ipConfiguration: { requireSsl: true } }),
            sql('proxy-sql', '10.0.0.8', { connectorEnforcement: 'REQUIRED', ipConfiguration: { sslMode: 'ALLOW_UNENCRYPTED_AND_ENCRYPTED' } }),
            sql('plain-sql', '10.0.0.9', { ipConfiguration: { sslMode: 'ALLOW_UNENCRYPTED_AND_ENCRYPTED' }, connectorEnforcement: 'NOT_REQUIRED' }),
          ],
        });
      }
      if (path === '/v1/projects/my-proj/locations/-/instances') {
        const mem = (name: string, host: string, extra: object) => ({ name: `projects/my-proj/locations/asia-northeast1/instances/${name}`, redisVersion: 'REDIS_7_0', host, port: 6379, tier: 'BASIC', redisConfigs: { 'maxmemory-policy': 'noeviction' }, ...extra });
        return json(res, 200, {
          instances: [mem('auth-redis', '10.0.1.5', { authEnabled: true }), mem('tls-redis', '10.0.1.6', { transitEncryptionMode: 'SERVER_AUTHENTICATION', port: 6378 }), mem('plain-redis', '10.0.1.7', { transitEncryptionMode: 'DISABLED', authEnabled: false })],
        });
      }
      if (path === '/v1/projects/my-proj/locations/-/clusters') {
        return json(res, 200, {
          clusters: [
            { name: 'projects/my-proj/locations/asia-northeast1/clusters/iam-cluster', authorizationMode: 'AUTH_MODE_IAM_AUTH', transitEncryptionMode: 'TRANSIT_ENCRYPTION_MODE_SERVER_AUTHENTICATION', discoveryEndpoints: [{ address: '10.0.2.5', port: 6379 }] },
            { name: 'projects/my-proj/locations/asia-northeast1/clusters/open-cluster', authorizationMode: 'AUTH_MODE_DISABLED', transitEncryptionMode: 'TRANSIT_ENCRYPTION_MODE_DISABLED', discoveryEndpoints: [{ address: '10.0.2.6', port: 6379 }] },
          ],
        });
      }
      json(res, 404, { error: { code: 404, message: `fake: no route ${path}`, status: 'NOT_FOUND' } });
    });
  });
  afterAll(async () => {
    await gcp?.stop();
  });

  const run = async (targets: { databaseHost?: string; redisAddr?: string }) =>
    (
      await runProbes(
        gcpProbes({ env: { BUCKETEER_INSTALL_GCP_ENDPOINT: gcp.url }, project: 'my-proj', region: 'asia-northeast1', authClient: token(), targets }).filter((p) => p.id === 'gcp.cloudsql' || p.id === 'gcp.memorystore'),
        { timeoutMs: 10_000 },
      )
    ).flatMap((r) => r.checks);

  it.each([
    ['encrypted-sql', '10.0.0.5', 'ipConfiguration.sslMode is ENCRYPTED_ONLY', 'gcloud sql instances patch encrypted-sql --ssl-mode=ALLOW_UNENCRYPTED_AND_ENCRYPTED'],
    ['certs-sql', '10.0.0.6', 'ipConfiguration.sslMode is TRUSTED_CLIENT_CERTIFICATE_REQUIRED', '--ssl-mode=ALLOW_UNENCRYPTED_AND_ENCRYPTED'],
    ['legacy-ssl-sql', '10.0.0.7', 'ENCRYPTED_ONLY (requireSsl)', '--ssl-mode=ALLOW_UNENCRYPTED_AND_ENCRYPTED'],
    ['proxy-sql', '10.0.0.8', 'connectorEnforcement is REQUIRED', 'gcloud sql instances patch proxy-sql --connector-enforcement=NOT_REQUIRED'],
  ])('Cloud SQL %s at database.host fails naming the setting and the fix', async (name, ip, problem, fix) => {
    const checks = await run({ databaseHost: ip });
    const c = failedCheck(checks, `gcp.cloudsql.${name}`);
    expect(c.title).toContain('(database.host)');
    expect(c.detail).toContain(problem);
    expect(c.detail).toContain('Bucketeer v2.3.0');
    expect(c.hint).toContain(fix);
    // The other unusable instances are reported, not failed.
    expect(checks.filter((x) => x.id.startsWith('gcp.cloudsql.') && x.status === 'fail').map((x) => x.id)).toEqual([`gcp.cloudsql.${name}`]);
  });

  it('Cloud SQL that accepts plain connections passes at database.host', async () => {
    expect(byId(await run({ databaseHost: '10.0.0.9' }), 'gcp.cloudsql.plain-sql')).toMatchObject({ status: 'pass', facts: { sslMode: 'ALLOW_UNENCRYPTED_AND_ENCRYPTED', connectorEnforcement: 'NOT_REQUIRED' } });
  });

  it('Memorystore with AUTH or transit encryption at redis.addr fails; a plain one passes', async () => {
    const auth = failedCheck(await run({ redisAddr: '10.0.1.5:6379' }), 'gcp.memorystore.auth-redis');
    expect(auth.detail).toContain('AUTH is enabled (authEnabled): Bucketeer v2.3.0 never sends a password');
    expect(auth.hint).toContain('gcloud redis instances update auth-redis --region asia-northeast1 --no-enable-auth');
    const tlsChecks = await run({ redisAddr: '10.0.1.6:6378' });
    const tls = failedCheck(tlsChecks, 'gcp.memorystore.tls-redis');
    expect(tls.detail).toContain('transitEncryptionMode SERVER_AUTHENTICATION');
    expect(tls.hint).toContain('use in-cluster Redis');
    expect(byId(tlsChecks, 'gcp.memorystore.auth-redis')!.status).toBe('pass');
    expect(byId(tlsChecks, 'gcp.memorystore.auth-redis')!.detail).toContain('not redis.addr');
    expect(byId(await run({ redisAddr: '10.0.1.7:6379' }), 'gcp.memorystore.plain-redis')!.status).toBe('pass');
  });

  it('Memorystore Cluster with IAM auth and TLS at redis.addr fails; an open one passes', async () => {
    const checks = await run({ redisAddr: '10.0.2.5:6379' });
    const iam = failedCheck(checks, 'gcp.memorystore-cluster.iam-cluster');
    expect(iam.detail).toContain('AUTH_MODE_IAM_AUTH');
    expect(iam.detail).toContain('in-transit encryption is on');
    expect(iam.hint).toContain('--auth-mode=disabled --transit-encryption-mode=disabled');
    expect(byId(checks, 'gcp.memorystore-cluster.open-cluster')!.status).toBe('pass');
    expect(byId(await run({ redisAddr: '10.0.2.6:6379' }), 'gcp.memorystore-cluster.open-cluster')!.status).toBe('pass');
  });
});
