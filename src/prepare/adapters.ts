// Real adapters for the prepare context: MySQL (mysql2), Redis (ioredis), JSON REST with an
// optional bearer token (Pub/Sub, BigQuery). Client libraries load lazily so the CLI entry stays
// light. Every call has a timeout and says which server did not answer.
import { EnvironmentError } from '../errors.js';
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
}

export function mysqlConnector(t: MysqlTarget): () => Promise<SqlConnection> {
  const timeout = t.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const where = t.socketPath ?? `${t.host}:${t.port}`;
  return async () => {
    const mysql = await import('mysql2/promise');
    let conn: import('mysql2/promise').Connection;
    try {
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
      throw new EnvironmentError(
        `cannot connect to MySQL at ${where} as ${t.user}: ${(err as Error).message}`,
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

export interface RedisTarget {
  /** HOST:PORT */
  addr: string;
  password?: string;
  timeoutMs?: number;
}

export function redisConnector(t: RedisTarget): () => Promise<RedisConnection> {
  const timeout = t.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const i = t.addr.lastIndexOf(':');
  const host = t.addr.slice(0, i);
  const port = Number(t.addr.slice(i + 1));
  return async () => {
    const { Redis } = await import('ioredis');
    const client = new Redis({
      host,
      port,
      password: t.password,
      lazyConnect: true,
      connectTimeout: timeout,
      commandTimeout: timeout,
      maxRetriesPerRequest: 0,
      // One attempt: a check should report, not retry forever.
      retryStrategy: () => null,
    });
    client.on('error', () => {});
    try {
      await client.connect();
    } catch (err) {
      client.disconnect();
      throw new EnvironmentError(`cannot connect to Redis at ${t.addr}: ${(err as Error).message}`, 'check redis.addr; a private Redis is checked from inside the cluster instead');
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
