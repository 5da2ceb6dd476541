// Local protocol peers for the probe tests: moto_server, the Pub/Sub emulator, and small HTTP
// servers of our own. Every server binds 127.0.0.1 on a free port and is stopped by its owner.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { createServer, request, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { freePort } from '../helpers/ports.js';

export { freePort };

export async function waitForPort(port: number, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const ok = await new Promise<boolean>((resolve) => {
      const sock = connect(port, '127.0.0.1');
      sock.once('connect', () => {
        sock.destroy();
        resolve(true);
      });
      sock.once('error', () => resolve(false));
    });
    if (ok) return true;
    await new Promise((r) => setTimeout(r, 100));
  }
  return false;
}

export interface Peer {
  url: string;
  port: number;
  stop(): Promise<void>;
}

function hasBinary(bin: string): boolean {
  return spawnSync('sh', ['-c', 'command -v "$0"', bin], { stdio: 'ignore' }).status === 0;
}

export const motoAvailable = hasBinary('moto_server');
export const PUBSUB_EMULATOR = '/usr/lib/google-cloud-sdk/platform/pubsub-emulator/bin/cloud-pubsub-emulator';
export const pubsubAvailable = existsSync(PUBSUB_EMULATOR) && hasBinary('java');

async function startProcess(bin: string, args: string[], port: number, readyMs: number, cwd?: string): Promise<Peer> {
  const child: ChildProcess = spawn(bin, args, { stdio: 'ignore', cwd, detached: false });
  const ok = await waitForPort(port, readyMs);
  if (!ok) {
    child.kill('SIGKILL');
    throw new Error(`${bin} did not listen on 127.0.0.1:${port} within ${readyMs} ms`);
  }
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
        setTimeout(() => child.kill('SIGKILL'), 3000).unref();
      }),
  };
}

export async function startMoto(): Promise<Peer> {
  const port = await freePort();
  return startProcess('moto_server', ['-p', String(port), '-H', '127.0.0.1'], port, 20_000, mkdtempSync(join(tmpdir(), 'moto-')));
}

export async function startPubsubEmulator(): Promise<Peer> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'pubsub-'));
  return startProcess(PUBSUB_EMULATOR, ['--host=127.0.0.1', `--port=${port}`, `--dir=${dir}`], port, 30_000, dir);
}

export type Handler = (req: IncomingMessage, body: string, res: ServerResponse) => void | Promise<void>;

