// The pure plan: answers -> chart values, checked against each point of bucketeer-chart.md 2-4.
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseAnswers } from '../../src/answers/load.js';
import { AnswersSchema } from '../../src/answers/schema.js';
import { buildPlan, MASKED_SECRETS, secretOverlay } from '../../src/plan/index.js';
import { demoSignInGaps, emptyRequiredValues, getPath, MASK, migrationDbUrl, planValues, SERVICES } from '../../src/plan/values.js';
import { allSubscriptions } from '../../src/plan/topics.js';
import { totalRequests } from '../../src/plan/sizing.js';
import { repoRoot } from '../helpers/tools.js';

const load = (p: string) => parseAnswers(readFileSync(join(repoRoot, 'examples/answers', `${p}.yaml`), 'utf8'), `${p}.yaml`);
const profiles = ['gcp', 'aws', 'in-cluster'] as const;
const real = { dbPassword: 'p@ss word#1', googleClientSecret: 'gsecret-Q1w2', demoSignInPassword: 'dpw-Z9x8' };

describe.each(profiles)('plan for %s', (profile) => {
  const answers = load(profile);
  const values = planValues(answers, real);

  it('fills every required setting (section 4)', () => {
    expect(emptyRequiredValues(values)).toEqual([]);
  });

  it('puts all four subcharts in the release namespace and points CronJobs at it', () => {
    for (const s of SERVICES) expect(getPath(values, `${s}.namespace`)).toBe('bucketeer');
    expect(getPath(values, 'batch-server.cronjob.webGatewayAddress')).toBe('https://web.bucketeer.svc.cluster.local:9003');
  });

  it('sets pubsub type explicitly and the same everywhere', () => {
    const type = getPath(values, 'global.pubsub.type');
    expect(type).toBe(answers.messaging.backend === 'google-pubsub' ? 'google' : 'redis-stream');
    for (const s of SERVICES) expect(getPath(values, `${s}.env.pubSubType`)).toBe(type);
    for (const sub of Object.values(getPath(values, 'subscriber.subscribers') as Record<string, { pubSubType: string }>)) expect(sub.pubSubType).toBe(type);
    expect(getPath(values, 'global.pubsub.project')).not.toBe('');
  });

  it('sets Redis modes explicitly', () => {
    for (const s of SERVICES) expect(getPath(values, `${s}.env.pubSubRedisMode`)).toMatch(/^(standalone|cluster)$/);
    expect(getPath(values, 'global.pubsub.redis.mode')).toMatch(/^(standalone|cluster)$/);
  });

  it('turns GCP features off off GCP, and on on GCP', () => {
    const onGcp = profile === 'gcp';
    for (const s of SERVICES) {
      expect(getPath(values, `${s}.env.gcpEnabled`)).toBe(onGcp);
      expect(getPath(values, `${s}.env.profile`)).toBe(onGcp);
    }
  });

  it('gives every container requests and limits from the sizing profile', () => {
    for (const s of SERVICES) {
      for (const key of [`${s}.resources`, `${s}.envoy.resources`]) {
        const r = getPath(values, key) as { requests: { cpu: string; memory: string }; limits: { memory: string } };
        expect(r.requests.cpu).toBeTruthy();
        expect(r.requests.memory).toBeTruthy();
        expect(r.limits.memory).toBeTruthy();
      }
    }
    expect(getPath(values, 'batch-server.httpstan.resources.requests.cpu')).toBeTruthy();
  });

  it('fills every subscriber topic and subscription', () => {
    for (const s of allSubscriptions()) {
      const table = getPath(values, 'subscriber.subscribers') as Record<string, unknown>;
      const key = s.subscriber in table ? 'subscribers' : 'onDemandSubscribers';
      expect(getPath(values, `subscriber.${key}.${s.subscriber}.topic`)).toBe(s.topic);
      expect(getPath(values, `subscriber.${key}.${s.subscriber}.subscription`)).toBe(s.subscription);
    }
  });

  it('keeps demo sign-in explicitly true or false', () => {
    expect(typeof getPath(values, 'web.oauth.demoSignIn.enabled')).toBe('boolean');
  });

  // Upstream pkg/auth/api/api.go (v2.3.0) PrepareDemoUser creates the demo organization, project,
  // environment and account only when email, password and the three ids are all set.
  it('demo sign-in, where enabled, carries everything PrepareDemoUser needs and is no system admin', () => {
    const demo = getPath(values, 'web.oauth.demoSignIn') as Record<string, unknown>;
    if (!answers.auth.demoSignIn.enabled) {
      expect(demo).toEqual({ enabled: false });
      return;
    }
    expect(demoSignInGaps(values)).toEqual([]);
    for (const k of ['email', 'password', 'organizationId', 'organizationOwnerEmail', 'projectId', 'environmentId']) expect(demo[k], k).toBeTruthy();
    expect(demo.isSystemAdmin).toBe(false);
  });

  it('masks every secret in the public values and moves it to the overlay', () => {
    const plan = buildPlan(answers, { inlineSecrets: real });
    const publicText = JSON.stringify(plan.values);
    for (const v of Object.values(real)) expect(publicText).not.toContain(v);
    expect(publicText).toContain(MASK);
    const overlay = JSON.stringify(plan.secretValues);
    expect(overlay).toContain(real.dbPassword);
    expect(overlay).not.toContain('"namespace"');
  });

  it('leaves the baseline empty for a fresh database', () => {
    expect(getPath(values, 'migration.dbBaseline')).toBe('');
  });
});

