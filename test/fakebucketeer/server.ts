// A fake of Bucketeer v2.3.0's web gateway (service-token auth) and API gateway (SDK API keys),
// in memory, for the routes bucketeer-install calls (src/bootstrap/contract.ts). See README.md.
import { randomBytes, randomUUID } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { GRPC_CODE, ROUTES, type RouteName } from '../../src/bootstrap/contract.js';

type FieldType = 'string' | 'bool' | 'int' | 'any' | { obj: Shape } | { list: FieldType };
interface Shape { fields: Record<string, FieldType>; required?: string[] }

// Request bodies, field for field as the swagger definitions list them (names in lowerCamelCase).
const variation: Shape = { fields: { id: 'string', value: 'string', name: 'string', description: 'string' } };
const user: Shape = { fields: { id: 'string', data: 'any', taggedData: 'any', lastSeen: 'string', createdAt: 'string' } };
const strategy: Shape = { fields: { type: 'string', fixedStrategy: 'any', rolloutStrategy: 'any' } };
const BODIES: Partial<Record<RouteName, Shape>> = {
  // environmentCreateOrganizationRequest
  createOrganization: { fields: { name: 'string', urlCode: 'string', description: 'string', isTrial: 'bool', isSystemAdmin: 'bool', ownerEmail: 'string' }, required: ['name', 'urlCode'] },
  // environmentCreateProjectRequest
  createProject: { fields: { organizationId: 'string', name: 'string', description: 'string', urlCode: 'string' }, required: ['organizationId', 'name', 'urlCode'] },
  // environmentCreateEnvironmentV2Request
  createEnvironment: { fields: { name: 'string', urlCode: 'string', description: 'string', projectId: 'string', requireComment: 'bool' }, required: ['name', 'urlCode', 'projectId'] },
  // accountCreateAccountV2Request
  createAccount: {
    fields: {
      organizationId: 'string', email: 'string', name: 'string', avatarImageUrl: 'string', organizationRole: 'string',
      environmentRoles: { list: { obj: { fields: { environmentId: 'string', role: 'string' } } } },
      firstName: 'string', lastName: 'string', language: 'string', tags: { list: 'string' }, teams: { list: 'string' },
    },
  },
  // accountCreateAPIKeyRequest
  createApiKey: { fields: { environmentId: 'string', name: 'string', role: 'string', maintainer: 'string', description: 'string' } },
  // featureCreateFeatureRequest
  createFeature: {
    fields: {
      environmentId: 'string', id: 'string', name: 'string', description: 'string', variations: { list: { obj: variation } }, tags: { list: 'string' },
      defaultOnVariationIndex: 'int', defaultOffVariationIndex: 'int', variationType: 'string', variationValueSchema: 'any',
    },
    required: ['environmentId', 'id', 'name', 'tags'],
  },
  // featureUpdateFeatureRequest (the fields the fake acts on, plus the rest accepted and ignored)
  updateFeature: {
    fields: {
      comment: 'string', environmentId: 'string', id: 'string', name: 'string', description: 'string', tags: 'any', enabled: 'bool', archived: 'bool',
      defaultStrategy: { obj: strategy }, offVariation: 'string', resetSamplingSeed: 'bool', applyScheduleUpdate: 'bool', variationChanges: 'any', ruleChanges: 'any',
      prerequisiteChanges: 'any', targetChanges: 'any', tagChanges: 'any', maintainer: 'string', orderedRuleIds: { list: 'string' }, variationValueSchema: 'any', clearVariationValueSchema: 'bool',
    },
    required: ['environmentId', 'id'],
  },
  // gatewayGetEvaluationRequest
  getEvaluation: { fields: { tag: 'string', user: { obj: user }, featureId: 'string', sourceId: 'string', sdkVersion: 'string' } },
  // gatewayRegisterEventsRequest; eventclientEvent.event is a protobuf Any checked below.
  registerEvents: { fields: { events: { list: { obj: { fields: { id: 'string', event: 'any', environmentId: 'string' } } } }, sdkVersion: 'string', sourceId: 'string' } },
};

// bucketeer.event.client.EvaluationEvent (proto/event/client/event.proto), JSON names.
const EVALUATION_EVENT: Shape = {
  fields: {
    '@type': 'string', timestamp: 'any', featureId: 'string', featureVersion: 'int', userId: 'string', variationId: 'string', user: { obj: user },
    reason: { obj: { fields: { type: 'string', ruleId: 'string' } } }, tag: 'string', sourceId: 'string', sdkVersion: 'string', metadata: 'any',
  },
};

