// The install plan as data (plan.json): pure, from the same functions the prepare steps use.
// atlas's revisions: upstream manifests/bucketeer/templates/atlas-migration.yaml (v2.3.0), the
// `<release>-migrate` pre-install/pre-upgrade hook Job, runs `atlas migrate apply
// --revisions-schema public -u <migration.dbUrl>`: database `public` with atlas's table
// atlas_schema_revisions, on the operational MySQL server.
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseAnswers } from '../../src/answers/load.js';
import { buildPlan } from '../../src/plan/index.js';
import { callJobs, chartObjects, installPlan } from '../../src/plan/resources.js';
import { jobTransport } from '../../src/bootstrap/job-transport.js';
import type { KubeClient } from '../../src/kube/client.js';
import { databaseProgramFor } from '../../src/prepare/database.js';
import { preparedSubscriptions } from '../../src/prepare/messaging.js';
import { repoRoot } from '../helpers/tools.js';

const load = (p: string) => parseAnswers(readFileSync(join(repoRoot, 'examples/answers', `${p}.yaml`), 'utf8'), `${p}.yaml`);

describe('installPlan', () => {
  it('in-cluster: the installer objects, both MySQL databases and the warehouse tables in their own database; no pubsub or bigquery', () => {
    const a = load('in-cluster');
    const p = installPlan(a, buildPlan(a));
    const names = p.kubernetes.map((o) => `${o.kind}/${o.name}`);
    expect(names[0]).toBe('Namespace/bucketeer');
    for (const n of ['Secret/bucketeer-mysql', 'StatefulSet/bucketeer-mysql', 'StatefulSet/bucketeer-redis', 'ConfigMap/bucketeer-mysql-init', 'Job/bucketeer-prepare-database', 'Job/bucketeer-prepare-warehouse', 'Job/bucketeer-prepare-redis', 'ConfigMap/bucketeer-bucketeer-install']) expect(names).toContain(n);
    // The in-cluster MySQL Secret holds the password: no prepare-credentials Secret is made.
    expect(names).not.toContain('Secret/bucketeer-prepare-credentials');
    expect(p.mysql).toEqual({
      databases: [...databaseProgramFor(a).creates.databases, 'public'],
      tables: ['bucketeer_warehouse.evaluation_event', 'bucketeer_warehouse.goal_event', 'public.atlas_schema_revisions'],
    });
    expect(p.mysql.databases).toEqual(['bucketeer', 'bucketeer_warehouse', 'public']);
    expect(p).not.toHaveProperty('pubsub');
    expect(p).not.toHaveProperty('bigquery');
  });

  it('aws: env passwords reach the prepare Jobs through the credentials Secret, which the plan lists', () => {
    const a = load('aws');
    const names = installPlan(a, buildPlan(a)).kubernetes.map((o) => `${o.kind}/${o.name}`);
    expect(names).toContain('Secret/bucketeer-prepare-credentials');
    expect(names).not.toContain('StatefulSet/bucketeer-mysql');
  });

  it('gcp: the Pub/Sub list is the one the messaging step creates, with the ordering it asks for; BigQuery dataset and tables', () => {
    const a = load('gcp');
    const p = installPlan(a, buildPlan(a));
    expect(p.pubsub!.subscriptions.map((s) => s.name)).toEqual(preparedSubscriptions(a).map((s) => s.subscription));
    // On-demand subscriptions belong to Bucketeer: never in the plan.
    expect(p.pubsub!.subscriptions.map((s) => s.name)).not.toContain('evaluation-dwh-sub');
    expect(p.pubsub!.subscriptions.every((s) => s.ordering === (a.messaging.ordering === 'per-key'))).toBe(true);
    expect(p.bigquery).toEqual({ project: 'my-bucketeer-proj', dataset: 'bucketeer_events', location: 'asia-northeast1', tables: ['evaluation_event', 'goal_event'] });
    expect(p.mysql).toEqual({ databases: ['bucketeer', 'public'], tables: ['public.atlas_schema_revisions'] });
  });

  it('--skip-prepare: a skipped step creates nothing, and its Job leaves the list; the migration still creates atlas\'s database', () => {
    const a = load('gcp');
    const p = installPlan(a, buildPlan(a), { skip: ['messaging', 'warehouse', 'database'] });
    expect(p).not.toHaveProperty('pubsub');
    expect(p).not.toHaveProperty('bigquery');
    expect(p.mysql).toEqual({ databases: ['public'], tables: ['public.atlas_schema_revisions'] });
    expect(p.kubernetes.map((o) => o.name)).not.toContain('bucketeer-prepare-database');
  });

  it('bootstrap: the SDK keys Secret, and the call Jobs marked as conditional; --skip-bootstrap and --skip-smoke leave them out', () => {
    const a = load('in-cluster');
    const p = installPlan(a, buildPlan(a));
    expect(p.kubernetes).toContainEqual({ kind: 'Secret', name: 'bucketeer-sdk-keys', namespace: 'bucketeer', when: 'bootstrap reaches Bucketeer' });
    expect(p.kubernetes).toContainEqual({ kind: 'Job', name: 'bucketeer-bucketeer-call-*', namespace: 'bucketeer', when: 'service proxy unreachable' });
    // Every other object is made by every install that runs these steps.
    expect(p.kubernetes.filter((o) => o.when).map((o) => o.name)).toEqual(['bucketeer-sdk-keys', 'bucketeer-bucketeer-call-*']);
    // The smoke test alone still calls Bucketeer, so it may still start call Jobs.
    const smokeOnly = installPlan(a, buildPlan(a), { bootstrap: false });
    expect(smokeOnly.kubernetes.map((o) => o.name)).not.toContain('bucketeer-sdk-keys');
    expect(smokeOnly.kubernetes.map((o) => o.name)).toContain('bucketeer-bucketeer-call-*');
    const neither = installPlan(a, buildPlan(a), { bootstrap: false, smoke: false });
    expect(neither.kubernetes.filter((o) => o.when)).toEqual([]);
  });

  it('the call Job entry names the Jobs the bootstrap transport creates', async () => {
    const applied: string[] = [];
    // Records the Job the transport applies, then refuses it: the call ends there.
    const kube = {
      apply: async (path: string) => {
        applied.push(path);
        throw new Error('refused');
      },
      delete: async () => undefined,
    } as unknown as KubeClient;
    const transport = jobTransport(kube, 'team-ns', { release: 'rel', serviceCertSecret: 'rel-service-cert' });
    await expect(transport.call({ route: { gateway: 'web', method: 'GET', path: '/v1/x' }, auth: 'bearer t', authSecret: { name: 'rel-service-token', key: 'token' }, timeoutMs: 1000 })).rejects.toThrow('refused');
    expect(applied).toHaveLength(1);
    const name = applied[0].split('/').pop()!;
    const entry = callJobs('rel', 'team-ns');
    expect(entry).toMatchObject({ kind: 'Job', namespace: 'team-ns' });
    expect(applied[0]).toContain('/namespaces/team-ns/jobs/');
    expect(entry.name.endsWith('*')).toBe(true);
    expect(name.startsWith(entry.name.slice(0, -1))).toBe(true);
    expect(name.length).toBeGreaterThan(entry.name.length - 1);
  });

  it('chart objects: namespaced ones default to the release namespace, cluster-scoped ones carry none', () => {
    const text = 'kind: Deployment\nmetadata: {name: web, namespace: ns1}\n---\nkind: ClusterRole\nmetadata: {name: r}\n---\nkind: Job\nmetadata: {name: bucketeer-migrate}\n---\n# empty\n';
    expect(chartObjects(text, 'rel')).toEqual([
      { kind: 'Deployment', name: 'web', namespace: 'ns1' },
      { kind: 'ClusterRole', name: 'r' },
      { kind: 'Job', name: 'bucketeer-migrate', namespace: 'rel' },
    ]);
  });
});
