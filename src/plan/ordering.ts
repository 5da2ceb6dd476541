// What delivery order Bucketeer's services give, per chart version and messaging answers. Pure and
// light: the wizard, doctor --pre's advice and the messaging step all say the same sentence.
import type { Answers } from '../answers/schema.js';

/**
 * Chart versions whose services order nothing (v2.3.0 and older): no publisher sets a Pub/Sub
 * ordering key, and the Redis Streams publisher picks each message's partition by a hash of its
 * message id while the subscriber pods share one consumer group per partition.
 */
const NO_ORDERING_DELIVERED = /^v?(1\.|2\.[0-3]\.)/;

/** Whether Bucketeer at this chart version delivers any ordering, on either backend. */
export function deliversOrdering(version: string): boolean {
  return !NO_ORDERING_DELIVERED.test(version);
}

/** One line: what delivery order the answers give, as the services at that version deliver it. */
export function orderingGuarantee(a: Answers): string {
  const m = a.messaging;
  const v = a.release.version;
  const partitions = `${m.partitions} Redis Streams partitions per topic (global.pubsub.redis.partitionCount, shared by publishers and subscribers)`;
  if (!deliversOrdering(v)) {
    if (m.backend === 'google-pubsub') {
      return m.ordering === 'per-key'
        ? `no ordering delivered: Bucketeer ${v} publishers set no ordering keys, so the subscriptions created with enableMessageOrdering (higher latency, more redelivery) deliver in any order until a release sets keys`
        : `no ordering: Pub/Sub delivers in any order, at least once (Bucketeer ${v} publishers set no ordering keys)`;
    }
    return `no ordering: Bucketeer ${v} puts each event in one of ${partitions} by a hash of its message id, and the subscriber pods share one consumer group, so events arrive in any order${m.ordering === 'per-partition' ? '; messaging.ordering per-partition changes no setting' : ''}`;
  }
  if (m.backend === 'google-pubsub') {
    return m.ordering === 'per-key'
      ? 'ordered per ordering key, as publishers set them, on subscriptions created with enableMessageOrdering (higher latency, more redelivery)'
      : 'no ordering: Pub/Sub delivers in any order, at least once';
  }
  return `${m.ordering === 'per-partition' ? 'ordered within a partition only as far as publishers choose partitions by key and one consumer reads each' : 'no ordering guarantee'} across ${partitions}`;
}
