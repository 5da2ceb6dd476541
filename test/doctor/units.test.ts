// The pure parts of upgrade and doctor: value/resource diffs, restart selection, version order,
// the Secret checks over real generated material, values sanity, and doctor's prepare checks
// against a real redis-server on loopback (skipped with the reason when it is not installed).
import { generateKeyPairSync } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { prepareChecks } from '../../src/doctor/prepare.js';
import { oauthKeyCheck, serviceCertChecks, serviceTokenCheck } from '../../src/doctor/secrets.js';
import { demoSignInChecks, inlineSecretsCheck, subchartFullname, valuesChecks } from '../../src/doctor/values.js';
import { buildPlan, type PlanOptions } from '../../src/plan/index.js';
import { generateOAuthKey, generateServiceCert, signServiceToken } from '../../src/plan/material.js';
import { MASK } from '../../src/plan/values.js';
import { deploymentsToRestart, diffResources, diffValues, maskPaths, parseManifest } from '../../src/upgrade/diff.js';
import { handSetValues } from '../../src/util/value-tree.js';
import { secretValuePaths } from '../../src/upgrade/run.js';
import { answers, redisMissing, startRedis, type Peer } from '../prepare/peers.js';

const DAY = 86_400_000;

describe('upgrade diff', () => {
  it('per-key diff with secret paths masked on both sides', () => {
    const a = answers();
    const paths = secretValuePaths(a);
    expect(paths).toEqual(expect.arrayContaining(['global.operationalDatabase.mysql.pass', 'migration.dbUrl']));
    const before = { global: { operationalDatabase: { mysql: { pass: 'old-secret', host: 'h1' } } }, migration: { dbUrl: 'mysql://u:old-secret@h1/db' } };
    const after = { global: { operationalDatabase: { mysql: { pass: 'new-secret', host: 'h2' } } }, migration: { dbUrl: 'mysql://u:new-secret@h2/db' }, extra: { k: 1 } };
    const d = diffValues(maskPaths(before, paths), maskPaths(after, paths));
    expect(d).toEqual([
      { path: 'extra.k', kind: 'added', after: 1 },
      { path: 'global.operationalDatabase.mysql.host', kind: 'changed', before: 'h1', after: 'h2' },
    ]);
    expect(JSON.stringify(d)).not.toContain('secret');
    expect(maskPaths(before, paths).migration).toEqual({ dbUrl: MASK });
  });

  it('values set by hand (not produced by the stored answers) are found and carried over', () => {
    const made = buildPlan(answers()).values;
    const deployed = { ...structuredClone(made), web: { ...(made.web as object), extraByHand: 'kept' }, custom: { a: [1, 2] } };
    expect(handSetValues(deployed, made)).toEqual({ web: { extraByHand: 'kept' }, custom: { a: [1, 2] } });
  });

  it('resource diff and restarts: a changed ConfigMap restarts the Deployment that mounts it unless its template changed', () => {
    const dep = (name: string, cm: string, image = 'x:1') => ({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name }, spec: { template: { spec: { volumes: [{ name: 'c', configMap: { name: cm } }], containers: [{ name, image }] } } } });
    const cm = (name: string, v: string) => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name }, data: { v } });
    const old = parseManifest(stringify(cm('a-cfg', '1')) + '---\n' + stringify(cm('b-cfg', '1')) + '---\n' + stringify(dep('a', 'a-cfg')) + '---\n' + stringify(dep('b', 'b-cfg')) + '---\n' + stringify(cm('gone', '1')));
    const neu = parseManifest(stringify(cm('a-cfg', '2')) + '---\n' + stringify(cm('b-cfg', '2')) + '---\n' + stringify(dep('a', 'a-cfg')) + '---\n' + stringify(dep('b', 'b-cfg', 'x:2')) + '---\n' + stringify(cm('new', '1')));
    expect(diffResources(old, neu)).toEqual({ added: ['ConfigMap/new'], removed: ['ConfigMap/gone'], changed: ['ConfigMap/a-cfg', 'ConfigMap/b-cfg', 'Deployment/b'], unchanged: 1 });
    expect([...deploymentsToRestart(old, neu).deployments]).toEqual([['a', ['ConfigMap/a-cfg']]]);
  });

});

