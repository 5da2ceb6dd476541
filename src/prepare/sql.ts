// MySQL side of the prepare steps: the warehouse DDL (our own: the columns the services write to
// evaluation_event and goal_event), the
// operational database checks, and the SQL programs both paths run: directly through a driver
// connection, or inside the cluster from a ConfigMap (job.ts). Facts come back as protocol lines
// (protocol.ts) and are evaluated here into checks.
import { mysqlWarehouseDatabase, type Answers } from '../answers/schema.js';
import { ATLAS_REVISIONS } from '../chart/facts.js';
import type { Check } from '../checks/types.js';
import { factLine, MARK, truthy, varsOf, type FactLog } from './protocol.js';
import { mysqlTransportCheck } from './transport.js';
import type { SqlConnection } from './types.js';
import { platformById } from '../platforms/index.js';

// ---------- warehouse tables ----------

export type BigQueryType = 'STRING' | 'TIMESTAMP' | 'INTEGER' | 'JSON' | 'FLOAT';

export interface ColumnSpec {
  name: string;
  /** Column type in MySQL DDL. */
  mysql: string;
  /** information_schema DATA_TYPE values accepted (MariaDB stores JSON as longtext). */
  dataTypes: string[];
  nullable: boolean;
  /** BigQuery type; absent for MySQL-only bookkeeping columns. */
  bigquery?: BigQueryType;
}

export interface TableSpec {
  name: 'evaluation_event' | 'goal_event';
  columns: ColumnSpec[];
  /** Single-column secondary indexes, by column. */
  indexes: string[];
}

const id = (name: string, nullable = false): ColumnSpec => ({ name, mysql: 'VARCHAR(255)', dataTypes: ['varchar'], nullable, bigquery: 'STRING' });
const ts: ColumnSpec = { name: 'timestamp', mysql: 'DATETIME(6)', dataTypes: ['datetime'], nullable: false, bigquery: 'TIMESTAMP' };
const version = (name: string, nullable = false): ColumnSpec => ({ name, mysql: 'INT', dataTypes: ['int'], nullable, bigquery: 'INTEGER' });
const userData: ColumnSpec = { name: 'user_data', mysql: 'JSON', dataTypes: ['json', 'longtext'], nullable: true, bigquery: 'JSON' };
const reason: ColumnSpec = { name: 'reason', mysql: 'TEXT', dataTypes: ['text'], nullable: true, bigquery: 'STRING' };
const createdAt: ColumnSpec = { name: 'created_at', mysql: 'TIMESTAMP', dataTypes: ['timestamp'], nullable: false };

export const WAREHOUSE_TABLES: readonly TableSpec[] = [
  {
    name: 'evaluation_event',
    columns: [
      id('id'),
      id('environment_id'),
      ts,
      id('feature_id'),
      version('feature_version'),
      id('user_id'),
      userData,
      id('variation_id'),
      reason,
      id('tag', true),
      id('source_id', true),
      createdAt,
    ],
    indexes: ['environment_id', 'timestamp', 'feature_id', 'user_id', 'variation_id'],
  },
  {
    name: 'goal_event',
    columns: [
      id('id'),
      id('environment_id'),
      ts,
      id('goal_id'),
      { name: 'value', mysql: 'FLOAT', dataTypes: ['float'], nullable: true, bigquery: 'FLOAT' },
      id('user_id'),
      userData,
      id('tag', true),
      id('source_id', true),
      // A goal event is linked to an evaluation only when the user saw a flag first.
      id('feature_id', true),
      version('feature_version', true),
      id('variation_id', true),
      reason,
      createdAt,
    ],
    indexes: ['environment_id', 'timestamp', 'goal_id', 'user_id', 'variation_id'],
  },
];

export function quoteIdent(name: string): string {
  return `\`${name.replace(/`/g, '``')}\``;
}

export function quoteString(s: string): string {
  return `'${s.replace(/\\/g, '\\\\').replace(/'/g, "''")}'`;
}

