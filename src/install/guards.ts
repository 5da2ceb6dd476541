// Changes that would lose data in a running install, refused unless --force (as helm refuses
// nothing, this is the installer's job). Checked before helm runs, by install and upgrade.
import type { Answers } from '../answers/schema.js';
import { UsageError } from '../errors.js';
import { getPath, type Values } from '../plan/values.js';
import { VALUE_PATHS } from '../chart/facts.js';

/**
 * Fewer Redis Streams partitions strand what waits in the dropped ones (no consumer reads them
 * again): refused unless forced.
 */
export function refuseFewerPartitions(deployedValues: Values, answers: Answers, force: boolean): void {
  if (force || getPath(deployedValues, VALUE_PATHS.pubsubType) !== 'redis-stream' || answers.messaging.backend !== 'redis-stream') return;
  const deployed = Number(getPath(deployedValues, VALUE_PATHS.redisPartitionCount));
  const wanted = answers.messaging.partitions;
  if (!Number.isInteger(deployed) || wanted >= deployed) return;
  throw new UsageError(
    `messaging.partitions ${wanted} is lower than the ${deployed} partitions deployed: events still waiting in partitions ${wanted}-${deployed - 1} would never be read`,
    `keep messaging.partitions at ${deployed} or more; or let the streams drain (consumers idle) and pass --force`,
  );
}
