// The install plan as data (`render`'s plan.json, install's ndjson `plan` event): everything
// install creates. Pure. Each section comes from the function that decides what its step creates
// (the prepare programs, the Pub/Sub list, the Job manifests), so the plan cannot disagree with
// what install does.
import { parseAllDocuments } from 'yaml';
import type { Answers } from '../answers/schema.js';
import { sdkKeysSecretName } from '../bootstrap/bootstrap.js';
import { ATLAS_REVISIONS } from '../chart/facts.js';
import { storedAnswersName } from './ownership.js';
import { databaseProgramFor } from '../prepare/database.js';
import { prepareCredentialsName, prepareJob } from '../prepare/job.js';
import { pubsubPlan } from '../prepare/messaging.js';
import { WAREHOUSE_TABLES } from '../prepare/sql.js';
import { PREPARE_STEP_NAMES, type PrepareStepName } from '../prepare/types.js';
import { bigQueryTarget, warehouseMysqlProgramFor } from '../prepare/warehouse.js';
import type { Manifest } from './in-cluster.js';
import type { Plan } from './index.js';

export interface KubernetesObjectRef {
  kind: string;
  name: string;
  /** Absent for cluster-scoped objects (Namespace). */
  namespace?: string;
  /** Set on an object created only in that case; absent for those every install creates. */
  when?: string;
}

export interface InstallPlan {
  kubernetes: KubernetesObjectRef[];
  /** `db.table` for tables; the databases and tables install creates when missing, atlas's revisions among them. */
  mysql: { databases: string[]; tables: string[] };
  pubsub?: { project: string; topics: string[]; subscriptions: { name: string; topic: string; ordering: boolean }[] };
  bigquery?: { project: string; dataset: string; location: string; tables: string[] };
}

const CLUSTER_SCOPED = new Set(['Namespace', 'ClusterRole', 'ClusterRoleBinding', 'CustomResourceDefinition', 'StorageClass', 'PriorityClass', 'IngressClass', 'PersistentVolume']);

const ref = (m: { kind: string; metadata: { name: string; namespace?: string } }, defaultNamespace: string): KubernetesObjectRef =>
  CLUSTER_SCOPED.has(m.kind) ? { kind: m.kind, name: m.metadata.name } : { kind: m.kind, name: m.metadata.name, namespace: m.metadata.namespace ?? defaultNamespace };

/** The objects of a rendered chart (`helm template` output), hooks included. */
export function chartObjects(manifests: string, namespace: string): KubernetesObjectRef[] {
  return parseAllDocuments(manifests)
    .map((d) => d.toJS() as Manifest | null)
    .filter((m): m is Manifest => Boolean(m?.kind && m.metadata?.name))
    .map((m) => ref(m, namespace));
}

export interface InstallPlanOptions {
  /** `helm template` of the chart, when one was rendered: its objects join the list. */
  chartManifests?: string;
  /** --skip-prepare: those steps create nothing. */
  skip?: readonly PrepareStepName[];
  /** --skip-bootstrap: false leaves out what the bootstrap writes (default: it runs). */
  bootstrap?: boolean;
  /** --skip-smoke: false when the smoke test does not run either, so no call Job can start (default: it runs). */
  smoke?: boolean;
}

/**
 * The Jobs the bootstrap and the smoke test start, one per call to Bucketeer, when the API
 * server's service proxy cannot reach its gateways: `<release>-bucketeer-call-` and a random
 * suffix, deleted once the call returns.
 */
export const callJobs = (release: string, namespace: string): KubernetesObjectRef => ({ kind: 'Job', name: `${release}-bucketeer-call-*`, namespace, when: 'service proxy unreachable' });

export function installPlan(answers: Answers, plan: Plan, opts: InstallPlanOptions = {}): InstallPlan {
  const ns = answers.kubernetes.namespace;
  const runs = (step: PrepareStepName) => !opts.skip?.includes(step);

  const kubernetes: KubernetesObjectRef[] = [{ kind: 'Namespace', name: ns }];
  for (const m of [...plan.secrets, ...plan.inCluster]) kubernetes.push(ref(m, ns));
  let credentials = false;
  for (const step of PREPARE_STEP_NAMES.filter(runs)) {
    const job = prepareJob(step, answers, 'apply');
    if (!job) continue;
    if (job.secret?.create) credentials = true;
    for (const m of job.manifests) kubernetes.push(ref(m, ns));
  }
  if (credentials) kubernetes.push({ kind: 'Secret', name: prepareCredentialsName(answers), namespace: ns });
  if (opts.chartManifests !== undefined) kubernetes.push(...chartObjects(opts.chartManifests, ns));
  kubernetes.push({ kind: 'ConfigMap', name: storedAnswersName(answers.release.name), namespace: ns });
  const bootstrap = opts.bootstrap ?? true;
  // Written only once Bucketeer answers: an unreachable one leaves the bootstrap a warning, not a failure.
  if (bootstrap) kubernetes.push({ kind: 'Secret', name: sdkKeysSecretName(answers.release.name), namespace: ns, when: 'bootstrap reaches Bucketeer' });
  if (bootstrap || (opts.smoke ?? true)) kubernetes.push(callJobs(answers.release.name, ns));

  const programs = [
    ...(runs('database') ? [databaseProgramFor(answers)] : []),
    ...(runs('warehouse') && answers.warehouse.type === 'mysql' ? [warehouseMysqlProgramFor(answers)] : []),
  ];
  // The chart's migration hook runs on every install, prepared or not: atlas's revisions database
  // and table on the operational MySQL server.
  const out: InstallPlan = {
    kubernetes,
    mysql: {
      databases: [...programs.flatMap((p) => p.creates.databases), ATLAS_REVISIONS.database],
      tables: [...programs.flatMap((p) => p.creates.tables), `${ATLAS_REVISIONS.database}.${ATLAS_REVISIONS.table}`],
    },
  };
  const pubsub = runs('messaging') ? pubsubPlan(answers) : undefined;
  if (pubsub) out.pubsub = pubsub;
  if (runs('warehouse') && answers.warehouse.type === 'bigquery') {
    const t = bigQueryTarget(answers);
    out.bigquery = { ...t, tables: WAREHOUSE_TABLES.map((x) => x.name) };
  }
  return out;
}
