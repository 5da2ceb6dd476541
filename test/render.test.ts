// render of each example against the fixture chart with the real helm: every required setting
// arrives non-empty in the Deployments' env, and every object lands in the chosen namespace.
import { describe, expect, it } from 'vitest';
import { existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse, parseAllDocuments } from 'yaml';
import { runCli } from './helpers/cli.js';
import { helmBin, repoRoot } from './helpers/tools.js';

const fixtureChart = join(repoRoot, 'test/fixtures/chart');
const helm = helmBin();
if (!helm) console.warn('SKIP render-with-chart tests: helm binary not found (.tools/helm/helm or HELM_BIN)');

// bucketeer-chart.md section 4: flags that must be non-empty, per service.
const REQUIRED_FLAGS: Record<string, { prefix: string; flags: string[] }> = {
  web: {
    prefix: 'BUCKETEER_WEB_',
    flags: ['project', 'mysql-user', 'mysql-pass', 'mysql-host', 'mysql-port', 'mysql-db-name', 'persistent-redis-server-name', 'persistent-redis-addr', 'non-persistent-redis-server-name', 'non-persistent-redis-addr', 'domain-topic', 'bulk-segment-users-received-topic', 'timezone', 'cert', 'key', 'service-token', 'oauth-public-key', 'oauth-config-path', 'oauth-private-key', 'webhook-base-url', 'webhook-kms-resource-name', 'web-console-env-js-path'],
  },
  api: {
    prefix: 'BUCKETEER_API_',
    flags: ['project', 'mysql-user', 'mysql-pass', 'mysql-host', 'mysql-port', 'mysql-db-name', 'goal-topic', 'evaluation-topic', 'redis-server-name', 'redis-addr', 'cert', 'key', 'service-token'],
  },
  'batch-server': {
    prefix: 'BUCKETEER_BATCH_',
    flags: ['cert', 'key', 'service-token', 'timezone', 'web-url', 'oauth-public-key', 'oauth-audience', 'oauth-issuer', 'stan-model-id', 'mysql-user', 'mysql-pass', 'mysql-host', 'mysql-port', 'mysql-db-name', 'mysql-db-open-conns', 'persistent-redis-server-name', 'persistent-redis-addr', 'non-persistent-redis-server-name', 'non-persistent-redis-addr'],
  },
  subscriber: {
    prefix: 'BUCKETEER_SUBSCRIBER_',
    flags: ['cert', 'key', 'service-token', 'web-url', 'email-config-path', 'mysql-user', 'mysql-pass', 'mysql-host', 'mysql-port', 'mysql-db-name', 'mysql-db-open-conns', 'subscriber-config', 'on-demand-subscriber-config', 'processors-config', 'on-demand-processors-config', 'persistent-redis-server-name', 'persistent-redis-addr', 'non-persistent-redis-server-name', 'non-persistent-redis-addr'],
  },
};

type Obj = { kind: string; metadata: { name: string; namespace?: string }; spec?: any; data?: Record<string, string> };

