// Topic and subscription names Bucketeer's services use (the upstream dev setup's names).

export const TOPICS = {
  domain: 'domain',
  bulkSegmentUsersReceived: 'bulk-segment-users-received',
  goal: 'goal',
  evaluation: 'evaluation',
  metrics: 'metrics',
  cacheInvalidation: 'cache-invalidation',
} as const;

export interface SubscriberBinding {
  topic: string;
  subscription: string;
}

export const SUBSCRIBERS: Record<string, SubscriberBinding> = {
  auditLogPersister: { topic: TOPICS.domain, subscription: 'auditlog-persister' },
  domainEventInformer: { topic: TOPICS.domain, subscription: 'domain-subscription' },
  cacheRefresher: { topic: TOPICS.domain, subscription: 'cache-refresher-domain-sub' },
  evaluationCountEventPersister: { topic: TOPICS.evaluation, subscription: 'evaluation-count-sub' },
  metricsEventPersister: { topic: TOPICS.metrics, subscription: 'metrics-sub' },
  pushSender: { topic: TOPICS.domain, subscription: 'push-sender-domain-sub' },
  segmentUserPersister: { topic: TOPICS.bulkSegmentUsersReceived, subscription: 'bulk-segment-users-received-subscription' },
  demoOrganizationCreationNotifier: { topic: TOPICS.domain, subscription: 'demo-organization-creation-notifier' },
  emailSender: { topic: TOPICS.domain, subscription: 'email-sender' },
};

export const ON_DEMAND_SUBSCRIBERS: Record<string, SubscriberBinding> = {
  evaluationCountEventDWHPersister: { topic: TOPICS.evaluation, subscription: 'evaluation-dwh-sub' },
  evaluationCountEventOPSPersister: { topic: TOPICS.evaluation, subscription: 'evaluation-ops-sub' },
  goalCountEventDWHPersister: { topic: TOPICS.goal, subscription: 'goal-dwh-sub' },
  goalCountEventOPSPersister: { topic: TOPICS.goal, subscription: 'goal-ops-sub' },
};

export type NamedSubscription = SubscriberBinding & { subscriber: string };

/** Every topic/subscription pair the chart values name, in a stable order. */
export function allSubscriptions(): NamedSubscription[] {
  return [...Object.entries(SUBSCRIBERS), ...Object.entries(ON_DEMAND_SUBSCRIBERS)].map(([subscriber, b]) => ({ subscriber, ...b }));
}

/** Runs only when subscriber.env.demoSiteEnabled is set: the chart leaves it out of subscribers.json otherwise. */
export const DEMO_SITE_ONLY_SUBSCRIBER = 'demoOrganizationCreationNotifier';

type Table = Record<string, Partial<SubscriberBinding> | undefined>;

function subscriberTable(values: unknown, key: 'subscribers' | 'onDemandSubscribers'): Table {
  const subscriber = (values as { subscriber?: Record<string, unknown> } | undefined)?.subscriber;
  const t = subscriber?.[key];
  return t && typeof t === 'object' ? (t as Table) : {};
}

const named = (t: Table, keep: (name: string) => boolean): NamedSubscription[] =>
  Object.entries(t)
    .filter(([name, b]) => keep(name) && b?.topic && b.subscription)
    .map(([subscriber, b]) => ({ subscriber, topic: b!.topic!, subscription: b!.subscription! }));

/**
 * The always-on subscribers the rendered chart runs, as its subscribers.json lists them: every
 * entry of subscriber.subscribers, without demoOrganizationCreationNotifier unless
 * subscriber.env.demoSiteEnabled is set. Their subscriptions are created before the services start.
 */
export function runningSubscriptions(values: unknown): NamedSubscription[] {
  const demoSite = Boolean((values as { subscriber?: { env?: { demoSiteEnabled?: unknown } } } | undefined)?.subscriber?.env?.demoSiteEnabled);
  return named(subscriberTable(values, 'subscribers'), (name) => demoSite || name !== DEMO_SITE_ONLY_SUBSCRIBER);
}

/**
 * The on-demand subscribers (onDemandSubscribers.json). Bucketeer owns their subscriptions: while
 * idle a subscriber deletes its subscription and later recreates it with default settings (no
 * message ordering), so the installer never creates, checks or guards them.
 */
export function onDemandSubscriptions(values: unknown): NamedSubscription[] {
  return named(subscriberTable(values, 'onDemandSubscribers'), () => true);
}
