// Every object the installer builds itself carries app.kubernetes.io/managed-by=bucketeer-install
// and app.kubernetes.io/instance=<release> (uninstall --purge and doctor find a release's objects
// by both, never by a name prefix), objects of earlier versions are known by exact names only,
// and uninstall names the cloud resources of an install from its answers without deleting them.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadAnswersFile } from '../../src/answers/load.js';
import type { Answers } from '../../src/answers/schema.js';
import { jobTransport } from '../../src/bootstrap/job-transport.js';
import { secretKeyStore } from '../../src/bootstrap/keys.js';
import { storedAnswersConfigMap } from '../../src/install/stored-answers.js';
import type { KubeClient } from '../../src/kube/client.js';
import type { KubeObject, StatefulSet } from '../../src/kube/types.js';
import { keepDeployedSelectors, type Manifest } from '../../src/plan/in-cluster.js';
import { buildPlan } from '../../src/plan/index.js';
import { installerLabels, madeForRelease, unlabelledNames } from '../../src/plan/ownership.js';
import { prepareCredentialsSecret, prepareJob } from '../../src/prepare/index.js';
import { PREPARE_STEP_NAMES } from '../../src/prepare/types.js';
import { cloudResources } from '../../src/uninstall/run.js';
import { repoRoot } from '../helpers/tools.js';

const answers = (name: string) => loadAnswersFile(join(repoRoot, 'examples', 'answers', `${name}.yaml`)).answers;
const withRelease = (a: Answers, release: string): Answers => ({ ...a, release: { ...a.release, name: release } });
type Labelled = { kind: string; metadata: { name: string; labels?: Record<string, string> }; spec?: Record<string, unknown> };

/** What buildPlan and the prepare steps create for the answers, claims (from the templates) included. */
function installerObjects(a: Answers): Labelled[] {
  const plan = buildPlan(a);
  const claims = plan.inCluster.flatMap((m) =>
    ((m as { spec?: { volumeClaimTemplates?: Labelled[] } }).spec?.volumeClaimTemplates ?? []).map((t) => ({ ...t, kind: 'PersistentVolumeClaim', metadata: { ...t.metadata, name: `${t.metadata.name}-${m.metadata.name}-0` } })),
  );
  return [
    ...(plan.secrets as Labelled[]),
    ...(plan.inCluster as Labelled[]),
    ...claims,
    ...PREPARE_STEP_NAMES.flatMap((s) => (prepareJob(s, a, 'apply')?.manifests ?? []) as Labelled[]),
    prepareCredentialsSecret(a, { mysqlPassword: 'x' }) as Labelled,
    storedAnswersConfigMap(a.kubernetes.namespace, a.release.name, { answers: a, chartRef: 'c', chartVersion: 'v', installedAt: 'now', installerVersion: '0' }) as Labelled,
  ];
}

describe('installer objects are labelled with the installer and the release', () => {
  it.each(['in-cluster', 'aws', 'gcp'])('%s: Secrets, in-cluster servers and their claim templates, prepare Jobs and ConfigMaps, stored answers', (name) => {
    const a = withRelease(answers(name), 'bkt');
    const objects = installerObjects(a);
    if (name === 'in-cluster') expect(objects.filter((o) => o.kind === 'PersistentVolumeClaim')).toHaveLength(2);
    for (const o of objects) expect(o.metadata.labels, `${o.kind}/${o.metadata.name}`).toMatchObject(installerLabels('bkt'));
  });

  it('the SDK key Secret bootstrap writes and the call Jobs it starts', async () => {
    const applied: Labelled[] = [];
    // Only apply is reached: the stub records the object, then refuses it (the call Job ends there).
    const kube = { apply: async (_path: string, obj: Labelled) => { applied.push(obj); if (obj.kind === 'Job') throw new Error('stub: no cluster'); return obj; } } as unknown as KubeClient;
    await secretKeyStore(kube, 'ns1', 'bkt-sdk-keys', 'bkt').write({ 'dev-client': 'k' });
    const call = { route: { gateway: 'web', method: 'GET', path: '/v1/x' }, authSecret: { name: 's', key: 'token' }, timeoutMs: 1000 } as never;
    await jobTransport(kube, 'ns1', { release: 'bkt', serviceCertSecret: 'bkt-service-cert' }).call(call).catch(() => undefined);
    expect(applied.map((o) => o.kind)).toEqual(['Secret', 'Job']);
    for (const o of applied) expect(o.metadata.labels, `${o.kind}/${o.metadata.name}`).toMatchObject(installerLabels('bkt'));
  });

  it("the in-cluster servers select their pods by the release, so their claims carry it (the StatefulSet controller copies the selector's labels onto them)", () => {
    const sets = buildPlan(withRelease(answers('in-cluster'), 'bkt')).inCluster.filter((m) => m.kind === 'StatefulSet') as StatefulSet[];
    expect(sets).toHaveLength(2);
    for (const s of sets) expect(s.spec?.selector?.matchLabels?.['app.kubernetes.io/instance'], s.metadata.name).toBe('bkt');
  });
});

