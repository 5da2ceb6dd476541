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

/** Every topic/subscription pair the subscriber pulls from, in a stable order. */
export function allSubscriptions(): (SubscriberBinding & { subscriber: string })[] {
  return [...Object.entries(SUBSCRIBERS), ...Object.entries(ON_DEMAND_SUBSCRIBERS)].map(([subscriber, b]) => ({ subscriber, ...b }));
}
