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
import { platformById } from '../platforms/index.js';

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
  const managed = a.redis.mode === 'external' ? platformById(a.platform).hints.redisNoeviction?.(a) : undefined;
  if (managed) return managed;
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

// ---------- usage (doctor) ----------

/** Share of maxmemory above which doctor warns. */
export const MEMORY_WARN_RATIO = 0.8;
/** At most this many stream keys are read (XLEN each). */
const MAX_STREAMS = 1000;

export interface RedisUsage {
  usedMemory: number;
  /** 0: no limit. */
  maxmemory: number;
  /** Event streams (`<topic>-<partition>{stream}`) and their lengths. */
  streams: { key: string; length: number }[];
}

/**
 * Memory and event-stream lengths. Bucketeer v2.3.0 publishes with XADD without MAXLEN and never
 * trims (pkg/redis/v3/redis.go XAdd, pkg/pubsub/redis/stream_publisher.go): the streams only grow.
 */
export async function readRedisUsage(c: RedisConnection): Promise<RedisUsage> {
  const info = String(await c.command('INFO', 'memory'));
  const field = (name: string) => Number(info.split(/\r?\n/).find((l) => l.startsWith(`${name}:`))?.slice(name.length + 1).trim() ?? 0);
  const keys: string[] = [];
  let cursor = '0';
  do {
    const [next, batch] = (await c.command('SCAN', cursor, 'MATCH', '*{stream}', 'COUNT', '1000')) as [string, string[]];
    keys.push(...batch);
    cursor = String(next);
  } while (cursor !== '0' && keys.length < MAX_STREAMS);
  const streams: RedisUsage['streams'] = [];
  for (const key of [...new Set(keys)].slice(0, MAX_STREAMS).sort()) {
    try {
      streams.push({ key, length: Number(await c.command('XLEN', key)) });
    } catch {
      /* not a stream (WRONGTYPE): not Bucketeer's */
    }
  }
  return { usedMemory: field('used_memory'), maxmemory: field('maxmemory'), streams };
}

const mib = (n: number) => `${(n / 1024 / 1024).toFixed(n < 10 * 1024 * 1024 ? 1 : 0)} MiB`;

export function evaluateRedisUsage(u: RedisUsage, a: Answers): Check[] {
  const category = 'redis';
  const checks: Check[] = [];
  const growHint = 'Bucketeer v2.3.0 never trims its streams: give Redis more memory (raise maxmemory with the memory limit), or XTRIM streams whose entries every consumer group has acknowledged (XINFO GROUPS shows the lag)';
  if (!u.maxmemory) {
    checks.push({
      category,
      id: 'redis.memory',
      title: 'Redis memory is bounded (maxmemory)',
      status: 'warn',
      detail: `used ${mib(u.usedMemory)} with no maxmemory: the event streams grow until the server or its container runs out of memory and is killed`,
      hint: a.redis.mode === 'in-cluster' ? 'reinstall with this installer: the in-cluster Redis sets maxmemory below its container limit' : 'set maxmemory below the memory the server may use (half of it leaves room for the AOF rewrite)',
      facts: { usedMemory: u.usedMemory, maxmemory: 0 },
    });
  } else {
    const ratio = u.usedMemory / u.maxmemory;
    const high = ratio >= MEMORY_WARN_RATIO;
    checks.push({
      category,
      id: 'redis.memory',
      title: `Redis memory below ${Math.round(MEMORY_WARN_RATIO * 100)}% of maxmemory`,
      status: high ? 'warn' : 'pass',
      detail: `used ${mib(u.usedMemory)} of ${mib(u.maxmemory)} (${Math.round(ratio * 100)}%)${high ? '; at maxmemory Redis refuses writes (OOM command not allowed) and publishers fail' : ''}`,
      hint: high ? growHint : undefined,
      facts: { usedMemory: u.usedMemory, maxmemory: u.maxmemory, ratio },
    });
  }
  const total = u.streams.reduce((n, s) => n + s.length, 0);
  const longest = [...u.streams].sort((x, y) => y.length - x.length).slice(0, 3);
  checks.push({
    category,
    id: 'redis.streams',
    title: 'Redis Streams event backlog',
    status: 'pass',
    detail: u.streams.length
      ? `${u.streams.length} event stream${u.streams.length === 1 ? '' : 's'}, ${total} entries in total (never trimmed by Bucketeer v2.3.0); longest: ${longest.map((s) => `${s.key} ${s.length}`).join(', ')}`
      : 'no event streams yet',
    facts: { streams: Object.fromEntries(u.streams.map((s) => [s.key, s.length])), total },
  });
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
