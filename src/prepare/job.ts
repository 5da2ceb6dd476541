// Prepare work against private middleware (Cloud SQL private IP, RDS, Memorystore, ElastiCache,
// in-cluster MySQL/Redis) runs inside the cluster as a short Job: a client image, the SQL from a
// ConfigMap, the password from a Secret through secretKeyRef (never inline). The Job prints
// protocol lines (protocol.ts); checksFromJobLog turns its log back into the same checks the
// direct path gives. Pure: the install engine creates these objects and reads the log.
import type { Answers } from '../answers/schema.js';
import type { Check } from '../checks/types.js';
import { mysqlName, type Manifest } from '../plan/in-cluster.js';
import { installerLabels } from '../plan/ownership.js';
import { endpointsFor } from '../plan/values.js';
import { withImagePolicy } from '../plan/images.js';
import { parseFactLog } from './protocol.js';
import { evaluateRedis } from './redis.js';
import { databaseProgramFor } from './database.js';
import { evaluateDatabase, evaluateWarehouseMysql, programFiles } from './sql.js';
import type { PrepareOptions, PrepareStepName } from './types.js';
import { evaluatePostgres, POSTGRES_FACTS_SQL, warehouseMysqlProgramFor } from './warehouse.js';

export const PREPARE_IMAGES = { mysql: 'mysql:8.4', redis: 'redis:7.4', postgres: 'postgres:17-alpine' } as const;
export type PrepareClient = keyof typeof PREPARE_IMAGES;

/** The in-cluster client scripts. Each ends with `BKTPREP<TAB>done<TAB>rc`. */
export const MYSQL_SCRIPT = `# bucketeer-install prepare: run SQL, print facts (see src/prepare/protocol.ts).
set -u
T="\${TMPDIR:-/tmp}"
D="\${PREPARE_DIR:-/prepare}"
rc=0
# Bucketeer connects without TLS (its DSN has no tls parameter), and so does this client: MySQL's
# client spells it --ssl-mode=DISABLED, MariaDB's --skip-ssl.
if mysql --help 2>/dev/null | grep -q -- '--ssl-mode'; then NOTLS=--ssl-mode=DISABLED; TLS=--ssl-mode=REQUIRED; else NOTLS=--skip-ssl; TLS=--ssl; fi
mc() { mysql --protocol=TCP -h "$DB_HOST" -P "$DB_PORT" -u "$DB_USER" --batch --skip-column-names --connect-timeout=20 "$@"; }
m() { mc "$NOTLS" "$@"; }
# After a refused plain login, a TLS login only to read why: MariaDB reports require_secure_transport
# as "Access denied". Printed once; the checks never run over TLS.
tls_why() {
  [ -n "\${TLS_WHY_DONE:-}" ] && return 0; TLS_WHY_DONE=1
  grep -qiE 'Access denied|insecure transport|secure transport|SSL' "$T/prepare-err" || return 0
  mc "$TLS" -e 'SELECT 1' >/dev/null 2>&1 || return 0
  printf 'BKTPREP\\tvar\\ttls_connected\\t1\\n'
  if v=$(mc "$TLS" -e 'SELECT @@GLOBAL.require_secure_transport' 2>/dev/null); then printf 'BKTPREP\\tvar\\ttls_require_secure_transport\\t%s\\n' "$v"; fi
}
fail() { printf 'BKTPREP\\terror\\t%s\\t%s\\n' "$1" "$(tr '\\t\\n' '  ' < "$T/prepare-err")"; rc=1; tls_why; }
# wait_for TRIES CMD...: run CMD once a second until it succeeds, at most TRIES times.
wait_for() { n=$1; shift; i=1; until "$@"; do [ "$i" -ge "$n" ] && return 1; i=$((i + 1)); sleep 1; done; }
server_up() { m -e 'SELECT 1' >/dev/null 2>"$T/prepare-err"; }
database_there() { [ "$(m < "$D/wait.sql" 2>"$T/prepare-err")" = 1 ]; }
# An in-cluster server may still be starting (this Job runs beside its rollout): wait for it.
if [ "\${WAIT_FOR_SERVER:-0}" -gt 0 ] && ! wait_for "$WAIT_FOR_SERVER" server_up; then
  fail pre; printf 'BKTPREP\\tdone\\t1\\n'; exit 1
fi
# The warehouse Job runs beside the database Job, which creates its database: wait for it.
if [ -s "$D/wait.sql" ] && ! wait_for "\${WAIT_SECONDS:-120}" database_there; then
  printf 'BKTPREP\\terror\\twait\\tdatabase not found after %ss; %s\\n' "\${WAIT_SECONDS:-120}" "$(tr '\\t\\n' '  ' < "$T/prepare-err")"
  printf 'BKTPREP\\tdone\\t1\\n'; exit 1
fi
[ -s "$D/pre.sql" ] && { m < "$D/pre.sql" 2>"$T/prepare-err" || fail pre; }
if [ "\${MODE:-check}" = apply ] && [ -s "$D/apply.sql" ]; then m < "$D/apply.sql" 2>"$T/prepare-err" || fail apply; fi
[ -s "$D/facts.sql" ] && { m < "$D/facts.sql" 2>"$T/prepare-err" || fail facts; }
if [ "\${GRANTS:-0}" = 1 ]; then
  if m -e 'SHOW GRANTS' > "$T/prepare-grants" 2>"$T/prepare-err"; then
    # MariaDB prints password hashes after IDENTIFIED BY: never let them reach a log.
    while IFS= read -r line; do printf 'BKTPREP\\tgrant\\t%s\\n' "\${line%% IDENTIFIED *}"; done < "$T/prepare-grants"
  else fail grants; fi
fi
printf 'BKTPREP\\tdone\\t%s\\n' "$rc"
exit "$rc"
`;

