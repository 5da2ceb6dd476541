import { describe, expect, it } from 'vitest';
import { AnswersSchema, type AnswersInput } from '../../src/answers/schema.js';
import { messagingCheck, quotaChecks } from '../../src/probes/advice.js';
import { requiredFor } from '../../src/probes/preflight.js';
import { totalRequests } from '../../src/plan/sizing.js';

function answers(over: Partial<AnswersInput> = {}) {
  const base: AnswersInput = {
    version: 1,
    platform: 'aws',
    aws: { region: 'us-east-1' },
    database: { mode: 'in-cluster' },
    redis: { mode: 'in-cluster' },
    messaging: { backend: 'redis-stream', ordering: 'per-partition', partitions: 16, expectedEventsPerSecond: 8000 },
    warehouse: { type: 'mysql' },
    ingress: { webHost: 'bucketeer.example.com', apiHost: 'api.bucketeer.example.com' },
    auth: { demoSignIn: { enabled: true, email: 'a@example.com', password: { env: 'DEMO_PASSWORD' } } },
  };
  return AnswersSchema.parse({ ...base, ...over });
}

describe('quota fit', () => {
  const q = { code: 'rds/L-7B6409FD', name: 'RDS DB instances', limitSource: 'api' as const, increaseUrl: 'https://console.aws.amazon.com/servicequotas/home/services/rds/quotas/L-7B6409FD' };
  it('at the limit: "40/40 used: request an increase" with the link', () => {
    const [c] = quotaChecks([{ ...q, used: 40, limit: 40 }]);
    expect(c.status).toBe('warn');
    expect(c.detail).toBe('40/40 used: request an increase before creating more');
    expect(c.hint).toBe(`request an increase: ${q.increaseUrl}`);
  });
  it('close to the limit warns, room passes, the documented default is marked', () => {
    expect(quotaChecks([{ ...q, used: 37, limit: 40 }])[0].status).toBe('warn');
    expect(quotaChecks([{ ...q, used: 3, limit: 40 }])[0]).toMatchObject({ status: 'pass', detail: '3/40 used' });
    expect(quotaChecks([{ ...q, used: 3, limit: 40, limitSource: 'default' }])[0].detail).toContain('documented default');
  });
});

describe('messaging advice', () => {
  // Upstream v2.3.0: pkg/pubsub/redis/stream_publisher.go picks the partition by an FNV hash of the
  // message id, and no publisher under pkg/ sets a Pub/Sub OrderingKey: nothing is ordered.
  it('redis-stream per-partition: says no ordering is delivered and advises none; the rate per partition, the SQS FIFO limits on AWS', () => {
    const c = messagingCheck(answers(), 'aws');
    expect(c.status).toBe('warn');
    expect(c.detail).toContain('no ordering: Bucketeer v2.3.0 puts each event in one of 16 Redis Streams partitions');
    expect(c.detail).toContain('hash of its message id');
    expect(c.detail).not.toMatch(/ordered within/);
    expect(c.hint).toContain('messaging.ordering: none');
    expect(c.detail).toContain('8,000 events/s is about 500/s per partition');
    expect(c.detail).toContain('300 calls/s per action, 3,000 msg/s batched');
    expect(c.detail).toContain('above what SQS FIFO takes');
    expect(c.facts).toMatchObject({ backend: 'redis-stream', expectedEventsPerSecond: 8000 });
    const none = messagingCheck(answers({ messaging: { backend: 'redis-stream', ordering: 'none', partitions: 16, expectedEventsPerSecond: 8000 } }), 'aws');
    expect(none.status).toBe('pass');
    expect(none.detail).toContain('no ordering');
  });
  it('redis-stream on Redis Cluster warns: all stream keys share one slot', () => {
    const c = messagingCheck(answers({ redis: { mode: 'external', addr: '10.0.0.1:6379', clusterMode: true }, messaging: { backend: 'redis-stream', ordering: 'none', partitions: 16 } }), 'aws');
    expect(c.status).toBe('warn');
    expect(c.detail).toContain('one slot');
  });
  it('google-pubsub per-key warns: v2.3.0 publishers set no ordering keys', () => {
    const a = answers({
      platform: 'gcp',
      gcp: { project: 'my-proj-1', region: 'asia-northeast1' },
      ingress: { webHost: 'bucketeer.example.com', apiHost: 'api.bucketeer.example.com', staticIPNames: { web: 'w', api: 'a' } },
      messaging: { backend: 'google-pubsub', ordering: 'per-key' },
    });
    const c = messagingCheck(a, 'gcp', { gcp: { pubsub: { topics: ['domain'], subscriptions: [{ name: 's', topic: 'domain', ordering: false }, { name: 'goal-ops-sub', topic: 'goal', ordering: false }] } } });
    expect(c.status).toBe('warn');
    expect(c.detail).toContain('no ordering delivered: Bucketeer v2.3.0 publishers set no ordering keys');
    expect(c.hint).toContain('messaging.ordering: none');
    expect(c.detail).toContain('1 existing subscription without ordering');
    expect(c.detail).toContain('set messaging.expectedEventsPerSecond');
    expect(messagingCheck({ ...a, messaging: { ...a.messaging, ordering: 'none' } }, 'gcp').status).toBe('pass');
  });
  it('without answers there is nothing to advise on', () => {
    expect(messagingCheck(undefined, 'other').status).toBe('skip');
  });
});

describe('required capacity', () => {
  it('follows the answers sizing and in-cluster choices, else assumes the quick start', () => {
    const a = answers({ sizing: 'medium' });
    expect(requiredFor(a, 'aws')).toMatchObject(totalRequests('medium', { mysql: true, redis: true }));
    expect(requiredFor(undefined, 'other').label).toContain('assumed');
    expect(requiredFor(undefined, 'aws').cpuMilli).toBeLessThan(requiredFor(undefined, 'other').cpuMilli);
  });
});