const indexName = (table: string, column: string) => `idx_${table}_${column}`;

function columnDdl(c: ColumnSpec): string {
  const def = c.name === 'created_at' ? ' DEFAULT CURRENT_TIMESTAMP' : '';
  return `${quoteIdent(c.name)} ${c.mysql}${c.nullable ? ' NULL' : ' NOT NULL'}${def}`;
}

/** CREATE TABLE IF NOT EXISTS for one table, qualified with the database. */
export function tableDdl(db: string, t: TableSpec): string {
  const lines = [
    ...t.columns.map(columnDdl),
    `PRIMARY KEY (${quoteIdent('id')})`,
    ...t.indexes.map((c) => `KEY ${quoteIdent(indexName(t.name, c))} (${quoteIdent(c)})`),
  ];
  return `CREATE TABLE IF NOT EXISTS ${quoteIdent(db)}.${quoteIdent(t.name)} (\n  ${lines.join(',\n  ')}\n) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci`;
}

export function warehouseDdl(db: string): string[] {
  return WAREHOUSE_TABLES.map((t) => tableDdl(db, t));
}

// ---------- SQL programs ----------

/** What one prepare run executes: facts before, changes (apply only), facts after. */
export interface SqlProgram {
  pre: string[];
  apply: string[];
  facts: string[];
  /** In a Job only: a query printing 1 once the program can start (polled each second). */
  wait?: string;
  /** Also report SHOW GRANTS (password hashes stripped). */
  grants: boolean;
  /** What `apply` creates when missing, for the install plan (plan.json): databases, `db.table`s. */
  creates: { databases: string[]; tables: string[] };
}

/** SELECT that prints one protocol line; aliases keep driver rows ordered and unambiguous. */
function factSelect(exprs: string[], from = ''): string {
  return `SELECT ${[quoteString(MARK), ...exprs].map((e, i) => `${e} AS f${i}`).join(', ')}${from ? ` ${from}` : ''}`;
}

const tableList = WAREHOUSE_TABLES.map((t) => quoteString(t.name)).join(', ');

/**
 * The database step's program: the operational database and, for a MySQL warehouse in a database
 * of its own, that database too (created empty: the warehouse step adds the tables).
 */
export function databaseProgram(db: string, warehouseDb?: string): SqlProgram {
  const separate = warehouseDb !== undefined && warehouseDb !== db;
  const exists = (name: string, schema: string) => factSelect([quoteString('var'), quoteString(name), 'COUNT(*)'], `FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = ${quoteString(schema)}`);
  const create = (schema: string) => `CREATE DATABASE IF NOT EXISTS ${quoteIdent(schema)} CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`;
  return {
    pre: [exists('db_existed', db), ...(separate ? [exists('warehouse_db_existed', warehouseDb)] : [])],
    apply: [create(db), ...(separate ? [create(warehouseDb)] : [])],
    facts: [
      exists('db_exists', db),
      ...(separate ? [exists('warehouse_db_exists', warehouseDb)] : []),
      factSelect([quoteString('var'), quoteString('log_bin'), '@@GLOBAL.log_bin']),
      factSelect([quoteString('var'), quoteString('trust_function_creators'), '@@GLOBAL.log_bin_trust_function_creators']),
      factSelect([quoteString('var'), quoteString('current_user'), 'CURRENT_USER()']),
      factSelect([quoteString('var'), quoteString('version'), 'VERSION()']),
    ],
    grants: true,
    creates: { databases: separate ? [db, warehouseDb] : [db], tables: [] },
  };
}

