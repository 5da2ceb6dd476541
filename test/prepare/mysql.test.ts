// Database and MySQL warehouse steps against a real MariaDB on loopback (binary logging on).
// Upstream facts (Bucketeer v2.3.0): the chart's migration hook (manifests/bucketeer/templates/
// atlas-migration.yaml) runs atlas `migrate apply --baseline ""` on database.name, and atlas
// refuses a first run on a database that holds tables; hack/create-mysql-event-tables creates
// evaluation_event and goal_event in a database of their own, which the services reach through
// global.dataWarehouse.mysql (pkg/subscriber/cmd/server/server.go initDataWarehouseStorages,
// pkg/web/cmd/server/server.go createDWHMySQLClient) when useMainConnection is false.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mysqlConnector } from '../../src/prepare/adapters.js';
import { databaseProgramFor, databaseStep } from '../../src/prepare/database.js';
import { inClusterManifests } from '../../src/plan/in-cluster.js';
import { checksFromJobLog, MYSQL_SCRIPT } from '../../src/prepare/job.js';
import { databaseProgram, quoteString, programFiles, WAREHOUSE_TABLES } from '../../src/prepare/sql.js';
import { CLOUD_SQL_TRUST_FLAG } from '../../src/platforms/gcp.js';
import type { PrepareContext } from '../../src/prepare/types.js';
import { warehouseMysqlProgramFor, warehouseStep } from '../../src/prepare/warehouse.js';
import { answers, DATABASE_CHECK_IDS, freePort, gcpAnswers, lateServer, mariadbMissing, runJobScript, startMariadb } from './peers.js';

const missing = mariadbMissing();
if (missing) console.warn(`SKIPPING MariaDB prepare tests: ${missing}`);

const FULL_PW = `p@ss w'rd"x\\y`;
const RO_PW = 'read-only-pw';