export const REDIS_SCRIPT = `# bucketeer-install prepare: read Redis facts (see src/prepare/protocol.ts).
set -u
T="\${TMPDIR:-/tmp}"
rc=0
r() { redis-cli -h "$REDIS_HOST" -p "$REDIS_PORT" "$@"; }
# An in-cluster server may still be starting (this Job runs beside its rollout): wait for it.
if [ "\${WAIT_FOR_SERVER:-0}" -gt 0 ]; then
  i=0
  until [ "$(r PING 2>"$T/prepare-err")" = PONG ]; do
    i=$((i + 1))
    if [ "$i" -ge "$WAIT_FOR_SERVER" ]; then
      printf 'BKTPREP\\terror\\tping\\t%s\\n' "$(tr '\\t\\n' '  ' < "$T/prepare-err")"; printf 'BKTPREP\\tdone\\t1\\n'; exit 1
    fi
    sleep 1
  done
fi
for s in server memory persistence cluster; do
  if r INFO "$s" > "$T/prepare-info" 2>"$T/prepare-err" && grep -q ':' "$T/prepare-info"; then
    tr -d '\\r' < "$T/prepare-info" | while IFS= read -r line; do
      case "$line" in
        redis_version:*|maxmemory_policy:*|aof_enabled:*|cluster_enabled:*) printf 'BKTPREP\\tinfo\\t%s\\t%s\\n' "\${line%%:*}" "\${line#*:}" ;;
      esac
    done
  else
    printf 'BKTPREP\\terror\\tinfo\\t%s\\n' "$(cat "$T/prepare-err" "$T/prepare-info" 2>/dev/null | tr '\\t\\n\\r' '   ')"; rc=1
    # Bucketeer connects without TLS: a TLS-only port drops the plain connection. Say so if Redis
    # answers PING over TLS on the same port (certificate not verified; a reply, not just a
    # handshake). Bounded: a plain server that reads the handshake as a command waits for more.
    if grep -qiE 'reset|closed|EOF|broken pipe' "$T/prepare-err" "$T/prepare-info" 2>/dev/null; then
      lim=""; command -v timeout >/dev/null 2>&1 && lim="timeout 10"
      tls=$($lim redis-cli -h "$REDIS_HOST" -p "$REDIS_PORT" --tls --insecure PING 2>/dev/null | tr -d '\\r')
      if printf '%s\\n' "$tls" | grep -qE '^(PONG|NOAUTH|ERR|WRONGPASS|NOPERM)'; then printf 'BKTPREP\\ttls\\tTLS\\t%s\\n' "$tls"; fi
    fi
    break
  fi
done
# Memorystore and ElastiCache refuse CONFIG; INFO memory covers them.
if out=$(r CONFIG GET maxmemory-policy 2>/dev/null); then
  name=$(printf '%s\\n' "$out" | sed -n 1p | tr -d '\\r'); val=$(printf '%s\\n' "$out" | sed -n 2p | tr -d '\\r')
  if [ "$name" = maxmemory-policy ] && [ -n "$val" ]; then printf 'BKTPREP\\tconfig\\tmaxmemory-policy\\t%s\\n' "$val"; fi
fi
printf 'BKTPREP\\tdone\\t%s\\n' "$rc"
exit "$rc"
`;

