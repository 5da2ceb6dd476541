// GCP probes through the real client libraries (Resource Manager ProjectsClient over REST,
// google-auth-library requests) against a local server speaking the GCP REST paths, and the
// Pub/Sub emulator for topics and ordering.
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { OAuth2Client } from 'google-auth-library';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { detectGcp } from '../../src/probes/detect.js';
import { gcpProbes } from '../../src/probes/gcp.js';
import { quotaChecks } from '../../src/probes/advice.js';
import { mergeFacts, runProbes } from '../../src/probes/runner.js';
import type { Check } from '../../src/checks/types.js';
import { json, pubsubAvailable, startHttp, startPubsubEmulator, type Peer } from './peers.js';

const byId = (checks: Check[], id: string) => checks.find((c) => c.id === id);
const denied = (res: import('node:http').ServerResponse, permission: string) =>
  json(res, 403, { error: { code: 403, message: `Permission '${permission}' denied on resource`, status: 'PERMISSION_DENIED' } });

function token(): OAuth2Client {
  const c = new OAuth2Client();
  c.setCredentials({ access_token: 'test-token', expiry_date: Date.now() + 3_600_000 });
  return c;
}

describe('GCP probes against a local REST server', () => {
  let gcp: Awaited<ReturnType<typeof startHttp>>;
  const auth: string[] = [];
  beforeAll(async () => {
    gcp = await startHttp((req, _body, res) => {
      auth.push(String(req.headers.authorization));
      const path = new URL(req.url ?? '/', 'http://x').pathname;
      if (path.includes('/denied-proj')) {
        const perm = path.startsWith('/v3/') ? 'resourcemanager.projects.get' : 'cloudsql.instances.list';
        return denied(res, perm);
      }
      if (path === '/v3/projects/my-proj') return json(res, 200, { name: 'projects/123456789', projectId: 'my-proj', state: 'ACTIVE', displayName: 'My project' });
      if (path === '/v1/projects/my-proj/services') return json(res, 200, { services: ['sqladmin', 'redis', 'pubsub', 'container'].map((s) => ({ name: `projects/123456789/services/${s}.googleapis.com`, config: { name: `${s}.googleapis.com` }, state: 'ENABLED' })) });
      if (path === '/v1/projects/my-proj/instances') {
        return json(res, 200, {
          items: [
            { name: 'bucketeer-sql', databaseVersion: 'MYSQL_8_0', region: 'asia-northeast1', ipAddresses: [{ type: 'PRIVATE', ipAddress: '10.0.0.5' }], settings: { databaseFlags: [{ name: 'log_bin_trust_function_creators', value: 'on' }] } },
            { name: 'old-sql', databaseVersion: 'MYSQL_5_7', region: 'asia-northeast1', ipAddresses: [{ type: 'PRIMARY', ipAddress: '34.1.2.3' }] },
            { name: 'pg', databaseVersion: 'POSTGRES_15', region: 'asia-northeast1', ipAddresses: [] },
          ],
        });
      }
      if (path === '/v1/projects/my-proj/locations/-/instances') {
        return json(res, 200, {
          instances: [
            { name: 'projects/my-proj/locations/asia-northeast1/instances/events', redisVersion: 'REDIS_7_0', host: '10.0.1.5', port: 6379, tier: 'STANDARD_HA', redisConfigs: { 'maxmemory-policy': 'noeviction' } },
            { name: 'projects/my-proj/locations/asia-northeast1/instances/cache', redisVersion: 'REDIS_6_X', host: '10.0.1.6', port: 6379, tier: 'BASIC', redisConfigs: { 'maxmemory-policy': 'allkeys-lru' } },
            { name: 'projects/my-proj/locations/asia-northeast1/instances/plain', redisVersion: 'REDIS_7_2', host: '10.0.1.7', port: 6379, tier: 'BASIC' },
          ],
        });
      }
      if (path === '/compute/v1/projects/my-proj/regions/asia-northeast1') {
        return json(res, 200, { name: 'asia-northeast1', quotas: [{ metric: 'CPUS', limit: 24, usage: 24 }, { metric: 'SSD_TOTAL_GB', limit: 500, usage: 100 }, { metric: 'FIREWALLS', limit: 10, usage: 1 }] });
      }
      json(res, 404, { error: { code: 404, message: `fake: no route ${path}`, status: 'NOT_FOUND' } });
    });
  });
  afterAll(async () => {
    await gcp?.stop();
  });

  const probes = (project: string, extra: Partial<Parameters<typeof gcpProbes>[0]> = {}) =>
    gcpProbes({ env: { BUCKETEER_INSTALL_GCP_ENDPOINT: gcp.url }, project, region: 'asia-northeast1', authClient: token(), ...extra }).filter((p) => p.id !== 'gcp.pubsub');

  it('finds the project, enabled APIs, Cloud SQL, Memorystore and regional quotas', async () => {
    const results = await runProbes(probes('my-proj'), { timeoutMs: 10_000 });
    expect(results.map((r) => r.outcome)).toEqual(['ok', 'ok', 'ok', 'ok', 'ok']);
    const checks = results.flatMap((r) => r.checks);
    const facts = mergeFacts(results);
    expect(auth.every((a) => a === 'Bearer test-token')).toBe(true);

    expect(facts.gcp.project).toEqual({ id: 'my-proj', number: '123456789', state: 'ACTIVE' });
    expect(byId(checks, 'gcp.project')?.status).toBe('pass');
    expect(byId(checks, 'gcp.credentials')?.detail).toContain('OAuth2Client');

    expect(byId(checks, 'gcp.api.sqladmin')?.status).toBe('pass');
    expect(byId(checks, 'gcp.api.bigquery')).toMatchObject({ status: 'warn', hint: 'gcloud services enable bigquery.googleapis.com --project my-proj' });

    expect(facts.gcp.cloudSql?.map((i) => i.name)).toEqual(['bucketeer-sql', 'old-sql']);
    expect(byId(checks, 'gcp.cloudsql.bucketeer-sql')).toMatchObject({ status: 'pass', facts: { privateIp: '10.0.0.5' } });
    const old = byId(checks, 'gcp.cloudsql.old-sql')!;
    expect(old.status).toBe('fail');
    expect(old.detail).toMatch(/MySQL 8.*no private IP.*log_bin_trust_function_creators/);

    expect(byId(checks, 'gcp.memorystore.events')).toMatchObject({ status: 'pass', facts: { maxmemoryPolicy: 'noeviction', host: '10.0.1.5' } });
    const lru = byId(checks, 'gcp.memorystore.cache')!;
    expect(lru.status).toBe('fail');
    expect(lru.hint).toBe('gcloud redis instances update cache --region asia-northeast1 --update-redis-config maxmemory-policy=noeviction');
    // No redisConfigs: Memorystore's default policy applies, and it is not noeviction.
    expect(byId(checks, 'gcp.memorystore.plain')).toMatchObject({ status: 'fail', detail: expect.stringContaining('volatile-lru (Memorystore default)') });

    const cpus = quotaChecks(facts.quotas).find((c) => c.id === 'quota.compute/CPUS')!;
    expect(cpus).toMatchObject({ status: 'warn', detail: expect.stringContaining('24/24 used') });
    expect(facts.quotas.map((q) => q.code).sort()).toEqual(['compute/CPUS', 'compute/SSD_TOTAL_GB']);
  });

  it('a 403 names the missing permission and the role to grant', async () => {
    const results = await runProbes(probes('denied-proj').filter((p) => p.id === 'gcp.project' || p.id === 'gcp.cloudsql'), { timeoutMs: 10_000 });
    const checks = results.flatMap((r) => r.checks);
    const project = byId(checks, 'gcp.project')!;
    expect(project.status).toBe('fail');
    expect(project.detail).toContain('resourcemanager.projects.get');
    expect(project.hint).toContain('--role=roles/browser');
    const sql = byId(checks, 'gcp.cloudsql')!;
    expect(sql).toMatchObject({ status: 'fail', detail: 'permission denied: cloudsql.instances.list on project denied-proj' });
    expect(sql.hint).toContain('roles/cloudsql.viewer');
  });

  it('no credentials: one line and `gcloud auth application-default login`; resource probes skip', async () => {
    const home = mkdtempSync(join(tmpdir(), 'home-'));
    const results = await runProbes(gcpProbes({ env: { HOME: home, METADATA_SERVER_DETECTION: 'none', BUCKETEER_INSTALL_GCP_ENDPOINT: gcp.url }, project: 'my-proj' }), { timeoutMs: 10_000 });
    const checks = results.flatMap((r) => r.checks);
    expect(byId(checks, 'gcp.credentials')).toMatchObject({ status: 'fail', hint: 'gcloud auth application-default login' });
    expect(byId(checks, 'gcp.cloudsql')?.status).toBe('skip');
  });

  it('classifies the ADC source: key file -> JWT, gcloud user, metadata', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'adc-'));
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const keyFile = join(dir, 'key.json');
    writeFileSync(keyFile, JSON.stringify({ type: 'service_account', project_id: 'key-proj', private_key_id: '1', private_key: privateKey.export({ type: 'pkcs8', format: 'pem' }), client_email: 'installer@key-proj.iam.gserviceaccount.com', client_id: '1', token_uri: `${gcp.url}/token` }), { mode: 0o600 });
    expect(detectGcp({ GOOGLE_APPLICATION_CREDENTIALS: keyFile })).toMatchObject({ source: 'key-file', project: 'key-proj' });
    const userDir = join(dir, 'gcloud');
    const { mkdirSync } = await import('node:fs');
    mkdirSync(userDir);
    writeFileSync(join(userDir, 'application_default_credentials.json'), JSON.stringify({ type: 'authorized_user', client_id: 'a', client_secret: 'b', refresh_token: 'c', quota_project_id: 'q-proj' }));
    expect(detectGcp({ CLOUDSDK_CONFIG: userDir, HOME: dir })).toMatchObject({ source: 'gcloud-user', quotaProject: 'q-proj' });
    expect(detectGcp({ HOME: dir })).toMatchObject({ source: 'metadata' });
    expect(detectGcp({ HOME: dir }).project).toBeUndefined();

    // gcloud's own project setting, as `gcloud config get-value project` reads it: the active
    // configuration's [core] project; CLOUDSDK_CORE_PROJECT and the ADC env vars win over it.
    mkdirSync(join(userDir, 'configurations'));
    writeFileSync(join(userDir, 'configurations', 'config_default'), '[core]\naccount = me@example.com\nproject = default-proj\n');
    writeFileSync(join(userDir, 'configurations', 'config_work'), '[compute]\nregion = asia-northeast1\n\n[core]\nproject = work-proj\n');
    expect(detectGcp({ CLOUDSDK_CONFIG: userDir, HOME: dir })).toMatchObject({ project: 'default-proj', projectSource: 'gcloud-config' });
    writeFileSync(join(userDir, 'active_config'), 'work\n');
    expect(detectGcp({ CLOUDSDK_CONFIG: userDir, HOME: dir })).toMatchObject({ project: 'work-proj', projectSource: 'gcloud-config' });
    expect(detectGcp({ CLOUDSDK_CONFIG: userDir, HOME: dir, CLOUDSDK_ACTIVE_CONFIG_NAME: 'default' }).project).toBe('default-proj');
    expect(detectGcp({ CLOUDSDK_CONFIG: userDir, HOME: dir, CLOUDSDK_CORE_PROJECT: 'core-env' }).project).toBe('core-env');
    expect(detectGcp({ CLOUDSDK_CONFIG: userDir, HOME: dir, GOOGLE_CLOUD_PROJECT: 'env-proj' })).toMatchObject({ project: 'env-proj', projectSource: 'env' });
    // A key file's project_id comes before gcloud's setting.
    expect(detectGcp({ CLOUDSDK_CONFIG: userDir, HOME: dir, GOOGLE_APPLICATION_CREDENTIALS: keyFile })).toMatchObject({ project: 'key-proj', projectSource: 'key-file' });

    // The real library builds a JWT client from the key file (no network until a request).
    const [identity] = gcpProbes({ env: { GOOGLE_APPLICATION_CREDENTIALS: keyFile, GOOGLE_CLOUD_PROJECT: '' } }).slice(0, 1);
    const [r] = await runProbes([{ ...identity }], { timeoutMs: 10_000 });
    const cred = byId(r.checks, 'gcp.credentials')!;
    expect(cred.status).toBe('pass');
    expect(cred.facts).toMatchObject({ adcSource: 'key-file', clientClass: 'JWT', principal: 'installer@key-proj.iam.gserviceaccount.com' });
    expect(JSON.stringify(r)).not.toContain('PRIVATE KEY');
  });
});

