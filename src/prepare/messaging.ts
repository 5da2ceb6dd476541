// Step "messaging". Google Pub/Sub: the six topics and every subscription the subscriber pulls
// from, created before the services start, because ordering (enableMessageOrdering) can only be
// chosen when a subscription is created; changing it later means delete + recreate, which drops
// the backlog, so that is refused unless the user asks for it. Redis Streams: nothing to create;
// the partition count is one chart value shared by publishers and subscribers.
import type { Answers } from '../answers/schema.js';
import type { Check } from '../checks/types.js';
import { EnvironmentError } from '../errors.js';
import { MASKED_SECRETS } from '../plan/index.js';
import { allSubscriptions, TOPICS } from '../plan/topics.js';
import { planValues } from '../plan/values.js';
import { apiErrorMessage } from './adapters.js';
import type { PrepareContext, PrepareStep, RestClient, RestResponse } from './types.js';

/** Chart versions whose publishers set no ordering keys (v2.3.0 and older). */
const NO_ORDERING_KEYS = /^v?(1\.|2\.[0-3]\.)/;

/** One line: what delivery order the answers give. */
export function orderingGuarantee(a: Answers): string {
  const m = a.messaging;
  const keys = NO_ORDERING_KEYS.test(a.release.version)
    ? `Bucketeer ${a.release.version} publishers set no ordering keys yet`
    : 'publishers decide the ordering keys';
  if (m.backend === 'google-pubsub') {
    return m.ordering === 'per-key'
      ? `ordered per ordering key on subscriptions created with enableMessageOrdering (higher latency, more redelivery); ${keys}, so events arrive unordered until they do`
      : `no ordering: Pub/Sub delivers in any order, at least once; ${keys}`;
  }
  return m.ordering === 'per-partition'
    ? `ordered within each of ${m.partitions} Redis Streams partitions per topic (global.pubsub.redis.partitionCount, shared by publishers and subscribers); ${keys}, so which partition an event lands in is not chosen by key`
    : `no ordering guarantee across ${m.partitions} Redis Streams partitions per topic (global.pubsub.redis.partitionCount, shared by publishers and subscribers); ${keys}`;
}

export const PUBSUB_TOPICS: readonly string[] = Object.values(TOPICS);

export interface SubscriptionState {
  subscription: string;
  topic: string;
  /** Present on the server? */
  exists: boolean;
  ordered?: boolean;
  /** The topic it is attached to (projects/P/topics/T or _deleted-topic_). */
  currentTopic?: string;
}

const pubsubPermissionHint = (project: string) =>
  `the credentials need Pub/Sub Editor on ${project}: gcloud projects add-iam-policy-binding ${project} --member=user:YOU --role=roles/pubsub.editor`;

class PubSubError extends Error {
  constructor(
    readonly what: string,
    readonly res: RestResponse,
  ) {
    super(`${what}: ${apiErrorMessage(res)}`);
  }
}

function pubsubProject(a: Answers): string {
  if (!a.gcp) throw new EnvironmentError('google-pubsub needs gcp.project', 'set gcp: {project, region} in the answers file');
  return a.gcp.project;
}

async function readState(api: RestClient, project: string) {
  const p = `/v1/projects/${encodeURIComponent(project)}`;
  const topics = await Promise.all(
    PUBSUB_TOPICS.map(async (t) => {
      const r = await api.request('GET', `${p}/topics/${encodeURIComponent(t)}`);
      if (r.status !== 200 && r.status !== 404) throw new PubSubError(`topics.get ${t}`, r);
      return { topic: t, exists: r.status === 200 };
    }),
  );
  const subs: SubscriptionState[] = await Promise.all(
    allSubscriptions().map(async (s) => {
      const r = await api.request('GET', `${p}/subscriptions/${encodeURIComponent(s.subscription)}`);
      if (r.status !== 200 && r.status !== 404) throw new PubSubError(`subscriptions.get ${s.subscription}`, r);
      if (r.status === 404) return { subscription: s.subscription, topic: s.topic, exists: false };
      return { subscription: s.subscription, topic: s.topic, exists: true, ordered: r.body?.enableMessageOrdering === true, currentTopic: String(r.body?.topic ?? '') };
    }),
  );
  return { topics, subs };
}

async function createSubscription(api: RestClient, project: string, s: { subscription: string; topic: string }, ordered: boolean) {
  const body: Record<string, unknown> = { topic: `projects/${project}/topics/${s.topic}` };
  if (ordered) body.enableMessageOrdering = true;
  const r = await api.request('PUT', `/v1/projects/${encodeURIComponent(project)}/subscriptions/${encodeURIComponent(s.subscription)}`, body);
  if (r.status !== 200 && r.status !== 409) throw new PubSubError(`subscriptions.create ${s.subscription}`, r);
}