export const POSTGRES_SCRIPT = `# bucketeer-install prepare: read Postgres facts (see src/prepare/protocol.ts).
set -u
T="\${TMPDIR:-/tmp}"
D="\${PREPARE_DIR:-/prepare}"
rc=0
TAB=$(printf '\\t')
if ! psql -h "$PGHOST" -p "$PGPORT" -U "$PGUSER" -d "$PGDATABASE" -At -F "$TAB" -v ON_ERROR_STOP=1 -f "$D/facts.sql" 2>"$T/prepare-err"; then
  printf 'BKTPREP\\terror\\tfacts\\t%s\\n' "$(tr '\\t\\n' '  ' < "$T/prepare-err")"; rc=1
fi
printf 'BKTPREP\\tdone\\t%s\\n' "$rc"
exit "$rc"
`;

export interface SecretKeyRef {
  name: string;
  key: string;
  /**
   * The Secret does not exist yet: the engine creates it with prepareCredentialsSecret() before
   * the Job (the password came from an env var or a file, not from a Kubernetes Secret).
   */
  create: boolean;
}

export const prepareCredentialsName = (a: Answers) => `${a.release.name}-prepare-credentials`;

export function mysqlPasswordSecret(a: Answers): SecretKeyRef {
  if (a.database.mode === 'in-cluster') return { name: mysqlName(a), key: 'password', create: false };
  const ref = a.database.password;
  if (ref && 'secret' in ref) return { name: ref.secret.name, key: ref.secret.key, create: false };
  return { name: prepareCredentialsName(a), key: 'mysql-password', create: true };
}

export function postgresPasswordSecret(a: Answers): SecretKeyRef | undefined {
  if (a.warehouse.type !== 'postgres') return undefined;
  const ref = a.warehouse.password;
  if ('secret' in ref) return { name: ref.secret.name, key: ref.secret.key, create: false };
  return { name: prepareCredentialsName(a), key: 'postgres-password', create: true };
}

const labels = (a: Answers, step: string) => ({
  'app.kubernetes.io/name': 'bucketeer-prepare',
  'app.kubernetes.io/component': `prepare-${step}`,
  ...installerLabels(a.release.name),
});

/** The Secret for passwords that came from env vars or files; stringData is 0600 material. */
export function prepareCredentialsSecret(a: Answers, data: { mysqlPassword?: string; postgresPassword?: string }): Manifest {
  const stringData: Record<string, string> = {};
  if (data.mysqlPassword !== undefined) stringData['mysql-password'] = data.mysqlPassword;
  if (data.postgresPassword !== undefined) stringData['postgres-password'] = data.postgresPassword;
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: prepareCredentialsName(a), namespace: a.kubernetes.namespace, labels: labels(a, 'credentials'), annotations: { 'bucketeer.io/purpose': 'passwords the prepare Jobs use' } },
    type: 'Opaque',
    stringData,
  };
}

