// In-cluster prepare Jobs: manifests (images, ConfigMap, secretKeyRef) and the log parser.
import { describe, expect, it } from 'vitest';
import { checksFromJobLog, mysqlPasswordSecret, prepareCredentialsSecret, prepareJob, PREPARE_IMAGES, PREPARE_JOB_SECONDS, runsInCluster, serverInCluster } from '../../src/prepare/job.js';
import { describePrepare, prepareSteps } from '../../src/prepare/index.js';
import { escapeField, factLine, parseFactLog, unescapeField } from '../../src/prepare/protocol.js';
import { dbPatternMatches, missingPrivileges, parseGrant, REQUIRED_DB_PRIVILEGES } from '../../src/prepare/sql.js';
import { answers, DATABASE_CHECK_IDS, gcpAnswers } from './peers.js';

const container = (manifests: any[]) => manifests.find((m) => m.kind === 'Job').spec.template.spec.containers[0];

describe('prepare Job manifests', () => {
  const inCluster = answers({ database: { mode: 'in-cluster' }, redis: { mode: 'in-cluster' } });

  it('database: mysql:8.4, SQL from a ConfigMap, password from the in-cluster Secret by reference', () => {
    const job = prepareJob('database', inCluster, 'apply')!;
    expect(job.manifests.map((m) => m.kind)).toEqual(['ConfigMap', 'Job']);
    const [cm, j] = job.manifests as any[];
    expect(cm.metadata).toMatchObject({ name: 'bucketeer-prepare-database', namespace: 'bucketeer' });
    expect(Object.keys(cm.data).sort()).toEqual(['apply.sql', 'facts.sql', 'pre.sql', 'run.sh']);
    expect(cm.data['apply.sql']).toContain('CREATE DATABASE IF NOT EXISTS `bucketeer`');
    expect(j.spec.backoffLimit).toBe(0);
    const c = container(job.manifests);
    expect(c.image).toBe(PREPARE_IMAGES.mysql);
    expect(c.image).toBe('mysql:8.4');
    const env = Object.fromEntries(c.env.map((e: any) => [e.name, e]));
    expect(env.MYSQL_PWD).toEqual({ name: 'MYSQL_PWD', valueFrom: { secretKeyRef: { name: 'bucketeer-mysql', key: 'password' } } });
    expect(env.DB_HOST.value).toBe('bucketeer-mysql.bucketeer.svc.cluster.local');
    expect(env.MODE.value).toBe('apply');
    expect(j.spec.template.spec.volumes[0]).toEqual({ name: 'prepare', configMap: { name: 'bucketeer-prepare-database' } });
    expect(job.secret).toEqual({ name: 'bucketeer-mysql', key: 'password', create: false });
  });

  it('beside an in-cluster server still rolling out, the Job waits for it: WAIT_FOR_SERVER and a deadline that long on top', () => {
    expect(serverInCluster('database', inCluster)).toBe(true);
    expect(serverInCluster('redis', inCluster)).toBe(true);
    expect(serverInCluster('database', answers())).toBe(false);
    for (const step of ['database', 'warehouse', 'redis'] as const) {
      const job = prepareJob(step, inCluster, 'apply', { waitForServerSeconds: 600 })!;
      const env = Object.fromEntries(container(job.manifests).env.map((e: any) => [e.name, e.value]));
      expect(env.WAIT_FOR_SERVER, step).toBe('600');
      expect((job.manifests[1] as any).spec.activeDeadlineSeconds).toBe(PREPARE_JOB_SECONDS + 600);
      const plain = prepareJob(step, inCluster, 'apply')!;
      expect(container(plain.manifests).env.map((e: any) => e.name)).not.toContain('WAIT_FOR_SERVER');
      expect((plain.manifests[1] as any).spec.activeDeadlineSeconds).toBe(PREPARE_JOB_SECONDS);
    }
    // Applying, the warehouse also waits for the database the database Job creates; checking does not.
    expect(Object.keys(prepareJob('warehouse', inCluster, 'apply')!.manifests[0].data as object)).toContain('wait.sql');
    expect(Object.keys(prepareJob('warehouse', inCluster, 'check')!.manifests[0].data as object)).not.toContain('wait.sql');
  });

  it('warehouse (mysql) carries the DDL; check mode does not apply it', () => {
    const job = prepareJob('warehouse', inCluster, 'check')!;
    const cm = job.manifests[0] as any;
    // The tables go to the warehouse's own database, never the migration's (bucketeer).
    expect(cm.data['apply.sql']).toContain('CREATE TABLE IF NOT EXISTS `bucketeer_warehouse`.`evaluation_event`');
    expect(cm.data['apply.sql']).toContain('CREATE TABLE IF NOT EXISTS `bucketeer_warehouse`.`goal_event`');
    expect(cm.data['apply.sql']).not.toContain('`bucketeer`.');
    expect(cm.data['wait.sql']).toBeUndefined();
    const applying = prepareJob('warehouse', inCluster, 'apply')!.manifests[0] as any;
    expect(applying.data['wait.sql']).toContain("SCHEMA_NAME = 'bucketeer_warehouse'");
    const db = prepareJob('database', inCluster, 'apply')!.manifests[0] as any;
    expect(db.data['apply.sql']).toContain('CREATE DATABASE IF NOT EXISTS `bucketeer_warehouse`');
    expect(container(job.manifests).env.find((e: any) => e.name === 'MODE').value).toBe('check');
  });

  it('redis: redis:7.4 and no Secret', () => {
    const job = prepareJob('redis', inCluster, 'check')!;
    expect(container(job.manifests).image).toBe('redis:7.4');
    expect(job.secret).toBeUndefined();
    expect(JSON.stringify(job.manifests)).not.toContain('secretKeyRef');
  });

  it('external passwords: an existing Secret is referenced; env/file passwords go to a Secret the engine creates', () => {
    const bySecret = answers({ database: { mode: 'external', host: 'db.internal', name: 'bucketeer', user: 'bkt', password: { secret: { name: 'db-creds', key: 'pw' } } } });
    expect(mysqlPasswordSecret(bySecret)).toEqual({ name: 'db-creds', key: 'pw', create: false });
    const byEnv = answers();
    const job = prepareJob('database', byEnv, 'apply')!;
    expect(job.secret).toEqual({ name: 'bucketeer-prepare-credentials', key: 'mysql-password', create: true });
    expect(container(job.manifests).env.find((e: any) => e.name === 'MYSQL_PWD').valueFrom.secretKeyRef).toEqual({ name: 'bucketeer-prepare-credentials', key: 'mysql-password' });
    const secret = prepareCredentialsSecret(byEnv, { mysqlPassword: 's3cret' }) as any;
    expect(secret).toMatchObject({ kind: 'Secret', metadata: { name: 'bucketeer-prepare-credentials', namespace: 'bucketeer' }, stringData: { 'mysql-password': 's3cret' } });
    expect(JSON.stringify(job.manifests)).not.toContain('s3cret');
  });

  it('postgres warehouse: postgres image with PGPASSWORD by reference; BigQuery and Pub/Sub need no Job', () => {
    const pg = answers({ warehouse: { type: 'postgres', host: 'pg.internal', database: 'events', user: 'bkt', password: { secret: { name: 'pg', key: 'password' } } } });
    const job = prepareJob('warehouse', pg, 'check')!;
    expect(container(job.manifests).image).toBe('postgres:17-alpine');
    expect(container(job.manifests).env.find((e: any) => e.name === 'PGPASSWORD').valueFrom.secretKeyRef).toEqual({ name: 'pg', key: 'password' });
    const gcp = gcpAnswers({ warehouse: { type: 'bigquery', dataset: 'ds', location: 'US' } });
    expect(prepareJob('warehouse', gcp, 'apply')).toBeUndefined();
    expect(prepareJob('messaging', gcp, 'apply')).toBeUndefined();
    expect(runsInCluster('redis', gcp)).toBe(true);
  });
});

