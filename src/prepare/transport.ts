// How Bucketeer v2.3.0 connects to its middleware, and what a server that insists on more says.
// MySQL: the services build a DSN with only `collation=utf8mb4_bin` and no TLS config, and a
// failed start-up ping ends the service. Redis: the client has no TLS option and never sends a
// password (its password option has no caller). The checks connect the same way, so a server that
// requires TLS or AUTH fails here, and these functions name that cause instead of "check the
// address".
import type { Answers } from '../answers/schema.js';
import type { Check } from '../checks/types.js';
import { EnvironmentError } from '../errors.js';
import { endpointsFor } from '../plan/values.js';
import { platformById } from '../platforms/index.js';

export interface Refusal {
  /** Short name of the cause, for facts and tests. */
  cause: 'secure-transport' | 'tls-account' | 'redis-auth' | 'redis-tls';
  detail: string;
  hint: string;
}

/** A server that answered and refused Bucketeer's kind of connection (not a network problem). */
export class TransportRefused extends EnvironmentError {
  constructor(readonly refusal: Refusal) {
    super(refusal.detail, refusal.hint);
  }
}

// ---------- MySQL ----------

/** MySQL's ER_SECURE_TRANSPORT_REQUIRED (3159); MariaDB answers "Access denied" instead. */
const INSECURE_TRANSPORT = /insecure transport|require_secure_transport|secure transport/i;
/** Errors after which a TLS connection may tell more (MariaDB hides the cause in 1045). */
export const MYSQL_MAY_NEED_TLS = /Access denied|insecure transport|secure transport|SSL connection is required|requires? (SSL|TLS)/i;

type Platform = Answers['platform'];

/** The fix for require_secure_transport=ON; `managed`: the server is the cloud's (not in-cluster). */
export function requireSecureTransportHint(platform: Platform, managed = true): string {
  const cloud = managed ? platformById(platform).hints.mysqlRequireSecureTransport : undefined;
  if (cloud) return cloud;
  return 'as an admin run SET PERSIST require_secure_transport = OFF (MariaDB: SET GLOBAL require_secure_transport = OFF and require_secure_transport = OFF under [mysqld] in my.cnf); keep the server on a private network';
}

/**
 * Why a MySQL connection without TLS was refused, when the cause is TLS.
 * message: the error of the plain connection; tls: what a diagnostic TLS connection found
 * (connected, and the server's require_secure_transport as it reports it).
 */
export function mysqlRefusal(message: string, tls: { connected: boolean; requireSecureTransport?: string } | undefined, a: Answers, where: string): Refusal | undefined {
  const why = `Bucketeer v2.3.0 connects to MySQL without TLS (its DSN has no tls parameter), so every service would fail its start-up ping`;
  const rst = tls?.requireSecureTransport;
  if (INSECURE_TRANSPORT.test(message) || (tls?.connected && rst !== undefined && /^(1|on)$/i.test(rst.trim()))) {
    return { cause: 'secure-transport', detail: `MySQL at ${where} requires secure transport (require_secure_transport=ON) and refused a connection without TLS: ${why}`, hint: requireSecureTransportHint(a.platform, a.database.mode === 'external') };
  }
  if (tls?.connected) {
    return {
      cause: 'tls-account',
      detail: `MySQL at ${where} accepts ${a.database.user} over TLS but refused the same login without TLS (the account requires SSL or X509): ${why}`,
      hint: `as an admin run: ALTER USER '${a.database.user}'@'%' REQUIRE NONE; (use the account's host from SELECT user, host FROM mysql.user)`,
    };
  }
  return undefined;
}

/**
 * A prepare run's connection failure as the cause when it is TLS: the `var tls_connected` and
 * `var tls_require_secure_transport` facts come from the Job's diagnostic TLS login.
 */