export function warehouseMysqlProgram(db: string, opts: { waitForDatabase?: boolean } = {}): SqlProgram {
  const where = `WHERE TABLE_SCHEMA = ${quoteString(db)} AND TABLE_NAME IN (${tableList})`;
  return {
    ...(opts.waitForDatabase ? { wait: `SELECT COUNT(*) FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = ${quoteString(db)}` } : {}),
    pre: [factSelect([quoteString('existed'), 'TABLE_NAME'], `FROM information_schema.TABLES ${where}`)],
    apply: warehouseDdl(db),
    facts: [
      factSelect([quoteString('table'), 'TABLE_NAME', 'ENGINE', 'TABLE_COLLATION'], `FROM information_schema.TABLES ${where}`),
      factSelect(
        [quoteString('column'), 'TABLE_NAME', 'COLUMN_NAME', 'DATA_TYPE', 'IS_NULLABLE'],
        `FROM information_schema.COLUMNS ${where} ORDER BY TABLE_NAME, ORDINAL_POSITION`,
      ),
      factSelect(
        [quoteString('index'), 'TABLE_NAME', 'INDEX_NAME', 'COLUMN_NAME', 'SEQ_IN_INDEX'],
        `FROM information_schema.STATISTICS ${where} ORDER BY TABLE_NAME, INDEX_NAME, SEQ_IN_INDEX`,
      ),
    ],
    grants: false,
    creates: { databases: [], tables: WAREHOUSE_TABLES.map((t) => `${db}.${t.name}`) },
  };
}

/** A program as files for the in-cluster client (one statement a line group, `;` terminated). */
export function programFiles(p: SqlProgram): Record<string, string> {
  const file = (stmts: string[]) => (stmts.length ? `${stmts.join(';\n')};\n` : '');
  return { ...(p.wait ? { 'wait.sql': `${p.wait};\n` } : {}), 'pre.sql': file(p.pre), 'apply.sql': file(p.apply), 'facts.sql': file(p.facts) };
}

/** Drops "IDENTIFIED BY PASSWORD '<hash>'" (MariaDB prints it) so no hash reaches a log. */
export function stripPasswordClause(grant: string): string {
  const i = grant.search(/ IDENTIFIED (BY|VIA|WITH)/i);
  return i < 0 ? grant : grant.slice(0, i);
}

/** Runs a program through a driver connection and returns the same lines the Job prints. */
export async function runProgram(conn: SqlConnection, p: SqlProgram, mode: 'check' | 'apply'): Promise<string> {
  const out: string[] = [];
  let rc = 0;
  const stage = async (name: string, stmts: string[], stopOnError: boolean) => {
    for (const sql of stmts) {
      try {
        const rows = await conn.query(sql);
        for (const row of rows) {
          const v = Object.values(row);
          if (v[0] === MARK) out.push(factLine(String(v[1]), ...v.slice(2)));
        }
      } catch (err) {
        out.push(factLine('error', name, (err as Error).message));
        rc = 1;
        if (stopOnError) return;
      }
    }
  };
  await stage('pre', p.pre, false);
  if (mode === 'apply') await stage('apply', p.apply, true);
  await stage('facts', p.facts, false);
  if (p.grants) {
    try {
      for (const row of await conn.query('SHOW GRANTS')) out.push(factLine('grant', stripPasswordClause(String(Object.values(row)[0]))));
    } catch (err) {
      out.push(factLine('error', 'grants', (err as Error).message));
      rc = 1;
    }
  }
  out.push(`${MARK}\tdone\t${rc}`);
  return out.join('\n');
}

// ---------- grants ----------

export interface ParsedGrant {
  privileges: string[];
  /** `*` for *.*, else the database (pattern) name. */
  database: string;
  /** `*` for db.*, else a table name (table-level grants do not allow CREATE DATABASE). */
  table: string;
}

function splitTopLevel(s: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let cur = '';
  for (const ch of s) {
    if (ch === '(') depth++;
    if (ch === ')') depth--;
    if (ch === ',' && depth === 0) {
      out.push(cur);
      cur = '';
    } else cur += ch;
  }
  out.push(cur);
  return out.map((p) => p.trim()).filter(Boolean);
}

