// The cloud settings of the MySQL and Redis the answers point at. doctor --pre shows them among all
// the probes; install's preflight runs only these (no identity, quotas or capacity) so that a
// setting Bucketeer v2.3.0 cannot use stops it before its first change.
import type { Answers } from '../answers/schema.js';
import type { Check } from '../checks/types.js';
import type { MiddlewareTargets } from './aws.js';
import { CLOUD_PROBES } from './clouds.js';
import { runProbes } from './runner.js';
import type { Probe } from './types.js';

/** What the answers point at, so cloud settings Bucketeer cannot use fail only for those instances. */
export function middlewareTargets(a: Answers): MiddlewareTargets {
  return { databaseHost: a.database.mode === 'external' ? a.database.host : undefined, redisAddr: a.redis.mode === 'external' ? a.redis.addr : undefined };
}

/** The checks marked with facts.answersKey: the instances database.host and redis.addr name. */
export async function answersMiddlewareChecks(a: Answers, env: NodeJS.ProcessEnv, timeoutMs: number, signal?: AbortSignal): Promise<Check[]> {
  const targets = middlewareTargets(a);
  if (!targets.databaseHost && !targets.redisAddr) return [];
  const cloud = CLOUD_PROBES[a.platform];
  const probes: Probe[] = cloud ? (await cloud.all({ env, answers: a, targets })).filter((p) => cloud.middleware.includes(p.id)) : [];
  if (!probes.length) return [];
  const results = await runProbes(probes, { timeoutMs, signal });
  return results.flatMap((r) => r.checks).filter((c) => c.facts?.answersKey !== undefined);
}