export function mysqlTransportCheck(category: string, vars: Map<string, string>, message: string, a: Answers): Check | undefined {
  const ep = endpointsFor(a);
  const tls = vars.has('tls_connected') ? { connected: true, requireSecureTransport: vars.get('tls_require_secure_transport') } : undefined;
  const refusal = mysqlRefusal(message, tls, a, `${ep.mysqlHost}:${ep.mysqlPort}`);
  if (!refusal) return undefined;
  return { category, id: `${category}.transport`, title: 'MySQL accepts Bucketeer\'s connection (no TLS)', status: 'fail', detail: refusal.detail, hint: refusal.hint, facts: { cause: refusal.cause } };
}

// ---------- Redis ----------

export const REDIS_WHY_AUTH = 'Bucketeer v2.3.0 never sends a password (pkg/redis/v3/redis.go)';
const NOAUTH = /NOAUTH|-?ERR AUTH|Authentication required|WRONGPASS|invalid password|-NOPERM/i;
/** What a plain client sees from a TLS-only port: the server drops the connection. */
export const REDIS_CLOSED = /ECONNRESET|Connection reset|Connection is closed|Server closed the connection|socket hang up|EOF|closed the connection/i;

export function redisAuthHint(platform: Platform): string {
  const cloud = platformById(platform).hints.redisAuthOff;
  if (cloud) return `${cloud}, or use in-cluster Redis (redis.mode: in-cluster)`;
  return 'turn AUTH off (remove requirepass; keep Redis on a private network), or use in-cluster Redis (redis.mode: in-cluster)';
}

export function redisTlsHint(platform: Platform): string {
  const cloud = platformById(platform).hints.redisTlsOff;
  if (cloud) return `${cloud}, or use in-cluster Redis (redis.mode: in-cluster)`;
  return 'open a plain (non-TLS) port on the server (port N with tls-port), or use in-cluster Redis (redis.mode: in-cluster)';
}

/**
 * Why a Redis connection without TLS or AUTH failed, when the cause is one of those.
 * tlsProtocol: set when Redis answered over TLS on the same port (e.g. "TLSv1.3").
 */
export function redisRefusal(message: string, tlsProtocol: string | undefined, a: Answers, where: string): Refusal | undefined {
  if (NOAUTH.test(message)) {
    return { cause: 'redis-auth', detail: `Redis at ${where} requires AUTH (${message.trim()}); ${REDIS_WHY_AUTH}`, hint: redisAuthHint(a.platform) };
  }
  if (tlsProtocol) {
    return {
      cause: 'redis-tls',
      detail: `Redis at ${where} speaks only TLS (it answered over ${tlsProtocol}; a plain connection was dropped: ${message.trim()}); Bucketeer v2.3.0's Redis client has no TLS option (pkg/redis/v3/redis.go)`,
      hint: redisTlsHint(a.platform),
    };
  }
  return undefined;
}

/**
 * Whether the port speaks Redis over TLS: a TLS handshake (certificate not verified: only the
 * protocol matters) and a Redis reply to PING through it (+PONG, or an error such as -NOAUTH). A
 * middlebox that completes handshakes for any address gives no Redis reply, so it is not taken for
 * a TLS-only Redis. Resolves the TLS protocol version, or undefined.
 */
export async function redisOverTls(host: string, port: number, timeoutMs: number): Promise<string | undefined> {
  const { connect } = await import('node:tls');
  return new Promise((resolve) => {
    const socket = connect({ host, port, rejectUnauthorized: false, servername: /^[\d.:]+$/.test(host) ? undefined : host });
    const done = (v: string | undefined) => {
      socket.destroy();
      resolve(v);
    };
    socket.setTimeout(timeoutMs, () => done(undefined));
    socket.once('secureConnect', () => socket.write('PING\r\n'));
    socket.once('data', (d: Buffer) => done(/^[+-]/.test(d.toString('latin1')) ? (socket.getProtocol() ?? 'TLS') : undefined));
    socket.once('error', () => done(undefined));
    socket.once('close', () => done(undefined));
  });
}