if (!pubsubAvailable) console.warn('the Pub/Sub emulator (google-cloud-sdk pubsub-emulator + java) is missing: the Pub/Sub probe test is SKIPPED');

describe.skipIf(!pubsubAvailable)('Pub/Sub probe against the emulator', () => {
  let emulator: Peer;
  beforeAll(async () => {
    emulator = await startPubsubEmulator();
    const put = async (path: string, body: unknown) => {
      const res = await fetch(`${emulator.url}/v1/projects/my-proj/${path}`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
      if (!res.ok) throw new Error(`${path}: ${res.status} ${await res.text()}`);
    };
    await put('topics/domain', {});
    await put('topics/evaluation', {});
    await put('topics/unrelated', {});
    await put('subscriptions/auditlog-persister', { topic: 'projects/my-proj/topics/domain', enableMessageOrdering: true });
    await put('subscriptions/evaluation-count-sub', { topic: 'projects/my-proj/topics/evaluation' });
    // An on-demand subscription as Bucketeer recreates it (pkg/subscriber/on_demand_subscriber.go, v2.3.0): unordered.
    await put('subscriptions/evaluation-dwh-sub', { topic: 'projects/my-proj/topics/evaluation' });
  }, 60_000);
  afterAll(async () => {
    await emulator?.stop();
  });

  it('lists Bucketeer topics and subscriptions with their ordering; per-key warns about unordered ones', async () => {
    const env = { PUBSUB_EMULATOR_HOST: `127.0.0.1:${emulator.port}`, METADATA_SERVER_DETECTION: 'none', HOME: mkdtempSync(join(tmpdir(), 'home-')) };
    const probe = gcpProbes({ env, project: 'my-proj', ordering: 'per-key' }).find((p) => p.id === 'gcp.pubsub')!;
    const [r] = await runProbes([probe], { timeoutMs: 10_000 });
    expect(r.outcome).toBe('ok');
    const facts = mergeFacts([r]).gcp.pubsub!;
    expect(facts.topics.sort()).toEqual(['domain', 'evaluation']);
    expect(facts.subscriptions.sort((a, b) => a.name.localeCompare(b.name))).toEqual([
      { name: 'auditlog-persister', topic: 'domain', ordering: true },
      { name: 'evaluation-count-sub', topic: 'evaluation', ordering: false },
      { name: 'evaluation-dwh-sub', topic: 'evaluation', ordering: false },
    ]);
    expect(r.checks[0]).toMatchObject({ status: 'warn', detail: expect.stringContaining('1 with message ordering') });
    expect(r.checks[0].hint).toContain('evaluation-count-sub');
    expect(r.checks[0].hint).not.toContain('evaluation-dwh-sub'); // Bucketeer's own, unordered by design

    const [none] = await runProbes([gcpProbes({ env, project: 'my-proj', ordering: 'none' }).find((p) => p.id === 'gcp.pubsub')!], { timeoutMs: 10_000 });
    expect(none.checks[0].status).toBe('pass');
  });
});
