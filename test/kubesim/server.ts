// kubesim: an in-memory Kubernetes API server for driving the real helm and kubectl in tests.
// Plain HTTP on 127.0.0.1, JSON replies, a generic object store, watches, fake controllers and
// fault injection. See README.md beside this file for what it does not do.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse as parseYaml, stringify as stringifyYaml } from 'yaml';
import { Controllers, type ControllerOptions } from './controllers.js';
import { FaultSet, toFaults, type Fault } from './faults.js';
import { jsonPatch, mergePatch, PatchError, serverSideApply, strategicMergePatch } from './patch.js';
import { decodeProtobufObject, isProtobufEnvelope, UnsupportedProtobufKind } from './protobuf.js';
import { apiVersionOf, ResourceRegistry, versionInfo, type ResourceType } from './resources.js';
import { toTable, wantsTable } from './table.js';
import {
  ObjectStore, parseFieldSelector, parseLabelSelector, stableStringify, typeKey, type KubeObject, type StoreEvent,
} from './store.js';

export type { Fault } from './faults.js';
export type { KubeObject } from './store.js';
export type { ResourceType } from './resources.js';
export { parseFault } from './faults.js';

export type ApiMode = 'normal' | 'slow' | 'refuse';

export interface KubesimOptions extends ControllerOptions {
  /** Fault specs (`deployment/web=never-ready`) or parsed faults, active from the start. */
  faults?: Array<Fault | string>;
  /** Delay every request by this many ms from the start (same as setApiMode('slow', ms)). */
  latencyMs?: number;
  /** Where to write the kubeconfig; defaults to a temp file removed on close(). */
  kubeconfigPath?: string;
  /** Port to listen on; 0 (default) picks a free one. */
  port?: number;
  /** Objects stored before the first request (stored as given, no defaulting). */
  seed?: KubeObject[];
  /** Receives one line per request; defaults to stderr when KUBESIM_DEBUG is set. */
  log?: (line: string) => void;
}

export interface RequestRecord {
  method: string;
  url: string;
  status: number;
  userAgent: string;
}

/** Direct access to the store for assertions and setup, bypassing HTTP. `kind` takes any alias. */
export interface KubesimObjects {
  get(kind: string, namespace: string | undefined, name: string): KubeObject | undefined;
  list(kind: string, namespace?: string, labelSelector?: string): KubeObject[];
  /** Creates (with server defaulting) or replaces an object; apiVersion/kind pick the type. */
  put(obj: KubeObject): KubeObject;
  delete(kind: string, namespace: string | undefined, name: string): boolean;
}

export interface Kubesim {
  url: string;
  port: number;
  kubeconfigPath: string;
  /** Context (and cluster and user) name in the kubeconfig: always "kubesim". */
  context: string;
  objects: KubesimObjects;
  /** Recent requests, oldest first (bounded), for asserting what a client did. */
  requests: readonly RequestRecord[];
  setFault(spec: Fault | string): void;
  clearFaults(): void;
  /**
   * What the pods of Job `job` in `namespace` print, served as their pods/log (there is no
   * container runtime: the test says what the container would have printed). undefined removes it.
   */
  setJobLog(namespace: string, job: string, text: string | undefined): void;
  /**
   * Serves the Service proxy (`/api/v1/namespaces/NS/services/[scheme:]NAME[:port]/proxy/PATH`)
   * for one Service by forwarding GETs to `baseUrl` (a local server the test runs in place of the
   * pods, plain HTTP whatever the scheme) and relaying its reply. Nothing runs the real containers:
   * the test decides what they answer. undefined removes it; Services without one are not proxied.
   */
  setServiceBackend(namespace: string, service: string, baseUrl: string | undefined): void;
  faults(): readonly Fault[];
  /** 'slow' delays each request by delayMs (default 2000); 'refuse' closes the port and drops connections. */
  setApiMode(mode: ApiMode, delayMs?: number): Promise<void>;
  /** Adds a kind (e.g. a CRD's) to discovery, OpenAPI and storage. */
  registerKind(rt: ResourceType): void;
  /** Runs every controller once now, instead of waiting for the next tick. */
  tick(): void;
  close(): Promise<void>;
}

const CONTEXT = 'kubesim';
const TOKEN = 'kubesim-token';

class ApiError extends Error {
  constructor(readonly code: number, readonly reason: string, message: string, readonly details?: object) {
    super(message);
  }
}

const notFound = (rt: ResourceType, name: string) =>
  new ApiError(404, 'NotFound', `${resourceName(rt)} "${name}" not found`, { name, group: rt.group, kind: rt.plural });

function resourceName(rt: ResourceType): string {
  return rt.group ? `${rt.plural}.${rt.group}` : rt.plural;
}

function statusBody(code: number, reason: string, message: string, details?: object): object {
  return {
    kind: 'Status', apiVersion: 'v1', metadata: {}, status: code < 400 ? 'Success' : 'Failure',
    ...(message ? { message } : {}), ...(reason ? { reason } : {}), ...(details ? { details } : {}), code,
  };
}

