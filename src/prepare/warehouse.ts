// Step "warehouse": Bucketeer's services never create their event tables.
// MySQL: our DDL in the warehouse database (its own, created by the database step; never the
// migration's database on a new install). BigQuery: the dataset and both tables through the
// REST API. Postgres: the tables are TimescaleDB hypertables, so a server without the extension is
// refused with the reason.
import { mysqlWarehouseDatabase, type Answers } from '../answers/schema.js';
import type { Check } from '../checks/types.js';
import { EnvironmentError } from '../errors.js';
import { apiErrorMessage } from './adapters.js';
import { runSqlStep } from './database.js';
import { factLine, MARK, parseFactLog, varsOf, type FactLog } from './protocol.js';
import { evaluateWarehouseMysql, runErrors, warehouseMysqlProgram, WAREHOUSE_TABLES, type TableSpec } from './sql.js';
import type { PrepareContext, PrepareStep, RestClient, SqlConnection } from './types.js';

// ---------- BigQuery ----------

export interface BigQueryField {
  name: string;
  type: string;
  mode?: string;
}

export function bigQueryFields(t: TableSpec): BigQueryField[] {
  // NULLABLE throughout: a writer that omits a field must not have its rows refused.
  return t.columns.filter((c) => c.bigquery).map((c) => ({ name: c.name, type: c.bigquery!, mode: 'NULLABLE' }));
}

/** The tables.insert body: day partitions on the event time, clustered by environment. */
export function bigQueryTableResource(project: string, dataset: string, t: TableSpec): Record<string, unknown> {
  return {
    tableReference: { projectId: project, datasetId: dataset, tableId: t.name },
    schema: { fields: bigQueryFields(t) },
    timePartitioning: { type: 'DAY', field: 'timestamp' },
    clustering: { fields: ['environment_id', t.name === 'goal_event' ? 'goal_id' : 'feature_id'] },
  };
}

export function bigQueryTarget(a: Answers) {
  if (a.warehouse.type !== 'bigquery') throw new Error('not a bigquery warehouse');
  const project = a.warehouse.project ?? a.gcp?.project;
  if (!project) throw new EnvironmentError('warehouse.project (or gcp.project) is not set', 'set warehouse.project in the answers file');
  return { project, dataset: a.warehouse.dataset, location: a.warehouse.location };
}

const enc = encodeURIComponent;
const bqPermissionHint = (project: string) =>
  `the credentials need BigQuery Data Editor on ${project} (bigquery.datasets.create, bigquery.tables.create): gcloud projects add-iam-policy-binding ${project} --member=user:YOU --role=roles/bigquery.dataEditor`;

function compareSchema(want: BigQueryField[], have: BigQueryField[] | undefined): string[] {
  const got = new Map((have ?? []).map((f) => [f.name, String(f.type).toUpperCase()]));
  const alias: Record<string, string> = { INT64: 'INTEGER', FLOAT64: 'FLOAT' };
  return want.filter((f) => !got.has(f.name) || (alias[got.get(f.name)!] ?? got.get(f.name)) !== f.type).map((f) => (got.has(f.name) ? `${f.name} is ${got.get(f.name)} (want ${f.type})` : `${f.name} missing`));
}