export interface PrepareJob {
  step: PrepareStepName;
  client: PrepareClient;
  /** Name of the Job and its ConfigMap; the engine replaces an earlier run of the same name. */
  name: string;
  /** ConfigMap first, then the Job. */
  manifests: Manifest[];
  /** The Secret the Job reads; undefined when the client needs none (Redis has no AUTH here). */
  secret?: SecretKeyRef;
}

/** Whether a step's work runs in the cluster (private middleware) rather than via public APIs. */
export function runsInCluster(step: PrepareStepName, a: Answers): boolean {
  if (step === 'database' || step === 'redis') return true;
  if (step === 'warehouse') return a.warehouse.type !== 'bigquery';
  return false;
}

// Restricted Pod Security: non-root, no privilege escalation, read-only root, default seccomp.
const UID: Record<PrepareClient, number> = { mysql: 999, redis: 999, postgres: 70 };

/** How long a prepare Job may run once its server is up (the wait for the server comes on top). */
export const PREPARE_JOB_SECONDS = 300;

function jobManifests(a: Answers, step: PrepareStepName, client: PrepareClient, files: Record<string, string>, env: Record<string, unknown>[], waitSeconds = 0): Manifest[] {
  const ns = a.kubernetes.namespace;
  const name = `${a.release.name}-prepare-${step}`;
  return [
    { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: ns, labels: labels(a, step) }, data: files },
    withImagePolicy({
      apiVersion: 'batch/v1',
      kind: 'Job',
      metadata: { name, namespace: ns, labels: labels(a, step) },
      spec: {
        backoffLimit: 0,
        activeDeadlineSeconds: PREPARE_JOB_SECONDS + waitSeconds,
        ttlSecondsAfterFinished: 3600,
        template: {
          metadata: { labels: labels(a, step) },
          spec: {
            restartPolicy: 'Never',
            automountServiceAccountToken: false,
            securityContext: { runAsNonRoot: true, runAsUser: UID[client], runAsGroup: UID[client], seccompProfile: { type: 'RuntimeDefault' } },
            containers: [
              {
                name: client,
                image: PREPARE_IMAGES[client],
                command: ['sh', '/prepare/run.sh'],
                env: [{ name: 'PREPARE_DIR', value: '/prepare' }, ...env],
                securityContext: { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } },
                resources: { requests: { cpu: '50m', memory: '64Mi' }, limits: { memory: '256Mi' } },
                volumeMounts: [
                  { name: 'prepare', mountPath: '/prepare', readOnly: true },
                  { name: 'tmp', mountPath: '/tmp' },
                ],
              },
            ],
            volumes: [
              { name: 'prepare', configMap: { name } },
              { name: 'tmp', emptyDir: { medium: 'Memory', sizeLimit: '16Mi' } },
            ],
          },
        },
      },
    }, a),
  ];
}

const secretEnv = (envName: string, s: SecretKeyRef) => ({ name: envName, valueFrom: { secretKeyRef: { name: s.name, key: s.key } } });

/** Whether the step's server is the in-cluster MySQL or Redis this installer deploys. */
export function serverInCluster(step: PrepareStepName, a: Answers): boolean {
  if (step === 'redis') return a.redis.mode === 'in-cluster';
  if (step === 'database' || (step === 'warehouse' && a.warehouse.type === 'mysql')) return a.database.mode === 'in-cluster';
  return false;
}

/**
 * The Job for a step against private middleware; undefined when the step needs none.
 * waitForServerSeconds: the Job starts while its in-cluster server still rolls out and waits
 * this long for it to answer (0 for a server that should be up already).
 */
