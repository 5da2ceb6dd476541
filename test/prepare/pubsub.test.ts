// Messaging step against the Pub/Sub emulator: topics, subscriptions, ordering, delivery order
// with ordering keys, idempotence, and the refusal to switch ordering without a recreate.
// Upstream pkg/subscriber/on_demand_subscriber.go (v2.3.0): an on-demand subscriber deletes its
// subscription while idle and later recreates it with default settings (unordered), so the step
// never creates those and neither doctor nor the ordering guard looks at them. The chart's
// charts/subscriber/templates/subscribers-configmap.yaml runs demoOrganizationCreationNotifier
// only with env.demoSiteEnabled.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { restClient } from '../../src/prepare/adapters.js';
import { bucketeerOwnedSubscriptions, messagingStep, preparedSubscriptions, PUBSUB_TOPICS, redisStreamCheck } from '../../src/prepare/messaging.js';
import type { RestClient } from '../../src/prepare/types.js';
import { ON_DEMAND_SUBSCRIBERS, SUBSCRIBERS } from '../../src/plan/topics.js';
import { answers, gcpAnswers, pubsubMissing, startPubsubEmulator } from './peers.js';

const missing = pubsubMissing();
if (missing) console.warn(`SKIPPING Pub/Sub prepare tests: ${missing}`);

const PROJECT = 'bkt-test-proj';