class Reply extends Error {
  constructor(readonly status: number, readonly code: number, message: string) {
    super(message);
  }
}
const invalid = (m: string) => new Reply(400, GRPC_CODE.invalidArgument, m);

/** protojson's wording for a field it does not know (grpc-gateway passes it through as code 3). */
function checkShape(value: unknown, shape: Shape, path: string): void {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw invalid(`proto: syntax error: ${path || 'body'} must be an object`);
  for (const [k, v] of Object.entries(value)) {
    const t = shape.fields[k];
    if (!t) throw invalid(`proto: (line 1:2): unknown field "${k}"`);
    checkType(v, t, path ? `${path}.${k}` : k);
  }
  for (const r of shape.required ?? []) {
    const v = (value as Record<string, unknown>)[r];
    if (v === undefined || v === '' || (Array.isArray(v) && v.length === 0)) throw invalid(`${path ? `${path}.` : ''}${r} is required`);
  }
}

function checkType(v: unknown, t: FieldType, path: string): void {
  if (v === null || t === 'any') return;
  if (t === 'string' && typeof v !== 'string') throw invalid(`proto: invalid value for string field ${path}: ${JSON.stringify(v)}`);
  if (t === 'bool' && typeof v !== 'boolean') throw invalid(`proto: invalid value for bool field ${path}: ${JSON.stringify(v)}`);
  if (t === 'int' && !Number.isInteger(typeof v === 'string' ? Number(v) : v)) throw invalid(`proto: invalid value for int32 field ${path}: ${JSON.stringify(v)}`);
  if (typeof t === 'object' && 'obj' in t) checkShape(v, t.obj, path);
  if (typeof t === 'object' && 'list' in t) {
    if (!Array.isArray(v)) throw invalid(`proto: syntax error: ${path} must be a list`);
    v.forEach((x, i) => checkType(x, t.list, `${path}[${i}]`));
  }
}

export type FakeFault =
  | { kind: 'status'; status: 401 | 403 | 503; route?: RouteName }
  | { kind: 'slow'; delayMs: number; route?: RouteName }
  | { kind: 'wrong-variation' };

export interface FakeOrganization { id: string; name: string; urlCode: string; ownerEmail: string; systemAdmin: boolean; description: string }
export interface FakeProject { id: string; name: string; urlCode: string; organizationId: string; creatorEmail: string }
export interface FakeEnvironment { id: string; name: string; urlCode: string; projectId: string; organizationId: string }
export interface FakeAccount { email: string; organizationId: string; organizationRole: string; environmentRoles: { environmentId: string; role: string }[] }
export interface FakeApiKey { id: string; name: string; role: string; apiKey: string; environmentId: string; maintainer: string; disabled: boolean }
export interface FakeFeature { id: string; environmentId: string; name: string; enabled: boolean; archived: boolean; version: number; variations: { id: string; value: string; name: string }[]; onVariation: string; offVariation: string }

export interface FakeCall { gateway: 'web' | 'api'; method: string; path: string; route?: RouteName; status: number; authHeader?: string }

export interface FakeBucketeer {
  webUrl: string;
  apiUrl: string;
  state: {
    organizations: FakeOrganization[];
    projects: FakeProject[];
    environments: FakeEnvironment[];
    accounts: FakeAccount[];
    apiKeys: FakeApiKey[];
    features: FakeFeature[];
    events: { id: string; environmentId: string; type: string; featureId?: string; variationId?: string }[];
  };
  /** Every request, in order (the auth header is kept only as its scheme, never the secret). */
  calls: FakeCall[];
  /** Count of successful create calls per route (what "created once" is measured on). */
  creates(): Record<string, number>;
  setFault(f: FakeFault): void;
  clearFaults(): void;
  close(): Promise<void>;
}

export interface FakeOptions {
  /** The service token the web gateway accepts; a function is read per request (e.g. from a Secret). */
  serviceToken: string | (() => string | undefined);
}

const ROUTE_BY_KEY = new Map<string, RouteName>(Object.entries(ROUTES).map(([name, r]) => [`${r.gateway} ${r.method} ${r.path}`, name as RouteName]));

