// Answers a running install cannot take: changes that would lose data, refused unless --force
// (as helm refuses nothing, this is the installer's job), and a changed in-cluster MySQL password.
// Checked read-only before the first change, by install and upgrade.
import { WAREHOUSE_DB_SUFFIX, type Answers } from '../answers/schema.js';
import { UsageError } from '../errors.js';
import { mysqlName } from '../plan/in-cluster.js';
import { getPath, type InlineSecrets, type Values } from '../plan/values.js';
import { VALUE_PATHS } from '../chart/facts.js';

/**
 * Fewer Redis Streams partitions strand what waits in the dropped ones (no consumer reads them
 * again): refused unless forced.
 */
export function refuseFewerPartitions(deployedValues: Values, answers: Answers, force: boolean): void {
  if (force || getPath(deployedValues, VALUE_PATHS.pubsubType) !== 'redis-stream' || answers.messaging.backend !== 'redis-stream') return;
  const deployed = Number(getPath(deployedValues, VALUE_PATHS.redisPartitionCount));
  const wanted = answers.messaging.partitions;
  if (!Number.isInteger(deployed) || wanted >= deployed) return;
  throw new UsageError(
    `messaging.partitions ${wanted} is lower than the ${deployed} partitions deployed: events still waiting in partitions ${wanted}-${deployed - 1} would never be read`,
    `keep messaging.partitions at ${deployed} or more; or let the streams drain (consumers idle) and pass --force`,
  );
}

/**
 * Where an existing install's MySQL warehouse tables are. Installs made before warehouse.database
 * existed keep evaluation_event and goal_event beside the migrated schema and point the chart at
 * them with global.dataWarehouse.mysql.useMainConnection true. The rule: when the deployed
 * release has a MySQL warehouse on the main connection and the answers do not name
 * warehouse.database, the answers get warehouse.database = database.name, so the tables (and the
 * events in them) stay where they are; the returned note says so. Naming warehouse.database moves
 * the warehouse to that database (new, empty tables; the old events stay in database.name).
 */
export function keepDeployedWarehouse(deployedValues: Values, answers: Answers): { answers: Answers; note?: string } {
  const w = answers.warehouse;
  if (w.type !== 'mysql' || w.database !== undefined) return { answers };
  if (getPath(deployedValues, 'global.dataWarehouse.type') !== 'mysql') return { answers };
  // The chart's default is true, and helm get values lists only what was set.
  if (getPath(deployedValues, 'global.dataWarehouse.mysql.useMainConnection') === false) return { answers };
  return {
    answers: { ...answers, warehouse: { ...w, database: answers.database.name } },
    note: `the deployed release keeps its warehouse tables in ${answers.database.name} (useMainConnection): kept there (warehouse.database: ${answers.database.name}); set warehouse.database to move to a database of its own`,
  };
}

/**
 * A first install must not put the warehouse tables in the migration's database: atlas's first
 * `migrate apply` (no baseline) refuses a database that holds tables.
 */
export function refuseWarehouseInMigrationDatabase(answers: Answers): void {
  const w = answers.warehouse;
  if (w.type !== 'mysql' || w.database !== answers.database.name) return;
  throw new UsageError(
    `warehouse.database is ${w.database}, the database Bucketeer's migration runs in: on a first install the migration refuses a database that already holds the warehouse tables`,
    `remove warehouse.database (default ${answers.database.name}${WAREHOUSE_DB_SUFFIX}) or set it to another name`,
  );
}

/**
 * The in-cluster MySQL keeps the password it was initialised with (stored in its Secret): a
 * database.password in the answers that differs from it would lock the services out.
 */
export function refuseChangedDbPassword(answers: Answers, answered: InlineSecrets, storedPassword: string | undefined): void {
  const differs = changedDbPassword(answers, answered, storedPassword);
  if (differs) throw new UsageError(differs, `set it back to the stored one, or change the MySQL user's password first and then update that Secret`);
}

/** What is wrong when the answers' database.password differs from the in-cluster MySQL's; undefined when it does not. */
export function changedDbPassword(answers: Answers, answered: InlineSecrets, storedPassword: string | undefined): string | undefined {
  if (answers.database.mode !== 'in-cluster' || !answers.database.password || storedPassword === undefined || storedPassword === answered.dbPassword) return undefined;
  return `database.password differs from the password the in-cluster MySQL was created with (Secret ${mysqlName(answers)} in ${answers.kubernetes.namespace})`;
}