/**
 * A database Job's log in the fact protocol: `var` facts, errors by stage, the SHOW GRANTS lines,
 * then `done` with the exit code. The evaluation reads each kind on its own, so their order here
 * does not matter.
 */
function databaseJobLog(run: { vars: Record<string, string | number>; errors?: Record<string, string>; grants: string[]; exitCode: number }): string {
  return [
    ...Object.entries(run.vars).map(([name, value]) => factLine('var', name, value)),
    ...Object.entries(run.errors ?? {}).map(([stage, message]) => factLine('error', stage, message)),
    ...run.grants.map((grant) => factLine('grant', grant)),
    factLine('done', run.exitCode),
  ].join('\n');
}

describe('Job log parser', () => {
  const a = answers();

  it('maps a successful database run (with a kubectl timestamp prefix) to passing checks', () => {
    const log =
      '2026-01-01T00:00:00.000000000Z ' +
      databaseJobLog({
        vars: { db_existed: 0, warehouse_db_existed: 0, db_exists: 1, warehouse_db_exists: 1, log_bin: 1, trust_function_creators: 1, current_user: 'bucketeer@%', version: '8.4.3' },
        grants: [
          'GRANT USAGE ON *.* TO `bucketeer`@`%`',
          'GRANT ALL PRIVILEGES ON `bucketeer`.* TO `bucketeer`@`%`',
          'GRANT ALL PRIVILEGES ON `public`.* TO `bucketeer`@`%`',
          'GRANT ALL PRIVILEGES ON `bucketeer_warehouse`.* TO `bucketeer`@`%`',
        ],
        exitCode: 0,
      });
    const checks = checksFromJobLog('database', a, log, 'apply');
    expect(checks.map((c) => c.id)).toEqual(DATABASE_CHECK_IDS);
    expect(checks.map((c) => c.status)).toEqual(['pass', 'pass', 'pass', 'pass']);
    expect(checks[0].detail).toBe('created bucketeer (utf8mb4)');
    expect(checks[1].detail).toMatch(/^created bucketeer_warehouse/);
  });

  it('an existing database the user may not CREATE again passes exists; the grants check names the gap', () => {
    const log = databaseJobLog({
      vars: { db_existed: 1, db_exists: 1, log_bin: 0, trust_function_creators: 0, current_user: 'bucketeer@10.%' },
      errors: { apply: "ERROR 1044 (42000) at line 1: Access denied for user 'bucketeer'@'%' to database 'bucketeer'" },
      grants: ['GRANT SELECT, INSERT, UPDATE, DELETE ON `bucketeer`.* TO `bucketeer`@`10.%`'],
      exitCode: 1,
    });
    const checks = checksFromJobLog('database', a, log, 'apply');
    expect(checks.map((c) => c.id)).toEqual(DATABASE_CHECK_IDS);
    // exists, warehouse-exists, log-bin-trust-function-creators, grants
    expect(checks.map((c) => c.status)).toEqual(['pass', 'fail', 'pass', 'fail']);
    // The apply stopped at the first CREATE: the warehouse database was never tried.
    expect(checks[1].detail).toMatch(/^bucketeer_warehouse was not created: the step stopped at an earlier error/);
    expect(checks[1].hint).toContain('CREATE DATABASE `bucketeer_warehouse`');
    expect(checks[3].detail).toContain('on bucketeer: CREATE, DROP, ALTER, INDEX, CREATE ROUTINE');
    expect(checks[3].detail).toContain('on bucketeer_warehouse (the warehouse tables): SELECT, INSERT, CREATE');
    expect(checks[3].hint).toBe(
      "as an admin run: GRANT ALL PRIVILEGES ON `bucketeer`.* TO 'bucketeer'@'10.%'; GRANT ALL PRIVILEGES ON `public`.* TO 'bucketeer'@'10.%'; GRANT ALL PRIVILEGES ON `bucketeer_warehouse`.* TO 'bucketeer'@'10.%';",
    );
  });

  it('maps a failed connection and a Job that died without a result to failures naming the step', () => {
    const denied = checksFromJobLog('database', a, "BKTPREP\terror\tpre\tERROR 1045 (28000): Access denied for user 'bucketeer'@'10.0.0.5'\nBKTPREP\terror\tfacts\tERROR 1045\nBKTPREP\tdone\t1\n", 'check');
    expect(denied).toMatchObject([{ id: 'database.connect', status: 'fail' }]);
    expect(denied[0].detail).toContain('Access denied');
    const died = checksFromJobLog('redis', a, 'Could not connect to Redis at 10.0.0.3:6379: Connection timed out\n', 'check');
    expect(died).toMatchObject([{ id: 'redis.job', status: 'fail' }]);
    expect(died[0].detail).toContain('Connection timed out');
    expect(died[0].hint).toContain('describe job bucketeer-prepare-redis');
    expect(checksFromJobLog('warehouse', a, '', 'apply')[0]).toMatchObject({ id: 'warehouse.job', status: 'fail', detail: 'the Job ended without a result (no output)' });
  });

  it('maps a Redis run with an evicting policy to a refusal', () => {
    const log = 'BKTPREP\tinfo\tredis_version\t7.2.4\nBKTPREP\tinfo\tmaxmemory_policy\tvolatile-lru\nBKTPREP\tinfo\taof_enabled\t1\nBKTPREP\tdone\t0\n';
    expect(checksFromJobLog('redis', a, log, 'apply').map((c) => c.status)).toEqual(['pass', 'fail', 'pass']);
    expect(checksFromJobLog('redis', a, log, 'apply', { force: true }).map((c) => c.status)).toEqual(['pass', 'warn', 'pass']);
  });

  it('escapes round-trip and unknown lines are kept for messages', () => {
    const v = 'a\tb\nc\\d';
    expect(unescapeField(escapeField(v))).toBe(v);
    const log = parseFactLog(`noise\n${factLine('var', 'x', v)}\nBKTPREP\tdone\t0`);
    expect(log.facts).toEqual([['var', 'x', v]]);
    expect(log.other).toEqual(['noise']);
    expect(log.exitCode).toBe(0);
  });
});