export async function bigQueryRun(api: RestClient, a: Answers, mode: 'check' | 'apply', expectPrepared = true): Promise<Check[]> {
  const { project, dataset, location } = bigQueryTarget(a);
  const category = 'warehouse';
  const missing = mode === 'apply' || expectPrepared ? 'fail' : 'warn';
  const base = `/bigquery/v2/projects/${enc(project)}/datasets`;
  const checks: Check[] = [];

  const dsTitle = `BigQuery dataset ${project}:${dataset}`;
  let created = false;
  let ds = await api.request('GET', `${base}/${enc(dataset)}`);
  if (ds.status === 404 && mode === 'apply') {
    const ins = await api.request('POST', base, { datasetReference: { projectId: project, datasetId: dataset }, location });
    if (ins.status === 200) created = true;
    else if (ins.status !== 409) {
      return [{ category, id: 'warehouse.bigquery.dataset', title: dsTitle, status: 'fail', detail: `datasets.insert: ${apiErrorMessage(ins)}`, hint: ins.status === 403 ? bqPermissionHint(project) : undefined }];
    }
    ds = { status: 200, body: ins.status === 200 ? ins.body : (await api.request('GET', `${base}/${enc(dataset)}`)).body };
  }
  if (ds.status === 404) {
    return [{ category, id: 'warehouse.bigquery.dataset', title: dsTitle, status: missing, detail: 'missing', hint: 'bucketeer-install install creates it' }];
  }
  if (ds.status !== 200) {
    return [{ category, id: 'warehouse.bigquery.dataset', title: dsTitle, status: 'fail', detail: `datasets.get: ${apiErrorMessage(ds)}`, hint: ds.status === 403 ? bqPermissionHint(project) : undefined }];
  }
  const haveLocation = typeof ds.body?.location === 'string' ? (ds.body.location as string) : undefined;
  if (haveLocation && haveLocation.toLowerCase() !== location.toLowerCase()) {
    checks.push({ category, id: 'warehouse.bigquery.dataset', title: dsTitle, status: 'fail', detail: `the dataset is in ${haveLocation}, the answers say ${location}; a dataset cannot move`, hint: `set warehouse.location: ${haveLocation}, or choose another warehouse.dataset` });
  } else {
    checks.push({ category, id: 'warehouse.bigquery.dataset', title: dsTitle, status: 'pass', detail: created ? `created in ${location}` : `present in ${haveLocation ?? location}`, facts: { project, dataset, created } });
  }

  for (const t of WAREHOUSE_TABLES) {
    const want = bigQueryFields(t);
    const title = `BigQuery table ${dataset}.${t.name}`;
    const cid = `warehouse.bigquery.${t.name}`;
    let tableCreated = false;
    let got = await api.request('GET', `${base}/${enc(dataset)}/tables/${enc(t.name)}`);
    if (got.status === 404 && mode === 'apply') {
      const ins = await api.request('POST', `${base}/${enc(dataset)}/tables`, bigQueryTableResource(project, dataset, t));
      if (ins.status === 200) {
        tableCreated = true;
        got = ins;
      } else if (ins.status === 409) got = await api.request('GET', `${base}/${enc(dataset)}/tables/${enc(t.name)}`);
      else {
        checks.push({ category, id: cid, title, status: 'fail', detail: `tables.insert: ${apiErrorMessage(ins)}`, hint: ins.status === 403 ? bqPermissionHint(project) : undefined });
        continue;
      }
    }
    if (got.status === 404) {
      checks.push({ category, id: cid, title, status: missing, detail: 'missing: Bucketeer never creates its warehouse tables', hint: 'bucketeer-install install creates it' });
      continue;
    }
    if (got.status !== 200) {
      checks.push({ category, id: cid, title, status: 'fail', detail: `tables.get: ${apiErrorMessage(got)}` });
      continue;
    }
    const diff = compareSchema(want, got.body?.schema?.fields);
    if (diff.length) {
      checks.push({ category, id: cid, title, status: 'fail', detail: `exists with a different schema: ${diff.join(', ')}`, hint: `add the missing columns with: bq update ${project}:${dataset}.${t.name} SCHEMA_FILE (types: ${want.map((f) => `${f.name}:${f.type}`).join(',')})` });
    } else {
      checks.push({ category, id: cid, title, status: 'pass', detail: tableCreated ? `created (${want.length} columns, day-partitioned on timestamp)` : `present (${want.length} columns)`, facts: { table: t.name, created: tableCreated } });
    }
  }
  return checks;
}

// ---------- Postgres ----------

/** The query both paths run: the installed and the available TimescaleDB version (empty if none). */
export const POSTGRES_FACTS_SQL = [
  `SELECT '${MARK}' AS f0, 'var' AS f1, 'timescaledb' AS f2, COALESCE((SELECT extversion FROM pg_extension WHERE extname = 'timescaledb'), '') AS f3`,
  `SELECT '${MARK}' AS f0, 'var' AS f1, 'timescaledb_available' AS f2, COALESCE((SELECT default_version FROM pg_available_extensions WHERE name = 'timescaledb'), '') AS f3`,
];

export async function postgresFacts(conn: SqlConnection): Promise<FactLog> {
  const lines: string[] = [];
  let rc = 0;
  for (const sql of POSTGRES_FACTS_SQL) {
    try {
      for (const row of await conn.query(sql)) {
        const v = Object.values(row);
        lines.push(factLine(String(v[1]), ...v.slice(2)));
      }
    } catch (err) {
      lines.push(factLine('error', 'facts', (err as Error).message));
      rc = 1;
    }
  }
  lines.push(`${MARK}\tdone\t${rc}`);
  return parseFactLog(lines.join('\n'));
}