describe.skipIf(!helm).each(['gcp', 'aws', 'in-cluster'])('render %s against the fixture chart', (profile) => {
  const ns = `bk-${profile}`;
  let objects: Obj[] = [];
  let out = '';

  it('exits 0 with no secret in the environment and writes values and manifests', async () => {
    out = join(mkdtempSync(join(tmpdir(), 'render-')), 'out');
    const r = await runCli(['render', '--answers', join(repoRoot, 'examples/answers', `${profile}.yaml`), '--chart', fixtureChart, '--namespace', ns, '--output-dir', out], { env: { HELM_BIN: helm! } });
    expect(r.code, r.stderr).toBe(0);
    for (const f of ['values.yaml', 'manifests.yaml']) {
      expect(existsSync(join(out, f))).toBe(true);
      expect(statSync(join(out, f)).mode & 0o077).not.toBe(0); // public files are ordinary files
    }
    expect(existsSync(join(out, 'secrets.yaml'))).toBe(false);
    objects = parseAllDocuments(readFileSync(join(out, 'manifests.yaml'), 'utf8'))
      .map((d) => d.toJS() as Obj)
      .filter(Boolean);
    expect(objects.length).toBeGreaterThan(10);
  });

  it('puts every object in the chosen namespace', () => {
    const elsewhere = objects.filter((o) => o.metadata.namespace !== undefined && o.metadata.namespace !== ns);
    expect(elsewhere.map((o) => `${o.kind}/${o.metadata.name} in ${o.metadata.namespace}`)).toEqual([]);
    expect(objects.filter((o) => o.metadata.namespace === ns).length).toBeGreaterThan(objects.length / 2);
  });

  it('every required setting arrives non-empty in the Deployments', () => {
    for (const [deployment, req] of Object.entries(REQUIRED_FLAGS)) {
      const d = objects.find((o) => o.kind === 'Deployment' && o.metadata.name === deployment);
      expect(d, `Deployment ${deployment}`).toBeDefined();
      const env = new Map<string, string>();
      for (const c of d!.spec.template.spec.containers) for (const e of c.env ?? []) env.set(e.name, e.value ?? (e.valueFrom ? '<from>' : ''));
      const empty = req.flags.map((f) => req.prefix + f.toUpperCase().replaceAll('-', '_')).filter((name) => !env.get(name));
      expect(empty, `${deployment}: empty or missing`).toEqual([]);
    }
  });

  it('the CronJobs call web in this namespace, and the subscriber config has no empty topic', () => {
    const cron = objects.filter((o) => o.kind === 'CronJob');
    expect(cron.length).toBeGreaterThan(0);
    for (const c of cron) expect(JSON.stringify(c.spec)).toContain(`web.${ns}.svc.cluster.local`);
    const cm = objects.find((o) => o.kind === 'ConfigMap' && o.metadata.name === 'subscriber-subscribers-config');
    expect(cm).toBeDefined();
    for (const key of ['subscribers.json', 'onDemandSubscribers.json']) {
      const entries = Object.values(JSON.parse(cm!.data![key])) as { topic?: string; subscription?: string; pubSubType?: string }[];
      expect(entries.length).toBeGreaterThan(3);
      for (const e of entries) {
        expect(e.topic).toBeTruthy();
        expect(e.subscription).toBeTruthy();
        expect(e.pubSubType).toBe(profile === 'gcp' ? 'google' : 'redis-stream');
      }
    }
  });

  // Upstream pkg/auth/api/api.go (v2.3.0) PrepareDemoUser needs every id; the web subchart renders
  // the whole oauth map into oauth-config.json and the password into the public env.js.
  it('demo sign-in reaches web complete where enabled, never as a system admin', () => {
    const cm = objects.find((o) => o.kind === 'ConfigMap' && o.metadata.name === 'web-oauth-config');
    const demo = JSON.parse(cm!.data!['oauth-config.json']).demoSignIn;
    const envJs = objects.find((o) => o.kind === 'ConfigMap' && o.metadata.name === 'web-env-js')!.data!['env.js'];
    if (profile !== 'in-cluster') {
      expect(demo.enabled).toBe(false);
      expect(envJs).toContain('"DEMO_SIGN_IN_ENABLED":false');
      return;
    }
    for (const k of ['email', 'password', 'organizationId', 'organizationOwnerEmail', 'projectId', 'environmentId']) expect(demo[k], k).toBeTruthy();
    expect(demo).toMatchObject({ enabled: true, organizationId: 'demo', projectId: 'demo', environmentId: 'demo', isSystemAdmin: false });
    expect(envJs).toContain('"DEMO_SIGN_IN_ENABLED":true');
  });

  // manifests/bucketeer/charts/web/templates/datawarehouse-configmap.yaml and the subscriber's
  // subscribers-configmap.yaml (onDemandProcessors.json) carry global.dataWarehouse to the services.
  it.skipIf(profile === 'gcp')('the MySQL warehouse reaches web and the subscriber as a separate database on the same server', () => {
    const web = objects.find((o) => o.kind === 'ConfigMap' && o.metadata.name === 'web-datawarehouse-config');
    const dw = parse(web!.data!['datawarehouse.yaml']);
    expect(dw.type).toBe('mysql');
    expect(dw.mysql).toMatchObject({ useMainConnection: false, database: 'bucketeer_warehouse', user: 'bucketeer', password: '********' });
    expect(dw.mysql.host).toBeTruthy();
    const sub = objects.find((o) => o.kind === 'ConfigMap' && o.metadata.name === 'subscriber-subscribers-config');
    const processors = JSON.parse(sub!.data!['onDemandProcessors.json']);
    for (const name of ['evaluationCountEventDWHPersister', 'goalCountEventDWHPersister']) {
      expect(processors[name].dataWarehouse.mysql).toMatchObject({ useMainConnection: false, host: dw.mysql.host, database: 'bucketeer_warehouse', user: 'bucketeer' });
    }
  });

  it('writes plan.json: the installer objects and the chart objects, and the sections the profile uses', () => {
    const plan = JSON.parse(readFileSync(join(out, 'plan.json'), 'utf8'));
    const kinds = new Set(plan.kubernetes.map((o: { kind: string; name: string }) => `${o.kind}/${o.name}`));
    for (const o of objects) expect(kinds.has(`${o.kind}/${o.metadata.name}`), `${o.kind}/${o.metadata.name}`).toBe(true);
    expect(kinds.has(`Namespace/${ns}`)).toBe(true);
    expect(kinds.has('ConfigMap/bucketeer-bucketeer-install')).toBe(true);
    expect(kinds.has('Secret/bucketeer-service-cert')).toBe(true);
    for (const o of plan.kubernetes) if (o.kind !== 'Namespace') expect(o.namespace).toBe(ns);
    expect(plan.mysql.databases).toContain('bucketeer');
    // The chart's migration hook Job keeps atlas's revisions in database public (atlas-migration.yaml
    // of the upstream chart: --revisions-schema public), on every profile.
    expect(kinds.has('Job/bucketeer-migrate')).toBe(true);
    expect(plan.mysql.databases.at(-1)).toBe('public');
    expect(plan.mysql.tables.at(-1)).toBe('public.atlas_schema_revisions');
    // What only some installs create says when.
    expect(plan.kubernetes.filter((o: { when?: string }) => o.when).map((o: { kind: string; name: string; when: string }) => `${o.kind}/${o.name}: ${o.when}`)).toEqual([
      'Secret/bucketeer-sdk-keys: bootstrap reaches Bucketeer',
      'Job/bucketeer-bucketeer-call-*: service proxy unreachable',
    ]);
    if (profile === 'gcp') {
      expect(kinds.has('Job/bucketeer-prepare-database')).toBe(true);
      expect(plan.mysql).toEqual({ databases: ['bucketeer', 'public'], tables: ['public.atlas_schema_revisions'] });
      expect(plan.bigquery).toEqual({ project: 'my-bucketeer-proj', dataset: 'bucketeer_events', location: 'asia-northeast1', tables: ['evaluation_event', 'goal_event'] });
      expect(plan.pubsub.project).toBe('my-bucketeer-proj');
      expect(plan.pubsub.topics).toContain('domain');
      for (const sub of plan.pubsub.subscriptions) {
        expect(plan.pubsub.topics).toContain(sub.topic);
        expect(typeof sub.ordering).toBe('boolean');
      }
    } else {
      // The warehouse tables never sit in the migration's database.
      expect(plan.mysql).toEqual({ databases: ['bucketeer', 'bucketeer_warehouse', 'public'], tables: ['bucketeer_warehouse.evaluation_event', 'bucketeer_warehouse.goal_event', 'public.atlas_schema_revisions'] });
      expect(plan.pubsub).toBeUndefined();
      expect(plan.bigquery).toBeUndefined();
      expect(kinds.has('Job/bucketeer-prepare-warehouse')).toBe(true);
    }
    if (profile === 'in-cluster') expect(kinds.has('StatefulSet/bucketeer-mysql') && kinds.has('StatefulSet/bucketeer-redis')).toBe(true);
  });

  it('manifests carry masked secrets only', () => {
    const text = readFileSync(join(out, 'manifests.yaml'), 'utf8');
    expect(text).toContain('********');
  });
});

