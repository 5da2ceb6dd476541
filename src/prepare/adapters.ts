// Real adapters for the prepare context: MySQL (mysql2), Redis (ioredis), JSON REST with an
// optional bearer token (Pub/Sub, BigQuery). Client libraries load lazily so the CLI entry stays
// light. Every call has a timeout and says which server did not answer.
import type { Answers } from '../answers/schema.js';
import { EnvironmentError } from '../errors.js';
import { MYSQL_MAY_NEED_TLS, mysqlRefusal, REDIS_CLOSED, redisRefusal, redisOverTls, TransportRefused } from './transport.js';
import { DEFAULT_TIMEOUT_MS, type RedisConnection, type RestClient, type RestResponse, type SqlConnection } from './types.js';

const seconds = (ms: number) => (ms < 1000 ? `${ms}ms` : `${Math.round(ms / 1000)}s`);

export interface MysqlTarget {
  host: string;
  port: number;
  user: string;
  password: string;
  timeoutMs?: number;
  /** Unix socket instead of host/port (tests). */
  socketPath?: string;
  /** For the fix named when the server refuses a connection without TLS (platform, user). */
  answers?: Answers;
}

/**
 * After a refused plain login: a TLS connection, only to read why (MariaDB reports a server with
 * require_secure_transport=ON as "Access denied"). Never used for the checks themselves.
 */
async function mysqlOverTls(t: MysqlTarget, timeout: number): Promise<{ connected: boolean; requireSecureTransport?: string }> {
  const mysql = await import('mysql2/promise');
  let conn: import('mysql2/promise').Connection | undefined;
  try {
    conn = await mysql.createConnection({ host: t.host, port: t.port, user: t.user, password: t.password, connectTimeout: timeout, ssl: { rejectUnauthorized: false } });
  } catch {
    return { connected: false };
  }
  try {
    const [rows] = await conn.query({ sql: 'SELECT @@GLOBAL.require_secure_transport AS v', timeout });
    const v = Array.isArray(rows) ? (rows[0] as { v?: unknown } | undefined)?.v : undefined;
    return { connected: true, requireSecureTransport: v === undefined || v === null ? undefined : String(v) };
  } catch {
    // Servers older than MySQL 5.7.8 / MariaDB 10.5.2 have no such variable.
    return { connected: true };
  } finally {
    await conn.end().catch(() => conn!.destroy());
  }
}

export function mysqlConnector(t: MysqlTarget): () => Promise<SqlConnection> {
  const timeout = t.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const where = t.socketPath ?? `${t.host}:${t.port}`;
  return async () => {
    const mysql = await import('mysql2/promise');
    let conn: import('mysql2/promise').Connection;
    try {
      // No `ssl` option: mysql2 then never negotiates TLS, like Bucketeer's DSN without tls=.
      conn = await mysql.createConnection({
        host: t.host,
        port: t.port,
        socketPath: t.socketPath,
        user: t.user,
        password: t.password,
        connectTimeout: timeout,
        // Several result sets are never needed; one statement per query keeps errors attributable.
        multipleStatements: false,
      });
    } catch (err) {
      const message = (err as Error).message;
      if (!t.socketPath && MYSQL_MAY_NEED_TLS.test(message)) {
        const refusal = mysqlRefusal(message, await mysqlOverTls(t, timeout), t.answers ?? answersForHints(t.user), where);
        if (refusal) throw new TransportRefused(refusal);
      }
      throw new EnvironmentError(
        `cannot connect to MySQL at ${where} as ${t.user}: ${message}`,
        'check database.host, database.port, database.user and the password; a private database is checked from inside the cluster instead',
      );
    }
    return {
      async query(sql, params) {
        try {
          const [rows] = await conn.query({ sql, timeout, values: params });
          return Array.isArray(rows) ? (rows as Record<string, unknown>[]) : [];
        } catch (err) {
          const e = err as { code?: string; message: string };
          if (e.code === 'PROTOCOL_SEQUENCE_TIMEOUT') throw new EnvironmentError(`MySQL at ${where} did not answer within ${seconds(timeout)}`, 'check that the server is up and not overloaded');
          throw err;
        }
      },
      async close() {
        await conn.end().catch(() => conn.destroy());
      },
    };
  };
}

/** Without answers, the hints are the self-managed ones. */
function answersForHints(user: string): Answers {
  return { platform: 'other', database: { mode: 'external', user } } as Answers;
}

export interface RedisTarget {
  /** HOST:PORT */
  addr: string;
  timeoutMs?: number;
  /** For the fix named when the server wants TLS or AUTH (platform). */
  answers?: Answers;
}

