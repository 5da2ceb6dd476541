// Advice from facts: pure functions that turn what the probes found (and what the answers ask
// for) into checks: quota fit, capacity fit, and what the chosen messaging backend guarantees and
// costs. The SQS FIFO numbers are AWS's published limits (300 API calls/s per action, 3,000
// messages/s batched); Pub/Sub ordering adds latency and duplicates.
import type { Answers } from '../answers/schema.js';
import { platformById, type PlatformId } from '../platforms/index.js';
import type { Check } from '../checks/types.js';
import { deliversOrdering, orderingGuarantee } from '../plan/ordering.js';
import { ON_DEMAND_SUBSCRIBERS } from '../plan/topics.js';
import { formatBytes } from './kubernetes.js';
import type { KubernetesFacts, PreflightFacts, QuotaFact } from './types.js';

/** Share of a quota in use from which we warn before it is hit. */
const QUOTA_WARN_RATIO = 0.9;
/** Free capacity below required * this warns: a rolling update briefly runs old and new pods. */
const CAPACITY_HEADROOM = 1.25;

export function quotaChecks(quotas: readonly QuotaFact[]): Check[] {
  return quotas.map((q) => {
    const used = q.used;
    const defaultNote = q.limitSource === 'default' ? ' (limit: documented default; the quota API did not answer)' : '';
    const base = { category: 'quotas', id: `quota.${q.code}`, title: q.name, docUrl: undefined as string | undefined, facts: { ...q } };
    if (used === undefined) return { ...base, status: 'pass' as const, detail: `limit ${q.limit}${defaultNote}; usage unknown` };
    const ratio = q.limit > 0 ? used / q.limit : 1;
    if (used >= q.limit) {
      return { ...base, status: 'warn' as const, detail: `${used}/${q.limit} used${defaultNote}: request an increase before creating more`, hint: `request an increase: ${q.increaseUrl}` };
    }
    if (ratio >= QUOTA_WARN_RATIO) {
      return { ...base, status: 'warn' as const, detail: `${used}/${q.limit} used${defaultNote}: close to the limit`, hint: `request an increase: ${q.increaseUrl}` };
    }
    return { ...base, status: 'pass' as const, detail: `${used}/${q.limit} used${defaultNote}` };
  });
}

export interface Required {
  cpuMilli: number;
  memoryBytes: number;
  /** e.g. "small (assumed)" or "medium, in-cluster MySQL". */
  label: string;
}

export function capacityCheck(free: KubernetesFacts['free'], required: Required): Check | undefined {
  if (!free) return undefined;
  const base = { category: 'kubernetes', id: 'kubernetes.capacity', title: 'Cluster capacity' };
  const facts = { free, required: { cpuMilli: required.cpuMilli, memoryBytes: required.memoryBytes, sizing: required.label } };
  const have = `${free.cpuMilli}m CPU and ${formatBytes(free.memoryBytes)} free on ${free.nodes} schedulable node${free.nodes === 1 ? '' : 's'}`;
  const need = `${required.cpuMilli}m CPU and ${formatBytes(required.memoryBytes)} requested by sizing ${required.label}`;
  const short: string[] = [];
  if (free.cpuMilli < required.cpuMilli) short.push(`${required.cpuMilli - free.cpuMilli}m CPU`);
  if (free.memoryBytes < required.memoryBytes) short.push(`${formatBytes(required.memoryBytes - free.memoryBytes)} memory`);
  if (short.length) {
    return { ...base, status: 'fail', detail: `${have}; ${need}: short of ${short.join(' and ')}`, hint: 'add nodes (or larger ones), or choose a smaller sizing in the answers file', facts };
  }
  if (free.cpuMilli < required.cpuMilli * CAPACITY_HEADROOM || free.memoryBytes < required.memoryBytes * CAPACITY_HEADROOM) {
    return { ...base, status: 'warn', detail: `${have}; ${need}: less than ${Math.round((CAPACITY_HEADROOM - 1) * 100)}% headroom for rolling updates`, hint: 'add a node before upgrades, or enable the cluster autoscaler', facts };
  }
  return { ...base, status: 'pass', detail: `${have}; ${need}`, facts };
}

