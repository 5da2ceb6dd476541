// Prepare steps: the middleware work that must happen before helm runs (database and rights, event
// tables, Pub/Sub subscriptions with their ordering, a Redis that never evicts). Each step reports what it found or did as checks, so install progress, `render` and
// `doctor` share one vocabulary. Everything that talks to a server goes through an adapter in the
// context, so tests and the install engine choose the real peer.
import type { Answers } from '../answers/schema.js';
import type { Check } from '../checks/types.js';
import { UsageError } from '../errors.js';

export type PrepareStepName = 'database' | 'warehouse' | 'messaging' | 'redis';
export const PREPARE_STEP_NAMES: readonly PrepareStepName[] = ['database', 'warehouse', 'messaging', 'redis'];

/** A SQL connection (MySQL or Postgres): rows as plain objects. */
export interface SqlConnection {
  query(sql: string, params?: unknown[]): Promise<Record<string, unknown>[]>;
  close(): Promise<void>;
}

/** The few Redis commands the checks send. */
export interface RedisConnection {
  command(...args: string[]): Promise<unknown>;
  close(): Promise<void>;
}

export interface RestResponse {
  status: number;
  /** Parsed JSON body; undefined when the body is empty or not JSON. */
  body: any;
}

/** A JSON REST API (Pub/Sub admin, BigQuery) at baseUrl; credentials are the client's business. */
export interface RestClient {
  readonly baseUrl: string;
  request(method: 'GET' | 'PUT' | 'POST' | 'PATCH' | 'DELETE', path: string, body?: unknown): Promise<RestResponse>;
}

export interface PrepareOptions {
  /** --force: a Redis eviction policy other than noeviction becomes a warning. */
  force?: boolean;
  /** --recreate-subscriptions: delete and recreate subscriptions whose ordering differs. */
  recreateSubscriptions?: boolean;
  /**
   * doctor after an install: something the install creates (database, tables, topics) and that is
   * missing is a failure. Before an install (doctor --pre) it is a warning. Default true.
   */
  expectPrepared?: boolean;
}

export interface PrepareContext {
  answers: Answers;
  options?: PrepareOptions;
  /** Connects to the operational MySQL server as answers.database.user, no default database. */
  mysql?: () => Promise<SqlConnection>;
  /** Connects to the Postgres warehouse database. */
  postgres?: () => Promise<SqlConnection>;
  redis?: () => Promise<RedisConnection>;
  /** Pub/Sub admin API, e.g. https://pubsub.googleapis.com or the emulator's http://127.0.0.1:PORT. */
  pubsub?: RestClient;
  /** BigQuery API, e.g. https://bigquery.googleapis.com. */
  bigquery?: RestClient;
  signal?: AbortSignal;
  /** Per network call; default 30 s. */
  timeoutMs?: number;
  /** Progress lines (what is about to be created or deleted), shown as they happen. */
  log?: (line: string) => void;
}

export interface PrepareStep {
  name: PrepareStepName;
  title: string;
  /** One line for `render` output and install progress. */
  describe(answers: Answers): string;
  /** Read-only (doctor). */
  check(ctx: PrepareContext): Promise<Check[]>;
  /** Idempotent: a second run changes nothing and reports the same state. */
  apply(ctx: PrepareContext): Promise<Check[]>;
}

export const DEFAULT_TIMEOUT_MS = 30_000;

/** --skip-prepare values, checked by name (bad input: exit 2). Light, so flag parsing stays cheap. */
export function parseSkipPrepare(values: readonly string[]): PrepareStepName[] {
  for (const v of values) {
    if (!(PREPARE_STEP_NAMES as readonly string[]).includes(v)) {
      throw new UsageError(`--skip-prepare ${v}: unknown step`, `use one of: ${PREPARE_STEP_NAMES.join(', ')}`);
    }
  }
  return values as PrepareStepName[];
}