describe('madeForRelease', () => {
  const obj = (name: string, labels?: Record<string, string>): KubeObject => ({ metadata: { name, labels } });
  const managed = { 'app.kubernetes.io/managed-by': 'bucketeer-install' };

  it("release bucketeer takes none of release bucketeer-foo's objects, and the other way round", () => {
    const mine = installerObjects(withRelease(answers('in-cluster'), 'bucketeer'));
    const theirs = installerObjects(withRelease(answers('in-cluster'), 'bucketeer-foo'));
    for (const o of mine) {
      expect(madeForRelease(o as KubeObject, 'bucketeer'), o.metadata.name).toBe(true);
      expect(madeForRelease(o as KubeObject, 'bucketeer-foo'), o.metadata.name).toBe(false);
    }
    for (const o of theirs) {
      expect(madeForRelease(o as KubeObject, 'bucketeer-foo'), o.metadata.name).toBe(true);
      expect(madeForRelease(o as KubeObject, 'bucketeer'), o.metadata.name).toBe(false);
    }
    // Nor does a release named like one of bucketeer's servers take that server.
    for (const o of mine) expect(madeForRelease(o as KubeObject, 'bucketeer-mysql'), o.metadata.name).toBe(false);
  });

  it('objects of earlier versions: known by their exact names, with the labels those versions gave', () => {
    // The generated Secrets and the SDK key Secret had no instance label.
    for (const name of ['bucketeer-service-cert', 'bucketeer-oauth-key', 'bucketeer-service-token', 'bucketeer-mysql', 'bucketeer-sdk-keys']) {
      expect(madeForRelease(obj(name, managed), 'bucketeer'), name).toBe(true);
      expect(madeForRelease(obj(name.replace('bucketeer', 'bucketeer-foo'), managed), 'bucketeer'), name).toBe(false);
    }
    // The in-cluster servers had their own name as the instance; their claims, only the selector's labels.
    expect(madeForRelease(obj('bucketeer-mysql-init', { ...managed, 'app.kubernetes.io/instance': 'bucketeer-mysql' }), 'bucketeer')).toBe(true);
    expect(madeForRelease(obj('data-bucketeer-redis-0', { 'app.kubernetes.io/name': 'redis', 'app.kubernetes.io/instance': 'bucketeer-redis' }), 'bucketeer')).toBe(true);
    expect(madeForRelease(obj('bucketeer-foo-mysql-init', { ...managed, 'app.kubernetes.io/instance': 'bucketeer-foo-mysql' }), 'bucketeer')).toBe(false);
    expect(madeForRelease(obj('data-bucketeer-foo-redis-0', { 'app.kubernetes.io/instance': 'bucketeer-foo-redis' }), 'bucketeer')).toBe(false);
    // A known name without the installer's labels is someone else's.
    expect(madeForRelease(obj('bucketeer-oauth-key'), 'bucketeer')).toBe(false);
    expect(madeForRelease(obj('bucketeer-oauth-key', { ...managed, 'app.kubernetes.io/instance': 'other' }), 'bucketeer')).toBe(false);
  });

  it('the exact names cover every object of the kinds earlier versions left unlabelled', () => {
    const names = unlabelledNames('bkt');
    const unlabelledBefore = installerObjects(withRelease(answers('in-cluster'), 'bkt')).filter(
      (o) => (o.kind === 'Secret' && !o.metadata.name.includes('prepare')) || o.metadata.name.startsWith('bkt-mysql') || o.metadata.name.startsWith('bkt-redis') || o.kind === 'PersistentVolumeClaim',
    );
    expect(unlabelledBefore.length).toBeGreaterThan(8);
    for (const o of unlabelledBefore) expect(names.has(o.metadata.name), `${o.kind}/${o.metadata.name}`).toBe(true);
  });
});

describe('keepDeployedSelectors', () => {
  it('a StatefulSet deployed by an earlier version keeps its selector (immutable) in itself, its pods and its Service, and its claim templates keep their labels', () => {
    const planned = buildPlan(withRelease(answers('in-cluster'), 'bkt')).inCluster;
    const old = { 'app.kubernetes.io/name': 'mysql', 'app.kubernetes.io/instance': 'bkt-mysql' };
    const deployed = new Map<string, StatefulSet>([['bkt-mysql', { metadata: { name: 'bkt-mysql' }, spec: { selector: { matchLabels: old }, volumeClaimTemplates: [{ metadata: { name: 'data' } }] } }]]);
    const out = keepDeployedSelectors(planned, deployed);
    const find = (list: Manifest[], kind: string, name: string) => list.find((m) => m.kind === kind && m.metadata.name === name) as Manifest & { spec: Record<string, any> };
    const sts = find(out, 'StatefulSet', 'bkt-mysql');
    expect(sts.spec.selector.matchLabels).toEqual(old);
    expect(sts.spec.template.metadata.labels).toMatchObject(old);
    expect(sts.spec.volumeClaimTemplates[0].metadata.labels).toBeUndefined();
    expect(sts.metadata.labels).toMatchObject(installerLabels('bkt'));
    expect(find(out, 'Service', 'bkt-mysql').spec.selector).toEqual(old);
    // Redis is not deployed yet: planned as is.
    expect(find(out, 'StatefulSet', 'bkt-redis')).toEqual(find(planned, 'StatefulSet', 'bkt-redis'));
    expect(find(out, 'Service', 'bkt-redis')).toEqual(find(planned, 'Service', 'bkt-redis'));
  });
});

describe('cloudResources', () => {
  it('gcp: Cloud SQL, Memorystore, Pub/Sub topics and subscriptions, BigQuery dataset', () => {
    const a = answers('gcp');
    const text = cloudResources(a).join('\n');
    expect(text).toMatch(/^Cloud SQL database \w+ on /m);
    expect(text).toMatch(/^Memorystore at /m);
    expect(text).toContain(`projects/${a.gcp!.project}/topics/domain`);
    expect(text).toContain(`projects/${a.gcp!.project}/subscriptions/auditlog-persister`);
    expect(text).toMatch(/^BigQuery dataset \S+:\w+/m);
  });

  it('aws: RDS and ElastiCache; in-cluster: nothing outside the cluster', () => {
    const text = cloudResources(answers('aws')).join('\n');
    expect(text).toMatch(/^RDS database /m);
    expect(text).toMatch(/^ElastiCache at .*Redis Streams/m);
    expect(cloudResources(answers('in-cluster'))).toEqual([]);
  });
});