/**
 * What the chosen messaging backend guarantees at the expected event rate, and what that costs.
 * Without answers there is no choice to advise on.
 */
export function messagingCheck(answers: Answers | undefined, platform: PlatformId, facts?: Pick<PreflightFacts, 'gcp'>): Check {
  const base = { category: 'advice', id: 'advice.messaging', title: 'Messaging' };
  if (!answers) return { ...base, status: 'skip', detail: 'no answers file: pass --answers for advice on the messaging backend and ordering' };
  const m = answers.messaging;
  const eps = m.expectedEventsPerSecond;
  const rate = eps === undefined ? undefined : `${eps.toLocaleString('en-US')} events/s`;
  const notes: string[] = [];
  let status: Check['status'] = 'pass';
  let hint: string | undefined;

  if (m.backend === 'redis-stream') {
    const perPartition = eps === undefined ? undefined : Math.ceil(eps / m.partitions);
    notes.push(`Redis Streams: ${orderingGuarantee(answers)}`);
    if (m.ordering === 'per-partition' && !deliversOrdering(answers.release.version)) {
      status = 'warn';
      hint = `use messaging.ordering: none: it is what Bucketeer ${answers.release.version} delivers on Redis Streams; per-partition is a setting for a release that partitions by key`;
    }
    if (perPartition !== undefined) notes.push(`${rate} is about ${perPartition.toLocaleString('en-US')}/s per partition`);
    if (eps !== undefined) notes.push(`v2.3.0 never trims streams: about ${(eps * 86_400).toLocaleString('en-US')} entries a day stay in Redis memory`);
    if (answers.redis.clusterMode) {
      status = 'warn';
      notes.push('all stream keys share one hash tag, so Redis Cluster keeps them on one slot: cluster mode adds no throughput');
      hint = 'use a non-cluster Redis (redis.clusterMode: false) sized for the stream memory';
    }
    notes.push(...(platformById(platform).hints.messagingNotes?.(eps) ?? []));
  } else {
    if (m.ordering === 'per-key') {
      notes.push('Pub/Sub ordered subscriptions (enableMessageOrdering, fixed when a subscription is created) add latency and redelivery duplicates');
      notes.push(orderingGuarantee(answers));
      notes.push('the services auto-create subscriptions without ordering: ordered ones must be created beforehand (install does, except the on-demand ones Bucketeer deletes and recreates itself)');
      if (!deliversOrdering(answers.release.version)) {
        status = 'warn';
        hint = `use messaging.ordering: none: Bucketeer ${answers.release.version} delivers no ordering on either backend; per-key is a setting for a release whose publishers set ordering keys`;
      }
      // The on-demand subscriptions are Bucketeer's, which it recreates unordered itself: not counted.
      const onDemand = new Set(Object.values(ON_DEMAND_SUBSCRIBERS).map((b) => b.subscription));
      const unordered = facts?.gcp.pubsub?.subscriptions.filter((s) => !s.ordering && !onDemand.has(s.name)) ?? [];
      if (unordered.length) notes.push(`${unordered.length} existing subscription${unordered.length === 1 ? '' : 's'} without ordering cannot be switched`);
    } else {
      notes.push('Google Pub/Sub: at-least-once, unordered, no ordering cost; the services create topics and subscriptions (their identity needs Pub/Sub create rights)');
    }
    if (rate) notes.push(`${rate} is well within Pub/Sub's per-topic throughput`);
  }
  if (eps === undefined) notes.push('set messaging.expectedEventsPerSecond for rate-specific advice');
  return { ...base, status, detail: notes.join('; '), hint, facts: { backend: m.backend, ordering: m.ordering, partitions: m.partitions, expectedEventsPerSecond: eps ?? null } };
}
