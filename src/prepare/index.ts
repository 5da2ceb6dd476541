// The prepare steps for an answers file, in the order the install runs them (before helm).
import type { Answers } from '../answers/schema.js';
import { databaseStep } from './database.js';
import { messagingStep } from './messaging.js';
import { redisStep } from './redis.js';
import type { PrepareStep } from './types.js';
import { warehouseStep } from './warehouse.js';

export function prepareSteps(answers: Answers): PrepareStep[] {
  // Every profile has an operational MySQL, a warehouse, a messaging backend and Redis; what
  // each step does depends on the answers (see its describe()).
  void answers;
  return [databaseStep, warehouseStep, messagingStep, redisStep];
}

/** One line per step for `render` output and install progress. */
export function describePrepare(answers: Answers, skip: readonly string[] = []): string[] {
  return prepareSteps(answers).map((s) => (skip.includes(s.name) ? `${s.name}: skipped (--skip-prepare ${s.name})` : s.describe(answers)));
}

export { databaseStep, messagingStep, redisStep, warehouseStep };
export { checksFromJobLog, mysqlPasswordSecret, postgresPasswordSecret, prepareCredentialsSecret, prepareJob, runsInCluster, PREPARE_IMAGES } from './job.js';
export { googleTokenProvider, mysqlConnector, redisConnector, restClient } from './adapters.js';
export * from './types.js';
