// The install plan as data (plan.json): pure, from the same functions the prepare steps use.
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseAnswers } from '../../src/answers/load.js';
import { buildPlan } from '../../src/plan/index.js';
import { chartObjects, installPlan } from '../../src/plan/resources.js';
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
    expect(p.mysql).toEqual({ databases: databaseProgramFor(a).creates.databases, tables: ['bucketeer_warehouse.evaluation_event', 'bucketeer_warehouse.goal_event'] });
    expect(p.mysql!.databases).toEqual(['bucketeer', 'bucketeer_warehouse']);
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
    expect(p.mysql).toEqual({ databases: ['bucketeer'], tables: [] });
  });

  it('--skip-prepare: a skipped step creates nothing, and its Job leaves the list', () => {
    const a = load('gcp');
    const p = installPlan(a, buildPlan(a), { skip: ['messaging', 'warehouse', 'database'] });
    expect(p).not.toHaveProperty('pubsub');
    expect(p).not.toHaveProperty('bigquery');
    expect(p).not.toHaveProperty('mysql');
    expect(p.kubernetes.map((o) => o.name)).not.toContain('bucketeer-prepare-database');
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
