// Real servers for the prepare tests, on 127.0.0.1, free ports, temp dirs. A missing binary is
// reported by `missing` so the suite can warn and skip instead of passing silently.
import { execFile, execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import type { Answers, AnswersInput } from '../../src/answers/schema.js';
import { AnswersSchema } from '../../src/answers/schema.js';

export function which(bin: string): string | undefined {
  try {
    return execFileSync('sh', ['-c', 'command -v "$1"', 'sh', bin], { encoding: 'utf8' }).trim() || undefined;
  } catch {
    return undefined;
  }
}

import { freePort } from '../helpers/ports.js';

export { freePort };

/**
 * A port where nothing listens until open() is called; then it forwards to the real server. Stands
 * in for an in-cluster server that is still rolling out when its prepare Job starts.
 */
export async function lateServer(targetPort: number): Promise<{ port: number; open(): Promise<void>; close(): Promise<void> }> {
  const { createConnection, createServer } = await import('node:net');
  const port = await freePort();
  const sockets = new Set<import('node:net').Socket>();
  const server = createServer((client) => {
    const upstream = createConnection({ host: '127.0.0.1', port: targetPort });
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('error', () => s.destroy());
      s.on('close', () => sockets.delete(s));
    }
    client.pipe(upstream).pipe(client);
  });
  return {
    port,
    open: () => new Promise((resolve) => server.listen(port, '127.0.0.1', () => resolve())),
    close: () =>
      new Promise((resolve) => {
        for (const s of sockets) s.destroy();
        if (!server.listening) return resolve();
        server.close(() => resolve());
      }),
  };
}

/** Runs a prepare Job script here with sh; resolves its stdout (the protocol lines) whatever its exit code. */
export function runJobScript(script: string, files: Record<string, string>, env: Record<string, string>): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'bkt-job-'));
  for (const [f, text] of Object.entries({ 'run.sh': script, ...files })) writeFileSync(join(dir, f), text);
  return new Promise<string>((resolve) =>
    execFile('sh', [join(dir, 'run.sh')], { encoding: 'utf8', env: { PATH: process.env.PATH, PREPARE_DIR: dir, TMPDIR: dir, ...env } }, (_err, stdout) => {
      rmSync(dir, { recursive: true, force: true });
      resolve(String(stdout));
    }),
  );
}

async function waitFor(what: string, probe: () => Promise<boolean>, timeoutMs: number, proc?: ChildProcess): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    if (proc && proc.exitCode !== null) throw new Error(`${what} exited with ${proc.exitCode} before it was ready`);
    if (await probe().catch(() => false)) return;
    await new Promise((r) => setTimeout(r, 150));
  }
  throw new Error(`${what} not ready within ${timeoutMs / 1000}s`);
}

export interface Peer {
  port: number;
  dir: string;
  stop(): Promise<void>;
}

function stopper(proc: ChildProcess, dir: string) {
  return async () => {
    if (proc.exitCode === null) {
      const done = new Promise((r) => proc.once('exit', r));
      proc.kill('SIGTERM');
      await Promise.race([done, new Promise((r) => setTimeout(r, 5000))]);
      if (proc.exitCode === null) proc.kill('SIGKILL');
    }
    rmSync(dir, { recursive: true, force: true });
  };
}

/** A throwaway self-signed certificate and key (openssl), for servers that speak TLS. */
export function selfSignedCert(dir: string): { cert: string; key: string } {
  const cert = join(dir, 'cert.pem');
  const key = join(dir, 'key.pem');
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert, '-days', '1', '-subj', '/CN=localhost'], { stdio: 'pipe' });
  return { cert, key };
}
export const opensslMissing = () => (!which('openssl') ? 'openssl not installed (apt-get install openssl)' : undefined);

export const mariadbMissing = () => (!which('mariadbd') || !which('mariadb-install-db') ? 'mariadbd or mariadb-install-db not installed (apt-get install mariadb-server)' : undefined);

/** MariaDB with binary logging on (so log_bin_trust_function_creators matters), root without password. */
export async function startMariadb(opts: { requireSecureTransport?: boolean } = {}): Promise<Peer & { socket: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'bkt-mariadb-'));
  // require_secure_transport needs TLS configured; the Unix socket still counts as secure, so the
  // readiness check and test setup keep working through it.
  const tls = opts.requireSecureTransport ? selfSignedCert(dir) : undefined;
  const data = join(dir, 'data');
  const user = userInfo().username;
  execFileSync('mariadb-install-db', ['--no-defaults', `--datadir=${data}`, `--user=${user}`, '--auth-root-authentication-method=normal', '--skip-test-db'], { stdio: 'pipe' });
  const port = await freePort();
  const socket = join(dir, 'sock');
  const proc = spawn(
    'mariadbd',
    [
      '--no-defaults',
      `--datadir=${data}`,
      `--socket=${socket}`,
      `--port=${port}`,
      '--bind-address=127.0.0.1',
      `--user=${user}`,
      `--log-bin=${join(dir, 'binlog')}`,
      '--server-id=1',
      '--skip-name-resolve',
      `--pid-file=${join(dir, 'pid')}`,
      `--log-error=${join(dir, 'error.log')}`,
      '--innodb-buffer-pool-size=32M',
      '--log-bin-trust-function-creators=0',
      ...(tls ? [`--ssl-cert=${tls.cert}`, `--ssl-key=${tls.key}`, '--require-secure-transport=ON'] : []),
    ],
    { stdio: 'ignore' },
  );
  const mysql = await import('mysql2/promise');
  await waitFor(
    'mariadbd',
    async () => {
      const c = await mysql.createConnection({ socketPath: socket, user: 'root', password: '' });
      await c.end();
      return true;
    },
    30_000,
    proc,
  );
  return { port, dir, socket, stop: stopper(proc, dir) };
}

