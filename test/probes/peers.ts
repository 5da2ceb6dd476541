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
