// Step "messaging". Google Pub/Sub: the six topics and the subscription of every always-on
// subscriber the rendered chart runs, created before the services start, because ordering
// (enableMessageOrdering) can only be chosen when a subscription is created; changing it later
// means delete + recreate, which drops the backlog, so that is refused unless the user asks for it.
// The on-demand subscribers' subscriptions are Bucketeer's: it deletes them while idle and
// recreates them unordered, so they are never created, required or guarded here. Redis Streams:
// nothing to create; the partition count is one chart value shared by publishers and subscribers.
import type { Answers } from '../answers/schema.js';
import type { Check } from '../checks/types.js';
import { EnvironmentError } from '../errors.js';
import { MASKED_SECRETS } from '../plan/index.js';
import { onDemandSubscriptions, runningSubscriptions, TOPICS, type NamedSubscription } from '../plan/topics.js';
import { planValues } from '../plan/values.js';
import { deliversOrdering, orderingGuarantee } from '../plan/ordering.js';
import { apiErrorMessage } from './adapters.js';
import type { PrepareContext, PrepareStep, RestClient, RestResponse } from './types.js';

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

/** The subscriptions this step creates: those of the always-on subscribers the chart runs. */
export function preparedSubscriptions(a: Answers): NamedSubscription[] {
  return runningSubscriptions(planValues(a, MASKED_SECRETS));
}

/** The on-demand subscriptions, which Bucketeer creates and deletes itself. */
export function bucketeerOwnedSubscriptions(a: Answers): NamedSubscription[] {
  return onDemandSubscriptions(planValues(a, MASKED_SECRETS));
}

/** What the messaging step creates on Google Pub/Sub, for the install plan (plan.json). */
export function pubsubPlan(a: Answers): { project: string; topics: string[]; subscriptions: { name: string; topic: string; ordering: boolean }[] } | undefined {
  if (a.messaging.backend !== 'google-pubsub') return undefined;
  const ordering = a.messaging.ordering === 'per-key';
  return { project: pubsubProject(a), topics: [...PUBSUB_TOPICS], subscriptions: preparedSubscriptions(a).map((s) => ({ name: s.subscription, topic: s.topic, ordering })) };
}

async function readState(api: RestClient, project: string, wanted: readonly NamedSubscription[]) {
  const p = `/v1/projects/${encodeURIComponent(project)}`;
  const topics = await Promise.all(
    PUBSUB_TOPICS.map(async (t) => {
      const r = await api.request('GET', `${p}/topics/${encodeURIComponent(t)}`);
      if (r.status !== 200 && r.status !== 404) throw new PubSubError(`topics.get ${t}`, r);
      return { topic: t, exists: r.status === 200 };
    }),
  );
  const subs: SubscriptionState[] = await Promise.all(
    wanted.map(async (s) => {
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
    const wanted = preparedSubscriptions(a);
    const onDemand = bucketeerOwnedSubscriptions(a).map((s) => s.subscription);
    const onDemandNote = onDemand.length ? `; the on-demand ${onDemand.join(', ')} are Bucketeer's own (created and deleted by its subscriber, unordered) and not checked` : '';
    const state = await readState(api, project, wanted);
    const missingTopics = state.topics.filter((t) => !t.exists).map((t) => t.topic);
    const missingSubs = state.subs.filter((s) => !s.exists);
    const wrong = state.subs.filter((s) => s.exists && (s.ordered !== wantOrdered || s.currentTopic !== `projects/${project}/topics/${s.topic}`));
    const describeWrong = (s: SubscriptionState) =>
      s.currentTopic !== `projects/${project}/topics/${s.topic}` ? `${s.subscription} (attached to ${s.currentTopic || 'no topic'})` : `${s.subscription} (${orderWord(s.ordered)})`;
    const checks: Check[] = [];
    const orderingWarn: Check[] =
      wantOrdered && !deliversOrdering(a.release.version)
        ? [{ category, id: 'messaging.ordering-keys', title: 'publishers set ordering keys', status: 'warn', detail: `Bucketeer ${a.release.version} publishers set no ordering keys: the ordered subscriptions deliver in any order, and cost latency and redelivery now`, hint: 'choose messaging.ordering: none (what this release delivers); per-key is a setting for a release whose publishers set keys' }]
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
        checks.push({ category, id: 'messaging.pubsub.subscriptions', title: subsTitle, status: 'pass', detail: `all ${state.subs.length} ${orderWord(wantOrdered)}; ${guarantee}${onDemandNote}`, facts: { guarantee, onDemand } });
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
    const after = await readState(api, project, wanted);
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
            detail: `${did || `all ${after.subs.length} present`} (${orderWord(wantOrdered)}); ${guarantee}${onDemandNote}`,
            facts: { created: missingSubs.map((s) => s.subscription), recreated: wrong.map((s) => s.subscription), guarantee, onDemand },
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
      return `messaging: create ${PUBSUB_TOPICS.length} Pub/Sub topics and ${preparedSubscriptions(a).length} subscriptions in ${a.gcp?.project} ${a.messaging.ordering === 'per-key' ? 'with' : 'without'} enableMessageOrdering before the services start (the ${bucketeerOwnedSubscriptions(a).length} on-demand ones are left to Bucketeer); ${orderingGuarantee(a)}`;
    }
    return `messaging: Redis Streams, ${a.messaging.partitions} partitions per topic; ${orderingGuarantee(a)}`;
  },
  check: (ctx) => run(ctx, 'check'),
  apply: (ctx) => run(ctx, 'apply'),
};
