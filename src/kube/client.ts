// A small typed Kubernetes client over node:http(s). Every request has a timeout (and takes an
// AbortSignal); a server that refuses, hangs or cannot be resolved becomes an EnvironmentError that
// names the server, the context and what to run. HTTP errors become KubeApiError with the status
// and the API's reason, so callers can branch on NotFound / AlreadyExists / Forbidden.
//
// Transient errors are retried within the request's timeout, which bounds all attempts together:
// 429 (API priority and fairness) and 503 after Retry-After or an exponential backoff, and a
// connection reset before the reply. GET, PUT, DELETE and the apply and merge PATCHes the installer
// sends are idempotent. POST is retried too: access reviews change nothing, and a create whose first
// attempt did reach the server answers 409 AlreadyExists on the retry, which every caller already
// treats as "the object exists, keep it" (the same outcome as the first attempt succeeding).
// A refused connection or a timeout is not retried: the cluster is down or far, and saying so at
// once is more useful than waiting.
import http from 'node:http';
import https from 'node:https';
import { CliError, EnvironmentError, ExitCode, Interrupted } from '../errors.js';
import { exec } from '../util/exec.js';
import { loadKubeconfig, type Impersonation, type KubeconfigOptions, type ResolvedKubeconfig } from './config.js';
import { chooseProxy, proxyAuthHeaders, TunnelingAgent, type ProxyChoice } from './proxy.js';
import type { KubeObject, ObjectList, ServerVersion } from './types.js';

export const DEFAULT_REQUEST_TIMEOUT_MS = 15_000;

/** An HTTP error reply from the API server (exit 1 if nobody handles it). */
export class KubeApiError extends CliError {
  constructor(
    message: string,
    readonly status: number,
    readonly reason: string,
    hint?: string,
    exitCode: ExitCode = ExitCode.failure,
  ) {
    super(message, exitCode, hint);
  }
}

export const isNotFound = (e: unknown): boolean => e instanceof KubeApiError && e.status === 404;
export const isAlreadyExists = (e: unknown): boolean => e instanceof KubeApiError && e.status === 409 && e.reason === 'AlreadyExists';
export const isForbidden = (e: unknown): boolean => e instanceof KubeApiError && e.status === 403;

export interface KubeRequest {
  method?: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  /** Absolute API path, e.g. /api/v1/namespaces/x/secrets. */
  path: string;
  query?: Record<string, string | undefined>;
  body?: unknown;
  contentType?: string;
  /** Total time for all attempts (transient errors are retried within it). */
  /** Extra request headers (never Authorization: the client sets that from the kubeconfig). */
  headers?: Record<string, string>;
  timeoutMs?: number;
  signal?: AbortSignal;
  /** false: one attempt only, for replies that are the answer itself (a service proxied through the API server). */
  retry?: boolean;
}

export interface KubeResponse<T = unknown> {
  status: number;
  body: T | undefined;
  text: string;
  /** The Retry-After header, when the server sent one. */
  retryAfter?: string;
}

/** Statuses that mean "not now": throttled by API priority and fairness, or unavailable for a moment. */
const TRANSIENT_STATUSES = new Set([429, 503]);
const MAX_ATTEMPTS = 5;

/** The connection was reset before the reply came: the request may or may not have reached the server. */
class ConnectionReset extends EnvironmentError {}

/** Wait before attempt n+1: Retry-After (seconds) when given, else 200 ms doubling to 3.2 s, with jitter. */
export function retryDelayMs(attempt: number, retryAfter?: string): number {
  const seconds = retryAfter !== undefined && /^\d+$/.test(retryAfter.trim()) ? Number(retryAfter) : undefined;
  if (seconds !== undefined) return seconds * 1000;
  const base = 200 * 2 ** (attempt - 1);
  return Math.round(Math.min(base, 3_200) * (0.8 + Math.random() * 0.4));
}

type Kind =
  | 'Namespace' | 'Secret' | 'ConfigMap' | 'Service' | 'Endpoints' | 'Pod' | 'PersistentVolumeClaim' | 'Event' | 'ServiceAccount'
  | 'Deployment' | 'StatefulSet' | 'ReplicaSet' | 'Job' | 'CronJob' | 'Ingress';