describe.skipIf(!!missing)('database and warehouse steps against MariaDB', () => {
  let server: Awaited<ReturnType<typeof startMariadb>>;
  let root: Awaited<ReturnType<ReturnType<typeof mysqlConnector>>>;

  beforeAll(async () => {
    server = await startMariadb();
    root = await mysqlConnector({ host: '', port: 0, socketPath: server.socket, user: 'root', password: '' })();
    for (const sql of [
      `CREATE USER 'bkt_full'@'%' IDENTIFIED BY ${quoteString(FULL_PW)}`,
      "GRANT ALL PRIVILEGES ON `bucketeer`.* TO 'bkt_full'@'%'",
      "GRANT ALL PRIVILEGES ON `public`.* TO 'bkt_full'@'%'",
      "GRANT ALL PRIVILEGES ON `bucketeer_warehouse`.* TO 'bkt_full'@'%'",
      `CREATE USER 'bkt_ro'@'%' IDENTIFIED BY '${RO_PW}'`,
      "GRANT SELECT ON `bkt_ro_db`.* TO 'bkt_ro'@'%'",
    ]) await root.query(sql);
  });
  afterAll(async () => {
    await root?.close();
    await server?.stop();
  });

  const ctxFor = (a: ReturnType<typeof answers>, user: string, password: string, extra: Partial<PrepareContext> = {}): PrepareContext => ({
    answers: a,
    mysql: mysqlConnector({ host: '127.0.0.1', port: server.port, user, password, timeoutMs: 10_000 }),
    ...extra,
  });
  const db = (name: string, user: string) => ({ mode: 'external' as const, host: '127.0.0.1', port: 3306, name, user, password: { env: 'BKT_DB_PASSWORD' } });
  const byId = (checks: { id: string }[], id: string) => checks.find((c) => c.id === id) as any;

  it('creates the database, fails log_bin_trust_function_creators naming the Cloud SQL flag, passes the grants', async () => {
    const a = gcpAnswers({ database: db('bucketeer', 'bkt_full') });
    const checks = await databaseStep.apply(ctxFor(a, 'bkt_full', FULL_PW));
    expect(byId(checks, 'database.exists')).toMatchObject({ status: 'pass', facts: { created: true } });
    const trust = byId(checks, 'database.log-bin-trust-function-creators');
    expect(trust.status).toBe('fail');
    expect(trust.hint).toContain(CLOUD_SQL_TRUST_FLAG);
    expect(byId(checks, 'database.grants')).toMatchObject({ status: 'pass' });
    const rows = await root.query("SELECT COUNT(*) AS n FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = 'bucketeer'");
    expect(Number(rows[0].n)).toBe(1);
  });

  it('names the RDS parameter group setting on aws', async () => {
    const a = answers({ platform: 'aws', aws: { region: 'ap-northeast-1' }, database: db('bucketeer', 'bkt_full') });
    const trust = byId(await databaseStep.check(ctxFor(a, 'bkt_full', FULL_PW)), 'database.log-bin-trust-function-creators');
    expect(trust.status).toBe('fail');
    expect(trust.hint).toMatch(/parameter group.*ParameterName=log_bin_trust_function_creators,ParameterValue=1/);
  });

  it('passes once log_bin_trust_function_creators is on, and a second apply changes nothing', async () => {
    await root.query('SET GLOBAL log_bin_trust_function_creators = ON');
    try {
      const a = answers({ database: db('bucketeer', 'bkt_full') });
      const checks = await databaseStep.apply(ctxFor(a, 'bkt_full', FULL_PW));
      expect(checks.map((c) => c.id)).toEqual(DATABASE_CHECK_IDS);
      expect(checks.map((c) => c.status)).toEqual(['pass', 'pass', 'pass', 'pass']);
      expect(byId(checks, 'database.exists').facts.created).toBe(false);
    } finally {
      await root.query('SET GLOBAL log_bin_trust_function_creators = OFF');
    }
  });

  it('a user without rights fails, naming the GRANT statements to run', async () => {
    const a = answers({ database: db('bkt_ro_db', 'bkt_ro') });
    const checks = await databaseStep.apply(ctxFor(a, 'bkt_ro', RO_PW));
    const exists = byId(checks, 'database.exists');
    expect(exists.status).toBe('fail');
    expect(exists.detail).toMatch(/cannot create database bkt_ro_db: .*denied/i);
    const grants = byId(checks, 'database.grants');
    expect(grants.status).toBe('fail');
    expect(grants.detail).toContain('CREATE');
    expect(grants.hint).toContain("GRANT ALL PRIVILEGES ON `bkt_ro_db`.* TO 'bkt_ro'@'%';");
    expect(grants.hint).toContain("GRANT ALL PRIVILEGES ON `public`.* TO 'bkt_ro'@'%';");
    expect(grants.hint).toContain("GRANT ALL PRIVILEGES ON `bkt_ro_db_warehouse`.* TO 'bkt_ro'@'%';");
    expect(byId(checks, 'database.warehouse-exists').status).toBe('fail');
  });

  it('the warehouse DDL creates both tables with the documented columns and indexes, idempotently', async () => {
    const a = answers({ database: db('bucketeer', 'bkt_full') });
    const ctx = ctxFor(a, 'bkt_full', FULL_PW);
    await databaseStep.apply(ctx);
    const first = await warehouseStep.apply(ctx);
    expect(first.map((c) => [c.id, c.status, (c.facts as any)?.created])).toEqual([
      ['warehouse.mysql.evaluation_event', 'pass', true],
      ['warehouse.mysql.goal_event', 'pass', true],
    ]);
    const cols = await root.query(
      "SELECT TABLE_NAME t, COLUMN_NAME c, COLUMN_TYPE ty, IS_NULLABLE n, COLUMN_DEFAULT d FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = 'bucketeer_warehouse' ORDER BY TABLE_NAME, ORDINAL_POSITION",
    );
    const ev = cols.filter((r) => r.t === 'evaluation_event');
    expect(ev.map((r) => r.c)).toEqual(['id', 'environment_id', 'timestamp', 'feature_id', 'feature_version', 'user_id', 'user_data', 'variation_id', 'reason', 'tag', 'source_id', 'created_at']);
    const type = (t: string, c: string) => String(cols.find((r) => r.t === t && r.c === c)!.ty).toLowerCase();
    expect(type('evaluation_event', 'id')).toBe('varchar(255)');
    expect(type('evaluation_event', 'timestamp')).toBe('datetime(6)');
    expect(type('evaluation_event', 'feature_version')).toMatch(/^int/);
    expect(type('evaluation_event', 'user_data')).toMatch(/^(json|longtext)$/); // MariaDB: JSON is an alias of LONGTEXT
    expect(type('evaluation_event', 'reason')).toBe('text');
    expect(type('goal_event', 'value')).toBe('float');
    expect(type('goal_event', 'created_at')).toBe('timestamp');
    expect(String(cols.find((r) => r.t === 'goal_event' && r.c === 'created_at')!.d)).toMatch(/current_timestamp/i);
    expect(cols.filter((r) => r.t === 'goal_event').map((r) => r.c)).toEqual(WAREHOUSE_TABLES[1].columns.map((c) => c.name));

    const idx = await root.query(
      "SELECT TABLE_NAME t, INDEX_NAME i, COLUMN_NAME c FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = 'bucketeer_warehouse' AND SEQ_IN_INDEX = 1 ORDER BY TABLE_NAME, INDEX_NAME",
    );
    const indexed = (t: string) => idx.filter((r) => r.t === t).map((r) => `${r.i}:${r.c}`).sort();
    expect(indexed('evaluation_event')).toEqual(
      ['PRIMARY:id', 'idx_evaluation_event_environment_id:environment_id', 'idx_evaluation_event_feature_id:feature_id', 'idx_evaluation_event_timestamp:timestamp', 'idx_evaluation_event_user_id:user_id', 'idx_evaluation_event_variation_id:variation_id'].sort(),
    );
    expect(indexed('goal_event')).toContain('idx_goal_event_goal_id:goal_id');
    const tables = await root.query("SELECT TABLE_NAME t, ENGINE e, TABLE_COLLATION co FROM information_schema.TABLES WHERE TABLE_SCHEMA = 'bucketeer_warehouse'");
    for (const t of tables) {
      expect(t.e).toBe('InnoDB');
      expect(String(t.co)).toMatch(/^utf8mb4_/);
    }

    const before = await Promise.all(['evaluation_event', 'goal_event'].map(async (t) => (await root.query(`SHOW CREATE TABLE bucketeer_warehouse.${t}`))[0]));
    const second = await warehouseStep.apply(ctx);
    expect(second.map((c) => [c.status, (c.facts as any)?.created])).toEqual([
      ['pass', false],
      ['pass', false],
    ]);
    const after = await Promise.all(['evaluation_event', 'goal_event'].map(async (t) => (await root.query(`SHOW CREATE TABLE bucketeer_warehouse.${t}`))[0]));
    expect(after).toEqual(before);
    expect((await warehouseStep.check(ctx)).every((c) => c.status === 'pass')).toBe(true);
  });

  it('check reports missing tables (fail after install, warn before) and a drifted table with the ALTER to run', async () => {
    await root.query('CREATE DATABASE bkt_drift_warehouse');
    await root.query('CREATE TABLE bkt_drift_warehouse.goal_event (id VARCHAR(255) PRIMARY KEY, environment_id VARCHAR(255), `timestamp` DATETIME(6))');
    const a = answers({ database: db('bkt_drift', 'root') });
    const rootCtx: PrepareContext = { answers: a, mysql: mysqlConnector({ host: '', port: 0, socketPath: server.socket, user: 'root', password: '' }) };
    const after = await warehouseStep.check(rootCtx);
    expect(byId(after, 'warehouse.mysql.evaluation_event').status).toBe('fail');
    const goal = byId(after, 'warehouse.mysql.goal_event');
    expect(goal.status).toBe('fail');
    expect(goal.detail).toContain('value missing');
    expect(goal.hint).toContain('ADD COLUMN `value` FLOAT NULL');
    const pre = await warehouseStep.check({ ...rootCtx, options: { expectPrepared: false } });
    expect(byId(pre, 'warehouse.mysql.evaluation_event').status).toBe('warn');
  });

  it('the in-cluster Job script gives the same checks as the direct path (run here with the mariadb client)', async () => {
    if (!(await import('./peers.js')).which('mysql')) {
      console.warn('SKIPPING Job script run: no mysql client');
      return;
    }
    const dir = mkdtempSync(join(tmpdir(), 'bkt-job-'));
    const run = (program: ReturnType<typeof databaseProgram>, user: string, pw: string, mode: 'check' | 'apply') => {
      for (const [f, text] of Object.entries({ 'run.sh': MYSQL_SCRIPT, ...programFiles(program) })) writeFileSync(join(dir, f), text);
      try {
        return execFileSync('sh', [join(dir, 'run.sh')], {
          encoding: 'utf8',
          env: { PATH: process.env.PATH, PREPARE_DIR: dir, TMPDIR: dir, DB_HOST: '127.0.0.1', DB_PORT: String(server.port), DB_USER: user, MYSQL_PWD: pw, MODE: mode, GRANTS: program.grants ? '1' : '0' },
        });
      } catch (err) {
        return String((err as { stdout?: string }).stdout ?? '');
      }
    };
    try {
      const ok = answers({ database: db('bucketeer', 'bkt_full') });
      const log = run(databaseProgramFor(ok), 'bkt_full', FULL_PW, 'apply');
      expect(log).not.toMatch(/PASSWORD|\*[0-9A-F]{40}/);
      const fromJob = checksFromJobLog('database', ok, log, 'apply');
      const direct = await databaseStep.apply(ctxFor(ok, 'bkt_full', FULL_PW));
      expect(fromJob.map((c) => [c.id, c.status])).toEqual(direct.map((c) => [c.id, c.status]));

      const ro = answers({ database: db('bkt_ro_db', 'bkt_ro') });
      const roChecks = checksFromJobLog('database', ro, run(databaseProgramFor(ro), 'bkt_ro', RO_PW, 'apply'), 'apply');
      expect(byId(roChecks, 'database.grants').hint).toContain("GRANT ALL PRIVILEGES ON `bkt_ro_db`.* TO 'bkt_ro'@'%';");

      const wh = checksFromJobLog('warehouse', ok, run(warehouseMysqlProgramFor(ok), 'bkt_full', FULL_PW, 'apply'), 'apply');
      expect(wh.map((c) => [c.id, c.status])).toEqual([
        ['warehouse.mysql.evaluation_event', 'pass'],
        ['warehouse.mysql.goal_event', 'pass'],
      ]);

      const bad = checksFromJobLog('database', ok, run(databaseProgramFor(ok), 'bkt_full', 'wrong-password', 'check'), 'check');
      expect(bad).toMatchObject([{ id: 'database.connect', status: 'fail' }]);
      expect(bad[0].detail).toMatch(/denied/i);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('applying, the warehouse Job script waits for the database the database Job creates beside it, and says so when it never comes', async () => {
    if (!(await import('./peers.js')).which('mysql')) {
      console.warn('SKIPPING Job script run: no mysql client');
      return;
    }
    await root.query("CREATE USER 'bkt_late'@'%' IDENTIFIED BY 'late-pw'");
    await root.query("GRANT ALL PRIVILEGES ON `bkt_late`.* TO 'bkt_late'@'%'");
    await root.query("GRANT ALL PRIVILEGES ON `bkt_never`.* TO 'bkt_late'@'%'");
    const a = (name: string) => answers({ database: db('bkt_late_ops', 'bkt_late'), warehouse: { type: 'mysql', database: name } });
    const runAsync = (name: string, waitSeconds: number) =>
      runJobScript(MYSQL_SCRIPT, programFiles(warehouseMysqlProgramFor(a(name), { waitForDatabase: true })), {
        DB_HOST: '127.0.0.1', DB_PORT: String(server.port), DB_USER: 'bkt_late', MYSQL_PWD: 'late-pw', MODE: 'apply', GRANTS: '0', WAIT_SECONDS: String(waitSeconds),
      });

    // The database appears 1.5 s after the warehouse Job started: the tables are created then.
    const job = runAsync('bkt_late', 30);
    await new Promise((r) => setTimeout(r, 1_500));
    await root.query('CREATE DATABASE `bkt_late`');
    const created = checksFromJobLog('warehouse', a('bkt_late'), await job, 'apply');
    expect(created.map((c) => [c.id, c.status])).toEqual([
      ['warehouse.mysql.evaluation_event', 'pass'],
      ['warehouse.mysql.goal_event', 'pass'],
    ]);

    const never = checksFromJobLog('warehouse', a('bkt_never'), await runAsync('bkt_never', 2), 'apply');
    expect(never).toMatchObject([{ id: 'warehouse.mysql.database', status: 'fail' }]);
    expect(never[0].detail).toMatch(/database not found after 2s/);
    expect(never[0].hint).toMatch(/--skip-prepare database/);
  });

  it('the Job script waits for an in-cluster server that is still starting (WAIT_FOR_SERVER), and fails as a connect error when it never answers', async () => {
    if (!(await import('./peers.js')).which('mysql')) {
      console.warn('SKIPPING Job script run: no mysql client');
      return;
    }
    const late = await lateServer(server.port);
    try {
      const env = (port: number, wait: string) => ({ DB_HOST: '127.0.0.1', DB_PORT: String(port), DB_USER: 'bkt_full', MYSQL_PWD: FULL_PW, MODE: 'apply', GRANTS: '1', WAIT_FOR_SERVER: wait });
      const ok = answers({ database: db('bucketeer', 'bkt_full') });
      const job = runJobScript(MYSQL_SCRIPT, programFiles(databaseProgramFor(ok)), env(late.port, '30'));
      await new Promise((r) => setTimeout(r, 1_500));
      await late.open();
      const checks = checksFromJobLog('database', ok, await job, 'apply');
      expect(byId(checks, 'database.exists').status).toBe('pass');
      expect(byId(checks, 'database.grants').status).toBe('pass');

      const nobody = await freePort();
      const down = checksFromJobLog('database', ok, await runJobScript(MYSQL_SCRIPT, programFiles(databaseProgramFor(ok)), env(nobody, '2')), 'apply');
      expect(down).toMatchObject([{ id: 'database.connect', status: 'fail' }]);
      expect(down[0].detail).toMatch(/can't connect|connection refused/i);
    } finally {
      await late.close();
    }
  });

  const tablesIn = async (schema: string) =>
    (await root.query(`SELECT TABLE_NAME t FROM information_schema.TABLES WHERE TABLE_SCHEMA = ${quoteString(schema)} ORDER BY TABLE_NAME`)).map((r) => String(r.t));

  it('in-cluster: after the init scripts and both prepare steps, the migration database holds no table and the warehouse database holds both', async () => {
    // What the MySQL image does with MYSQL_DATABASE/MYSQL_USER, then the installer's init files.
    const a = answers({ database: { mode: 'in-cluster', name: 'bkt_ic', user: 'bkt_ic', password: { env: 'BKT_DB_PASSWORD' } } });
    for (const sql of ['CREATE DATABASE `bkt_ic`', "CREATE USER 'bkt_ic'@'%' IDENTIFIED BY 'ic-pw'", "GRANT ALL PRIVILEGES ON `bkt_ic`.* TO 'bkt_ic'@'%'"]) await root.query(sql);
    const init = inClusterManifests(a).mysql.find((m) => m.kind === 'ConfigMap')!.data as Record<string, string>;
    expect(Object.keys(init).sort()).toEqual(['01-atlas-revisions.sql', '02-warehouse.sql']);
    for (const file of Object.keys(init).sort()) for (const stmt of init[file].split(';').map((x) => x.trim()).filter(Boolean)) await root.query(stmt);

    const ctx = ctxFor(a, 'bkt_ic', 'ic-pw');
    const dbChecks = await databaseStep.apply(ctx);
    expect(byId(dbChecks, 'database.warehouse-exists')).toMatchObject({ status: 'pass', facts: { database: 'bkt_ic_warehouse' } });
    expect(byId(dbChecks, 'database.grants').status).toBe('pass');
    const whChecks = await warehouseStep.apply(ctx);
    expect(whChecks.map((c) => [c.id, c.status])).toEqual([
      ['warehouse.mysql.evaluation_event', 'pass'],
      ['warehouse.mysql.goal_event', 'pass'],
    ]);
    // The chart's first migration meets an empty database.
    expect(await tablesIn('bkt_ic')).toEqual([]);
    expect(await tablesIn('bkt_ic_warehouse')).toEqual(['evaluation_event', 'goal_event']);
  });

  it('external: a user granted the migration database only gets the GRANT for the warehouse database; with it, the tables land there and not in the migration database', async () => {
    const a = answers({ database: db('bkt_ext', 'bkt_ext') });
    for (const sql of ["CREATE USER 'bkt_ext'@'%' IDENTIFIED BY 'ext-pw'", "GRANT ALL PRIVILEGES ON `bkt_ext`.* TO 'bkt_ext'@'%'", "GRANT ALL PRIVILEGES ON `public`.* TO 'bkt_ext'@'%'"]) await root.query(sql);
    const ctx = ctxFor(a, 'bkt_ext', 'ext-pw');
    const refused = await databaseStep.apply(ctx);
    expect(byId(refused, 'database.exists').status).toBe('pass');
    const wh = byId(refused, 'database.warehouse-exists');
    expect(wh.status).toBe('fail');
    expect(wh.detail).toMatch(/cannot create database bkt_ext_warehouse: .*denied/i);
    expect(byId(refused, 'database.grants').hint).toBe("as an admin run: GRANT ALL PRIVILEGES ON `bkt_ext_warehouse`.* TO 'bkt_ext'@'%';");
    expect(await tablesIn('bkt_ext')).toEqual([]);

    await root.query("GRANT ALL PRIVILEGES ON `bkt_ext_warehouse`.* TO 'bkt_ext'@'%'");
    expect((await databaseStep.apply(ctx)).every((c) => c.status === 'pass' || c.id === 'database.log-bin-trust-function-creators')).toBe(true);
    expect((await warehouseStep.apply(ctx)).every((c) => c.status === 'pass')).toBe(true);
    expect(await tablesIn('bkt_ext')).toEqual([]);
    expect(await tablesIn('bkt_ext_warehouse')).toEqual(['evaluation_event', 'goal_event']);
  });
});