describe('plan details', () => {
  it('demo sign-in ids: stable defaults, the answers when given, and the owner defaults to the demo email', () => {
    const a = load('in-cluster');
    expect(getPath(planValues(a, real), 'web.oauth.demoSignIn')).toEqual({
      enabled: true,
      email: 'admin@example.com',
      password: real.demoSignInPassword,
      organizationId: 'demo',
      organizationOwnerEmail: 'admin@example.com',
      projectId: 'demo',
      environmentId: 'demo',
      isSystemAdmin: false,
    });
    a.auth.demoSignIn = { ...a.auth.demoSignIn, organizationId: 'acme', projectId: 'acme-web', environmentId: 'acme-web-dev', organizationOwnerEmail: 'owner@example.com' };
    expect(getPath(planValues(a, real), 'web.oauth.demoSignIn')).toMatchObject({ organizationId: 'acme', projectId: 'acme-web', environmentId: 'acme-web-dev', organizationOwnerEmail: 'owner@example.com' });
  });

  it('URL-encodes credentials in migration.dbUrl', () => {
    const url = migrationDbUrl('bucketeer', 'p@ss word#1/:?', 'db.local', 3306, 'bucketeer');
    expect(url).toBe('mysql://bucketeer:p%40ss%20word%231%2F%3A%3F@db.local:3306/bucketeer');
    expect(url).not.toMatch(/[ #]/);
    expect(new URL(url).password).toBe('p%40ss%20word%231%2F%3A%3F');
  });

  it('keeps the baseline of an existing database', () => {
    const a = load('aws');
    a.database.baseline = '20240626022133';
    expect(getPath(planValues(a, real), 'migration.dbBaseline')).toBe('20240626022133');
  });

  it('refuses chart-breaking characters in inline secrets', () => {
    expect(() => planValues(load('aws'), { ...real, dbPassword: 'a"b' })).toThrow(/double quote/);
    expect(() => planValues(load('aws'), { ...real, dbPassword: 'a\nb' })).toThrow(/control character/);
  });

  it('points in-cluster services at the in-cluster MySQL and Redis', () => {
    const v = planValues(load('in-cluster'), real);
    expect(getPath(v, 'global.operationalDatabase.mysql.host')).toBe('bucketeer-mysql.bucketeer.svc.cluster.local');
    expect(getPath(v, 'web.env.persistentRedis.addr')).toBe('bucketeer-redis.bucketeer.svc.cluster.local:6379');
  });

  it('on GCP uses BigQuery, Workload Identity and static IPs', () => {
    const v = planValues(load('gcp'), real);
    expect(getPath(v, 'global.dataWarehouse.type')).toBe('bigquery');
    expect(getPath(v, 'global.dataWarehouse.bigquery.project')).toBe('my-bucketeer-proj');
    expect(getPath(v, 'web.env.bigQueryDataSet')).toBe('bucketeer_events');
    expect(getPath(v, 'api.serviceAccount.annotations')).toEqual({ 'iam.gke.io/gcp-service-account': 'bucketeer@my-bucketeer-proj.iam.gserviceaccount.com' });
    expect(getPath(v, 'web.ingress.staticIPName')).toBe('bucketeer-web-ip');
  });

  // The chart's migration Job (manifests/bucketeer/templates/atlas-migration.yaml) runs atlas
  // `migrate apply --baseline ""`, which refuses a database holding tables; the services read the
  // warehouse connection from global.dataWarehouse.mysql (pkg/subscriber/cmd/server/server.go
  // initDataWarehouseStorages, pkg/web/cmd/server/server.go createDWHMySQLClient), and upstream's
  // hack/create-mysql-event-tables creates the tables in a database of their own.
  it('points the MySQL warehouse at its own database on the same server (AWS)', () => {
    const a = load('aws');
    const v = planValues(a, real);
    expect(getPath(v, 'global.dataWarehouse')).toMatchObject({
      type: 'mysql',
      mysql: { useMainConnection: false, host: a.database.host, port: 3306, user: 'bucketeer', password: real.dbPassword, database: 'bucketeer_warehouse' },
    });
    expect(getPath(planValues(a, MASKED_SECRETS), 'global.dataWarehouse.mysql.password')).toBe(MASK);
    // An install made before warehouse.database existed keeps its tables beside the schema.
    const legacy = AnswersSchema.parse({ ...a, warehouse: { type: 'mysql', database: 'bucketeer' } });
    expect(getPath(planValues(legacy, real), 'global.dataWarehouse.mysql')).toEqual({ useMainConnection: true });
    const named = AnswersSchema.parse({ ...a, warehouse: { type: 'mysql', database: 'events' } });
    expect(getPath(planValues(named, real), 'global.dataWarehouse.mysql.database')).toBe('events');
    expect(getPath(v, 'global.pubsub.redis.partitionCount')).toBe(16);
  });

  it('reuses existing Secrets by name and generates none for them', () => {
    const a = load('aws');
    a.existingSecrets = { serviceCert: 'my-cert', oauthKey: 'my-oauth', serviceToken: 'my-token' };
    const plan = buildPlan(a);
    expect(plan.secrets).toEqual([]);
    for (const s of SERVICES) expect(getPath(plan.values, `${s}.tls.service.secret`)).toBe('my-cert');
    expect(getPath(plan.values, 'web.oauth.key.secret')).toBe('my-oauth');
  });

  it('in-cluster manifests: Redis never evicts and persists, MySQL allows function creators', () => {
    const plan = buildPlan(load('in-cluster'));
    const text = JSON.stringify(plan.inCluster);
    expect(text).toContain('maxmemory-policy noeviction');
    expect(text).toContain('appendonly yes');
    expect(text).toContain('--log-bin-trust-function-creators=1');
    for (const m of plan.inCluster) expect(m.metadata.namespace).toBe('bucketeer');
    const sts = plan.inCluster.filter((m) => m.kind === 'StatefulSet');
    expect(sts.map((m) => m.metadata.name)).toEqual(['bucketeer-mysql', 'bucketeer-redis']);
    for (const s of sts) expect(JSON.stringify(s)).toContain('volumeClaimTemplates');
  });

  it('secretOverlay keeps only the leaves that differ', () => {
    expect(secretOverlay({ a: { b: 1, c: '*' }, d: 2 }, { a: { b: 1, c: 'x' }, d: 2 })).toEqual({ a: { c: 'x' } });
  });

  it('larger sizing asks for more', () => {
    const small = totalRequests('small', { mysql: true, redis: true });
    const large = totalRequests('large', { mysql: true, redis: true });
    expect(large.cpuMilli).toBeGreaterThan(small.cpuMilli);
    expect(large.memoryBytes).toBeGreaterThan(small.memoryBytes);
  });
});