describe('doctor secret checks', () => {
  it('certificate: SANs, expiry (warn 30 days ahead, fail when expired), key match', async () => {
    const good = await generateServiceCert(['localhost', '*.ns.svc.cluster.local']);
    expect(serviceCertChecks('c', good.crt, good.key, 'ns').map((c) => c.status)).toEqual(['pass', 'pass', 'pass']);
    const expired = await generateServiceCert(['localhost', '*.ns.svc.cluster.local'], new Date(Date.now() - 30 * DAY), 10);
    expect(serviceCertChecks('c', expired.crt, expired.key, 'ns').find((c) => c.id === 'secrets.service-cert.expiry')).toMatchObject({ status: 'fail', detail: expect.stringMatching(/^expired on/) });
    const other = await generateServiceCert(['localhost', '*.ns.svc.cluster.local']);
    expect(serviceCertChecks('c', good.crt, other.key, 'ns').find((c) => c.id === 'secrets.service-cert.key')?.status).toBe('fail');
    expect(serviceCertChecks('c', good.crt, good.key, 'elsewhere').find((c) => c.id === 'secrets.service-cert.sans')).toMatchObject({ status: 'fail', detail: expect.stringContaining('*.elsewhere.svc.cluster.local') });
    expect(serviceCertChecks('c', 'not a cert', good.key, 'ns')[0].status).toBe('fail');
  });

  it('OAuth key halves must match; the token must verify, be RS256 and not be expired (exp is an RFC 3339 string)', async () => {
    const k = await generateOAuthKey();
    const r = oauthKeyCheck('o', k.publicPem, k.privatePem, 'ns');
    expect(r.check.status).toBe('pass');
    const otherPub = generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey.export({ type: 'spki', format: 'pem' }).toString();
    expect(oauthKeyCheck('o', otherPub, k.privatePem, 'ns').check.status).toBe('fail');

    const token = await signServiceToken(k.privatePem, 'https://iss', 'aud');
    expect(serviceTokenCheck('t', token, r.publicKey, { issuer: 'https://iss', audience: 'aud' }).status).toBe('pass');
    expect(serviceTokenCheck('t', token, r.publicKey, { issuer: 'https://other' })).toMatchObject({ status: 'fail', detail: expect.stringMatching(/iss/) });
    const old = await signServiceToken(k.privatePem, 'https://iss', 'aud', new Date(Date.now() - 3 * 365 * DAY), 1);
    expect(serviceTokenCheck('t', old, r.publicKey, {})).toMatchObject({ status: 'fail', detail: expect.stringMatching(/^expired on/) });
    const stranger = await generateOAuthKey();
    expect(serviceTokenCheck('t', await signServiceToken(stranger.privatePem, 'i', 'a'), r.publicKey, {})).toMatchObject({ status: 'fail', detail: expect.stringMatching(/signature does not verify/) });
    expect(serviceTokenCheck('t', 'abc', r.publicKey, {}).status).toBe('fail');
  });
});

describe('doctor values checks', () => {
  it('pass for a plan; fail on an empty required value, an empty subscriber topic and a pub/sub type mismatch', () => {
    const values = buildPlan(answers()).values;
    expect(valuesChecks(values).map((c) => [c.id, c.status])).toEqual([
      ['values.required', 'pass'],
      ['values.subscriber-topics', 'pass'],
      ['values.pubsub-type', 'pass'],
      ['values.demo-sign-in', 'warn'], // these answers use demo sign-in: its password is public
    ]);
    const broken = structuredClone(values) as any;
    broken.global.pubsub.project = '';
    const firstSub = Object.keys(broken.subscriber.subscribers)[0];
    broken.subscriber.subscribers[firstSub].topic = '';
    broken.api.env.pubSubType = 'google';
    const [required, topics, type] = valuesChecks(broken);
    expect(required).toMatchObject({ status: 'fail', detail: expect.stringContaining('global.pubsub.project') });
    expect(topics).toMatchObject({ status: 'fail', detail: expect.stringContaining(`subscriber.subscribers.${firstSub}.topic`) });
    expect(type).toMatchObject({ status: 'fail', detail: expect.stringContaining('api.env.pubSubType=google') });
  });

  // Upstream pkg/auth/api/api.go (v2.3.0) PrepareDemoUser returns without creating anything unless
  // email, password, organizationId, projectId and environmentId are all set; the chart's
  // charts/web/templates/env-js-configmap.yaml writes the password into /static/js/env.js.
  it('demo sign-in: a warning that the password is public when complete, a failure when an id is missing', () => {
    const values = buildPlan(answers()).values as any;
    const [demo] = demoSignInChecks(values);
    expect(demo).toMatchObject({ id: 'values.demo-sign-in', status: 'warn', detail: expect.stringContaining('/static/js/env.js'), facts: { public: true, isSystemAdmin: false } });
    expect(demo.detail).not.toContain('system-admin');
    const admin = structuredClone(values);
    admin.web.oauth.demoSignIn.isSystemAdmin = true;
    expect(demoSignInChecks(admin)[0]).toMatchObject({ status: 'warn', detail: expect.stringContaining('system-admin organization'), hint: expect.stringContaining('isSystemAdmin: false') });
    const broken = structuredClone(values);
    broken.web.oauth.demoSignIn.projectId = null; // what the chart's own default gives
    expect(demoSignInChecks(broken)[0]).toMatchObject({ status: 'fail', detail: expect.stringContaining('web.oauth.demoSignIn.projectId') });
    const google = buildPlan(answers({ auth: { google: { clientId: 'id-1.apps.googleusercontent.com', clientSecret: { env: 'G' } } } })).values;
    expect(demoSignInChecks(google)).toEqual([]);
  });
});

