// Issue 7's prepare checks, read-only, for doctor: each PrepareStep.check() runs when its server is
// reachable from this machine (a public endpoint, or in tests a local MariaDB/Redis/Pub/Sub
// emulator). Middleware that only the cluster can reach would need an in-cluster Job, which would
// write to the cluster, so doctor reports those as skipped with the reason.
import { connect } from 'node:net';
import { resolveSecretRef, type SecretSources } from '../answers/secrets.js';
import type { Answers } from '../answers/schema.js';
import type { Check } from '../checks/types.js';
import { endpointsFor } from '../plan/values.js';
import { googleTokenProvider, mysqlConnector, redisConnector, restClient } from '../prepare/adapters.js';
import { prepareSteps } from '../prepare/index.js';
import type { PrepareContext, PrepareStep, PrepareStepName } from '../prepare/types.js';

export interface DoctorPrepareOptions {
  answers: Answers;
  env: NodeJS.ProcessEnv;
  sources: SecretSources;
  /** Budget of the reachability probe and of each call. */
  timeoutMs?: number;
  signal?: AbortSignal;
  /** Tests inject a reachability answer; default: a TCP connect. */
  reachable?: (host: string, port: number, timeoutMs: number) => Promise<boolean>;
}

export function tcpReachable(host: string, port: number, timeoutMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

const skip = (step: PrepareStepName, title: string, detail: string): Check => ({ category: step, id: `${step}.doctor`, title, status: 'skip', detail });
const NEEDS_JOB = 'checking it needs an in-cluster Job, and doctor does not write to the cluster (install runs these checks)';
const IN_CLUSTER_ONLY = `reachable only from inside the cluster; ${NEEDS_JOB}`;
const unreachable = (what: string) => `${what} is not reachable from this machine (a private network?); ${NEEDS_JOB}`;

async function redisUsageChecks(connect: NonNullable<PrepareContext['redis']>, a: Answers): Promise<Check[]> {
  const { evaluateRedisUsage, readRedisUsage } = await import('../prepare/redis.js');
  const c = await connect();
  try {
    return evaluateRedisUsage(await readRedisUsage(c), a);
  } finally {
    await c.close();
  }
}

/** The checks of every prepare step, or one 'skip' per step that cannot be reached from here. */
export async function prepareChecks(o: DoctorPrepareOptions): Promise<Check[]> {
  const a = o.answers;
  const timeoutMs = o.timeoutMs ?? 5_000;
  const reach = o.reachable ?? tcpReachable;
  const ep = endpointsFor(a);
  const splitAddr = (addr: string) => ({ host: addr.slice(0, addr.lastIndexOf(':')), port: Number(addr.slice(addr.lastIndexOf(':') + 1)) });

  const mysqlCtx = async (): Promise<Partial<PrepareContext> | string> => {
    if (a.database.mode === 'in-cluster') return `the in-cluster MySQL is ${IN_CLUSTER_ONLY}`;
    if (!(await reach(a.database.host!, a.database.port, timeoutMs))) return unreachable(`MySQL ${a.database.host}:${a.database.port}`);
    const password = await resolveSecretRef(a.database.password!, 'database.password', o.sources);
    return { mysql: mysqlConnector({ host: a.database.host!, port: a.database.port, user: a.database.user, password, timeoutMs }) };
  };
  const redisCtx = async (): Promise<Partial<PrepareContext> | string> => {
    if (a.redis.mode === 'in-cluster') return `the in-cluster Redis is ${IN_CLUSTER_ONLY}`;
    const { host, port } = splitAddr(ep.redisAddr);
    if (!(await reach(host, port, timeoutMs))) return unreachable(`Redis ${ep.redisAddr}`);
    return { redis: redisConnector({ addr: ep.redisAddr, timeoutMs }) };
  };
  const pubsubCtx = async (): Promise<Partial<PrepareContext> | string> => {
    if (a.messaging.backend !== 'google-pubsub') return {};
    const emulator = o.env.PUBSUB_EMULATOR_HOST;
    return { pubsub: restClient({ baseUrl: emulator ? `http://${emulator}` : 'https://pubsub.googleapis.com', token: emulator ? undefined : googleTokenProvider(), timeoutMs, signal: o.signal, apiName: 'Pub/Sub' }) };
  };
  const warehouseCtx = async (): Promise<Partial<PrepareContext> | string> => {
    if (a.warehouse.type === 'mysql') return mysqlCtx();
    if (a.warehouse.type === 'postgres') return 'the Postgres warehouse check needs a Postgres client, which doctor does not carry; install checks it from inside the cluster';
    const emulator = o.env.BIGQUERY_EMULATOR_HOST;
    return { bigquery: restClient({ baseUrl: emulator ? `http://${emulator}` : 'https://bigquery.googleapis.com', token: emulator ? undefined : googleTokenProvider(), timeoutMs, signal: o.signal, apiName: 'BigQuery' }) };
  };
  const contexts: Record<PrepareStepName, () => Promise<Partial<PrepareContext> | string>> = { database: mysqlCtx, warehouse: warehouseCtx, messaging: pubsubCtx, redis: redisCtx };

  const runOne = async (step: PrepareStep): Promise<Check[]> => {
    try {
      const extra = await contexts[step.name]();
      if (typeof extra === 'string') return [skip(step.name, step.title, extra)];
      const checks = await step.check({ answers: a, options: { expectPrepared: true }, timeoutMs, signal: o.signal, ...extra });
      // A reachable Redis: how full it is and how long the never-trimmed event streams are.
      if (step.name === 'redis' && extra.redis) checks.push(...(await redisUsageChecks(extra.redis, a)));
      return checks;
    } catch (e) {
      return [{ category: step.name, id: `${step.name}.doctor`, title: step.title, status: 'fail', detail: (e as Error).message, hint: (e as { hint?: string }).hint }];
    }
  };
  return (await Promise.all(prepareSteps(a).map(runOne))).flat();
}