describe.skipIf(!!missing)('messaging step against the Pub/Sub emulator', () => {
  let emu: Awaited<ReturnType<typeof startPubsubEmulator>>;
  let api: RestClient;
  beforeAll(async () => {
    emu = await startPubsubEmulator();
    api = restClient({ baseUrl: emu.baseUrl, timeoutMs: 10_000, apiName: 'Pub/Sub emulator' });
  });
  afterAll(async () => {
    await emu?.stop();
  });

  const ordered = gcpAnswers({ messaging: { backend: 'google-pubsub', ordering: 'per-key' } });
  const unordered = gcpAnswers({ messaging: { backend: 'google-pubsub', ordering: 'none' } });
  const sub = async (name: string) => (await api.request('GET', `/v1/projects/${PROJECT}/subscriptions/${name}`)).body;

  it('before the install, check warns that topics and subscriptions are missing', async () => {
    const checks = await messagingStep.check({ answers: ordered, pubsub: api, options: { expectPrepared: false } });
    expect(checks.find((c) => c.id === 'messaging.pubsub.topics')).toMatchObject({ status: 'warn' });
    expect(checks.find((c) => c.id === 'messaging.pubsub.subscriptions')).toMatchObject({ status: 'warn' });
  });

  const prepared = preparedSubscriptions(ordered);
  const onDemandNames = Object.values(ON_DEMAND_SUBSCRIBERS).map((b) => b.subscription);

  it('prepares the always-on subscribers the chart runs: not the on-demand ones, not the demo-site notifier', () => {
    expect(prepared.map((s) => s.subscriber).sort()).toEqual(Object.keys(SUBSCRIBERS).filter((n) => n !== 'demoOrganizationCreationNotifier').sort());
    expect(bucketeerOwnedSubscriptions(ordered).map((s) => s.subscription).sort()).toEqual([...onDemandNames].sort());
    expect(messagingStep.describe(ordered)).toContain(`${prepared.length} subscriptions`);
  });

  it('creates the six topics and every prepared subscription with enableMessageOrdering for per-key, and no on-demand one', async () => {
    const log: string[] = [];
    const checks = await messagingStep.apply({ answers: ordered, pubsub: api, log: (l) => log.push(l) });
    expect(checks.filter((c) => c.id.startsWith('messaging.pubsub')).map((c) => [c.id, c.status])).toEqual([
      ['messaging.pubsub.topics', 'pass'],
      ['messaging.pubsub.subscriptions', 'pass'],
    ]);
    // v2.3.0 publishers set no ordering keys: said plainly.
    expect(checks.find((c) => c.id === 'messaging.ordering-keys')).toMatchObject({ status: 'warn' });
    expect(PUBSUB_TOPICS).toHaveLength(6);
    for (const t of PUBSUB_TOPICS) expect((await api.request('GET', `/v1/projects/${PROJECT}/topics/${t}`)).status).toBe(200);
    for (const s of prepared) {
      const body = await sub(s.subscription);
      expect(body.topic).toBe(`projects/${PROJECT}/topics/${s.topic}`);
      expect(body.enableMessageOrdering).toBe(true);
    }
    for (const name of [...onDemandNames, 'demo-organization-creation-notifier']) {
      expect((await api.request('GET', `/v1/projects/${PROJECT}/subscriptions/${name}`)).status, name).toBe(404);
    }
    expect(log.filter((l) => l.startsWith('creating Pub/Sub subscription'))).toHaveLength(prepared.length);
    // doctor, read-only, passes with the on-demand subscriptions absent (Bucketeer creates them when it needs them)
    const doctor = await messagingStep.check({ answers: ordered, pubsub: api });
    expect(doctor.filter((c) => c.id.startsWith('messaging.pubsub')).map((c) => c.status)).toEqual(['pass', 'pass']);
    expect(doctor.find((c) => c.id === 'messaging.pubsub.subscriptions')!.detail).toContain('on-demand');
  });

  it('on-demand subscriptions recreated unordered by Bucketeer are neither refused nor touched', async () => {
    // What the on-demand subscriber does when it starts pulling: create its subscription with defaults.
    for (const s of Object.values(ON_DEMAND_SUBSCRIBERS)) {
      const r = await api.request('PUT', `/v1/projects/${PROJECT}/subscriptions/${s.subscription}`, { topic: `projects/${PROJECT}/topics/${s.topic}` });
      expect(r.status).toBe(200);
    }
    const log: string[] = [];
    const checks = await messagingStep.apply({ answers: ordered, pubsub: api, log: (l) => log.push(l) });
    expect(checks.find((c) => c.id === 'messaging.pubsub.subscriptions')).toMatchObject({ status: 'pass', facts: { created: [], recreated: [] } });
    expect(log).toEqual([]);
    for (const name of onDemandNames) expect((await sub(name)).enableMessageOrdering ?? false).toBe(false);
    expect((await messagingStep.check({ answers: ordered, pubsub: api })).find((c) => c.id === 'messaging.pubsub.subscriptions')!.status).toBe('pass');
  });

  it('delivers messages with ordering keys in order on an ordered subscription', async () => {
    const n = 30;
    const messages = Array.from({ length: n }, (_, i) => ({ data: Buffer.from(String(i)).toString('base64'), orderingKey: i % 2 ? 'user-b' : 'user-a' }));
    for (let i = 0; i < n; i += 5) {
      const r = await api.request('POST', `/v1/projects/${PROJECT}/topics/evaluation:publish`, { messages: messages.slice(i, i + 5) });
      expect(r.status).toBe(200);
    }
    const got: { key: string; n: number }[] = [];
    const until = Date.now() + 15_000;
    while (got.length < n && Date.now() < until) {
      const r = await api.request('POST', `/v1/projects/${PROJECT}/subscriptions/evaluation-count-sub:pull`, { maxMessages: 7 });
      const received: any[] = r.body?.receivedMessages ?? [];
      for (const m of received) got.push({ key: m.message.orderingKey, n: Number(Buffer.from(m.message.data, 'base64').toString()) });
      if (received.length) await api.request('POST', `/v1/projects/${PROJECT}/subscriptions/evaluation-count-sub:acknowledge`, { ackIds: received.map((m) => m.ackId) });
    }
    expect(got).toHaveLength(n);
    for (const key of ['user-a', 'user-b']) {
      const seq = got.filter((g) => g.key === key).map((g) => g.n);
      expect(seq).toEqual([...seq].sort((x, y) => x - y));
      expect(seq).toHaveLength(n / 2);
    }
  });

  it('a second apply changes nothing', async () => {
    const log: string[] = [];
    const checks = await messagingStep.apply({ answers: ordered, pubsub: api, log: (l) => log.push(l) });
    expect(log).toEqual([]);
    const subs = checks.find((c) => c.id === 'messaging.pubsub.subscriptions')!;
    expect(subs).toMatchObject({ status: 'pass', facts: { created: [], recreated: [] } });
    expect(checks.find((c) => c.id === 'messaging.pubsub.topics')).toMatchObject({ status: 'pass', facts: { created: [] } });
  });

  it('switching ordering is refused without recreateSubscriptions and changes nothing', async () => {
    const log: string[] = [];
    const checks = await messagingStep.apply({ answers: unordered, pubsub: api, log: (l) => log.push(l) });
    const subs = checks.find((c) => c.id === 'messaging.pubsub.subscriptions')!;
    expect(subs.status).toBe('fail');
    expect(subs.detail).toMatch(/drops its unacknowledged messages/);
    expect(subs.hint).toContain('--recreate-subscriptions');
    expect(subs.hint).toContain('evaluation-count-sub');
    expect(subs.hint).not.toContain('evaluation-dwh-sub');
    expect(log).toEqual([]);
    expect((await sub('evaluation-count-sub')).enableMessageOrdering).toBe(true);
    // doctor sees the same mismatch read-only
    expect((await messagingStep.check({ answers: unordered, pubsub: api })).find((c) => c.id === 'messaging.pubsub.subscriptions')!.status).toBe('fail');
  });

  it('with recreateSubscriptions it first says what it deletes, then recreates them unordered', async () => {
    const log: string[] = [];
    const checks = await messagingStep.apply({ answers: unordered, pubsub: api, options: { recreateSubscriptions: true }, log: (l) => log.push(l) });
    expect(log).toHaveLength(1);
    expect(log[0]).toMatch(new RegExp(`^deleting and recreating ${prepared.length} Pub/Sub subscription\\(s\\) as unordered; their unacknowledged messages are dropped: auditlog-persister, `));
    const subs = checks.find((c) => c.id === 'messaging.pubsub.subscriptions')!;
    expect(subs.status).toBe('pass');
    expect((subs.facts as any).recreated).toHaveLength(prepared.length);
    for (const s of prepared) expect((await sub(s.subscription)).enableMessageOrdering ?? false).toBe(false);
    expect(checks.some((c) => c.id === 'messaging.ordering-keys')).toBe(false);
    expect((await messagingStep.check({ answers: unordered, pubsub: api })).every((c) => c.status === 'pass')).toBe(true);
  });
});

describe('redis-stream messaging', () => {
  it('states the shared partition count and the guarantee in one line', () => {
    const a = answers({ messaging: { backend: 'redis-stream', ordering: 'per-partition', partitions: 8 } });
    const [c] = redisStreamCheck(a);
    expect(c.status).toBe('pass');
    expect(c.detail).toContain('global.pubsub.redis.partitionCount = 8');
    expect(c.detail).toContain('subscriber.processors.segmentUserPersister.redisPartitionCount');
    // pkg/pubsub/redis/stream_publisher.go (v2.3.0): partition = hash of the message id.
    expect(c.detail).toContain('no ordering: Bucketeer v2.3.0 puts each event in one of 8 Redis Streams partitions per topic');
    expect(c.detail).toContain('per-partition changes no setting');
    expect(c.detail).not.toMatch(/ordered within/);
    expect(messagingStep.describe(a)).not.toContain('\n');
  });
});
