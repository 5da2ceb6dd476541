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
import { clusterModeCheck, infoFields } from '../prepare/redis.js';
import { TransportRefused } from '../prepare/transport.js';
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
    return { mysql: mysqlConnector({ host: a.database.host!, port: a.database.port, user: a.database.user, password, timeoutMs, answers: a }) };
  };
  const redisCtx = async (): Promise<Partial<PrepareContext> | string> => {
    if (a.redis.mode === 'in-cluster') return `the in-cluster Redis is ${IN_CLUSTER_ONLY}`;
    const { host, port } = splitAddr(ep.redisAddr);
    if (!(await reach(host, port, timeoutMs))) return unreachable(`Redis ${ep.redisAddr}`);
    return { redis: redisConnector({ addr: ep.redisAddr, timeoutMs, answers: a }) };
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

const mysqlTitle = 'MySQL accepts Bucketeer\'s connection (no TLS)';
const redisTitle = 'Redis accepts Bucketeer\'s connection (no TLS, no AUTH)';

/**
 * Before an install (doctor --pre, install's preflight): connect to the external MySQL and Redis
 * the way Bucketeer v2.3.0 does (MySQL without TLS, Redis without TLS or AUTH) and read
 * require_secure_transport and the Redis cluster mode. Read-only. A server this machine cannot
 * reach is skipped with the reason; install's prepare Jobs check it from inside the cluster.
 */
export async function connectionChecks(o: DoctorPrepareOptions): Promise<Check[]> {
  const a = o.answers;
  const timeoutMs = o.timeoutMs ?? 5_000;
  const reach = o.reachable ?? tcpReachable;
  const inClusterJob = 'install\'s prepare Job checks it from inside the cluster';
  // Only a server that answered and refused fails here; anything else (no answer, a wrong password)
  // is left to the prepare steps, which report it with its own fix.
  const failed = (category: string, title: string, e: unknown): Check =>
    e instanceof TransportRefused
      ? { category, id: `${category}.transport`, title, status: 'fail', detail: e.message, hint: e.hint, facts: { cause: e.refusal.cause } }
      : { category, id: `${category}.transport`, title, status: 'warn', detail: `could not check it from here: ${(e as Error).message}`, hint: `${(e as { hint?: string }).hint ?? 'check the address'}; ${inClusterJob}` };

  const mysql = async (): Promise<Check[]> => {
    const category = 'database';
    const skipped = (detail: string): Check[] => [{ category, id: `${category}.transport`, title: mysqlTitle, status: 'skip', detail }];
    if (a.database.mode === 'in-cluster') return skipped('the in-cluster MySQL is deployed by the installer without TLS');
    const where = `${a.database.host}:${a.database.port}`;
    if (!(await reach(a.database.host!, a.database.port, timeoutMs))) return skipped(`MySQL ${where} is not reachable from this machine (a private network?); ${inClusterJob}`);
    let password: string;
    try {
      password = await resolveSecretRef(a.database.password!, 'database.password', o.sources);
    } catch (e) {
      return skipped(`cannot read the password here (${(e as Error).message}); ${inClusterJob}`);
    }
    try {
      const conn = await mysqlConnector({ host: a.database.host!, port: a.database.port, user: a.database.user, password, timeoutMs, answers: a })();
      try {
        const rows = await conn.query('SELECT @@GLOBAL.require_secure_transport AS v').catch(() => undefined);
        const rst = rows?.[0]?.v;
        const read = rst === undefined || rst === null ? 'the server has no require_secure_transport (older than MySQL 5.7.8 / MariaDB 10.5.2)' : `require_secure_transport is ${/^(1|on)$/i.test(String(rst)) ? 'ON' : 'OFF'}`;
        return [{ category, id: `${category}.transport`, title: mysqlTitle, status: 'pass', detail: `connected to ${where} as ${a.database.user} without TLS, as Bucketeer v2.3.0 does; ${read}`, facts: { requireSecureTransport: rst === undefined || rst === null ? undefined : String(rst) } }];
      } finally {
        await conn.close();
      }
    } catch (e) {
      return [failed(category, mysqlTitle, e)];
    }
  };

  const redis = async (): Promise<Check[]> => {
    const category = 'redis';
    const skipped = (detail: string): Check[] => [{ category, id: `${category}.transport`, title: redisTitle, status: 'skip', detail }];
    if (a.redis.mode === 'in-cluster') return skipped('the in-cluster Redis is deployed by the installer without TLS or AUTH');
    const addr = endpointsFor(a).redisAddr;
    const host = addr.slice(0, addr.lastIndexOf(':'));
    const port = Number(addr.slice(addr.lastIndexOf(':') + 1));
    if (!(await reach(host, port, timeoutMs))) return skipped(`Redis ${addr} is not reachable from this machine (a private network?); ${inClusterJob}`);
    try {
      const conn = await redisConnector({ addr, timeoutMs, answers: a })();
      try {
        const out: Check[] = [{ category, id: `${category}.transport`, title: redisTitle, status: 'pass', detail: `PING to ${addr} without TLS or AUTH answered, as Bucketeer v2.3.0 connects` }];
        const cluster = clusterModeCheck(infoFields(String(await conn.command('INFO', 'cluster'))).get('cluster_enabled'), a);
        if (cluster) out.push(cluster);
        return out;
      } finally {
        await conn.close();
      }
    } catch (e) {
      return [failed(category, redisTitle, e)];
    }
  };
  return (await Promise.all([mysql(), redis()])).flat();
}