/** A small HTTP server; `delayMs` holds every answer back (latency injection), `hang` never answers. */
export async function startHttp(handler: Handler, opts: { delayMs?: number } = {}): Promise<Peer & { server: Server; setDelay(ms: number): void; requests: string[] }> {
  let delay = opts.delayMs ?? 0;
  const requests: string[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (d) => (body += d));
    req.on('end', () => {
      requests.push(`${req.method} ${req.url}`);
      setTimeout(() => {
        Promise.resolve(handler(req, body, res)).catch((err) => {
          res.statusCode = 500;
          res.end(String(err));
        });
      }, delay);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    server,
    requests,
    setDelay: (ms) => (delay = ms),
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A server that accepts connections and never answers: the "peer that hangs". */
export async function startSilent(): Promise<Peer> {
  const server = createServer(() => {
    /* never answer */
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Forwards to `target`, answering some requests itself and delaying all by `delayMs`. */
export async function startProxy(target: string, opts: { delayMs?: number; intercept?: (req: IncomingMessage, body: string, res: ServerResponse) => boolean } = {}) {
  const t = new URL(target);
  return startHttp(
    (req, body, res) =>
      new Promise<void>((resolve) => {
        if (opts.intercept?.(req, body, res)) return resolve();
        const up = request({ host: t.hostname, port: t.port, method: req.method, path: req.url, headers: { ...req.headers, host: t.host } }, (r) => {
          res.writeHead(r.statusCode ?? 502, r.headers);
          r.pipe(res);
          r.on('end', resolve);
        });
        up.on('error', (err) => {
          res.statusCode = 502;
          res.end(String(err));
          resolve();
        });
        up.end(body);
      }),
    { delayMs: opts.delayMs },
  );
}

export function json(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify(body));
}

/** What the GCP IAM fake holds; tests change it between runs. */
export interface GcpIamState {
  /** IAM policy of each Google service account, by email; a missing entry answers 404. */
  serviceAccountPolicies: Record<string, { bindings: { role: string; members: string[]; condition?: unknown }[] }>;
  /** Project IAM policy, by project; a missing entry answers 403 (the caller may not read it). */
  projectPolicies: Record<string, { bindings: { role: string; members: string[] }[] }>;
  /** Whether the operator may mint tokens for a service account (iamcredentials generateAccessToken). */
  impersonation: Record<string, boolean>;
  /** Permissions each service account holds on a project, as testIamPermissions answers them. */
  projectPermissions: Record<string, string[]>;
  /** Permissions each service account holds on a topic ("project/topic"); a topic absent answers 404. */
  topicPermissions: Record<string, Record<string, string[]>>;
  /** BigQuery datasets ("project/dataset") with their access lists; 'denied': the operator may not read it. */
  datasets: Record<string, { access: { role: string; userByEmail?: string; iamMember?: string }[] } | 'denied'>;
}

/**
 * A local server for the GCP IAM surfaces the Workload Identity check uses, on their REST paths:
 * iam `serviceAccounts:getIamPolicy`, iamcredentials `serviceAccounts:generateAccessToken`,
 * Resource Manager v1 `projects:getIamPolicy` and `projects:testIamPermissions`, Pub/Sub
 * `topics:testIamPermissions`, BigQuery `datasets.get`, and the metadata server's token for the
 * operator (point GCE_METADATA_HOST at it). testIamPermissions answers for the caller: the operator's token
 * ("operator-token") holds no Pub/Sub or BigQuery permission, a minted token those of its account.
 */
export async function startGcpIamFake(state: GcpIamState) {
  const minted = new Map<string, string>();
  let n = 0;
  return startHttp((req, body, res) => {
    const path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
    const caller = String(req.headers.authorization ?? '').replace(/^Bearer /, '');
    const input = body ? (JSON.parse(body) as { permissions?: string[] }) : {};
    const denied = (permission: string) => json(res, 403, { error: { code: 403, message: `Permission '${permission}' denied`, status: 'PERMISSION_DENIED' } });
    // The metadata server (GCE_METADATA_HOST) for the operator's own credentials, as on a GCE VM.
    if (path.startsWith('/computeMetadata/v1/')) {
      const flavor = { 'metadata-flavor': 'Google' };
      const text = (t: string) => {
        res.writeHead(200, { ...flavor, 'content-type': 'text/plain' });
        res.end(t);
      };
      if (req.headers['metadata-flavor'] !== 'Google') return json(res, 403, { error: 'missing Metadata-Flavor header' }, flavor);
      if (path === '/computeMetadata/v1/instance/service-accounts/default/token') return json(res, 200, { access_token: 'operator-token', expires_in: 3600, token_type: 'Bearer' }, flavor);
      if (path === '/computeMetadata/v1/instance/service-accounts/default/email') return text('installer@operator.iam.gserviceaccount.com');
      if (path === '/computeMetadata/v1/universe/universe-domain') return text('googleapis.com');
      if (path === '/computeMetadata/v1/instance' || path === '/computeMetadata/v1/') return text('attributes/\n');
      return json(res, 404, { error: `fake: no metadata ${path}` }, flavor);
    }
    let m = /^\/v1\/projects\/-\/serviceAccounts\/([^/:]+):(getIamPolicy|generateAccessToken)$/.exec(path);
    if (m && req.method === 'POST') {
      const [, sa, verb] = m;
      const policy = state.serviceAccountPolicies[sa];
      if (!policy) return json(res, 404, { error: { code: 404, message: `Unknown service account ${sa}`, status: 'NOT_FOUND' } });
      if (verb === 'getIamPolicy') return json(res, 200, { version: 1, etag: 'BwX=', bindings: policy.bindings });
      if (!state.impersonation[sa]) return denied('iam.serviceAccounts.getAccessToken');
      const token = `minted-${++n}`;
      minted.set(token, sa);
      return json(res, 200, { accessToken: token, expireTime: new Date(Date.now() + 300_000).toISOString() });
    }
    m = /^\/v1\/projects\/([^/:]+):(getIamPolicy|testIamPermissions)$/.exec(path);
    if (m && req.method === 'POST') {
      const [, project, verb] = m;
      if (verb === 'getIamPolicy') {
        const policy = state.projectPolicies[project];
        return policy ? json(res, 200, { version: 1, etag: 'BwY=', bindings: policy.bindings }) : denied('resourcemanager.projects.getIamPolicy');
      }
      const held = state.projectPermissions[minted.get(caller) ?? ''] ?? [];
      return json(res, 200, { permissions: (input.permissions ?? []).filter((p) => held.includes(p)) });
    }
    m = /^\/v1\/projects\/([^/]+)\/topics\/([^/:]+):testIamPermissions$/.exec(path);
    if (m && req.method === 'POST') {
      const grants = state.topicPermissions[`${m[1]}/${m[2]}`];
      if (!grants) return json(res, 404, { error: { code: 404, message: 'Resource not found', status: 'NOT_FOUND' } });
      const held = grants[minted.get(caller) ?? ''] ?? [];
      return json(res, 200, { permissions: (input.permissions ?? []).filter((p) => held.includes(p)) });
    }
    m = /^\/bigquery\/v2\/projects\/([^/]+)\/datasets\/([^/]+)$/.exec(path);
    if (m && req.method === 'GET') {
      const ds = state.datasets[`${m[1]}/${m[2]}`];
      if (ds === 'denied') return denied('bigquery.datasets.get');
      return ds ? json(res, 200, { id: `${m[1]}:${m[2]}`, access: ds.access }) : json(res, 404, { error: { code: 404, message: `Not found: Dataset ${m[1]}:${m[2]}`, status: 'NOT_FOUND' } });
    }
    json(res, 404, { error: { code: 404, message: `fake: no route ${req.method} ${path}`, status: 'NOT_FOUND' } });
  });
}
