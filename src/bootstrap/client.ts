// A small typed client of the gateway routes in contract.ts. A non-2xx answer becomes
// BucketeerError with the HTTP status and Bucketeer's own message (grpc-gateway's {code, message}).
import { ROUTES, webAuthValue, type RouteName } from './contract.js';
import type { GatewayRequest, Transport } from './transport.js';

export const DEFAULT_CALL_TIMEOUT_MS = 15_000;

export class BucketeerError extends Error {
  constructor(
    readonly route: RouteName,
    readonly status: number,
    /** grpc code from the body, when there is one. */
    readonly code: number | undefined,
    readonly bucketeerMessage: string,
  ) {
    const r = ROUTES[route];
    super(`${r.method} ${r.path}: HTTP ${status}${bucketeerMessage ? `: ${bucketeerMessage}` : ''}`);
  }
}

export const isNotFound = (e: unknown) => e instanceof BucketeerError && (e.status === 404 || e.code === 5);
export const isAlreadyExists = (e: unknown) => e instanceof BucketeerError && (e.status === 409 || e.code === 6);

export interface ClientOptions {
  transport: Transport;
  serviceToken: string;
  /** The Secret and key the service token is read from (for the Job path). */
  serviceTokenSecret?: { name: string; key: string };
  timeoutMs?: number;
  signal?: AbortSignal;
}

export class BucketeerClient {
  constructor(private readonly o: ClientOptions) {}

  get via(): string {
    return this.o.transport.via;
  }

  /** A web gateway call with the service token. */
  web<T = any>(route: RouteName, req: { query?: GatewayRequest['query']; body?: unknown } = {}): Promise<T> {
    const ref = this.o.serviceTokenSecret;
    return this.call<T>(route, { ...req, auth: webAuthValue(this.o.serviceToken), authSecret: ref ? { ...ref, scheme: 'bearer' } : undefined });
  }

  /** An API gateway call with an SDK API key. */
  sdk<T = any>(route: RouteName, apiKey: string, body: unknown, keySecret?: { name: string; key: string }): Promise<T> {
    return this.call<T>(route, { body, auth: apiKey, authSecret: keySecret });
  }

  private async call<T>(route: RouteName, req: { query?: GatewayRequest['query']; body?: unknown; auth: string; authSecret?: GatewayRequest['authSecret'] }): Promise<T> {
    const res = await this.o.transport.call({ route: ROUTES[route], query: req.query, body: req.body, auth: req.auth, authSecret: req.authSecret, timeoutMs: this.o.timeoutMs ?? DEFAULT_CALL_TIMEOUT_MS, signal: this.o.signal });
    if (res.status >= 200 && res.status < 300) return res.body as T;
    const message = typeof res.body?.message === 'string' ? res.body.message : res.text.trim().slice(0, 200);
    throw new BucketeerError(route, res.status, typeof res.body?.code === 'number' ? res.body.code : undefined, message);
  }
}