export const redisMissing = () => (!which('redis-server') ? 'redis-server not installed (apt-get install redis-server)' : undefined);

export interface RedisPeerOptions {
  /** AUTH required (requirepass). */
  requirepass?: string;
  /** Only a TLS port (throwaway certificate), no plain port. */
  tlsOnly?: boolean;
  /** cluster-enabled yes (INFO cluster then reports cluster_enabled:1). */
  cluster?: boolean;
}

export async function startRedis(policy: string, opts: RedisPeerOptions = {}): Promise<Peer> {
  const dir = mkdtempSync(join(tmpdir(), 'bkt-redis-'));
  const port = await freePort();
  const args = ['--bind', '127.0.0.1', '--dir', dir, '--save', '', '--appendonly', 'no', '--maxmemory-policy', policy];
  let tls: { cert: string; key: string } | undefined;
  if (opts.tlsOnly) {
    tls = selfSignedCert(dir);
    args.push('--port', '0', '--tls-port', String(port), '--tls-cert-file', tls.cert, '--tls-key-file', tls.key, '--tls-auth-clients', 'no');
  } else args.push('--port', String(port));
  if (opts.requirepass) args.push('--requirepass', opts.requirepass);
  if (opts.cluster) args.push('--cluster-enabled', 'yes', '--cluster-config-file', join(dir, 'nodes.conf'));
  const proc = spawn('redis-server', args, { stdio: 'ignore' });
  const { Redis } = await import('ioredis');
  await waitFor(
    'redis-server',
    async () => {
      const c = new Redis({
        port,
        host: '127.0.0.1',
        lazyConnect: true,
        retryStrategy: () => null,
        maxRetriesPerRequest: 0,
        password: opts.requirepass,
        tls: tls ? { rejectUnauthorized: false } : undefined,
      });
      c.on('error', () => {});
      try {
        await c.connect();
        return (await c.ping()) === 'PONG';
      } finally {
        c.disconnect();
      }
    },
    10_000,
    proc,
  );
  return { port, dir, stop: stopper(proc, dir) };
}

export const PUBSUB_EMULATOR = '/usr/lib/google-cloud-sdk/platform/pubsub-emulator/bin/cloud-pubsub-emulator';
export const pubsubMissing = () => {
  if (!which('java')) return 'java not installed (the Pub/Sub emulator needs it)';
  try {
    execFileSync('test', ['-x', PUBSUB_EMULATOR]);
  } catch {
    return `Pub/Sub emulator not found at ${PUBSUB_EMULATOR} (gcloud components install pubsub-emulator)`;
  }
  return undefined;
};

export async function startPubsubEmulator(): Promise<Peer & { baseUrl: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'bkt-pubsub-'));
  const port = await freePort();
  const proc = spawn(PUBSUB_EMULATOR, ['--host=127.0.0.1', `--port=${port}`], { stdio: 'ignore', cwd: dir, detached: false });
  const baseUrl = `http://127.0.0.1:${port}`;
  await waitFor('Pub/Sub emulator', async () => (await fetch(baseUrl, { signal: AbortSignal.timeout(1000) })).ok, 30_000, proc);
  return { port, dir, baseUrl, stop: stopper(proc, dir) };
}

/** The checks of the database prepare step, in the order it reports them. */
export const DATABASE_CHECK_IDS = ['database.exists', 'database.warehouse-exists', 'database.log-bin-trust-function-creators', 'database.grants'];

/** A valid answers object; `over` replaces top-level sections. */
export function answers(over: Partial<AnswersInput> = {}): Answers {
  const base: AnswersInput = {
    version: 1,
    platform: 'other',
    database: { mode: 'external', host: '127.0.0.1', port: 3306, name: 'bucketeer', user: 'bucketeer', password: { env: 'BKT_DB_PASSWORD' } },
    redis: { mode: 'external', addr: '127.0.0.1:6379' },
    messaging: { backend: 'redis-stream', ordering: 'per-partition', partitions: 16 },
    warehouse: { type: 'mysql' },
    ingress: { webHost: 'web.example.com', apiHost: 'api.example.com' },
    auth: { demoSignIn: { enabled: true, email: 'demo@example.com', password: { env: 'BKT_DEMO_PASSWORD' } } },
  };
  return AnswersSchema.parse({ ...base, ...over });
}

export const gcpAnswers = (over: Partial<AnswersInput> = {}): Answers =>
  answers({
    platform: 'gcp',
    gcp: { project: 'bkt-test-proj', region: 'asia-northeast1' },
    ingress: { webHost: 'web.example.com', apiHost: 'api.example.com', staticIPNames: { web: 'bkt-web', api: 'bkt-api' } },
    messaging: { backend: 'google-pubsub', ordering: 'per-key' },
    ...over,
  });