// Where the v2.3.0 chart writes inline secrets outside Secrets (upstream
// manifests/bucketeer/charts/web/templates/{env-js,oauth,datawarehouse}-configmap.yaml,
// charts/subscriber/templates/subscribers-configmap.yaml, charts/*/templates/deployment.yaml).
describe('doctor: secrets readable with the view role', () => {
  const real: PlanOptions['inlineSecrets'] = { dbPassword: 'db-pw', googleClientSecret: 'g-secret', demoSignInPassword: 'demo-pw', warehousePassword: 'wh-pw' };
  const helmValues = (a: ReturnType<typeof answers>) => {
    // What `helm get values` returns: the masked values with the real secrets merged in.
    const plan = buildPlan(a, { inlineSecrets: real });
    const merge = (x: any, y: any): any => (y && typeof y === 'object' && !Array.isArray(y) ? Object.fromEntries([...new Set([...Object.keys(x ?? {}), ...Object.keys(y)])].map((k) => [k, k in y ? merge(x?.[k], y[k]) : x[k]])) : y);
    return merge(plan.values, plan.secretValues);
  };

  it('demo sign-in and the database password are listed (demo has its own warning): pass, no value printed', () => {
    // The database itself as the warehouse: no separate warehouse connection in a ConfigMap.
    const c = inlineSecretsCheck(helmValues(answers({ warehouse: { type: 'mysql', database: 'bucketeer' } } as never)), 'bucketeer', 'ns1');
    expect(c).toMatchObject({ id: 'secrets.view-readable', status: 'pass' });
    expect(c.detail).toMatch(/demo sign-in password: ConfigMaps bucketeer-web-env-js/);
    expect(c.detail).toMatch(/database password: the Deployments' env/);
    expect(JSON.stringify(c)).not.toMatch(/demo-pw|db-pw/);
  });

  it('a MySQL warehouse in its own database puts the database password in two ConfigMaps: named, pass (the pod specs show it already)', () => {
    const c = inlineSecretsCheck(helmValues(answers()), 'bucketeer', 'ns1');
    expect(c.status).toBe('pass');
    expect(c.detail).toMatch(/database password \(the MySQL warehouse connection\): ConfigMaps bucketeer-web-datawarehouse-config and bucketeer-subscriber-subscribers-config/);
    expect(JSON.stringify(c)).not.toMatch(/db-pw/);
  });

  it('warns when the Google client secret and the warehouse password are in ConfigMaps, naming them', () => {
    const a = answers({
      auth: { google: { clientId: 'cid', clientSecret: { env: 'G' } }, demoSignIn: { enabled: false } },
      warehouse: { type: 'postgres', host: 'pg', port: 5432, user: 'u', database: 'd', password: { env: 'W' } },
    } as never);
    const c = inlineSecretsCheck(helmValues(a), 'prod', 'ns1');
    expect(c.status).toBe('warn');
    expect(c.detail).toMatch(/Google client secret: ConfigMap prod-web-oauth-config/);
    expect(c.detail).toMatch(/warehouse password: ConfigMaps prod-web-datawarehouse-config and prod-subscriber-subscribers-config/);
    expect(c.hint).toMatch(/rolebindings -n ns1/);
    expect(JSON.stringify(c)).not.toMatch(/g-secret|wh-pw/);
  });

  it('names subchart resources as the chart does (a release containing the chart name is used alone)', () => {
    expect(subchartFullname('bucketeer', 'web')).toBe('bucketeer-web');
    expect(subchartFullname('my-web', 'web')).toBe('my-web');
  });
});

const noRedis = redisMissing();
if (noRedis) console.warn(`[doctor units] SKIPPING the redis prepare check: ${noRedis}`);

describe.skipIf(Boolean(noRedis))('doctor prepare checks against a reachable redis-server', () => {
  let redis: Peer;
  beforeAll(async () => {
    redis = await startRedis('allkeys-lru');
  });
  afterAll(async () => redis?.stop());

  it('runs the Redis policy check when reachable (allkeys-lru fails) and skips with the reason when not', async () => {
    const base = answers();
    const reachable = { ...base, redis: { ...base.redis, mode: 'external' as const, addr: `127.0.0.1:${redis.port}` } };
    const checks = await prepareChecks({ answers: reachable, env: {}, sources: { env: {}, baseDir: '/' }, timeoutMs: 3_000 });
    const policy = checks.find((c) => c.category === 'redis' && /policy/i.test(`${c.id} ${c.title}`));
    expect(policy, JSON.stringify(checks.filter((c) => c.category === 'redis'))).toMatchObject({ status: 'fail', detail: expect.stringContaining('allkeys-lru') });

    const unreachable = { ...base, redis: { ...base.redis, mode: 'external' as const, addr: '10.255.255.1:6379' } };
    const skipped = await prepareChecks({ answers: unreachable, env: {}, sources: { env: {}, baseDir: '/' }, timeoutMs: 3_000, reachable: async () => false });
    expect(skipped.find((c) => c.category === 'redis')).toMatchObject({ status: 'skip', detail: expect.stringContaining('not reachable from this machine') });
  });
});
