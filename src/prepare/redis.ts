// Step "redis": Redis Streams hold Bucketeer's event data, so the server must never evict
// (maxmemory-policy noeviction) and must be >= 6.2 (XAUTOCLAIM, XPENDING IDLE); Memorystore and
// ElastiCache do not default to noeviction. Nothing is changed on the server: managed Redis is
// configured through its cloud. The connection is Bucketeer's own (no TLS, no AUTH): a server that
// wants either is named as such.
import type { Answers } from '../answers/schema.js';
import type { Check } from '../checks/types.js';
import { EnvironmentError } from '../errors.js';
import { endpointsFor } from '../plan/values.js';
import { factLine, MARK, parseFactLog, varsOf, type FactLog } from './protocol.js';
import { redisRefusal } from './transport.js';
import type { PrepareContext, PrepareStep, RedisConnection } from './types.js';
import { MIN_REDIS } from '../chart/facts.js';
import { meetsMinimum } from '../util/versions.js';

const INFO_KEYS = ['redis_version', 'maxmemory_policy', 'aof_enabled', 'cluster_enabled'];
/** INFO sections read, in the order the in-cluster script reads them. */
export const INFO_SECTIONS = ['server', 'memory', 'persistence', 'cluster'] as const;

/** INFO text -> the fields the checks read. */
export function infoFields(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of text.split(/\r?\n/)) {
    const i = line.indexOf(':');
    if (i > 0 && INFO_KEYS.includes(line.slice(0, i))) out.set(line.slice(0, i), line.slice(i + 1).trim());
  }
  return out;
}

/** Reads the facts through a client; the same lines the in-cluster redis-cli script prints. */
export async function redisFacts(c: RedisConnection): Promise<FactLog> {
  const lines: string[] = [];
  let rc = 0;
  try {
    for (const section of INFO_SECTIONS) {
      for (const [k, v] of infoFields(String(await c.command('INFO', section)))) lines.push(factLine('info', k, v));
    }
  } catch (err) {
    lines.push(factLine('error', 'info', (err as Error).message));
    rc = 1;
  }
  try {
    // Memorystore and ElastiCache refuse CONFIG; INFO memory's maxmemory_policy covers them.
    const r = await c.command('CONFIG', 'GET', 'maxmemory-policy');
    if (Array.isArray(r) && r.length >= 2) lines.push(factLine('config', String(r[0]), String(r[1])));
  } catch {
    /* CONFIG disabled */
  }
  lines.push(`${MARK}\tdone\t${rc}`);
  return parseFactLog(lines.join('\n'));
}

export function noevictionHint(a: Answers): string {
  if (a.redis.mode === 'external' && a.platform === 'gcp') {
    return `Memorystore: gcloud redis instances update NAME --region ${a.gcp?.region ?? 'REGION'} --update-redis-config maxmemory-policy=noeviction`;
  }
  if (a.redis.mode === 'external' && a.platform === 'aws') {
    return 'ElastiCache: use a custom parameter group with maxmemory-policy noeviction: aws elasticache modify-cache-parameter-group --cache-parameter-group-name GROUP --parameter-name-values ParameterName=maxmemory-policy,ParameterValue=noeviction (the default group cannot be changed), then attach it with aws elasticache modify-replication-group --cache-parameter-group-name GROUP';
  }
  return 'run CONFIG SET maxmemory-policy noeviction and put maxmemory-policy noeviction in redis.conf';
}