describe('grants', () => {
  it('parses GRANT lines, database patterns and missing privileges', () => {
    expect(parseGrant('GRANT SELECT, INSERT, UPDATE (`a`, `b`) ON `bkt`.* TO `u`@`%`')).toEqual({ privileges: ['SELECT', 'INSERT', 'UPDATE'], database: 'bkt', table: '*' });
    expect(parseGrant("GRANT `app_role` TO 'u'@'%'")).toBeUndefined();
    expect(dbPatternMatches('bkt\\_%', 'bkt_prod')).toBe(true);
    expect(dbPatternMatches('bkt\\_%', 'bktxprod')).toBe(false);
    expect(dbPatternMatches('bkt_%', 'bktxprod')).toBe(true);
    const grants = ['GRANT SELECT, INSERT, UPDATE, DELETE, CREATE, DROP, ALTER, INDEX ON *.* TO `u`@`%`'];
    expect(missingPrivileges(grants, 'bucketeer', REQUIRED_DB_PRIVILEGES)).toEqual(['CREATE ROUTINE']);
    expect(missingPrivileges(['GRANT ALL PRIVILEGES ON `bucketeer`.`t` TO `u`@`%`'], 'bucketeer', ['CREATE'])).toEqual(['CREATE']);
  });
});

describe('prepareSteps', () => {
  it('lists the four steps with one-line descriptions that follow the answers', () => {
    const gcp = gcpAnswers({ warehouse: { type: 'bigquery', dataset: 'bucketeer_events', location: 'US' } });
    expect(prepareSteps(gcp).map((s) => s.name)).toEqual(['database', 'warehouse', 'messaging', 'redis']);
    const lines = describePrepare(gcp, ['redis']);
    expect(lines).toHaveLength(4);
    for (const l of lines) expect(l).not.toContain('\n');
    expect(lines[1]).toContain('BigQuery dataset bkt-test-proj:bucketeer_events');
    expect(lines[2]).toContain('with enableMessageOrdering');
    expect(lines[2]).toContain('publishers set no ordering keys');
    expect(lines[3]).toBe('redis: skipped (--skip-prepare redis)');
    expect(describePrepare(answers())[2]).toContain('16 partitions');
  });
});