const unquote = (s: string) => (/^[`'"].*[`'"]$/.test(s) ? s.slice(1, -1).replace(/``/g, '`') : s);

/** Parses `GRANT privs ON db.tbl TO ...`; role grants and routine grants return undefined. */
export function parseGrant(line: string): ParsedGrant | undefined {
  const m = /^GRANT\s+(.+?)\s+ON\s+((?:`(?:[^`]|``)*`|[^\s.`]+)\.(?:`(?:[^`]|``)*`|[^\s`]+))\s+TO\s/i.exec(line.trim());
  if (!m) return undefined;
  const target = m[2];
  const dot = /^(`(?:[^`]|``)*`|[^\s.`]+)\.(.+)$/.exec(target)!;
  const privileges = splitTopLevel(m[1]).map((p) => p.replace(/\s*\(.*\)$/, '').replace(/\s+/g, ' ').toUpperCase());
  return { privileges, database: unquote(dot[1]), table: unquote(dot[2]) };
}

/** GRANT database names are LIKE patterns: `_` and `%` are wildcards unless escaped. */
export function dbPatternMatches(pattern: string, db: string): boolean {
  if (pattern === '*') return true;
  let re = '';
  for (let i = 0; i < pattern.length; i++) {
    const ch = pattern[i];
    if (ch === '\\' && i + 1 < pattern.length) re += pattern[++i].replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    else if (ch === '%') re += '.*';
    else if (ch === '_') re += '.';
    else re += ch.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${re}$`).test(db);
}

/** Privileges the user holds on every table of `db` (global or database-level grants). */
export function privilegesOn(grants: string[], db: string): Set<string> {
  const out = new Set<string>();
  for (const g of grants) {
    const p = parseGrant(g);
    if (!p || p.table !== '*' || !dbPatternMatches(p.database, db)) continue;
    for (const priv of p.privileges) out.add(priv === 'ALL' ? 'ALL PRIVILEGES' : priv);
  }
  return out;
}

/** What Bucketeer's migration does in its database: DDL, data, and one stored function. */
export const REQUIRED_DB_PRIVILEGES = ['SELECT', 'INSERT', 'UPDATE', 'DELETE', 'CREATE', 'DROP', 'ALTER', 'INDEX', 'CREATE ROUTINE'];
/** The warehouse step creates the event tables; the subscriber inserts events, web reads them. */
export const REQUIRED_WAREHOUSE_PRIVILEGES = ['SELECT', 'INSERT', 'CREATE'];
/** Atlas keeps its revisions table in a database named `public`, which the migration creates. */
export const REQUIRED_PUBLIC_PRIVILEGES = ['CREATE', 'SELECT', 'INSERT', 'UPDATE', 'DELETE'];

export function missingPrivileges(grants: string[], db: string, required: string[]): string[] {
  const have = privilegesOn(grants, db);
  if (have.has('ALL PRIVILEGES')) return [];
  return required.filter((p) => !have.has(p));
}

/** `user@host` from CURRENT_USER() -> 'user'@'host' for a GRANT statement. */
export function grantee(currentUser: string | undefined, fallbackUser: string): string {
  if (!currentUser || !currentUser.includes('@')) return `'${fallbackUser}'@'%'`;
  const at = currentUser.lastIndexOf('@');
  return `'${currentUser.slice(0, at)}'@'${currentUser.slice(at + 1)}'`;
}

// ---------- evaluation ----------

export interface EvalOptions {
  mode: 'check' | 'apply';
  expectPrepared?: boolean;
}

export function logBinTrustHint(answers: Answers): string {
  const managed = answers.database.mode === 'external' ? platformById(answers.platform).hints.mysqlLogBinTrust : undefined;
  if (managed) return managed;
  return 'as an admin run SET PERSIST log_bin_trust_function_creators = ON (MariaDB: SET GLOBAL log_bin_trust_function_creators = ON and log_bin_trust_function_creators = 1 under [mysqld] in my.cnf)';
}

/** Errors the run reported, as `stage: message`. */
export function runErrors(log: FactLog): { stage: string; message: string }[] {
  return log.facts.filter((f) => f[0] === 'error').map((f) => ({ stage: f[1] ?? '?', message: f[2] ?? '' }));
}

const missingStatus = (o: EvalOptions) => (o.mode === 'apply' || o.expectPrepared !== false ? 'fail' : 'warn');

/** The warehouse database the database step creates, when it is not the operational one. */
export function separateWarehouseDatabase(answers: Answers): string | undefined {
  const w = mysqlWarehouseDatabase(answers);
  return w !== undefined && w !== answers.database.name ? w : undefined;
}

export function evaluateDatabase(log: FactLog, answers: Answers, o: EvalOptions): Check[] {
  const db = answers.database.name;
  const warehouseDb = separateWarehouseDatabase(answers);
  const vars = varsOf(log);
  const errors = runErrors(log);
  const category = 'database';
  const grants = log.facts.filter((f) => f[0] === 'grant').map((f) => f[1] ?? '');
  const who = grantee(vars.get('current_user'), answers.database.user);
  const grantDb = `GRANT ALL PRIVILEGES ON ${quoteIdent(db)}.* TO ${who};`;
  const grantPublic = `GRANT ALL PRIVILEGES ON ${quoteIdent(ATLAS_REVISIONS.database)}.* TO ${who};`;
  const checks: Check[] = [];

  const factsError = errors.find((e) => e.stage === 'facts' || e.stage === 'pre');
  if (factsError && !vars.has('log_bin')) {
    const transport = mysqlTransportCheck(category, vars, factsError.message, answers);
    if (transport) return [transport];
    return [{ category, id: 'database.connect', title: 'connect to the database server', status: 'fail', detail: factsError.message, hint: 'check database.host, database.user and the password' }];
  }

  const applyError = errors.find((e) => e.stage === 'apply');
  const existed = vars.get('db_existed') !== undefined && Number(vars.get('db_existed')) > 0;
  const exists = Number(vars.get('db_exists') ?? 0) > 0;
  const title = `database ${db} exists`;
  // CREATE DATABASE IF NOT EXISTS is refused without CREATE even when the database exists; an
  // existing database is what matters here, the missing right is reported by the grants check.
  if (applyError && !exists) {
    checks.push({ category, id: 'database.exists', title, status: 'fail', detail: `cannot create database ${db}: ${applyError.message}`, hint: `as an admin run: CREATE DATABASE ${quoteIdent(db)} CHARACTER SET utf8mb4; ${grantDb}` });
  } else if (exists) {
    const created = o.mode === 'apply' && !existed;
    checks.push({ category, id: 'database.exists', title, status: 'pass', detail: created ? `created ${db} (utf8mb4)` : `${db} is present`, facts: { database: db, created } });
  } else {
    checks.push({
      category,
      id: 'database.exists',
      title,
      status: missingStatus(o),
      detail: `${db} is missing (or ${answers.database.user} has no rights on it)`,
      hint: `bucketeer-install install creates it; or as an admin: CREATE DATABASE ${quoteIdent(db)} CHARACTER SET utf8mb4; ${grantDb}`,
    });
  }

  if (warehouseDb) {
    const whExisted = Number(vars.get('warehouse_db_existed') ?? 0) > 0;
    const whExists = Number(vars.get('warehouse_db_exists') ?? 0) > 0;
    const whTitle = `warehouse database ${warehouseDb} exists`;
    const whCreate = `CREATE DATABASE ${quoteIdent(warehouseDb)} CHARACTER SET utf8mb4; GRANT ALL PRIVILEGES ON ${quoteIdent(warehouseDb)}.* TO ${who};`;
    if (whExists) {
      const created = o.mode === 'apply' && !whExisted;
      checks.push({ category, id: 'database.warehouse-exists', title: whTitle, status: 'pass', detail: created ? `created ${warehouseDb} (utf8mb4), apart from ${db} so that the first migration meets no table` : `${warehouseDb} is present`, facts: { database: warehouseDb, created } });
    } else {
      // The apply stops at its first error: name this database only when the error is about it.
      const why = !applyError
        ? `${warehouseDb} is missing (or ${answers.database.user} has no rights on it)`
        : applyError.message.includes(`'${warehouseDb}'`)
          ? `cannot create database ${warehouseDb}: ${applyError.message}`
          : `${warehouseDb} was not created: the step stopped at an earlier error (${applyError.message})`;
      checks.push({ category, id: 'database.warehouse-exists', title: whTitle, status: applyError ? 'fail' : missingStatus(o), detail: why, hint: `bucketeer-install install creates it; or as an admin run: ${whCreate}` });
    }
  }

  const logBin = truthy(vars.get('log_bin'));
  const trust = truthy(vars.get('trust_function_creators'));
  const trustCheck: Check = { category, id: 'database.log-bin-trust-function-creators', title: 'log_bin_trust_function_creators allows the migration to create functions', status: 'pass', facts: { logBin, logBinTrustFunctionCreators: trust } };
  if (!logBin) trustCheck.detail = 'binary logging is off, so functions can be created without it';
  else if (trust) trustCheck.detail = 'log_bin_trust_function_creators is ON';
  else {
    trustCheck.status = 'fail';
    trustCheck.detail = 'binary logging is on and log_bin_trust_function_creators is OFF: one Bucketeer migration creates a function and will be refused';
    trustCheck.hint = logBinTrustHint(answers);
  }
  checks.push(trustCheck);

  const grantsError = errors.find((e) => e.stage === 'grants');
  const rightsTitle = `${answers.database.user} may migrate ${db} and create the atlas database public${warehouseDb ? `, and write the warehouse database ${warehouseDb}` : ''}`;
  const grantWarehouse = warehouseDb ? `GRANT ALL PRIVILEGES ON ${quoteIdent(warehouseDb)}.* TO ${who};` : '';
  if (grantsError) {
    checks.push({ category, id: 'database.grants', title: rightsTitle, status: 'warn', detail: `SHOW GRANTS failed: ${grantsError.message}` });
  } else {
    const missingDb = missingPrivileges(grants, db, REQUIRED_DB_PRIVILEGES);
    const missingPublic = missingPrivileges(grants, ATLAS_REVISIONS.database, REQUIRED_PUBLIC_PRIVILEGES);
    const missingWarehouse = warehouseDb ? missingPrivileges(grants, warehouseDb, REQUIRED_WAREHOUSE_PRIVILEGES) : [];
    const roles = grants.some((g) => !parseGrant(g) && /^GRANT\s+[`'][^`']+[`']\s+TO\s/i.test(g));
    if (!missingDb.length && !missingPublic.length && !missingWarehouse.length) {
      checks.push({ category, id: 'database.grants', title: rightsTitle, status: 'pass', detail: `${who} holds the rights on ${db}, public${warehouseDb ? ` and ${warehouseDb}` : ''}` });
    } else {
      const parts = [
        missingDb.length ? `on ${db}: ${missingDb.join(', ')}` : '',
        missingPublic.length ? `on public (atlas revisions, created by the migration): ${missingPublic.join(', ')}` : '',
        missingWarehouse.length ? `on ${warehouseDb} (the warehouse tables): ${missingWarehouse.join(', ')}` : '',
      ].filter(Boolean);
      checks.push({
        category,
        id: 'database.grants',
        title: rightsTitle,
        status: 'fail',
        detail: `${who} lacks ${parts.join('; ')}${roles ? ' (privileges granted through roles are not counted)' : ''}`,
        hint: `as an admin run: ${[missingDb.length ? grantDb : '', missingPublic.length ? grantPublic : '', missingWarehouse.length ? grantWarehouse : ''].filter(Boolean).join(' ')}`,
        facts: { missingDb, missingPublic, missingWarehouse },
      });
    }
  }
  return checks;
}

export function evaluateWarehouseMysql(log: FactLog, answers: Answers, o: EvalOptions): Check[] {
  const db = mysqlWarehouseDatabase(answers) ?? answers.database.name;
  const category = 'warehouse';
  const errors = runErrors(log);
  const existed = new Set(log.facts.filter((f) => f[0] === 'existed').map((f) => f[1]));
  const present = new Set(log.facts.filter((f) => f[0] === 'table').map((f) => f[1]));
  const checks: Check[] = [];
  const fatal = errors.find((e) => e.stage !== 'apply');
  if (fatal?.stage === 'wait') {
    return [{ category, id: 'warehouse.mysql.database', title: `database ${db} for the warehouse tables`, status: 'fail', detail: fatal.message, hint: `the database step creates it: run without --skip-prepare database, or create ${db} yourself` }];
  }
  if (fatal && !present.size) {
    const transport = mysqlTransportCheck(category, varsOf(log), fatal.message, answers);
    if (transport) return [transport];
    return [{ category, id: 'warehouse.mysql.connect', title: 'read the warehouse tables', status: 'fail', detail: `${fatal.stage}: ${fatal.message}`, hint: 'check database.host, database.user and the password' }];
  }
  const applyError = errors.find((e) => e.stage === 'apply');
  for (const t of WAREHOUSE_TABLES) {
    const cid = `warehouse.mysql.${t.name}`;
    const title = `warehouse table ${db}.${t.name}`;
    if (!present.has(t.name)) {
      checks.push({
        category,
        id: cid,
        title,
        status: missingStatus(o),
        detail: applyError ? `could not create it: ${applyError.message}` : 'missing: Bucketeer never creates its warehouse tables',
        hint: applyError ? `grant CREATE on ${db} to ${answers.database.user}, or run the CREATE TABLE from \`bucketeer-install render\` as an admin` : 'bucketeer-install install creates it',
      });
      continue;
    }
    const cols = new Map(log.facts.filter((f) => f[0] === 'column' && f[1] === t.name).map((f) => [f[2], (f[3] ?? '').toLowerCase()]));
    const badColumns = t.columns.filter((c) => !cols.has(c.name) || !c.dataTypes.includes(cols.get(c.name)!));
    const leading = new Set(log.facts.filter((f) => f[0] === 'index' && f[1] === t.name && f[4] === '1').map((f) => f[3]));
    const missingIdx = t.indexes.filter((c) => !leading.has(c));
    const created = o.mode === 'apply' && !existed.has(t.name);
    const facts = { table: t.name, created, columns: cols.size, missingColumns: badColumns.map((c) => c.name), missingIndexes: missingIdx };
    if (badColumns.length) {
      checks.push({
        category,
        id: cid,
        title,
        status: 'fail',
        detail: `exists with a different shape: ${badColumns.map((c) => (cols.has(c.name) ? `${c.name} is ${cols.get(c.name)} (want ${c.mysql})` : `${c.name} missing`)).join(', ')}`,
        hint: `fix it by hand, e.g. ALTER TABLE ${quoteIdent(db)}.${quoteIdent(t.name)} ${badColumns.map((c) => `${cols.has(c.name) ? 'MODIFY' : 'ADD'} COLUMN ${columnDdl(c)}`).join(', ')}`,
        facts,
      });
    } else if (missingIdx.length) {
      checks.push({
        category,
        id: cid,
        title,
        status: 'warn',
        detail: `no index on ${missingIdx.join(', ')}: queries over events will scan the table`,
        hint: `ALTER TABLE ${quoteIdent(db)}.${quoteIdent(t.name)} ${missingIdx.map((c) => `ADD INDEX ${quoteIdent(indexName(t.name, c))} (${quoteIdent(c)})`).join(', ')}`,
        facts,
      });
    } else {
      checks.push({ category, id: cid, title, status: 'pass', detail: created ? `created (${cols.size} columns, ${t.indexes.length} indexes)` : `present (${cols.size} columns, ${t.indexes.length} indexes)`, facts });
    }
  }
  return checks;
}