const KINDS: Record<Kind, { prefix: string; plural: string; namespaced: boolean }> = {
  Namespace: { prefix: '/api/v1', plural: 'namespaces', namespaced: false },
  Secret: { prefix: '/api/v1', plural: 'secrets', namespaced: true },
  ConfigMap: { prefix: '/api/v1', plural: 'configmaps', namespaced: true },
  Service: { prefix: '/api/v1', plural: 'services', namespaced: true },
  Endpoints: { prefix: '/api/v1', plural: 'endpoints', namespaced: true },
  Pod: { prefix: '/api/v1', plural: 'pods', namespaced: true },
  PersistentVolumeClaim: { prefix: '/api/v1', plural: 'persistentvolumeclaims', namespaced: true },
  Event: { prefix: '/api/v1', plural: 'events', namespaced: true },
  ServiceAccount: { prefix: '/api/v1', plural: 'serviceaccounts', namespaced: true },
  Deployment: { prefix: '/apis/apps/v1', plural: 'deployments', namespaced: true },
  StatefulSet: { prefix: '/apis/apps/v1', plural: 'statefulsets', namespaced: true },
  ReplicaSet: { prefix: '/apis/apps/v1', plural: 'replicasets', namespaced: true },
  Job: { prefix: '/apis/batch/v1', plural: 'jobs', namespaced: true },
  CronJob: { prefix: '/apis/batch/v1', plural: 'cronjobs', namespaced: true },
  Ingress: { prefix: '/apis/networking.k8s.io/v1', plural: 'ingresses', namespaced: true },
};

export function isKnownKind(kind: string): kind is Kind {
  return kind in KINDS;
}

/** The REST path of a kind the installer handles (collection when name is omitted). */
export function resourcePath(kind: Kind, namespace: string | undefined, name?: string): string {
  const k = KINDS[kind];
  const ns = k.namespaced ? `/namespaces/${encodeURIComponent(namespace ?? '')}` : '';
  return `${k.prefix}${ns}/${k.plural}${name ? `/${encodeURIComponent(name)}` : ''}`;
}

/** The plural for `kubectl`-style messages and access reviews. */
export function pluralOf(kind: Kind): string {
  return KINDS[kind].plural;
}

/**
 * The Impersonate-* headers client-go sends for a kubeconfig user's `as`, `as-uid`, `as-groups` and
 * `as-user-extra`: the API server then authorizes every request, access reviews included, as that
 * identity. Extra keys are percent-encoded as in Impersonate-Extra-<key>.
 */
export function impersonationHeaders(imp: Impersonation | undefined): http.OutgoingHttpHeaders {
  if (!imp) return {};
  const h: http.OutgoingHttpHeaders = {};
  if (imp.user) h['Impersonate-User'] = imp.user;
  if (imp.uid) h['Impersonate-Uid'] = imp.uid;
  if (imp.groups.length) h['Impersonate-Group'] = imp.groups;
  for (const [key, values] of Object.entries(imp.extra)) h[`Impersonate-Extra-${encodeURIComponent(key)}`] = values;
  return h;
}