export async function startFakeBucketeer(opts: FakeOptions): Promise<FakeBucketeer> {
  const state: FakeBucketeer['state'] = { organizations: [], projects: [], environments: [], accounts: [], apiKeys: [], features: [], events: [] };
  const calls: FakeCall[] = [];
  let faults: FakeFault[] = [];
  const id = () => randomUUID();
  const token = () => (typeof opts.serviceToken === 'function' ? opts.serviceToken() : opts.serviceToken);

  // grpc-gateway's default header matcher: `Authorization` and `Grpc-Metadata-Authorization` both
  // become metadata `authorization`.
  const authOf = (req: http.IncomingMessage) => (req.headers['authorization'] ?? req.headers['grpc-metadata-authorization']) as string | undefined;

  function webAuth(req: http.IncomingMessage): void {
    const raw = authOf(req);
    if (!raw) throw new Reply(401, GRPC_CODE.unauthenticated, 'token is required');
    const parts = raw.split(' ');
    if (parts.length !== 2) throw new Reply(401, GRPC_CODE.unauthenticated, 'token is malformed');
    if (!token() || parts[1] !== token()) throw new Reply(401, GRPC_CODE.unauthenticated, 'token is invalid: signature mismatch');
  }

  function apiAuth(req: http.IncomingMessage, roles: string[]): FakeApiKey {
    const raw = authOf(req);
    if (!raw) throw new Reply(401, GRPC_CODE.unauthenticated, 'gateway: missing APIKey');
    const key = state.apiKeys.find((k) => k.apiKey === raw);
    if (!key) throw new Reply(401, GRPC_CODE.unauthenticated, 'gateway: invalid APIKey');
    if (key.disabled) throw new Reply(403, GRPC_CODE.permissionDenied, 'gateway: disabled APIKey');
    if (!roles.includes(key.role)) throw new Reply(403, GRPC_CODE.permissionDenied, 'gateway: bad role');
    return key;
  }

  const org = (orgId: string) => {
    const o = state.organizations.find((x) => x.id === orgId);
    if (!o) throw new Reply(404, GRPC_CODE.notFound, 'environment: organization not found');
    return o;
  };
  const env = (envId: string) => {
    const e = state.environments.find((x) => x.id === envId);
    if (!e) throw new Reply(404, GRPC_CODE.notFound, 'environment: environment not found');
    return e;
  };
  const urlCode = (v: string, what: string) => {
    if (!/^[a-z0-9-]{1,50}$/.test(v)) throw invalid(`environment: invalid ${what} url code`);
  };
  const featureOf = (envId: string, fid: string) => {
    const f = state.features.find((x) => x.environmentId === envId && x.id === fid);
    if (!f) throw new Reply(404, GRPC_CODE.notFound, 'feature: not found');
    return f;
  };
  const featureJson = (f: FakeFeature) => ({ id: f.id, name: f.name, enabled: f.enabled, archived: f.archived, version: f.version, variations: f.variations, offVariation: f.offVariation, defaultStrategy: { type: 'FIXED', fixedStrategy: { variation: f.onVariation } } });

  function handleWeb(route: RouteName, q: URLSearchParams, b: Record<string, any>): unknown {
    switch (route) {
      case 'listOrganizations': {
        const kw = q.get('searchKeyword')?.toLowerCase();
        const list = state.organizations.filter((o) => !kw || o.name.toLowerCase().includes(kw) || o.urlCode.includes(kw));
        return { Organizations: list, cursor: String(list.length), totalCount: String(list.length) };
      }
      case 'createOrganization': {
        const name = String(b.name).trim();
        if (name.length > 50) throw invalid('environment: invalid organization name');
        urlCode(String(b.urlCode).trim(), 'organization');
        if (!/^[^@\s]+@[^@\s]+$/.test(b.ownerEmail ?? '')) throw invalid('environment: invalid organization creator email');
        if (state.organizations.some((o) => o.urlCode === b.urlCode) || (b.isSystemAdmin && state.organizations.some((o) => o.systemAdmin))) {
          throw new Reply(409, GRPC_CODE.alreadyExists, 'environment: organization already exists');
        }
        const o: FakeOrganization = { id: id(), name, urlCode: b.urlCode, ownerEmail: b.ownerEmail, systemAdmin: Boolean(b.isSystemAdmin), description: b.description ?? '' };
        state.organizations.push(o);
        // As upstream: a default project, two environments and the owner's account come with it.
        const p: FakeProject = { id: id(), name: 'Default Project', urlCode: 'default', organizationId: o.id, creatorEmail: o.ownerEmail };
        state.projects.push(p);
        const envs = ['Development', 'Production'].map((n): FakeEnvironment => ({ id: id(), name: n, urlCode: n.toLowerCase(), projectId: p.id, organizationId: o.id }));
        state.environments.push(...envs);
        state.accounts.push({ email: o.ownerEmail, organizationId: o.id, organizationRole: 'Organization_OWNER', environmentRoles: envs.map((e) => ({ environmentId: e.id, role: 'Environment_EDITOR' })) });
        return { Organization: o };
      }
      case 'listProjects': {
        const orgIds = q.getAll('organizationIds');
        const list = state.projects.filter((p) => orgIds.length === 0 || orgIds.includes(p.organizationId));
        return { projects: list, cursor: String(list.length), totalCount: String(list.length) };
      }
      case 'createProject': {
        org(b.organizationId);
        urlCode(b.urlCode, 'project');
        if (state.projects.some((p) => p.organizationId === b.organizationId && p.urlCode === b.urlCode)) throw new Reply(409, GRPC_CODE.alreadyExists, 'environment: project already exists');
        const p: FakeProject = { id: id(), name: b.name, urlCode: b.urlCode, organizationId: b.organizationId, creatorEmail: 'service-token' };
        state.projects.push(p);
        return { project: p };
      }
      case 'listEnvironments': {
        const pid = q.get('projectId');
        const oid = q.get('organizationId');
        const list = state.environments.filter((e) => (!pid || e.projectId === pid) && (!oid || e.organizationId === oid));
        return { environments: list, cursor: String(list.length), totalCount: String(list.length) };
      }
      case 'createEnvironment': {
        const p = state.projects.find((x) => x.id === b.projectId);
        if (!p) throw new Reply(404, GRPC_CODE.notFound, 'environment: project not found');
        urlCode(b.urlCode, 'environment');
        if (state.environments.some((e) => e.projectId === p.id && e.urlCode === b.urlCode)) throw new Reply(409, GRPC_CODE.alreadyExists, 'environment: environment already exists');
        const e: FakeEnvironment = { id: id(), name: b.name, urlCode: b.urlCode, projectId: p.id, organizationId: p.organizationId };
        state.environments.push(e);
        return { environment: e };
      }
      case 'getAccount': {
        const a = state.accounts.find((x) => x.email === q.get('email') && x.organizationId === q.get('organizationId'));
        if (!a) throw new Reply(404, GRPC_CODE.notFound, 'account: member not found');
        return { account: a };
      }
      case 'createAccount': {
        // pkg/account/api/validation.go validateCreateAccountV2Request
        if (!b.organizationId) throw invalid('account: organization id must be specified');
        if (!b.email) throw invalid('account: email is empty');
        if (!b.organizationRole || b.organizationRole === 'Organization_UNASSIGNED') throw invalid('account: invalid organization role');
        org(b.organizationId);
        if (state.accounts.some((a) => a.email === b.email && a.organizationId === b.organizationId)) throw new Reply(409, GRPC_CODE.alreadyExists, 'account: member already exists');
        const a: FakeAccount = { email: b.email, organizationId: b.organizationId, organizationRole: b.organizationRole, environmentRoles: b.environmentRoles ?? [] };
        state.accounts.push(a);
        return { account: a };
      }
      case 'createApiKey': {
        if (!b.name) throw invalid('account: api key name must be specified');
        env(b.environmentId);
        if (state.apiKeys.some((k) => k.environmentId === b.environmentId && k.name === b.name)) throw new Reply(409, GRPC_CODE.alreadyExists, 'account: api key already exists');
        const k: FakeApiKey = { id: id(), name: b.name, role: b.role ?? 'UNKNOWN', apiKey: randomBytes(32).toString('hex'), environmentId: b.environmentId, maintainer: b.maintainer ?? 'service-token', disabled: false };
        state.apiKeys.push(k);
        return { apiKey: { id: k.id, name: k.name, role: k.role, apiKey: k.apiKey, maintainer: k.maintainer, disabled: false } };
      }
      case 'listApiKeys': {
        // pkg/account/api/api_key.go ListAPIKeys: organizationId required; environmentIds, disabled and
        // searchKeyword (on the name) filter; the keys come back obfuscated.
        const oid = q.get('organizationId');
        if (!oid) throw invalid('account: invalid list api key request');
        const envIds = q.getAll('environmentIds');
        const disabled = q.get('disabled');
        const kw = q.get('searchKeyword')?.toLowerCase();
        const list = state.apiKeys.filter(
          (k) =>
            state.environments.some((e) => e.id === k.environmentId && e.organizationId === oid) &&
            (envIds.length === 0 || envIds.includes(k.environmentId)) &&
            (disabled === null || String(k.disabled) === disabled) &&
            (!kw || k.name.toLowerCase().includes(kw)),
        );
        const obfuscated = (key: string) => `${key.slice(0, 4)}${'*'.repeat(8)}${key.slice(-4)}`;
        return {
          apiKeys: list.map((k) => ({ id: k.id, name: k.name, role: k.role, disabled: k.disabled, maintainer: k.maintainer, apiKey: obfuscated(k.apiKey), environmentName: state.environments.find((e) => e.id === k.environmentId)?.name ?? '' })),
          cursor: String(list.length),
          totalCount: String(list.length),
        };
      }
      case 'createFeature': {
        // pkg/feature/api/validation.go validateCreateFeatureRequest
        env(b.environmentId);
        if (!/^[a-zA-Z0-9-]+$/.test(b.id)) throw invalid('feature: invalid id');
        const vs = (b.variations ?? []) as { value: string; name?: string }[];
        if (vs.length < 2) throw invalid('feature: feature must contain more than one variation');
        if (b.defaultOnVariationIndex === undefined) throw invalid('feature: default on variation is required');
        if (b.defaultOffVariationIndex === undefined) throw invalid('feature: default off variation is required');
        if (b.defaultOnVariationIndex >= vs.length || b.defaultOffVariationIndex >= vs.length) throw invalid('feature: invalid default variation index');
        if (state.features.some((f) => f.environmentId === b.environmentId && f.id === b.id)) throw new Reply(409, GRPC_CODE.alreadyExists, 'feature: already exists');
        const variations = vs.map((v) => ({ id: id(), value: v.value, name: v.name ?? v.value }));
        const f: FakeFeature = { id: b.id, environmentId: b.environmentId, name: b.name, enabled: false, archived: false, version: 1, variations, onVariation: variations[b.defaultOnVariationIndex].id, offVariation: variations[b.defaultOffVariationIndex].id };
        state.features.push(f);
        return { feature: featureJson(f) };
      }
      case 'updateFeature': {
        const f = featureOf(b.environmentId, b.id);
        if (typeof b.enabled === 'boolean') f.enabled = b.enabled;
        if (typeof b.archived === 'boolean') f.archived = b.archived;
        f.version += 1;
        return { feature: featureJson(f), scheduleConflictsDetected: false, conflictCount: 0 };
      }
      default:
        throw new Reply(404, 5, 'Not Found');
    }
  }

  function handleApi(route: RouteName, req: http.IncomingMessage, b: Record<string, any>): unknown {
    if (route === 'getEvaluation') {
      const key = apiAuth(req, ['SDK_CLIENT']);
      // pkg/api/api/api_grpc.go validateGetEvaluationRequest
      if (!b.tag) throw invalid('gateway: tag is required');
      if (!b.user) throw invalid('gateway: user is required');
      if (!b.user.id) throw invalid('gateway: user id is required');
      if (!b.featureId) throw invalid('gateway: feature id is required');
      const f = state.features.find((x) => x.environmentId === key.environmentId && x.id === b.featureId && !x.archived);
      if (!f) throw new Reply(404, GRPC_CODE.notFound, 'gateway: feature not found');
      let vid = f.enabled ? f.onVariation : f.offVariation;
      if (faults.some((x) => x.kind === 'wrong-variation')) vid = f.variations.find((v) => v.id !== vid)!.id;
      const v = f.variations.find((x) => x.id === vid)!;
      return { evaluation: { id: `${f.id}:${f.version}:${b.user.id}`, featureId: f.id, featureVersion: f.version, userId: b.user.id, variationId: v.id, variation: v, reason: { type: f.enabled ? 'DEFAULT' : 'OFF_VARIATION' }, variationValue: v.value, variationName: v.name } };
    }
    if (route === 'registerEvents') {
      const key = apiAuth(req, ['SDK_CLIENT', 'SDK_SERVER']);
      const events = (b.events ?? []) as { id?: string; event?: Record<string, unknown> }[];
      if (events.length === 0) throw invalid('gateway: missing events');
      const errors: Record<string, { retriable: boolean; message: string }> = {};
      for (const e of events) {
        if (!e.id) throw invalid('gateway: missing event id');
        const any = e.event ?? {};
        if (any['@type'] !== 'type.googleapis.com/bucketeer.event.client.EvaluationEvent') {
          errors[e.id] = { retriable: false, message: `unsupported event type ${String(any['@type'])}` };
          continue;
        }
        checkShape(any, EVALUATION_EVENT, 'events.event');
        state.events.push({ id: e.id, environmentId: key.environmentId, type: 'evaluation', featureId: any.featureId as string, variationId: any.variationId as string });
      }
      return { errors };
    }
    throw new Reply(404, 5, 'Not Found');
  }

  function makeServer(gateway: 'web' | 'api') {
    return http.createServer(async (req, res) => {
      const url = new URL(req.url ?? '/', 'http://fake');
      const route = ROUTE_BY_KEY.get(`${gateway} ${req.method} ${url.pathname}`);
      const rawAuth = authOf(req);
      const call: FakeCall = { gateway, method: req.method ?? 'GET', path: url.pathname, route, status: 0, authHeader: rawAuth ? (rawAuth.includes(' ') ? rawAuth.split(' ')[0] : 'apikey') : undefined };
      calls.push(call);
      const send = (status: number, body: unknown) => {
        call.status = status;
        const text = JSON.stringify(body);
        res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
        res.end(text);
      };
      const chunks: Buffer[] = [];
      for await (const c of req) chunks.push(c as Buffer);
      try {
        if (url.pathname === '/health' && req.method === 'GET') return send(200, { status: 'SERVING' });
        // The installer's health check of web's API (src/install/health.ts), no auth as upstream.
        if (gateway === 'web' && url.pathname === '/v1/demo_site_status' && req.method === 'GET') return send(200, { isDemoSiteEnabled: false });
        if (!route) throw new Reply(404, 5, 'Not Found');
        for (const f of faults) {
          if (f.kind === 'slow' && (!f.route || f.route === route)) await new Promise((r) => setTimeout(r, f.delayMs));
        }
        const statusFault = faults.find((f): f is Extract<FakeFault, { kind: 'status' }> => f.kind === 'status' && (!f.route || f.route === route));
        if (statusFault) {
          const code = statusFault.status === 401 ? GRPC_CODE.unauthenticated : statusFault.status === 403 ? GRPC_CODE.permissionDenied : GRPC_CODE.unavailable;
          const message = statusFault.status === 401 ? 'not authenticated' : statusFault.status === 403 ? 'not authorized' : 'upstream connect error or disconnect/reset before headers';
          throw new Reply(statusFault.status, code, message);
        }
        if (gateway === 'web') webAuth(req);
        let body: Record<string, any> = {};
        if (req.method !== 'GET') {
          const text = Buffer.concat(chunks).toString('utf8');
          if (!text) throw invalid('unexpected EOF');
          try {
            body = JSON.parse(text);
          } catch (e) {
            throw invalid(`proto: syntax error: ${(e as Error).message}`);
          }
          checkShape(body, BODIES[route]!, '');
        }
        return send(200, gateway === 'web' ? handleWeb(route, url.searchParams, body) : handleApi(route, req, body));
      } catch (e) {
        if (e instanceof Reply) return send(e.status, { code: e.code, message: e.message, details: [] });
        return send(500, { code: 13, message: (e as Error).message, details: [] });
      }
    });
  }

  const web = makeServer('web');
  const api = makeServer('api');
  const listen = (s: http.Server) => new Promise<number>((r) => s.listen(0, '127.0.0.1', () => r((s.address() as AddressInfo).port)));
  const [wp, ap] = [await listen(web), await listen(api)];
  return {
    webUrl: `http://127.0.0.1:${wp}`,
    apiUrl: `http://127.0.0.1:${ap}`,
    state,
    calls,
    creates() {
      const out: Record<string, number> = {};
      for (const c of calls) if (c.route && /^create/.test(c.route) && c.status === 200) out[c.route] = (out[c.route] ?? 0) + 1;
      return out;
    },
    setFault: (f) => void faults.push(f),
    clearFaults: () => void (faults = []),
    close: async () => {
      web.closeAllConnections();
      api.closeAllConnections();
      await Promise.all([new Promise((r) => web.close(r)), new Promise((r) => api.close(r))]);
    },
  };
}