// The output folder (no chart needed): files are replaced by rename, never written through a link
// placed in the folder, and what an earlier render wrote and this one does not is removed.
describe('render output folder', () => {
  const answers = join(repoRoot, 'examples/answers/in-cluster.yaml');
  const env = { BUCKETEER_DB_PASSWORD: 'db-pw-render', BUCKETEER_DEMO_PASSWORD: 'demo-pw-render' };

  it('a symlink named values.yaml is replaced; its target is untouched', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'render-out-'));
    const out = join(dir, 'out');
    mkdirSync(out);
    const target = join(dir, 'precious.txt');
    writeFileSync(target, 'do not touch\n');
    symlinkSync(target, join(out, 'values.yaml'));
    symlinkSync(target, join(out, 'secret-values.yaml'));
    const r = await runCli(['render', '--answers', answers, '--output-dir', out, '--include-secrets'], { env });
    expect(r.code, r.stderr).toBe(0);
    expect(readFileSync(target, 'utf8')).toBe('do not touch\n');
    expect(lstatSync(join(out, 'values.yaml')).isFile()).toBe(true);
    expect(lstatSync(join(out, 'secret-values.yaml')).isFile()).toBe(true);
    expect(statSync(join(out, 'secret-values.yaml')).mode & 0o777).toBe(0o600);
    expect(readdirSync(out).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });

  it('a render without --include-secrets removes the secret files an earlier render wrote, and nothing else', async () => {
    const out = join(mkdtempSync(join(tmpdir(), 'render-out-')), 'out');
    const first = await runCli(['render', '--answers', answers, '--output-dir', out, '--include-secrets'], { env });
    expect(first.code, first.stderr).toBe(0);
    expect(existsSync(join(out, 'secret-values.yaml'))).toBe(true);
    writeFileSync(join(out, 'notes.txt'), 'mine\n');
    writeFileSync(join(out, '.values.yaml.999.abcd.tmp'), 'left by a killed render');
    const second = await runCli(['render', '--answers', answers, '--output-dir', out]);
    expect(second.code, second.stderr).toBe(0);
    expect(second.stdout).toMatch(/removed .*secret-values\.yaml \(from an earlier render\)/);
    expect(readdirSync(out).sort()).toEqual(['in-cluster.yaml', 'notes.txt', 'plan.json', 'prepare.yaml', 'values.yaml']);
  });
});

// --debug promises the subprocess commands: each helm run on stderr, without secret values.
describe.skipIf(!helm)('render --debug', () => {
  it('shows the helm commands it runs, and no secret value', async () => {
    const out = join(mkdtempSync(join(tmpdir(), 'render-debug-')), 'out');
    const env = { HELM_BIN: helm!, BUCKETEER_DB_PASSWORD: 'db-pw-debug-7', BUCKETEER_DEMO_PASSWORD: 'demo-pw-debug-7' };
    const r = await runCli(['render', '--answers', join(repoRoot, 'examples/answers/in-cluster.yaml'), '--output-dir', out, '--chart', fixtureChart, '--include-secrets', '--debug'], { env });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/^debug: run \S*helm version /m);
    expect(r.stderr).toMatch(/^debug: run \S*helm template bucketeer \S+fixtures\/chart --namespace bucketeer --values \S+/m);
    expect(r.stderr).toMatch(/^debug: helm exited 0 after \d+ ms$/m);
    expect(r.stderr).not.toMatch(/db-pw-debug-7|demo-pw-debug-7/);
  });
});
