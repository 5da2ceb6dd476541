// Redis step against a real redis-server: allkeys-lru is refused, noeviction passes, --force warns.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { redisConnector } from '../../src/prepare/adapters.js';
import { checksFromJobLog, REDIS_SCRIPT } from '../../src/prepare/job.js';
import { parseFactLog } from '../../src/prepare/protocol.js';
import { evaluateRedis, redisStep } from '../../src/prepare/redis.js';
import { MIN_REDIS } from '../../src/chart/facts.js';
import { meetsMinimum } from '../../src/util/versions.js';
import { answers, freePort, gcpAnswers, lateServer, redisMissing, runJobScript, startRedis, which } from './peers.js';

const missing = redisMissing();
if (missing) console.warn(`SKIPPING Redis prepare tests: ${missing}`);

describe.skipIf(!!missing)('redis step against redis-server', () => {
  let server: Awaited<ReturnType<typeof startRedis>>;
  beforeAll(async () => {
    server = await startRedis('allkeys-lru');
  });
  afterAll(async () => {
    await server?.stop();
  });
  const addr = () => `127.0.0.1:${server.port}`;
  const policyOf = (checks: { id: string }[]) => checks.find((c) => c.id === 'redis.maxmemory-policy') as any;

  it('allkeys-lru stops the install with the Memorystore fix; --force makes it a warning', async () => {
    const a = gcpAnswers({ redis: { mode: 'external', addr: addr() } });
    const checks = await redisStep.apply({ answers: a, redis: redisConnector({ addr: addr(), timeoutMs: 5000 }) });
    expect(checks.find((c) => c.id === 'redis.version')!.status).toBe('pass');
    const policy = policyOf(checks);
    expect(policy.status).toBe('fail');
    expect(policy.detail).toContain('allkeys-lru');
    expect(policy.hint).toBe('Memorystore: gcloud redis instances update NAME --region asia-northeast1 --update-redis-config maxmemory-policy=noeviction');
    const forced = await redisStep.apply({ answers: a, options: { force: true }, redis: redisConnector({ addr: addr() }) });
    expect(policyOf(forced).status).toBe('warn');
    const aws = answers({ platform: 'aws', aws: { region: 'us-east-1' }, redis: { mode: 'external', addr: addr() } });
    expect(policyOf(await redisStep.check({ answers: aws, redis: redisConnector({ addr: addr() }) })).hint).toMatch(/ElastiCache: .*parameter group.*maxmemory-policy,ParameterValue=noeviction/);
    expect((checks.find((c) => c.id === 'redis.aof') as any).status).toBe('warn');
  });

  it('the in-cluster redis-cli script reads the same facts', async () => {
    if (!which('redis-cli')) {
      console.warn('SKIPPING Redis Job script run: no redis-cli');
      return;
    }
    const dir = mkdtempSync(join(tmpdir(), 'bkt-redis-job-'));
    try {
      writeFileSync(join(dir, 'run.sh'), REDIS_SCRIPT);
      const log = execFileSync('sh', [join(dir, 'run.sh')], { encoding: 'utf8', env: { PATH: process.env.PATH, TMPDIR: dir, REDIS_HOST: '127.0.0.1', REDIS_PORT: String(server.port) } });
      const a = answers({ redis: { mode: 'external', addr: addr() } });
      const fromJob = checksFromJobLog('redis', a, log, 'apply');
      const direct = await redisStep.apply({ answers: a, redis: redisConnector({ addr: addr() }) });
      expect(fromJob).toEqual(direct);
      expect(policyOf(fromJob).status).toBe('fail');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('the Job script waits for an in-cluster Redis that is still starting (WAIT_FOR_SERVER), and fails as a connect error when it never answers', async () => {
    if (!which('redis-cli')) {
      console.warn('SKIPPING Job script run: no redis-cli');
      return;
    }
    const late = await lateServer(server.port);
    try {
      const a = answers({ redis: { mode: 'external', addr: addr() } });
      const job = runJobScript(REDIS_SCRIPT, {}, { REDIS_HOST: '127.0.0.1', REDIS_PORT: String(late.port), WAIT_FOR_SERVER: '30' });
      await new Promise((r) => setTimeout(r, 1_500));
      await late.open();
      const checks = checksFromJobLog('redis', a, await job, 'apply');
      expect(checks).toEqual(await redisStep.apply({ answers: a, redis: redisConnector({ addr: addr() }) }));

      const down = checksFromJobLog('redis', a, await runJobScript(REDIS_SCRIPT, {}, { REDIS_HOST: '127.0.0.1', REDIS_PORT: String(await freePort()), WAIT_FOR_SERVER: '2' }), 'apply');
      expect(down).toMatchObject([{ id: 'redis.connect', status: 'fail' }]);
      expect(down[0].detail).toMatch(/connect/i);
    } finally {
      await late.close();
    }
  });

  it('noeviction passes', async () => {
    const c = await redisConnector({ addr: addr() })();
    await c.command('CONFIG', 'SET', 'maxmemory-policy', 'noeviction');
    await c.command('CONFIG', 'SET', 'appendonly', 'yes');
    await c.close();
    const checks = await redisStep.apply({ answers: answers({ redis: { mode: 'external', addr: addr() } }), redis: redisConnector({ addr: addr() }) });
    expect(checks.map((x) => [x.id, x.status])).toEqual([
      ['redis.version', 'pass'],
      ['redis.maxmemory-policy', 'pass'],
      // INFO cluster: a standalone server and redis.clusterMode false (pkg/redis/v3/redis.go
      // takes the installer's explicit mode instead of detecting it).
      ['redis.cluster-mode', 'pass'],
      ['redis.aof', 'pass'],
    ]);
  });

  it('an unreachable Redis is an environment error naming the address', async () => {
    await expect(redisConnector({ addr: '127.0.0.1:1', timeoutMs: 2000 })()).rejects.toThrow(/cannot connect to Redis at 127.0.0.1:1/);
  });
});

describe('redis evaluation without a server', () => {
  it('refuses Redis older than 6.2 and reads the policy from INFO when CONFIG is disabled', () => {
    const log = parseFactLog('BKTPREP\tinfo\tredis_version\t6.0.16\nBKTPREP\tinfo\tmaxmemory_policy\tvolatile-lru\nBKTPREP\tdone\t0\n');
    const checks = evaluateRedis(log, answers());
    expect(checks.map((c) => [c.id, c.status])).toEqual([
      ['redis.version', 'fail'],
      ['redis.maxmemory-policy', 'fail'],
    ]);
    expect(checks[1].detail).toContain('volatile-lru');
    expect(meetsMinimum('6.2.0', MIN_REDIS)).toBe(true);
    expect(meetsMinimum('7.0.15', MIN_REDIS)).toBe(true);
    expect(meetsMinimum('6.0.9', MIN_REDIS)).toBe(false);
  });
});