export function evaluateRedis(log: FactLog, a: Answers, opts: { force?: boolean } = {}): Check[] {
  const info = varsOf(log, 'info');
  const config = varsOf(log, 'config');
  const category = 'redis';
  const err = log.facts.find((f) => f[0] === 'error');
  if (err && !info.has('redis_version')) {
    // The Job tries a TLS handshake after a dropped plain connection and reports it as `tls`.
    const tls = log.facts.find((f) => f[0] === 'tls')?.[1];
    const refusal = redisRefusal(err[2] ?? '', tls, a, endpointsFor(a).redisAddr);
    if (refusal) return [{ category, id: 'redis.transport', title: 'Redis accepts Bucketeer\'s connection (no TLS, no AUTH)', status: 'fail', detail: refusal.detail, hint: refusal.hint, facts: { cause: refusal.cause } }];
    return [{ category, id: 'redis.connect', title: 'read Redis INFO', status: 'fail', detail: err[2] ?? 'failed', hint: 'check redis.addr and that the server is up' }];
  }
  const checks: Check[] = [];
  const version = info.get('redis_version') ?? '';
  const vOk = meetsMinimum(version, MIN_REDIS) === true;
  checks.push({
    category,
    id: 'redis.version',
    title: 'Redis is 6.2 or newer',
    status: vOk ? 'pass' : 'fail',
    detail: version ? `Redis ${version}${vOk ? '' : ': Bucketeer uses XAUTOCLAIM and XPENDING IDLE, which need 6.2'}` : 'INFO server has no redis_version',
    hint: vOk ? undefined : 'upgrade the Redis server to 7.x (Memorystore and ElastiCache offer it)',
    facts: { version },
  });

  const policy = config.get('maxmemory-policy') ?? info.get('maxmemory_policy') ?? '';
  const policyCheck: Check = { category, id: 'redis.maxmemory-policy', title: 'Redis never evicts (maxmemory-policy noeviction)', status: 'pass', detail: `maxmemory-policy is ${policy}`, facts: { maxmemoryPolicy: policy } };
  if (!policy) {
    policyCheck.status = 'fail';
    policyCheck.detail = 'neither CONFIG GET nor INFO memory reported maxmemory-policy';
    policyCheck.hint = noevictionHint(a);
  } else if (policy !== 'noeviction') {
    policyCheck.status = opts.force ? 'warn' : 'fail';
    policyCheck.detail = `maxmemory-policy is ${policy}: Redis may delete stream keys that hold unprocessed events${opts.force ? ' (accepted with --force)' : ''}`;
    policyCheck.hint = noevictionHint(a);
  }
  checks.push(policyCheck);

  const cluster = clusterModeCheck(info.get('cluster_enabled'), a);
  if (cluster) checks.push(cluster);

  const aof = info.get('aof_enabled');
  if (aof !== undefined) {
    checks.push({
      category,
      id: 'redis.aof',
      title: 'Redis persists streams (AOF)',
      status: aof === '1' ? 'pass' : 'warn',
      detail: aof === '1' ? 'appendonly is on' : 'appendonly is off: a restart loses events not yet processed',
      hint: aof === '1' ? undefined : 'turn on persistence (self-managed: appendonly yes; Memorystore: Standard tier with persistence; ElastiCache: backups with Multi-AZ)',
    });
  }
  return checks;
}

/**
 * The installer writes Redis `mode` standalone or cluster explicitly, which turns off Bucketeer's
 * own detection (pkg/redis/v3/redis.go): the answer must match what the server reports.
 */
export function clusterModeCheck(clusterEnabled: string | undefined, a: Answers): Check | undefined {
  if (clusterEnabled === undefined) return undefined;
  const server = clusterEnabled.trim() === '1';
  const want = a.redis.clusterMode;
  const name = (c: boolean) => (c ? 'cluster' : 'standalone');
  const ok = server === want;
  return {
    category: 'redis',
    id: 'redis.cluster-mode',
    title: 'redis.clusterMode matches the server',
    status: ok ? 'pass' : 'fail',
    detail: ok
      ? `the server is ${name(server)} (cluster_enabled:${clusterEnabled.trim()}), as the answers say`
      : `redis.clusterMode is ${want} but the server reports cluster_enabled:${clusterEnabled.trim()}: Bucketeer would use a ${name(want)} client against a ${name(server)} server${server ? ' and get MOVED errors for keys on other shards' : ' and fail every cluster command'}`,
    hint: ok ? undefined : `set redis.clusterMode: ${server} in the answers file`,
    facts: { clusterEnabled: server, answers: want },
  };
}

async function run(ctx: PrepareContext): Promise<Check[]> {
  if (!ctx.redis) throw new EnvironmentError('the redis step has no Redis connection', 'a Redis reachable only from the cluster is checked by an in-cluster Job (src/prepare/job.ts)');
  const c = await ctx.redis();
  try {
    return evaluateRedis(await redisFacts(c), ctx.answers, { force: ctx.options?.force });
  } finally {
    await c.close();
  }
}

export const redisStep: PrepareStep = {
  name: 'redis',
  title: 'Redis settings',
  describe: (a) =>
    `redis: check ${a.redis.mode === 'in-cluster' ? 'the in-cluster Redis' : a.redis.addr} is >= 6.2 with maxmemory-policy noeviction (streams hold event data; anything else stops the install unless --force)`,
  // Read-only either way: the policy is set through the cloud, not by the installer.
  check: run,
  apply: run,
};