export async function pubsubRun(api: RestClient, ctx: PrepareContext, mode: 'check' | 'apply'): Promise<Check[]> {
  const a = ctx.answers;
  const project = pubsubProject(a);
  const wantOrdered = a.messaging.ordering === 'per-key';
  const orderWord = (o: boolean | undefined) => (o ? 'ordered' : 'unordered');
  const category = 'messaging';
  const missingStatus = mode === 'apply' || ctx.options?.expectPrepared !== false ? 'fail' : 'warn';
  const topicsTitle = `Pub/Sub topics in ${project}`;
  const subsTitle = `Pub/Sub subscriptions ${wantOrdered ? 'with' : 'without'} message ordering`;
  const guarantee = orderingGuarantee(a);
  try {
    const state = await readState(api, project);
    const missingTopics = state.topics.filter((t) => !t.exists).map((t) => t.topic);
    const missingSubs = state.subs.filter((s) => !s.exists);
    const wrong = state.subs.filter((s) => s.exists && (s.ordered !== wantOrdered || s.currentTopic !== `projects/${project}/topics/${s.topic}`));
    const describeWrong = (s: SubscriptionState) =>
      s.currentTopic !== `projects/${project}/topics/${s.topic}` ? `${s.subscription} (attached to ${s.currentTopic || 'no topic'})` : `${s.subscription} (${orderWord(s.ordered)})`;
    const checks: Check[] = [];
    const orderingWarn: Check[] =
      wantOrdered && NO_ORDERING_KEYS.test(a.release.version)
        ? [{ category, id: 'messaging.ordering-keys', title: 'publishers set ordering keys', status: 'warn', detail: `Bucketeer ${a.release.version} publishers set no ordering keys yet: the ordered subscriptions deliver in publish order only once a release sets them`, hint: 'keep ordering per-key to be ready for that release, or choose ordering none to avoid its latency cost now' }]
        : [];

    if (mode === 'check' || (wrong.length && !ctx.options?.recreateSubscriptions)) {
      checks.push(
        missingTopics.length
          ? { category, id: 'messaging.pubsub.topics', title: topicsTitle, status: missingStatus, detail: `missing: ${missingTopics.join(', ')}`, hint: 'bucketeer-install install creates them', facts: { missing: missingTopics } }
          : { category, id: 'messaging.pubsub.topics', title: topicsTitle, status: 'pass', detail: `all ${PUBSUB_TOPICS.length} present` },
      );
      if (wrong.length) {
        checks.push({
          category,
          id: 'messaging.pubsub.subscriptions',
          title: subsTitle,
          status: 'fail',
          detail: `${wrong.length} existing subscription(s) differ from the wanted ${orderWord(wantOrdered)} setting: ${wrong.map(describeWrong).join(', ')}; ordering is fixed when a subscription is created, and recreating one drops its unacknowledged messages${mode === 'apply' ? '; nothing was changed' : ''}`,
          hint: `drain the subscriber first, then run again with --recreate-subscriptions to delete and recreate: ${wrong.map((s) => s.subscription).join(', ')}; or keep messaging.ordering: ${wrong[0].ordered ? 'per-key' : 'none'}`,
          facts: { mismatched: wrong.map((s) => s.subscription), wantOrdered },
        });
      } else if (missingSubs.length) {
        checks.push({ category, id: 'messaging.pubsub.subscriptions', title: subsTitle, status: missingStatus, detail: `missing: ${missingSubs.map((s) => s.subscription).join(', ')}`, hint: 'bucketeer-install install creates them before the services start (the services would create them unordered)', facts: { missing: missingSubs.map((s) => s.subscription) } });
      } else {
        checks.push({ category, id: 'messaging.pubsub.subscriptions', title: subsTitle, status: 'pass', detail: `all ${state.subs.length} ${orderWord(wantOrdered)}; ${guarantee}`, facts: { guarantee } });
      }
      return [...checks, ...orderingWarn];
    }

    const p = `/v1/projects/${encodeURIComponent(project)}`;
    for (const t of missingTopics) {
      ctx.log?.(`creating Pub/Sub topic ${t}`);
      const r = await api.request('PUT', `${p}/topics/${encodeURIComponent(t)}`, {});
      if (r.status !== 200 && r.status !== 409) throw new PubSubError(`topics.create ${t}`, r);
    }
    if (wrong.length) {
      ctx.log?.(`deleting and recreating ${wrong.length} Pub/Sub subscription(s) as ${orderWord(wantOrdered)}; their unacknowledged messages are dropped: ${wrong.map((s) => s.subscription).join(', ')}`);
      for (const s of wrong) {
        const r = await api.request('DELETE', `${p}/subscriptions/${encodeURIComponent(s.subscription)}`);
        if (r.status !== 200 && r.status !== 404) throw new PubSubError(`subscriptions.delete ${s.subscription}`, r);
        await createSubscription(api, project, s, wantOrdered);
      }
    }
    for (const s of missingSubs) {
      ctx.log?.(`creating Pub/Sub subscription ${s.subscription} (${orderWord(wantOrdered)})`);
      await createSubscription(api, project, s, wantOrdered);
    }
    // Read back: the check reports what the server holds, not what we asked for.
    const after = await readState(api, project);
    const stillMissing = after.topics.filter((t) => !t.exists).map((t) => t.topic);
    const stillWrong = after.subs.filter((s) => !s.exists || s.ordered !== wantOrdered);
    checks.push(
      stillMissing.length
        ? { category, id: 'messaging.pubsub.topics', title: topicsTitle, status: 'fail', detail: `still missing after create: ${stillMissing.join(', ')}` }
        : { category, id: 'messaging.pubsub.topics', title: topicsTitle, status: 'pass', detail: missingTopics.length ? `created ${missingTopics.join(', ')}` : `all ${PUBSUB_TOPICS.length} present`, facts: { created: missingTopics } },
    );
    const did = [missingSubs.length ? `created ${missingSubs.length}` : '', wrong.length ? `recreated ${wrong.map((s) => s.subscription).join(', ')}` : ''].filter(Boolean).join(', ');
    checks.push(
      stillWrong.length
        ? { category, id: 'messaging.pubsub.subscriptions', title: subsTitle, status: 'fail', detail: `not as wanted after create: ${stillWrong.map(describeWrong).join(', ')}` }
        : {
            category,
            id: 'messaging.pubsub.subscriptions',
            title: subsTitle,
            status: 'pass',
            detail: `${did || `all ${after.subs.length} present`} (${orderWord(wantOrdered)}); ${guarantee}`,
            facts: { created: missingSubs.map((s) => s.subscription), recreated: wrong.map((s) => s.subscription), guarantee },
          },
    );
    return [...checks, ...orderingWarn];
  } catch (err) {
    if (!(err instanceof PubSubError)) throw err;
    return [{ category, id: 'messaging.pubsub', title: `Pub/Sub in ${project}`, status: 'fail', detail: err.message, hint: err.res.status === 403 ? pubsubPermissionHint(project) : undefined }];
  }
}