export function prepareJob(step: PrepareStepName, a: Answers, mode: 'check' | 'apply', opts: { waitForServerSeconds?: number } = {}): PrepareJob | undefined {
  if (!runsInCluster(step, a)) return undefined;
  const ep = endpointsFor(a);
  const name = `${a.release.name}-prepare-${step}`;
  const wait = Math.max(0, Math.ceil(opts.waitForServerSeconds ?? 0));
  const waitEnv = wait ? [{ name: 'WAIT_FOR_SERVER', value: String(wait) }] : [];
  if (step === 'redis') {
    const i = ep.redisAddr.lastIndexOf(':');
    const env = [
      { name: 'REDIS_HOST', value: ep.redisAddr.slice(0, i) },
      { name: 'REDIS_PORT', value: ep.redisAddr.slice(i + 1) },
      ...waitEnv,
    ];
    return { step, client: 'redis', name, manifests: jobManifests(a, step, 'redis', { 'run.sh': REDIS_SCRIPT }, env, wait) };
  }
  if (step === 'warehouse' && a.warehouse.type === 'postgres') {
    const secret = postgresPasswordSecret(a)!;
    const w = a.warehouse;
    const env = [
      { name: 'PGHOST', value: w.host },
      { name: 'PGPORT', value: String(w.port) },
      { name: 'PGUSER', value: w.user },
      { name: 'PGDATABASE', value: w.database },
      { name: 'PGCONNECT_TIMEOUT', value: '20' },
      secretEnv('PGPASSWORD', secret),
    ];
    return { step, client: 'postgres', name, secret, manifests: jobManifests(a, step, 'postgres', { 'run.sh': POSTGRES_SCRIPT, 'facts.sql': `${POSTGRES_FACTS_SQL.join(';\n')};\n` }, env) };
  }
  // Applying, the warehouse Job starts beside the database Job and waits for the database.
  const program = step === 'database' ? databaseProgramFor(a) : warehouseMysqlProgramFor(a, { waitForDatabase: mode === 'apply' });
  const secret = mysqlPasswordSecret(a);
  const env = [
    { name: 'DB_HOST', value: ep.mysqlHost },
    { name: 'DB_PORT', value: String(ep.mysqlPort) },
    { name: 'DB_USER', value: a.database.user },
    // The mysql client reads MYSQL_PWD, so the password is never on a command line.
    secretEnv('MYSQL_PWD', secret),
    { name: 'MODE', value: mode },
    { name: 'GRANTS', value: program.grants ? '1' : '0' },
    ...waitEnv,
  ];
  return { step, client: 'mysql', name, secret, manifests: jobManifests(a, step, 'mysql', { 'run.sh': MYSQL_SCRIPT, ...programFiles(program) }, env, wait) };
}

/** A prepare Job's log -> checks; a log without the final line is a failure naming the step. */
export function checksFromJobLog(step: PrepareStepName, a: Answers, logText: string, mode: 'check' | 'apply', options: PrepareOptions = {}): Check[] {
  const log = parseFactLog(logText);
  if (log.exitCode === undefined) {
    const tail = log.other.slice(-3).join(' | ');
    return [
      {
        category: step,
        id: `${step}.job`,
        title: `prepare Job for ${step}`,
        status: 'fail',
        detail: `the Job ended without a result${tail ? `: ${tail}` : ' (no output)'}`,
        hint: `kubectl -n ${a.kubernetes.namespace} describe job ${a.release.name}-prepare-${step} (image pull, Secret or network problems show there)`,
      },
    ];
  }
  const o = { mode, expectPrepared: options.expectPrepared };
  if (step === 'database') return evaluateDatabase(log, a, o);
  if (step === 'redis') return evaluateRedis(log, a, { force: options.force });
  if (step === 'warehouse' && a.warehouse.type === 'postgres') return evaluatePostgres(log, a);
  if (step === 'warehouse') return evaluateWarehouseMysql(log, a, o);
  throw new Error(`step ${step} has no in-cluster Job`);
}
