// How bootstrap and the smoke test reach Bucketeer's gateways:
// - the Kubernetes API server's service proxy (tried first: the installer runs outside the
//   cluster and the ingress hosts may have no DNS yet), with the auth header sent as
//   Grpc-Metadata-Authorization because the API server drops `Authorization` (see contract.ts);
// - a Job per call in the namespace (job-transport.ts), when the proxy cannot get through;
// - plain HTTP(S) to base URLs (tests, or a machine that can reach the gateways directly).
// Every call has a timeout; a call that gets no answer rejects with Unreachable.
import http from 'node:http';
import https from 'node:https';
import { Interrupted } from '../errors.js';
import type { KubeClient } from '../kube/client.js';
import { API_SERVICE, AUTH_HEADER, PROXY_SAFE_AUTH_HEADER, WEB_SERVICE, type Route } from './contract.js';

export interface GatewayRequest {
  route: Route;
  query?: Record<string, string | string[] | undefined>;
  body?: unknown;
  /** The value of the authorization metadata (`bearer <token>` or a bare API key). */
  auth: string;
  /** Where that credential lives, for a path that must not carry it inline (the Job). */
  authSecret?: { name: string; key: string; scheme?: 'bearer' };
  timeoutMs: number;
  signal?: AbortSignal;
}

export interface GatewayResponse {
  status: number;
  body: any;
  text: string;
}

/** No HTTP answer at all: refused, timed out, or the path to the gateway does not exist. */
export class Unreachable extends Error {
  constructor(message: string, readonly via: string) {
    super(message);
  }
}

export interface Transport {
  /** Human name of the path, for messages ("API server service proxy"). */
  readonly via: string;
  call(req: GatewayRequest): Promise<GatewayResponse>;
}

function queryString(q: GatewayRequest['query']): string {
  const p = new URLSearchParams();
  for (const [k, v] of Object.entries(q ?? {})) {
    if (v === undefined) continue;
    for (const x of Array.isArray(v) ? v : [v]) p.append(k, x);
  }
  const s = p.toString();
  return s ? `?${s}` : '';
}

const parse = (text: string) => {
  try {
    return text ? JSON.parse(text) : undefined;
  } catch {
    return undefined;
  }
};

/** Direct HTTP(S) to the gateways' base URLs. */
export function httpTransport(base: { web: string; api: string }, opts: { rejectUnauthorized?: boolean } = {}): Transport {
  return {
    via: `HTTP to ${base.web} and ${base.api}`,
    call(req) {
      const url = new URL(`${base[req.route.gateway]}${req.route.path}${queryString(req.query)}`);
      const payload = req.body === undefined ? undefined : JSON.stringify(req.body);
      const headers: Record<string, string> = { accept: 'application/json', [AUTH_HEADER]: req.auth };
      if (payload !== undefined) Object.assign(headers, { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(payload)) });
      const mod = url.protocol === 'https:' ? https : http;
      return new Promise((resolve, reject) => {
        if (req.signal?.aborted) return reject(new Interrupted());
        const r = mod.request(url, { method: req.route.method, headers, rejectUnauthorized: opts.rejectUnauthorized ?? true }, (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => {
            clearTimeout(timer);
            const text = Buffer.concat(chunks).toString('utf8');
            resolve({ status: res.statusCode ?? 0, body: parse(text), text });
          });
        });
        const timer = setTimeout(() => {
          r.destroy();
          reject(new Unreachable(`no answer from ${url.host} within ${req.timeoutMs / 1000}s`, this.via));
        }, req.timeoutMs);
        const onAbort = () => {
          clearTimeout(timer);
          r.destroy();
          reject(new Interrupted());
        };
        req.signal?.addEventListener('abort', onAbort, { once: true });
        r.on('error', (e) => {
          clearTimeout(timer);
          reject(new Unreachable(`${url.host}: ${e.message}`, this.via));
        });
        if (payload !== undefined) r.write(payload);
        r.end();
      });
    },
  };
}

/**
 * Through the API server: /api/v1/namespaces/NS/services/https:web:http-service/proxy/v1/...
 * A 404 Status from the API server itself (it does not proxy), a 403 Status (no services/proxy
 * right) and a 502/503 Status (it cannot dial the pods) mean "unreachable", not a Bucketeer answer.
 */
export function serviceProxyTransport(kube: KubeClient, namespace: string): Transport {
  return {
    via: 'the Kubernetes API server service proxy',
    async call(req) {
      const svc = req.route.gateway === 'web' ? WEB_SERVICE : API_SERVICE;
      const path = `/api/v1/namespaces/${encodeURIComponent(namespace)}/services/${encodeURIComponent(`https:${svc.name}:${svc.port}`)}/proxy${req.route.path}${queryString(req.query)}`;
      let res;
      try {
        res = await kube.request<any>({ method: req.route.method, path, body: req.body, headers: { [PROXY_SAFE_AUTH_HEADER]: req.auth }, timeoutMs: req.timeoutMs, signal: req.signal, retry: false });
      } catch (e) {
        if (e instanceof Interrupted) throw e;
        throw new Unreachable((e as Error).message, this.via);
      }
      if (res.body?.kind === 'Status' && [403, 404, 500, 502, 503].includes(res.status)) {
        throw new Unreachable(`the API server answered ${res.status} ${res.body.reason ?? ''}: ${res.body.message ?? ''}`.trim(), this.via);
      }
      return { status: res.status, body: res.body, text: res.text };
    },
  };
}