export function redisConnector(t: RedisTarget): () => Promise<RedisConnection> {
  const timeout = t.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const i = t.addr.lastIndexOf(':');
  const host = t.addr.slice(0, i);
  const port = Number(t.addr.slice(i + 1));
  return async () => {
    const { Redis } = await import('ioredis');
    // Like Bucketeer: no TLS, no password. No ready check either: it would hide the server's
    // NOAUTH reply behind "Connection is closed"; the PING below surfaces it.
    const client = new Redis({
      host,
      port,
      lazyConnect: true,
      enableReadyCheck: false,
      connectTimeout: timeout,
      commandTimeout: timeout,
      maxRetriesPerRequest: 0,
      // One attempt: a check should report, not retry forever.
      retryStrategy: () => null,
    });
    client.on('error', () => {});
    try {
      await client.connect();
      await client.call('PING');
    } catch (err) {
      client.disconnect();
      const message = (err as Error).message;
      const tls = REDIS_CLOSED.test(message) ? await redisOverTls(host, port, timeout) : undefined;
      const refusal = redisRefusal(message, tls, t.answers ?? ({ platform: 'other' } as Answers), t.addr);
      if (refusal) throw new TransportRefused(refusal);
      throw new EnvironmentError(`cannot connect to Redis at ${t.addr}: ${message}`, 'check redis.addr; a private Redis is checked from inside the cluster instead');
    }
    return {
      async command(...args) {
        try {
          return await client.call(args[0], ...args.slice(1));
        } catch (err) {
          if (/timed? ?out/i.test((err as Error).message)) throw new EnvironmentError(`Redis at ${t.addr} did not answer within ${seconds(timeout)}`, 'check that the server is up');
          throw err;
        }
      },
      async close() {
        await client.quit().catch(() => client.disconnect());
      },
    };
  };
}

export type TokenProvider = () => Promise<string | undefined>;

/** Application Default Credentials (gcloud auth application-default login, Workload Identity). */
export function googleTokenProvider(): TokenProvider {
  let auth: import('google-auth-library').GoogleAuth | undefined;
  return async () => {
    if (!auth) {
      const { GoogleAuth } = await import('google-auth-library');
      auth = new GoogleAuth({ scopes: ['https://www.googleapis.com/auth/cloud-platform'] });
    }
    try {
      return (await auth.getAccessToken()) ?? undefined;
    } catch (err) {
      throw new EnvironmentError(`no Google credentials: ${(err as Error).message}`, 'run `gcloud auth application-default login` (or set GOOGLE_APPLICATION_CREDENTIALS)');
    }
  };
}

export interface RestClientOptions {
  baseUrl: string;
  token?: TokenProvider;
  timeoutMs?: number;
  signal?: AbortSignal;
  /** Names the API in messages, e.g. "Pub/Sub". */
  apiName?: string;
}

export function restClient(o: RestClientOptions): RestClient {
  const timeout = o.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const api = o.apiName ?? o.baseUrl;
  const base = o.baseUrl.replace(/\/+$/, '');
  return {
    baseUrl: base,
    async request(method, path, body): Promise<RestResponse> {
      const token = o.token ? await o.token() : undefined;
      const headers: Record<string, string> = { accept: 'application/json' };
      if (body !== undefined) headers['content-type'] = 'application/json';
      if (token) headers.authorization = `Bearer ${token}`;
      const timer = AbortSignal.timeout(timeout);
      const signal = o.signal ? AbortSignal.any([o.signal, timer]) : timer;
      let res: Response;
      try {
        res = await fetch(`${base}${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), signal });
      } catch (err) {
        if (timer.aborted) throw new EnvironmentError(`${api} did not answer ${method} ${path} within ${seconds(timeout)}`, `check the network path to ${base}`);
        if (o.signal?.aborted) throw err;
        throw new EnvironmentError(`cannot reach ${api} at ${base}: ${(err as Error).message}`, `check the network path to ${base}`);
      }
      const text = await res.text();
      let parsed: unknown;
      try {
        parsed = text ? JSON.parse(text) : undefined;
      } catch {
        parsed = undefined;
      }
      return { status: res.status, body: parsed };
    },
  };
}

/** The error message of a Google API error body, or the HTTP status. */
export function apiErrorMessage(res: RestResponse): string {
  const m = res.body?.error?.message;
  return typeof m === 'string' && m ? `HTTP ${res.status}: ${m}` : `HTTP ${res.status}`;
}