/** Every partition count in the chart values: publishers and subscribers must agree. */
export function partitionCounts(values: unknown, path = ''): { path: string; value: unknown }[] {
  if (!values || typeof values !== 'object') return [];
  return Object.entries(values).flatMap(([k, v]) => {
    const p = path ? `${path}.${k}` : k;
    return /partitioncount$/i.test(k) ? [{ path: p, value: v }] : partitionCounts(v, p);
  });
}

export function redisStreamCheck(a: Answers): Check[] {
  const counts = partitionCounts(planValues(a, MASKED_SECRETS));
  const off = counts.filter((c) => c.value !== a.messaging.partitions);
  const title = 'Redis Streams partition count is the same for publishers and subscribers';
  if (!counts.length || off.length) {
    return [{ category: 'messaging', id: 'messaging.redis-stream.partitions', title, status: 'fail', detail: counts.length ? `values disagree with messaging.partitions ${a.messaging.partitions}: ${off.map((c) => `${c.path}=${String(c.value)}`).join(', ')}` : 'the chart values carry no partition count', hint: 'this is a bug in bucketeer-install; report it' }];
  }
  return [
    {
      category: 'messaging',
      id: 'messaging.redis-stream.partitions',
      title,
      status: 'pass',
      detail: `global.pubsub.redis.partitionCount = ${a.messaging.partitions} (${counts.map((c) => c.path).join(', ')}); ${orderingGuarantee(a)}`,
      facts: { partitions: a.messaging.partitions, guarantee: orderingGuarantee(a) },
    },
  ];
}

async function run(ctx: PrepareContext, mode: 'check' | 'apply'): Promise<Check[]> {
  if (ctx.answers.messaging.backend === 'redis-stream') return redisStreamCheck(ctx.answers);
  if (!ctx.pubsub) throw new EnvironmentError('the messaging step has no Pub/Sub client', 'the install engine passes one built with restClient() and Google credentials');
  return pubsubRun(ctx.pubsub, ctx, mode);
}

export const messagingStep: PrepareStep = {
  name: 'messaging',
  title: 'Messaging',
  describe(a) {
    if (a.messaging.backend === 'google-pubsub') {
      return `messaging: create ${PUBSUB_TOPICS.length} Pub/Sub topics and ${allSubscriptions().length} subscriptions in ${a.gcp?.project} ${a.messaging.ordering === 'per-key' ? 'with' : 'without'} enableMessageOrdering before the services start; ${orderingGuarantee(a)}`;
    }
    return `messaging: Redis Streams, ${a.messaging.partitions} partitions per topic; ${orderingGuarantee(a)}`;
  },
  check: (ctx) => run(ctx, 'check'),
  apply: (ctx) => run(ctx, 'apply'),
};