function sleepUnlessAborted(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(new Interrupted());
    const onAbort = () => {
      clearTimeout(timer);
      reject(new Interrupted());
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export interface KubeClientOptions extends KubeconfigOptions {
  /** Default per-request timeout. */
  timeoutMs?: number;
}

export class KubeClient {
  readonly server: string;
  readonly context: string;
  readonly defaultNamespace?: string;
  private agent: http.Agent;
  /** The client certificate the agent presents when an exec plugin supplied it. */
  private agentCert?: Buffer;
  private readonly isHttps: boolean;
  private readonly proxy?: ProxyChoice;
  private execToken?: { token?: string; cert?: Buffer; key?: Buffer; expires?: number };

  constructor(
    readonly config: ResolvedKubeconfig,
    private readonly env: NodeJS.ProcessEnv,
    readonly timeoutMs = DEFAULT_REQUEST_TIMEOUT_MS,
  ) {
    this.server = config.cluster.server;
    this.context = config.context;
    this.defaultNamespace = config.namespace;
    const url = new URL(this.server);
    this.isHttps = url.protocol === 'https:';
    if (config.user.authProvider) {
      throw new EnvironmentError(
        `user "${config.user.name}" of context ${this.context} uses the auth-provider "${config.user.authProvider}", which bucketeer-install does not support`,
        'switch the kubeconfig to an exec credential plugin (GKE: gke-gcloud-auth-plugin; EKS: aws eks update-kubeconfig)',
      );
    }
    this.proxy = chooseProxy(url, config.cluster.proxyUrl, env);
    this.agent = this.makeAgent(config.user.clientCertificate, config.user.clientKey);
  }

  private makeAgent(cert: Buffer | undefined, key: Buffer | undefined): http.Agent {
    if (!this.isHttps) return new http.Agent({ keepAlive: true });
    const tls: https.AgentOptions = {
      ca: this.config.cluster.ca,
      cert,
      key,
      servername: this.config.cluster.tlsServerName,
      rejectUnauthorized: !this.config.cluster.insecureSkipTlsVerify,
      keepAlive: true,
    };
    return this.proxy ? new TunnelingAgent(this.proxy.url, tls, this.timeoutMs) : new https.Agent(tls);
  }

  /** The agent for the current credentials: an exec plugin may hand out (and rotate) a client certificate. */
  private currentAgent(): http.Agent {
    const t = this.execToken;
    if (t?.cert && t.key && !t.cert.equals(this.agentCert ?? Buffer.alloc(0))) {
      this.agent.destroy();
      this.agent = this.makeAgent(t.cert, t.key);
      this.agentCert = t.cert;
    }
    return this.agent;
  }

  /** helm's flags for the same cluster and credentials (none in a pod: helm finds the in-cluster config itself). */
  helmKubeArgs(): string[] {
    if (this.config.inCluster) return [];
    return ['--kube-context', this.context, ...(this.config.explicitFile ? ['--kubeconfig', this.config.explicitFile] : [])];
  }

  static fromKubeconfig(opts: KubeClientOptions): KubeClient {
    return new KubeClient(loadKubeconfig(opts), opts.env, opts.timeoutMs);
  }

  /** What a user runs to see the same problem with kubectl. */
  kubectl(args: string): string {
    if (this.config.inCluster) return `kubectl ${args}`;
    const kc = this.config.explicitFile ? ` --kubeconfig ${this.config.explicitFile}` : '';
    return `kubectl --context ${this.context}${kc} ${args}`;
  }

  close(): void {
    this.agent.destroy();
  }

  private async authHeaders(signal?: AbortSignal): Promise<Record<string, string>> {
    const u = this.config.user;
    if (u.exec) return this.execAuth(signal);
    if (u.token) return { Authorization: `Bearer ${u.token}` };
    if (u.tokenFile) {
      const { readFileSync } = await import('node:fs');
      try {
        return { Authorization: `Bearer ${readFileSync(u.tokenFile, 'utf8').trim()}` };
      } catch (err) {
        throw new EnvironmentError(`cannot read tokenFile ${u.tokenFile} of user "${u.name}" (${(err as NodeJS.ErrnoException).code})`, 'fix the kubeconfig or regenerate it');
      }
    }
    if (u.username && u.password) return { Authorization: `Basic ${Buffer.from(`${u.username}:${u.password}`).toString('base64')}` };
    return {};
  }

  /** Runs the kubeconfig's exec credential plugin (gke-gcloud-auth-plugin, aws eks get-token). */
  private async execAuth(signal?: AbortSignal): Promise<Record<string, string>> {
    const cached = this.execToken;
    if (cached && (!cached.expires || cached.expires - Date.now() > 60_000)) return cached.token ? { Authorization: `Bearer ${cached.token}` } : {};
    // Not reused past expiry: an exec plugin's expired client certificate is replaced, not sent.
    this.execToken = undefined;
    const ex = this.config.user.exec!;
    const env: NodeJS.ProcessEnv = { ...this.env, KUBERNETES_EXEC_INFO: JSON.stringify({ apiVersion: ex.apiVersion, kind: 'ExecCredential', spec: { interactive: false } }) };
    for (const e of ex.env) env[e.name] = e.value;
    const res = await exec(ex.command, ex.args, { env, timeoutMs: 30_000, signal }).catch((err: unknown) => {
      if (err instanceof EnvironmentError) {
        throw new EnvironmentError(`the credential plugin "${ex.command}" of context ${this.context} is not installed`, ex.installHint?.split('\n')[0] ?? `install ${ex.command} and put it on PATH`);
      }
      throw err;
    });
    if (res.exitCode !== 0) {
      const line = (res.stderr || res.stdout).trim().split('\n').filter(Boolean).pop() ?? `exit ${res.exitCode}`;
      throw new EnvironmentError(`the credential plugin "${ex.command}" of context ${this.context} failed: ${line}`, 'log in again with your cloud CLI (gcloud auth login / aws sso login) and retry');
    }
    let status: { token?: string; clientCertificateData?: string; clientKeyData?: string; expirationTimestamp?: string } | undefined;
    try {
      status = (JSON.parse(res.stdout) as { status?: typeof status }).status;
    } catch {
      status = undefined;
    }
    if (!status?.token && !(status?.clientCertificateData && status.clientKeyData)) {
      throw new EnvironmentError(`the credential plugin "${ex.command}" of context ${this.context} returned neither a token nor a client certificate and key`, 'run it by hand to see why, or regenerate the kubeconfig');
    }
    if (status.clientCertificateData && !this.isHttps) {
      throw new EnvironmentError(`the credential plugin "${ex.command}" of context ${this.context} returned a client certificate, but the server ${this.server} is not https`, 'use an https:// server address in the kubeconfig');
    }
    // ExecCredential carries the certificate and key as PEM text.
    this.execToken = {
      token: status.token,
      cert: status.clientCertificateData ? Buffer.from(status.clientCertificateData) : undefined,
      key: status.clientKeyData ? Buffer.from(status.clientKeyData) : undefined,
      expires: status.expirationTimestamp ? Date.parse(status.expirationTimestamp) : undefined,
    };
    return status.token ? { Authorization: `Bearer ${status.token}` } : {};
  }

  private unreachable(cause: string, Kind: typeof EnvironmentError = EnvironmentError): EnvironmentError {
    return new Kind(
      `cannot reach the Kubernetes API at ${this.server} (context ${this.context}): ${cause}`,
      `check that the cluster is running and the context is right: ${this.kubectl('cluster-info')}`,
    );
  }

  /**
   * One API request; resolves with any HTTP status, rejects on network failure or timeout. 429, 503
   * and connection resets are retried (see the top of this file) while the timeout leaves room.
   */
  async request<T = unknown>(req: KubeRequest): Promise<KubeResponse<T>> {
    const timeoutMs = req.timeoutMs ?? this.timeoutMs;
    const deadline = Date.now() + timeoutMs;
    // A JSON patch (add to a list, ...) may not be idempotent; the installer sends none, but say so here.
    const retryable = req.retry !== false && req.contentType !== 'application/json-patch+json';
    for (let attempt = 1; ; attempt++) {
      let wait: number;
      try {
        const res = await this.send<T>(req, Math.max(1, deadline - Date.now()));
        if (!retryable || !TRANSIENT_STATUSES.has(res.status) || attempt >= MAX_ATTEMPTS) return res;
        wait = retryDelayMs(attempt, res.retryAfter);
        if (Date.now() + wait >= deadline) return res; // no room left: the caller reports this reply
      } catch (e) {
        if (!(e instanceof ConnectionReset) || !retryable || attempt >= MAX_ATTEMPTS) throw e;
        wait = retryDelayMs(attempt);
        if (Date.now() + wait >= deadline) throw e;
      }
      await sleepUnlessAborted(wait, req.signal);
    }
  }

  /** One attempt. */
  private async send<T>(req: KubeRequest, timeoutMs: number): Promise<KubeResponse<T>> {
    if (req.signal?.aborted) throw new Interrupted();
    const headers: http.OutgoingHttpHeaders = {
      Accept: 'application/json',
      'User-Agent': 'bucketeer-install',
      ...req.headers,
      ...(await this.authHeaders(req.signal)),
      ...impersonationHeaders(this.config.user.impersonate),
    };
    let payload: string | undefined;
    if (req.body !== undefined) {
      payload = typeof req.body === 'string' ? req.body : JSON.stringify(req.body);
      headers['Content-Type'] = req.contentType ?? 'application/json';
      headers['Content-Length'] = String(Buffer.byteLength(payload));
    }
    const url = new URL(this.server + req.path);
    for (const [k, v] of Object.entries(req.query ?? {})) if (v !== undefined) url.searchParams.set(k, v);
    const mod = this.isHttps ? https : http;
    const agent = this.currentAgent();
    // An http:// server behind a proxy: absolute-form requests to the proxy (https:// tunnels in the agent).
    const viaProxy = this.proxy && !this.isHttps ? this.proxy.url : undefined;
    if (viaProxy) Object.assign(headers, { Host: url.host }, proxyAuthHeaders(viaProxy));
    const target: string | URL = viaProxy ? `http://${viaProxy.host}` : url;
    return new Promise<KubeResponse<T>>((resolve, reject) => {
      let settled = false;
      const done = (fn: () => void) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        req.signal?.removeEventListener('abort', onAbort);
        fn();
      };
      const r = mod.request(target, { method: req.method ?? 'GET', headers, agent, ...(viaProxy ? { path: url.href } : {}) }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', (err: NodeJS.ErrnoException) => done(() => reject(err.code === 'ECONNRESET' ? this.unreachable('connection reset', ConnectionReset) : this.unreachable(err.message))));
        res.on('end', () =>
          done(() => {
            const text = Buffer.concat(chunks).toString('utf8');
            let body: T | undefined;
            try {
              body = text ? (JSON.parse(text) as T) : undefined;
            } catch {
              body = undefined;
            }
            const retryAfter = res.headers['retry-after'];
            resolve({ status: res.statusCode ?? 0, body, text, ...(retryAfter !== undefined ? { retryAfter } : {}) });
          }),
        );
      });
      const timer = setTimeout(() => {
        r.destroy();
        done(() => reject(this.unreachable(`no answer within ${Math.round(timeoutMs / 100) / 10}s`)));
      }, timeoutMs);
      const onAbort = () => {
        r.destroy();
        done(() => reject(new Interrupted()));
      };
      req.signal?.addEventListener('abort', onAbort, { once: true });
      r.on('error', (err: NodeJS.ErrnoException) => {
        const cause =
          err.code === 'ECONNREFUSED' ? 'connection refused'
          : err.code === 'ENOTFOUND' ? `host ${url.hostname} not found`
          : err.code === 'ECONNRESET' ? 'connection reset'
          : err.code === 'EHOSTUNREACH' || err.code === 'ENETUNREACH' ? 'host unreachable'
          : err.code === 'EPROXY' ? `${err.message} (${this.proxy?.source})`
          : /certificate|self.signed|CERT_/i.test(err.message) ? `TLS: ${err.message}`
          : err.message;
        done(() => reject(this.unreachable(cause, err.code === 'ECONNRESET' ? ConnectionReset : EnvironmentError)));
      });
      if (payload !== undefined) r.write(payload);
      r.end();
    });
  }

  /** Throws KubeApiError for any non-2xx status; 401 is an EnvironmentError (credentials). */
  private async call<T>(req: KubeRequest): Promise<T> {
    const res = await this.request<T & { message?: string; reason?: string }>(req);
    if (res.status >= 200 && res.status < 300) return res.body as T;
    throw this.httpError(req, res);
  }

  httpError(req: KubeRequest, res: KubeResponse<{ message?: string; reason?: string }>): CliError {
    const message = res.body?.message ?? (res.text.trim().slice(0, 200) || `HTTP ${res.status}`);
    if (res.status === 401) {
      return new EnvironmentError(`the Kubernetes API at ${this.server} rejected the credentials of context ${this.context} (401 Unauthorized)`, `refresh them (gcloud auth login / aws sso login, or regenerate the kubeconfig) and check with: ${this.kubectl('get namespaces')}`);
    }
    if (res.status === 403) {
      return new KubeApiError(`forbidden: ${message}`, 403, res.body?.reason ?? 'Forbidden', `ask a cluster admin for the permission, then check with: ${this.kubectl('auth can-i --list')}`, ExitCode.environment);
    }
    return new KubeApiError(`${req.method ?? 'GET'} ${req.path}: ${message}`, res.status, res.body?.reason ?? '');
  }

  /** GET an object; undefined when it does not exist. */
  async get<T extends KubeObject>(path: string, opts: { timeoutMs?: number; signal?: AbortSignal } = {}): Promise<T | undefined> {
    try {
      return await this.call<T>({ path, ...opts });
    } catch (e) {
      if (isNotFound(e)) return undefined;
      throw e;
    }
  }

  async list<T extends KubeObject>(path: string, opts: { labelSelector?: string; fieldSelector?: string; timeoutMs?: number; signal?: AbortSignal } = {}): Promise<T[]> {
    const list = await this.call<ObjectList<T>>({ path, query: { labelSelector: opts.labelSelector || undefined, fieldSelector: opts.fieldSelector || undefined }, timeoutMs: opts.timeoutMs, signal: opts.signal });
    return list?.items ?? [];
  }

  async create<T extends KubeObject>(collectionPath: string, body: KubeObject, opts: { signal?: AbortSignal } = {}): Promise<T> {
    return this.call<T>({ method: 'POST', path: collectionPath, body, signal: opts.signal });
  }

  /** Server-side apply (creates or updates); the manager owns the fields it sends. */
  async apply<T extends KubeObject>(objectPath: string, body: KubeObject, opts: { fieldManager?: string; force?: boolean; signal?: AbortSignal } = {}): Promise<T> {
    return this.call<T>({
      method: 'PATCH',
      path: objectPath,
      body,
      contentType: 'application/apply-patch+yaml',
      query: { fieldManager: opts.fieldManager ?? 'bucketeer-install', force: String(opts.force ?? true) },
      signal: opts.signal,
    });
  }

  async mergePatch<T extends KubeObject>(objectPath: string, patch: unknown, opts: { signal?: AbortSignal } = {}): Promise<T> {
    return this.call<T>({ method: 'PATCH', path: objectPath, body: patch, contentType: 'application/merge-patch+json', signal: opts.signal });
  }

  /** DELETE; true if it was deleted, false if it did not exist. */
  async delete(objectPath: string, opts: { signal?: AbortSignal; propagationPolicy?: 'Foreground' | 'Background' | 'Orphan' } = {}): Promise<boolean> {
    try {
      await this.call({ method: 'DELETE', path: objectPath, query: { propagationPolicy: opts.propagationPolicy }, signal: opts.signal });
      return true;
    } catch (e) {
      if (isNotFound(e)) return false;
      throw e;
    }
  }

  async version(opts: { timeoutMs?: number; signal?: AbortSignal } = {}): Promise<ServerVersion> {
    const v = await this.call<ServerVersion>({ path: '/version', ...opts });
    if (!v || typeof v.gitVersion !== 'string') throw this.unreachable('the server at this address is not a Kubernetes API server (no version)');
    return v;
  }

  /** SelfSubjectAccessReview: may the current user do `verb` on `resource` (plural)? */
  async canI(verb: string, resource: string, opts: { group?: string; namespace?: string; timeoutMs?: number; signal?: AbortSignal } = {}): Promise<{ allowed: boolean; reason?: string }> {
    const review = await this.call<{ status?: { allowed?: boolean; reason?: string; denied?: boolean } }>({
      method: 'POST',
      path: '/apis/authorization.k8s.io/v1/selfsubjectaccessreviews',
      body: {
        apiVersion: 'authorization.k8s.io/v1',
        kind: 'SelfSubjectAccessReview',
        spec: { resourceAttributes: { verb, resource, group: opts.group ?? '', ...(opts.namespace ? { namespace: opts.namespace } : {}) } },
      },
      timeoutMs: opts.timeoutMs,
      signal: opts.signal,
    });
    return { allowed: review?.status?.allowed === true, reason: review?.status?.reason };
  }

  /**
   * GET through the API server's service proxy (https scheme). Returns the raw response; a 404
   * whose body is a Status from the API server itself means the server does not proxy.
   */
  async proxyGet<T extends { kind?: string; reason?: string; message?: string } = { kind?: string; reason?: string; message?: string }>(namespace: string, service: string, port: string | number, path: string, opts: { scheme?: 'https' | 'http'; timeoutMs?: number; signal?: AbortSignal } = {}): Promise<KubeResponse<T>> {
    const target = `${opts.scheme ?? 'https'}:${service}:${port}`;
    // A 503 here is usually the service's own answer (no ready endpoint): reported, not retried.
    return this.request<T>({ path: `/api/v1/namespaces/${encodeURIComponent(namespace)}/services/${encodeURIComponent(target)}/proxy${path}`, timeoutMs: opts.timeoutMs ?? 5_000, signal: opts.signal, retry: false });
  }

  /**
   * Polls `fn` until it returns a value or `timeoutMs` passes (then undefined). For the first
   * second polls come every 100 ms, then the gap grows by half each time up to `intervalMs`: a
   * resource that is ready in a moment is seen at once, a slow one costs few requests.
   */
  static async poll<T>(fn: () => Promise<T | undefined>, opts: { intervalMs: number; timeoutMs: number; signal?: AbortSignal }): Promise<T | undefined> {
    const started = Date.now();
    const deadline = started + opts.timeoutMs;
    let wait = Math.min(100, opts.intervalMs);
    for (;;) {
      if (opts.signal?.aborted) throw new Interrupted();
      const v = await fn();
      if (v !== undefined) return v;
      if (Date.now() + wait > deadline) return undefined;
      await sleep(wait);
      if (Date.now() - started >= 1_000) wait = Math.min(opts.intervalMs, Math.ceil(wait * 1.5));
    }
  }
}
