// Where the MySQL warehouse tables live across install and upgrade. Bucketeer v2.3.0's migration
// hook (manifests/bucketeer/templates/atlas-migration.yaml: atlas `migrate apply --baseline ""`)
// refuses a first run on a database holding tables, so a new install keeps the tables in a
// database of their own (global.dataWarehouse.mysql with useMainConnection false, read by
// pkg/subscriber/cmd/server/server.go and pkg/web/cmd/server/server.go); an install made before
// that keeps them beside its migrated schema on upgrade.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { AnswersSchema } from '../../src/answers/schema.js';
import { UsageError } from '../../src/errors.js';
import { keepDeployedWarehouse, refuseWarehouseInMigrationDatabase } from '../../src/install/guards.js';
import { answers } from '../prepare/peers.js';
import { example, fixtureChart, helm, helmJson, runInstall, startCli, useHarness } from './helpers.js';

describe('the warehouse location rule', () => {
  const legacyValues = { global: { dataWarehouse: { type: 'mysql', mysql: { useMainConnection: true } } } };
  it('an upgrade of a release on the main connection keeps the tables in database.name when the answers name no warehouse.database', () => {
    const kept = keepDeployedWarehouse(legacyValues, answers());
    expect(kept.answers.warehouse).toEqual({ type: 'mysql', database: 'bucketeer' });
    expect(kept.note).toMatch(/keeps its warehouse tables in bucketeer/);
    // The chart's default for useMainConnection is true: a release that never set it is on the main connection too.
    expect(keepDeployedWarehouse({ global: { dataWarehouse: { type: 'mysql' } } }, answers()).answers.warehouse).toEqual({ type: 'mysql', database: 'bucketeer' });
  });
  it('changes nothing for a release with its own warehouse database, for answers that name one, or for another warehouse type', () => {
    const separate = { global: { dataWarehouse: { type: 'mysql', mysql: { useMainConnection: false, database: 'bucketeer_warehouse' } } } };
    expect(keepDeployedWarehouse(separate, answers())).toEqual({ answers: answers() });
    const named = answers({ warehouse: { type: 'mysql', database: 'events' } });
    expect(keepDeployedWarehouse(legacyValues, named)).toEqual({ answers: named });
    expect(keepDeployedWarehouse({ global: { dataWarehouse: { type: 'bigquery' } } }, answers())).toEqual({ answers: answers() });
  });
  it('a first install refuses warehouse.database equal to database.name, naming the key', () => {
    expect(() => refuseWarehouseInMigrationDatabase(answers({ warehouse: { type: 'mysql', database: 'bucketeer' } }))).toThrow(UsageError);
    expect(() => refuseWarehouseInMigrationDatabase(answers({ warehouse: { type: 'mysql', database: 'bucketeer' } }))).toThrow(/warehouse\.database is bucketeer/);
    expect(() => refuseWarehouseInMigrationDatabase(answers())).not.toThrow();
  });
  it('the schema asks for warehouse.database when the default name would pass 64 characters, and refuses public', () => {
    const long = 'd'.repeat(60);
    const r = AnswersSchema.safeParse({ ...answers(), database: { ...answers().database, name: long } });
    expect(r.success).toBe(false);
    expect(JSON.stringify(r.error?.issues)).toContain('set warehouse.database');
    expect(AnswersSchema.safeParse({ ...answers(), warehouse: { type: 'mysql', database: 'public' } }).success).toBe(false);
  });
});

describe.skipIf(!helm)('warehouse location on kubesim', () => {
  const h = useHarness();

  const answersFile = (name: string, change: (a: any) => void) => {
    const a = parse(readFileSync(example('in-cluster'), 'utf8'));
    change(a);
    const file = join(h.dir, `${name}.yaml`);
    writeFileSync(file, stringify(a));
    return file;
  };
  const values = async (ns: string) => (await helmJson<any>(h, ['get', 'values', 'bucketeer', '-n', ns])).data!;

  it('a first install with the tables in the migration database exits 2 and creates nothing', async () => {
    const r = await runInstall(h, { namespace: 'wh-refused', answers: answersFile('legacy', (a) => (a.warehouse = { type: 'mysql', database: 'bucketeer' })) });
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toMatch(/warehouse\.database is bucketeer/);
    expect(h.sim.objects.get('namespace', undefined, 'wh-refused')).toBeUndefined();
  }, 90_000);

  it('an install made before warehouse.database (useMainConnection true) keeps it on upgrade, and the stored answers say where', async () => {
    const ns = 'wh-legacy';
    expect((await runInstall(h, { namespace: ns })).code).toBe(0);
    expect((await values(ns)).global.dataWarehouse.mysql).toMatchObject({ useMainConnection: false, database: 'bucketeer_warehouse' });
    // What the installer deployed before: the warehouse on the main connection.
    const legacy = await helmJson(h, ['upgrade', 'bucketeer', fixtureChart, '-n', ns, '--reuse-values', '--set', 'global.dataWarehouse.mysql.useMainConnection=true']);
    expect(legacy.code, legacy.stderr).toBe(0);

    const r = await startCli(['upgrade', '--yes', '--chart', fixtureChart, '--kube-context', 'kubesim', '--kubeconfig', h.sim.kubeconfigPath, '--namespace', ns, '--timeout', '30s', '--health-window', '500ms'], h.env).done;
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/warehouse +the deployed release keeps its warehouse tables in bucketeer/);
    expect((await values(ns)).global.dataWarehouse.mysql).toEqual({ useMainConnection: true });
    const stored = parse((h.sim.objects.get('configmap', ns, 'bucketeer-bucketeer-install')!.data as Record<string, string>)['answers.yaml']);
    expect(stored.warehouse).toEqual({ type: 'mysql', database: 'bucketeer' });
  }, 120_000);
});