export function evaluatePostgres(log: FactLog, a: Answers): Check[] {
  if (a.warehouse.type !== 'postgres') throw new Error('not a postgres warehouse');
  const w = a.warehouse;
  const vars = varsOf(log);
  const err = runErrors(log)[0];
  const title = `TimescaleDB in Postgres database ${w.database}`;
  if (err && !vars.has('timescaledb')) {
    return [{ category: 'warehouse', id: 'warehouse.postgres.timescaledb', title, status: 'fail', detail: `cannot query ${w.host}: ${err.message}`, hint: 'check warehouse.host, warehouse.user and the password' }];
  }
  const installed = vars.get('timescaledb') ?? '';
  const available = vars.get('timescaledb_available') ?? '';
  if (installed) {
    return [
      { category: 'warehouse', id: 'warehouse.postgres.timescaledb', title, status: 'pass', detail: `timescaledb ${installed} is installed`, facts: { timescaledb: installed } },
      {
        category: 'warehouse',
        id: 'warehouse.postgres.tables',
        title: 'Postgres warehouse tables',
        status: 'warn',
        detail: 'the installer does not create the Postgres (TimescaleDB) event tables; Bucketeer does not either',
        hint: 'create evaluation_event and goal_event as hypertables before sending events, or use warehouse.type mysql',
      },
    ];
  }
  return [
    {
      category: 'warehouse',
      id: 'warehouse.postgres.timescaledb',
      title,
      status: 'fail',
      detail: `the TimescaleDB extension is not installed in ${w.database}: Bucketeer's Postgres warehouse tables are TimescaleDB hypertables`,
      hint: available
        ? `as the database owner run: CREATE EXTENSION IF NOT EXISTS timescaledb; (version ${available} is available on this server)`
        : 'this server does not offer TimescaleDB (RDS and Cloud SQL do not): use warehouse.type mysql (or bigquery on GCP), or a Postgres with TimescaleDB',
      facts: { timescaledbAvailable: available || null },
    },
  ];
}

async function postgresRun(ctx: PrepareContext): Promise<Check[]> {
  if (!ctx.postgres) throw new EnvironmentError('the warehouse step has no Postgres connection', 'a warehouse reachable only from the cluster is checked by an in-cluster Job (src/prepare/job.ts)');
  const conn = await ctx.postgres();
  try {
    return evaluatePostgres(await postgresFacts(conn), ctx.answers);
  } finally {
    await conn.close();
  }
}

// ---------- the step ----------

function bigQueryApi(ctx: PrepareContext): RestClient {
  if (!ctx.bigquery) throw new EnvironmentError('the warehouse step has no BigQuery client', 'the install engine passes one built with restClient() and Google credentials');
  return ctx.bigquery;
}

/** The MySQL warehouse program for these answers: the tables in the warehouse database. */
export const warehouseMysqlProgramFor = (a: Answers, opts: { waitForDatabase?: boolean } = {}) => warehouseMysqlProgram(mysqlWarehouseDatabase(a)!, opts);

async function run(ctx: PrepareContext, mode: 'check' | 'apply'): Promise<Check[]> {
  const w = ctx.answers.warehouse;
  if (w.type === 'mysql') return runSqlStep(ctx, 'warehouse', warehouseMysqlProgramFor(ctx.answers), mode, evaluateWarehouseMysql);
  if (w.type === 'bigquery') return bigQueryRun(bigQueryApi(ctx), ctx.answers, mode, ctx.options?.expectPrepared);
  // Postgres: nothing is created, apply and check are the same read.
  return postgresRun(ctx);
}

export const warehouseStep: PrepareStep = {
  name: 'warehouse',
  title: 'Warehouse tables',
  describe(a) {
    const w = a.warehouse;
    if (w.type === 'mysql') return `warehouse: create tables evaluation_event and goal_event in MySQL database ${mysqlWarehouseDatabase(a)} if missing`;
    if (w.type === 'bigquery') return `warehouse: create BigQuery dataset ${w.project ?? a.gcp?.project}:${w.dataset} (${w.location}) and tables evaluation_event, goal_event if missing`;
    return `warehouse: check that Postgres ${w.host}/${w.database} has the TimescaleDB extension (refused without it)`;
  },
  check: (ctx) => run(ctx, 'check'),
  apply: (ctx) => run(ctx, 'apply'),
};
