// The in-cluster Redis is bounded, and doctor reports how full a Redis is and how long the event
// streams are, against a real redis-server. Bucketeer v2.3.0 publishes with XADD without MAXLEN
// and never trims (pkg/redis/v3/redis.go XAdd, pkg/pubsub/redis/stream_publisher.go: keys
// `<topic>-<partition>{stream}`), so the streams only grow.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { prepareChecks } from '../../src/doctor/prepare.js';
import { inClusterManifests, redisMaxmemoryBytes } from '../../src/plan/in-cluster.js';
import { SIZING } from '../../src/plan/sizing.js';
import { redisConnector } from '../../src/prepare/adapters.js';
import { evaluateRedisUsage, MEMORY_WARN_RATIO, readRedisUsage } from '../../src/prepare/redis.js';
import { answers, freePort, redisMissing } from './peers.js';

const missing = redisMissing();
if (missing) console.warn(`SKIPPING Redis memory tests: ${missing}`);

describe('in-cluster Redis maxmemory rule', () => {
  it('is half the container memory limit for every sizing, below the limit', () => {
    for (const sizing of ['small', 'medium', 'large'] as const) {
      const a = answers({ redis: { mode: 'in-cluster' }, sizing });
      const limit = SIZING[sizing].redis.limits.memory;
      const bytes = redisMaxmemoryBytes(a);
      expect(bytes * 2).toBe(Number(limit.replace(/Gi|Mi/, '')) * (limit.endsWith('Gi') ? 1024 ** 3 : 1024 ** 2));
      const conf = inClusterManifests(a).redis.find((m) => m.kind === 'ConfigMap')!.data as Record<string, string>;
      expect(conf['redis.conf']).toMatch(new RegExp(`^maxmemory ${bytes}$`, 'm'));
      expect(conf['redis.conf']).toMatch(/^maxmemory-policy noeviction$/m);
    }
  });
});

describe.skipIf(!!missing)('a Redis started with the in-cluster redis.conf', () => {
  let proc: ChildProcess;
  let dir: string;
  let addr: string;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'bkt-redis-conf-'));
    const conf = (inClusterManifests(answers({ redis: { mode: 'in-cluster' } })).redis.find((m) => m.kind === 'ConfigMap')!.data as Record<string, string>)['redis.conf'];
    writeFileSync(join(dir, 'redis.conf'), conf.replace(/^dir .*$/m, `dir ${dir}`));
    const port = await freePort();
    addr = `127.0.0.1:${port}`;
    proc = spawn('redis-server', [join(dir, 'redis.conf'), '--port', String(port), '--bind', '127.0.0.1'], { stdio: 'ignore' });
    for (let i = 0; ; i++) {
      try {
        await (await redisConnector({ addr, timeoutMs: 1000 })()).close();
        break;
      } catch (e) {
        if (i > 60 || proc.exitCode !== null) throw e;
        await new Promise((r) => setTimeout(r, 150));
      }
    }
  });
  afterAll(async () => {
    if (proc && proc.exitCode === null) {
      const done = new Promise((r) => proc.once('exit', r));
      proc.kill('SIGTERM');
      await done;
    }
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('runs with the bound and noeviction; when full it refuses XADD with an OOM error; doctor warns at 80% and lists the streams', async () => {
    const a = answers({ redis: { mode: 'external', addr } });
    const c = await redisConnector({ addr })();
    try {
      expect(await c.command('CONFIG', 'GET', 'maxmemory')).toEqual(['maxmemory', String(redisMaxmemoryBytes(answers({ redis: { mode: 'in-cluster' } })))]);
      expect(await c.command('CONFIG', 'GET', 'appendonly')).toEqual(['appendonly', 'yes']);

      await c.command('XADD', 'evaluation-0{stream}', '*', 'data', 'x');
      const low = evaluateRedisUsage(await readRedisUsage(c), a);
      expect(low.find((x) => x.id === 'redis.memory')).toMatchObject({ status: 'pass' });
      expect(low.find((x) => x.id === 'redis.streams')!.facts).toMatchObject({ streams: { 'evaluation-0{stream}': 1 }, total: 1 });

      // A small bound to fill quickly (the same noeviction behaviour as the real one).
      const used = (await readRedisUsage(c)).usedMemory;
      await c.command('CONFIG', 'SET', 'maxmemory', String(used + 2 * 1024 * 1024));
      const payload = 'e'.repeat(4096);
      let refused: Error | undefined;
      for (let i = 0; i < 5000 && !refused; i++) {
        try {
          await c.command('XADD', `goal-${i % 4}{stream}`, '*', 'data', payload);
        } catch (e) {
          refused = e as Error;
        }
      }
      expect(refused?.message).toMatch(/OOM command not allowed/);

      const full = evaluateRedisUsage(await readRedisUsage(c), a);
      const mem = full.find((x) => x.id === 'redis.memory')!;
      expect(mem.status).toBe('warn');
      expect((mem.facts as { ratio: number }).ratio).toBeGreaterThanOrEqual(MEMORY_WARN_RATIO);
      expect(mem.hint).toMatch(/never trims/);
      const streams = full.find((x) => x.id === 'redis.streams')!;
      expect(Object.keys((streams.facts as { streams: Record<string, number> }).streams).sort()).toEqual(['evaluation-0{stream}', 'goal-0{stream}', 'goal-1{stream}', 'goal-2{stream}', 'goal-3{stream}']);
      expect(streams.detail).toMatch(/^5 event streams, \d+ entries in total/);

      // doctor: the same checks for a Redis it can reach.
      const doctor = await prepareChecks({ answers: a, env: {}, sources: { env: {}, baseDir: '/' }, timeoutMs: 3_000 });
      expect(doctor.find((x) => x.id === 'redis.memory')).toMatchObject({ status: 'warn' });
      expect(doctor.find((x) => x.id === 'redis.streams')).toBeDefined();

      await c.command('CONFIG', 'SET', 'maxmemory', '0');
      expect(evaluateRedisUsage(await readRedisUsage(c), a).find((x) => x.id === 'redis.memory')).toMatchObject({ status: 'warn', detail: expect.stringContaining('no maxmemory') });
    } finally {
      await c.close();
    }
  });
});