function sendJson(res: http.ServerResponse, code: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(code, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text) });
  res.end(text);
}

async function readBody(req: http.IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface ResourcePath {
  rt: ResourceType;
  namespace?: string;
  name?: string;
  subresource?: string;
}

export async function startKubesim(opts: KubesimOptions = {}): Promise<Kubesim> {
  const registry = new ResourceRegistry();
  const store = new ObjectStore();
  const faultSet = new FaultSet(toFaults(opts.faults));
  // pods/log of Job pods, as the tests give them ("ns/job" -> text).
  const jobLogs = new Map<string, string>();
  // Service proxy targets, as the tests give them ("ns/service" -> base URL).
  const serviceBackends = new Map<string, string>();
  const controllers = new Controllers(store, registry, faultSet, opts);
  controllers.bootstrap();
  for (const obj of opts.seed ?? []) {
    const rt = registry.byKind(obj.apiVersion, obj.kind);
    if (!rt) throw new Error(`kubesim: cannot seed unknown kind ${obj.apiVersion}/${obj.kind}`);
    store.put(registry.storageType(rt), obj);
  }

  const log = opts.log ?? (process.env.KUBESIM_DEBUG ? (l: string) => process.stderr.write(`[kubesim] ${l}\n`) : undefined);
  const requests: RequestRecord[] = [];
  /** Last configuration applied by each field manager, keyed by `${uid}/${manager}` (approximate SSA). */
  const lastApplied = new Map<string, Record<string, unknown>>();
  const sockets = new Set<Socket>();
  const watches = new Set<http.ServerResponse>();
  let mode: ApiMode = opts.latencyMs ? 'slow' : 'normal';
  let delayMs = opts.latencyMs ?? 0;
  let port = opts.port ?? 0;

  // ---------------------------------------------------------------------------------------------
  // Path parsing: /api/v1/..., /apis/{group}/{version}/..., namespaced or not, with subresources.

  function parseResourcePath(segs: string[]): ResourcePath | undefined {
    let group: string;
    let version: string;
    let rest: string[];
    if (segs[0] === 'api') [group, version, rest] = ['', segs[1], segs.slice(2)];
    else [group, version, rest] = [segs[1], segs[2], segs.slice(3)];
    if (rest.length === 0) return undefined;
    if (rest[0] === 'namespaces' && rest.length >= 3) {
      const rt = registry.byPlural(group, version, rest[2]);
      if (rt?.namespaced) return { rt, namespace: rest[1], name: rest[3], subresource: rest[4] };
    }
    const rt = registry.byPlural(group, version, rest[0]);
    if (!rt) return undefined;
    return { rt, name: rest[1], subresource: rest[2] };
  }

  function verbOf(method: string, p: ResourcePath, watch: boolean): string {
    switch (method) {
      case 'GET': return p.name ? 'get' : watch ? 'watch' : 'list';
      case 'POST': return 'create';
      case 'PUT': return 'update';
      case 'PATCH': return 'patch';
      case 'DELETE': return p.name ? 'delete' : 'deletecollection';
      default: throw new ApiError(405, 'MethodNotAllowed', `method ${method} not allowed`);
    }
  }

  /**
   * A resource registered in several versions keeps one set of objects, stored under its storage
   * version. Clients get each object in the version they asked for (only apiVersion changes: there
   * is no schema conversion). Without this, a watch on v1 would carry v1beta1 objects, which
   * client-go's reflector drops ("Unexpected watch event object gvk"), so helm --wait never sees them.
   */
  function served<T extends KubeObject | undefined>(rt: ResourceType, obj: T): T {
    if (!obj || obj.apiVersion === apiVersionOf(rt)) return obj;
    return { ...obj, apiVersion: apiVersionOf(rt) };
  }

  function mustGet(rt: ResourceType, ns: string | undefined, name: string): KubeObject {
    const obj = store.get(rt, ns, name);
    if (!obj) throw notFound(rt, name);
    return obj;
  }

  function ensureNamespace(rt: ResourceType, ns: string | undefined): void {
    if (!rt.namespaced) return;
    if (!ns) throw new ApiError(400, 'BadRequest', 'a namespace is required for a namespaced resource');
    const nsType = registry.byPlural('', 'v1', 'namespaces')!;
    if (!store.get(nsType, undefined, ns)) throw notFound(nsType, ns);
  }

  function parseBody(body: Buffer, contentType: string): unknown {
    if (body.length === 0) return undefined;
    if (contentType.includes('protobuf') || isProtobufEnvelope(body)) return decodeProtobufObject(body);
    if (contentType.includes('yaml')) return parseYaml(body.toString('utf8'));
    try {
      return JSON.parse(body.toString('utf8'));
    } catch (e) {
      throw new ApiError(400, 'BadRequest', `invalid JSON body: ${(e as Error).message}`);
    }
  }

  /** Fields a client may not set: the server owns them. Secrets' stringData folds into data. */
  function sanitize(rt: ResourceType, obj: KubeObject): KubeObject {
    const o = structuredClone(obj);
    o.metadata ??= { name: '' };
    delete o.metadata.managedFields;
    delete o.metadata.selfLink;
    if (rt.kind === 'Secret' && rt.group === '' && o.stringData) {
      o.data = { ...(o.data ?? {}) };
      for (const [k, v] of Object.entries(o.stringData as Record<string, string>)) o.data[k] = Buffer.from(v).toString('base64');
      delete o.stringData;
    }
    return o;
  }

  function checkBodyMatchesPath(rt: ResourceType, ns: string | undefined, obj: KubeObject): void {
    if (obj.kind && obj.kind !== rt.kind) throw new ApiError(400, 'BadRequest', `the kind "${obj.kind}" does not match the resource "${rt.plural}"`);
    if (rt.namespaced && obj.metadata?.namespace && ns && obj.metadata.namespace !== ns) {
      throw new ApiError(400, 'BadRequest', 'the namespace of the provided object does not match the namespace sent on the request');
    }
  }

  function create(rt: ResourceType, ns: string | undefined, input: KubeObject, dryRun: boolean): KubeObject {
    checkBodyMatchesPath(rt, ns, input);
    const obj = sanitize(rt, input);
    if (!obj.metadata.name && obj.metadata.generateName) {
      obj.metadata.name = `${obj.metadata.generateName}${Math.random().toString(36).slice(2, 7)}`;
    }
    if (!obj.metadata.name) throw new ApiError(422, 'Invalid', `${rt.kind} is invalid: metadata.name: Required value: name or generateName is required`);
    if (rt.namespaced) obj.metadata.namespace = ns ?? obj.metadata.namespace;
    ensureNamespace(rt, obj.metadata.namespace);
    if (store.get(rt, obj.metadata.namespace, obj.metadata.name)) {
      throw new ApiError(409, 'AlreadyExists', `${resourceName(rt)} "${obj.metadata.name}" already exists`, { name: obj.metadata.name, group: rt.group, kind: rt.plural });
    }
    for (const f of ['uid', 'resourceVersion', 'creationTimestamp', 'generation', 'deletionTimestamp']) delete obj.metadata[f];
    // As in the real registries, a kind with a status subresource starts with the server's status.
    if (rt.subresources?.includes('status')) delete obj.status;
    const defaulted = controllers.defaultsOnCreate(rt, obj);
    if (dryRun) return { ...defaulted, apiVersion: apiVersionOf(rt), kind: rt.kind };
    return store.put(registry.storageType(rt), defaulted);
  }

  /** Replaces an object after a PUT or PATCH, keeping server-owned fields and (maybe) status. */
  function replace(rt: ResourceType, existing: KubeObject, next: KubeObject, subresource: string | undefined, dryRun: boolean): KubeObject {
    const rv = next.metadata?.resourceVersion;
    if (rv && rv !== existing.metadata.resourceVersion) {
      throw new ApiError(409, 'Conflict', `Operation cannot be fulfilled on ${resourceName(rt)} "${existing.metadata.name}": the object has been modified; please apply your changes to the latest version and try again`, { name: existing.metadata.name, group: rt.group, kind: rt.plural });
    }
    let result: KubeObject;
    if (subresource === 'status') {
      result = { ...existing, status: next.status };
    } else {
      if (next.metadata?.name && next.metadata.name !== existing.metadata.name) {
        throw new ApiError(400, 'BadRequest', `the name of the object (${next.metadata.name}) does not match the name on the URL (${existing.metadata.name})`);
      }
      result = sanitize(rt, next);
      result.metadata = { ...result.metadata, name: existing.metadata.name, namespace: existing.metadata.namespace };
      if (rt.kind === 'StatefulSet') refuseImmutableStatefulSetChange(existing, result);
      if (rt.subresources?.includes('status')) {
        if (existing.status === undefined) delete result.status;
        else result.status = existing.status;
      }
    }
    if (dryRun) return { ...result, metadata: { ...result.metadata, uid: existing.metadata.uid } };
    return store.put(registry.storageType(rt), result);
  }

  /**
   * As the API server's validation: of a StatefulSet's spec only replicas, ordinals, template,
   * updateStrategy, persistentVolumeClaimRetentionPolicy and minReadySeconds may change. Checked
   * here for the selector and the claim templates, the fields an apply is likely to change.
   */
  function refuseImmutableStatefulSetChange(existing: KubeObject, next: KubeObject): void {
    const same = (a: unknown, b: unknown) => stableStringify(a ?? null) === stableStringify(b ?? null);
    if (same(existing.spec?.selector, next.spec?.selector) && same(existing.spec?.volumeClaimTemplates, next.spec?.volumeClaimTemplates)) return;
    throw new ApiError(
      422,
      'Invalid',
      `StatefulSet.apps "${existing.metadata.name}" is invalid: spec: Forbidden: updates to statefulset spec for fields other than 'replicas', 'ordinals', 'template', 'updateStrategy', 'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds' are forbidden`,
    );
  }

  function toScale(rt: ResourceType, obj: KubeObject): KubeObject {
    const selector = Object.entries(obj.spec?.selector?.matchLabels ?? {}).map(([k, v]) => `${k}=${v}`).join(',');
    const { name, namespace, uid, resourceVersion, creationTimestamp } = obj.metadata;
    return {
      apiVersion: 'autoscaling/v1', kind: 'Scale',
      metadata: { name, namespace, uid, resourceVersion, creationTimestamp },
      spec: { replicas: obj.spec?.replicas ?? 1 },
      status: { replicas: obj.status?.replicas ?? 0, selector },
    };
  }

  function applyPatch(contentType: string, target: KubeObject, body: unknown): KubeObject {
    try {
      if (contentType.includes('json-patch')) return jsonPatch(target, body) as KubeObject;
      if (contentType.includes('strategic-merge-patch')) return strategicMergePatch(target, body) as KubeObject;
      if (contentType.includes('merge-patch')) return mergePatch(target, body) as KubeObject;
    } catch (e) {
      if (e instanceof PatchError) throw new ApiError(422, 'Invalid', e.message);
      throw e;
    }
    throw new ApiError(415, 'UnsupportedMediaType', `the body of the request was in an unknown format: ${contentType}`);
  }

  function patch(p: ResourcePath & { name: string }, contentType: string, body: unknown, q: URLSearchParams): [number, KubeObject] {
    const { rt, namespace: ns, name, subresource } = p;
    const dryRun = q.has('dryRun');
    const existing = store.get(rt, ns, name);
    if (contentType.includes('apply-patch')) {
      // Server-side apply: creates when missing (201), otherwise merges and prunes (see patch.ts).
      const applied = sanitize(rt, body as KubeObject);
      checkBodyMatchesPath(rt, ns, applied);
      const manager = q.get('fieldManager') ?? 'unknown';
      if (!existing) {
        const created = create(rt, ns, { ...applied, metadata: { ...applied.metadata, name } }, dryRun);
        if (!dryRun) lastApplied.set(`${created.metadata.uid}/${manager}`, applied);
        return [201, created];
      }
      const key = `${existing.metadata.uid}/${manager}`;
      const merged = serverSideApply(existing, applied as never, lastApplied.get(key) as never) as KubeObject;
      delete merged.metadata.resourceVersion; // apply never conflicts on resourceVersion here
      const result = replace(rt, existing, merged, subresource, dryRun);
      if (!dryRun) lastApplied.set(key, applied);
      return [200, result];
    }
    if (!existing) throw notFound(rt, name);
    if (subresource === 'scale') {
      const scaled = applyPatch(contentType, toScale(rt, existing), body);
      const result = replace(rt, existing, { ...existing, metadata: { ...existing.metadata, resourceVersion: undefined }, spec: { ...existing.spec, replicas: scaled.spec?.replicas } }, undefined, dryRun);
      return [200, toScale(rt, result)];
    }
    const patched = applyPatch(contentType, existing, body);
    // A patch that does not mention resourceVersion must not trip the optimistic-concurrency check.
    const mentionsRv = JSON.stringify(body ?? {}).includes('"resourceVersion"');
    if (!mentionsRv) patched.metadata.resourceVersion = existing.metadata.resourceVersion;
    return [200, replace(rt, existing, patched, subresource, dryRun)];
  }

  function remove(p: ResourcePath & { name: string }, body: unknown, q: URLSearchParams): object {
    const { rt, namespace: ns, name } = p;
    const existing = mustGet(rt, ns, name);
    const options = (body ?? {}) as { propagationPolicy?: string; preconditions?: { uid?: string; resourceVersion?: string } };
    const pre = options.preconditions;
    if ((pre?.uid && pre.uid !== existing.metadata.uid) || (pre?.resourceVersion && pre.resourceVersion !== existing.metadata.resourceVersion)) {
      throw new ApiError(409, 'Conflict', `Precondition failed for ${resourceName(rt)} "${name}"`);
    }
    if (!q.has('dryRun')) {
      const policy = q.get('propagationPolicy') ?? options.propagationPolicy;
      if (policy === 'Orphan') store.remove(rt, ns, name);
      else store.removeCascade(rt, ns, name);
      for (const key of lastApplied.keys()) if (key.startsWith(`${existing.metadata.uid}/`)) lastApplied.delete(key);
    }
    return statusBody(200, '', '', { name, group: rt.group, kind: rt.plural, uid: existing.metadata.uid });
  }

  function accessReview(body: KubeObject): KubeObject {
    const attrs = body.spec?.resourceAttributes as { verb?: string; resource?: string } | undefined;
    const denied = attrs ? faultSet.denies(attrs.verb ?? '', attrs.resource ?? '') : undefined;
    return {
      ...body,
      apiVersion: 'authorization.k8s.io/v1',
      kind: 'SelfSubjectAccessReview',
      metadata: { ...(body.metadata ?? {}), creationTimestamp: null } as unknown as KubeObject['metadata'],
      status: denied
        ? { allowed: false, denied: true, reason: `kubesim fault rbac/deny=${attrs?.verb}:${attrs?.resource}` }
        : { allowed: true, reason: 'kubesim allows everything' },
    };
  }

  function listObjects(rt: ResourceType, ns: string | undefined, q: URLSearchParams): KubeObject[] {
    let labels: (o: KubeObject) => boolean;
    let fields: (o: KubeObject) => boolean;
    try {
      labels = parseLabelSelector(q.get('labelSelector'));
      fields = parseFieldSelector(q.get('fieldSelector'));
    } catch (e) {
      throw new ApiError(400, 'BadRequest', (e as Error).message);
    }
    return store.list(rt, ns, (o) => labels(o) && fields(o));
  }

  // ---------------------------------------------------------------------------------------------
  // Watches: streaming watch-list (helm 4) and classic watch-from-resourceVersion (kubectl).

  function serveWatch(req: http.IncomingMessage, res: http.ServerResponse, rt: ResourceType, ns: string | undefined, q: URLSearchParams): void {
    const labels = parseLabelSelector(q.get('labelSelector'));
    const fields = parseFieldSelector(q.get('fieldSelector'));
    const matches = (o: KubeObject | undefined) => !!o && (!ns || !rt.namespaced || o.metadata.namespace === ns) && labels(o) && fields(o);
    const tk = typeKey(rt);
    res.writeHead(200, { 'Content-Type': 'application/json', 'Transfer-Encoding': 'chunked', 'Cache-Control': 'no-cache' });
    // Node holds headers until the first body write; clients block until they see them.
    res.flushHeaders();
    watches.add(res);
    // `kubectl get -w` asks for Table rows; each event then carries a one-row Table.
    const table = wantsTable(req.headers.accept);
    const send = (type: string, object: KubeObject | object) => {
      const isObject = type !== 'ERROR' && type !== 'BOOKMARK';
      if (isObject) object = served(rt, object as KubeObject);
      const wrapped = table && isObject ? toTable(rt.kind, [object as KubeObject], (object as KubeObject).metadata?.resourceVersion ?? '') : object;
      res.write(`${JSON.stringify({ type, object: wrapped })}\n`);
    };
    const forward = (e: StoreEvent) => {
      if (e.typeKey !== tk) return;
      const now = e.type !== 'DELETED' && matches(e.object);
      const before = matches(e.previous);
      if (e.type === 'DELETED') return void (before && send('DELETED', e.object));
      if (now) send(before ? 'MODIFIED' : 'ADDED', e.object);
      else if (before) send('DELETED', e.object); // no longer matches the selector
    };
    // Everything below runs synchronously, so no store event can slip between snapshot and subscribe.
    const rv = q.get('resourceVersion') ?? '';
    if (q.get('sendInitialEvents') === 'true') {
      for (const o of store.list(rt, ns, matches)) send('ADDED', o);
      send('BOOKMARK', {
        apiVersion: apiVersionOf(rt), kind: rt.kind,
        metadata: { resourceVersion: String(store.resourceVersion), annotations: { 'k8s.io/initial-events-end': 'true' } },
      });
    } else if (rv === '' || rv === '0') {
      for (const o of store.list(rt, ns, matches)) send('ADDED', o);
    } else {
      const past = store.eventsSince(rt, Number(rv));
      if (!past) {
        send('ERROR', statusBody(410, 'Expired', `too old resource version: ${rv} (${store.oldestWatchableRv})`));
        res.end();
        watches.delete(res);
        return;
      }
      past.forEach(forward);
    }
    const unsubscribe = store.subscribe(forward);
    const timeout = Number(q.get('timeoutSeconds') ?? 0);
    const timer = timeout > 0 ? setTimeout(() => res.end(), timeout * 1000) : undefined;
    const cleanup = () => {
      unsubscribe();
      if (timer) clearTimeout(timer);
      watches.delete(res);
    };
    res.on('close', cleanup);
    req.on('close', cleanup);
  }

  // ---------------------------------------------------------------------------------------------
  // Request dispatch.

  async function handleResource(req: http.IncomingMessage, res: http.ServerResponse, p: ResourcePath, q: URLSearchParams): Promise<void> {
    const method = req.method ?? 'GET';
    const watch = q.get('watch') === 'true' || q.get('watch') === '1';
    const verb = verbOf(method, p, watch);
    const { rt, namespace: ns, name, subresource } = p;
    if ((rt.verbs && !rt.verbs.includes(verb)) || (subresource === 'log' && verb !== 'get')) {
      throw new ApiError(405, 'MethodNotAllowed', `${verb} is not supported on ${resourceName(rt)}${subresource ? `/${subresource}` : ''}`);
    }
    const denied = faultSet.denies(verb, rt.plural);
    if (denied && rt.kind !== 'SelfSubjectAccessReview') {
      const where = rt.namespaced && ns ? `in the namespace "${ns}"` : 'at the cluster scope';
      throw new ApiError(403, 'Forbidden', `${resourceName(rt)}${name ? ` "${name}"` : ''} is forbidden: User "kubesim" cannot ${verb} resource "${rt.plural}" in API group "${rt.group}" ${where}`, { name, group: rt.group, kind: rt.plural });
    }
    if (subresource && !(rt.subresources ?? []).includes(subresource as never)) {
      throw new ApiError(404, 'NotFound', `the server could not find the requested resource (${resourceName(rt)}/${subresource})`);
    }
    const contentType = (req.headers['content-type'] ?? 'application/json').toLowerCase();
    const body = ['POST', 'PUT', 'PATCH', 'DELETE'].includes(method) ? parseBody(await readBody(req), contentType) : undefined;
    const dryRun = q.has('dryRun');
    const table = wantsTable(req.headers.accept) && !subresource;

    switch (verb) {
      case 'get': {
        const obj = mustGet(rt, ns, name!);
        if (subresource === 'scale') return sendJson(res, 200, toScale(rt, obj));
        if (subresource === 'log') {
          const container = q.get('container') ?? obj.spec?.containers?.[0]?.name ?? '';
          const jobName = obj.metadata.labels?.['job-name'];
          const given = jobName ? jobLogs.get(`${ns}/${jobName}`) : undefined;
          res.writeHead(200, { 'Content-Type': 'text/plain' });
          return void res.end(given ?? `kubesim: no container runtime; this is a canned log for pod ${name} container ${container}\n`);
        }
        return sendJson(res, 200, table ? toTable(rt.kind, [obj], obj.metadata.resourceVersion ?? '') : served(rt, obj));
      }
      case 'list': {
        const items = listObjects(rt, ns, q).map((o) => served(rt, o));
        if (table) return sendJson(res, 200, toTable(rt.kind, items, String(store.resourceVersion)));
        return sendJson(res, 200, { kind: `${rt.kind}List`, apiVersion: apiVersionOf(rt), metadata: { resourceVersion: String(store.resourceVersion) }, items });
      }
      case 'watch':
        return serveWatch(req, res, rt, ns, q);
      case 'create': {
        if (!body || typeof body !== 'object') throw new ApiError(400, 'BadRequest', 'a request body is required');
        if (rt.kind === 'SelfSubjectAccessReview') return sendJson(res, 201, accessReview(body as KubeObject));
        return sendJson(res, 201, served(rt, create(rt, ns, body as KubeObject, dryRun)));
      }
      case 'update': {
        const existing = mustGet(rt, ns, name!);
        if (subresource === 'scale') {
          const replicas = (body as KubeObject).spec?.replicas;
          const result = replace(rt, existing, { ...existing, metadata: { ...existing.metadata, resourceVersion: undefined }, spec: { ...existing.spec, replicas } }, undefined, dryRun);
          return sendJson(res, 200, toScale(rt, result));
        }
        checkBodyMatchesPath(rt, ns, body as KubeObject);
        return sendJson(res, 200, served(rt, replace(rt, existing, body as KubeObject, subresource, dryRun)));
      }
      case 'patch': {
        const [code, result] = patch({ ...p, name: name! }, contentType, body, q);
        return sendJson(res, code, subresource === 'scale' ? result : served(rt, result));
      }
      case 'delete':
        return sendJson(res, 200, remove({ ...p, name: name! }, body, q));
      case 'deletecollection': {
        const items = listObjects(rt, ns, q);
        if (!dryRun) for (const o of items) store.removeCascade(rt, o.metadata.namespace, o.metadata.name);
        return sendJson(res, 200, { kind: `${rt.kind}List`, apiVersion: apiVersionOf(rt), metadata: { resourceVersion: String(store.resourceVersion) }, items: items.map((o) => served(rt, o)) });
      }
    }
  }

  /**
   * Through the Service proxy, like the API server's: 404 for an unknown Service, 503 when no
   * endpoint is ready or the backend does not answer, else the backend's status, type and body.
   * Method, body and headers are passed on, except the caller's Authorization, which (as on a real
   * API server) authenticated the caller and is not forwarded. An rbac/deny fault on
   * VERB:services/proxy gives 403.
   */
  async function proxyToService(req: http.IncomingMessage, res: http.ServerResponse, namespace: string, target: string, rest: string, search: string): Promise<void> {
    const parts = target.split(':');
    const name = parts.length === 1 || !['http', 'https'].includes(parts[0]) ? parts[0] : parts[1];
    const backend = serviceBackends.get(`${namespace}/${name}`);
    if (!backend) throw new ApiError(404, 'NotFound', `the server could not find the requested resource (services/proxy: kubesim proxies only Services a test gave a backend)`);
    const verb = ({ GET: 'get', POST: 'create', PUT: 'update', PATCH: 'patch', DELETE: 'delete' } as Record<string, string>)[req.method ?? 'GET'] ?? 'get';
    if (faultSet.denies(verb, 'services/proxy')) {
      throw new ApiError(403, 'Forbidden', `services "${target}" is forbidden: User "kubesim" cannot ${verb} resource "services/proxy" in API group "" in the namespace "${namespace}"`, { name: target, kind: 'services' });
    }
    const svcType = registry.byAlias('Service')!;
    if (!store.get(svcType, namespace, name)) throw notFound(svcType, name);
    const ep = store.get(registry.byAlias('Endpoints')!, namespace, name);
    const ready = ((ep?.subsets ?? []) as { addresses?: unknown[] }[]).some((sub) => (sub.addresses?.length ?? 0) > 0);
    if (!ready) throw new ApiError(503, 'ServiceUnavailable', `no endpoints available for service "${name}"`);
    const sent = await readBody(req);
    const headers = { ...req.headers };
    for (const h of ['authorization', 'host', 'connection', 'content-length', 'transfer-encoding', 'keep-alive']) delete headers[h];
    let reply: Response;
    try {
      reply = await fetch(`${backend.replace(/\/+$/, '')}${rest || '/'}${search}`, { method: req.method, headers: headers as Record<string, string>, body: sent.length ? new Uint8Array(sent) : undefined, signal: AbortSignal.timeout(30_000) });
    } catch (e) {
      throw new ApiError(503, 'ServiceUnavailable', `error trying to reach service: ${(e as Error).cause instanceof Error ? ((e as Error).cause as Error).message : (e as Error).message}`);
    }
    const body = Buffer.from(await reply.arrayBuffer());
    res.writeHead(reply.status, { 'Content-Type': reply.headers.get('content-type') ?? 'application/octet-stream', 'Content-Length': body.length });
    res.end(body);
  }

  async function handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    if (mode === 'refuse') return void req.socket.destroy();
    if (delayMs > 0) await sleep(delayMs);
    const url = new URL(req.url ?? '/', 'http://kubesim');
    const segs = url.pathname.split('/').filter(Boolean);
    const q = url.searchParams;
    const path = url.pathname.replace(/\/+$/, '') || '/';
    if (path === '/version') return sendJson(res, 200, versionInfo());
    if (['/healthz', '/livez', '/readyz'].includes(path)) {
      res.writeHead(200, { 'Content-Type': 'text/plain' });
      return void res.end('ok');
    }
    if (path === '/api') return sendJson(res, 200, registry.apiVersions(`127.0.0.1:${port}`));
    if (path === '/apis') return sendJson(res, 200, registry.apiGroupList());
    if (path === '/openapi/v3') return sendJson(res, 200, registry.openApiRoot());
    if (segs[0] === 'openapi' && segs[1] === 'v3') {
      const doc = registry.openApiDoc(segs.slice(2).join('/'));
      if (doc) return sendJson(res, 200, doc);
    }
    if ((segs[0] === 'api' && segs.length === 2) || (segs[0] === 'apis' && segs.length === 3)) {
      const list = segs[0] === 'api' ? registry.apiResourceList('', segs[1]) : registry.apiResourceList(segs[1], segs[2]);
      if (list) return sendJson(res, 200, list);
    }
    if (segs[0] === 'apis' && segs.length === 2) {
      const group = (registry.apiGroupList() as { groups: Array<{ name: string }> }).groups.find((g) => g.name === segs[1]);
      if (group) return sendJson(res, 200, { kind: 'APIGroup', apiVersion: 'v1', ...group });
    }
    const proxy = /^\/api\/v1\/namespaces\/([^/]+)\/services\/([^/]+)\/proxy(\/.*)?$/.exec(url.pathname);
    if (proxy) return proxyToService(req, res, decodeURIComponent(proxy[1]), decodeURIComponent(proxy[2]), proxy[3] ?? '', url.search);
    const p = (segs[0] === 'api' || segs[0] === 'apis') ? parseResourcePath(segs) : undefined;
    if (!p) {
      return sendJson(res, 404, statusBody(404, 'NotFound', `the server could not find the requested resource (${req.method} ${url.pathname})`, { causes: [{ reason: 'UnexpectedServerResponse', message: '404 page not found' }] }));
    }
    await handleResource(req, res, p, q);
  }

  const server = http.createServer((req, res) => {
    const started = Date.now();
    // 'close' rather than 'finish': a watch the client hangs up on never finishes.
    res.on('close', () => {
      const record = { method: req.method ?? '', url: req.url ?? '', status: res.statusCode, userAgent: String(req.headers['user-agent'] ?? '') };
      requests.push(record);
      if (requests.length > 5000) requests.splice(0, requests.length - 5000);
      log?.(`${record.method} ${record.url} -> ${record.status} (${Date.now() - started}ms) ${record.userAgent.split(' ')[0]}`);
    });
    const failure = mode === 'refuse' ? undefined : faultSet.takeApiFailure(req.url ?? '/');
    if (failure === 'reset') return void req.socket.destroy();
    if (failure === 'reset-after') {
      // Handled as usual, but the reply never leaves: the client sees a reset after the change.
      res.writeHead = (() => res) as typeof res.writeHead;
      res.write = (() => true) as typeof res.write;
      res.end = (() => {
        req.socket.destroy();
        return res;
      }) as typeof res.end;
    }
    if (failure === '503' || failure === '429') {
      const throttled = failure === '429';
      if (throttled) res.setHeader('Retry-After', '1');
      const code = throttled ? 429 : 503;
      const reason = throttled ? 'TooManyRequests' : 'ServiceUnavailable';
      return sendJson(res, code, statusBody(code, reason, `kubesim fault api/fail=${failure}`));
    }
    handle(req, res).catch((e: unknown) => {
      let err: ApiError;
      if (e instanceof ApiError) err = e;
      else if (e instanceof UnsupportedProtobufKind) err = new ApiError(415, 'UnsupportedMediaType', e.message);
      else err = new ApiError(500, 'InternalError', `kubesim internal error: ${(e as Error)?.stack ?? String(e)}`);
      if (res.headersSent) return void res.end();
      sendJson(res, err.code, statusBody(err.code, err.reason, err.message, err.details));
    });
  });
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });

  const listen = () =>
    new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => {
        server.off('error', reject);
        port = (server.address() as AddressInfo).port;
        resolve();
      });
    });
  const dropConnections = () => {
    for (const w of watches) w.end();
    watches.clear();
    for (const s of sockets) s.destroy();
  };
  const stopListening = () =>
    new Promise<void>((resolve) => {
      if (!server.listening) return resolve();
      server.close(() => resolve());
      dropConnections();
    });

  await listen();
  const url = `http://127.0.0.1:${port}`;
  let tempDir: string | undefined;
  let kubeconfigPath = opts.kubeconfigPath;
  if (!kubeconfigPath) {
    tempDir = await mkdtemp(join(tmpdir(), 'kubesim-'));
    kubeconfigPath = join(tempDir, 'kubeconfig');
  }
  await writeFile(kubeconfigPath, kubeconfigYaml(url), { mode: 0o600 });
  controllers.start();

  const resolveKind = (kind: string): ResourceType => {
    const rt = registry.byAlias(kind);
    if (!rt) throw new Error(`kubesim: unknown kind "${kind}"`);
    return rt;
  };

  return {
    url,
    port,
    kubeconfigPath,
    context: CONTEXT,
    requests,
    objects: {
      get: (kind, ns, name) => store.get(resolveKind(kind), ns, name),
      list: (kind, ns, selector) => store.list(resolveKind(kind), ns, parseLabelSelector(selector)),
      put(obj) {
        const rt = registry.byKind(obj.apiVersion, obj.kind);
        if (!rt) throw new Error(`kubesim: unknown kind ${obj.apiVersion}/${obj.kind}`);
        const exists = store.get(rt, obj.metadata.namespace, obj.metadata.name);
        return store.put(registry.storageType(rt), exists ? obj : controllers.defaultsOnCreate(rt, structuredClone(obj)));
      },
      delete: (kind, ns, name) => !!store.removeCascade(resolveKind(kind), ns, name),
    },
    setFault: (spec) => faultSet.add(toFaults([spec])),
    setServiceBackend: (namespace, service, baseUrl) => (baseUrl === undefined ? serviceBackends.delete(`${namespace}/${service}`) : serviceBackends.set(`${namespace}/${service}`, baseUrl)),
    setJobLog: (namespace, job, text) => (text === undefined ? jobLogs.delete(`${namespace}/${job}`) : jobLogs.set(`${namespace}/${job}`, text)),
    clearFaults: () => faultSet.clear(),
    faults: () => faultSet.list(),
    async setApiMode(next, ms) {
      if (next === 'refuse') {
        mode = 'refuse';
        await stopListening();
        return;
      }
      const wasRefusing = mode === 'refuse';
      mode = next;
      delayMs = next === 'slow' ? (ms ?? 2000) : 0;
      if (wasRefusing) await listen(); // same port, so the kubeconfig stays valid
    },
    registerKind: (rt) => registry.register(rt),
    tick: () => controllers.tick(),
    async close() {
      controllers.stop();
      mode = 'refuse';
      await stopListening();
      if (tempDir) await rm(tempDir, { recursive: true, force: true });
    },
  };
}

export function kubeconfigYaml(url: string): string {
  return stringifyYaml({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: CONTEXT, cluster: { server: url, 'insecure-skip-tls-verify': true } }],
    users: [{ name: CONTEXT, user: { token: TOKEN } }],
    contexts: [{ name: CONTEXT, context: { cluster: CONTEXT, user: CONTEXT, namespace: 'default' } }],
    'current-context': CONTEXT,
    preferences: {},
  });
}
