// Every object the installer builds itself carries app.kubernetes.io/managed-by=bucketeer-install
// (uninstall --purge finds them by it), and uninstall names the cloud resources of an install
// from its answers without deleting them.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadAnswersFile } from '../../src/answers/load.js';
import { storedAnswersConfigMap } from '../../src/install/stored-answers.js';
import { buildPlan } from '../../src/plan/index.js';
import { prepareCredentialsSecret, prepareJob } from '../../src/prepare/index.js';
import { PREPARE_STEP_NAMES } from '../../src/prepare/types.js';
import { cloudResources } from '../../src/uninstall/run.js';
import { repoRoot } from '../helpers/tools.js';

const answers = (name: string) => loadAnswersFile(join(repoRoot, 'examples', 'answers', `${name}.yaml`)).answers;
const MANAGED = { 'app.kubernetes.io/managed-by': 'bucketeer-install' };
type Labelled = { kind: string; metadata: { name: string; labels?: Record<string, string> } };

describe('installer objects are labelled', () => {
  it.each(['in-cluster', 'aws', 'gcp'])('%s: Secrets, in-cluster servers and their PVC templates, prepare Jobs and ConfigMaps, stored answers', (name) => {
    const a = answers(name);
    const plan = buildPlan(a);
    const objects: Labelled[] = [
      ...plan.secrets,
      ...plan.inCluster,
      ...PREPARE_STEP_NAMES.flatMap((s) => prepareJob(s, a, 'apply')?.manifests ?? []),
      prepareCredentialsSecret(a, { mysqlPassword: 'x' }),
      storedAnswersConfigMap(a.kubernetes.namespace, a.release.name, { answers: a, chartRef: 'c', chartVersion: 'v', installedAt: 'now', installerVersion: '0' }) as Labelled,
    ];
    const claimTemplates = plan.inCluster.flatMap((m) => ((m as { spec?: { volumeClaimTemplates?: Labelled[] } }).spec?.volumeClaimTemplates ?? []).map((t) => ({ ...t, kind: 'PersistentVolumeClaim' })));
    if (name === 'in-cluster') expect(claimTemplates).toHaveLength(2);
    for (const o of [...objects, ...claimTemplates]) expect(o.metadata.labels, `${o.kind}/${o.metadata.name}`).toMatchObject(MANAGED);
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
