// Bootstrap and smoke test against the fake gateways (test/fakebucketeer), over plain HTTP.
// Upstream behaviour relied on, at v2.3.0:
// - pkg/environment/api/organization.go: create_organization also creates "Default Project"
//   (url code default), Development/Production and the owner's OWNER account;
// - pkg/account/api/api_key.go: create_api_key returns the key; later listings obfuscate it, so
//   the Secret is the record; list_api_keys filters by organization, environments, disabled and
//   name; UpdateAPIKey (PATCH /v1/account/update_api_key, proto/account/service.proto
//   UpdateAPIKeyRequest {id, environmentId, disabled}) is how a key is disabled;
// - ui/dashboard/src/components/navigation/index.tsx: the console lists keys at /<env>/api-keys;
// - pkg/rpc/auth.go: web auth is "bearer <token>"; pkg/api/api/api_grpc.go: the SDK key is the bare
//   `authorization` value and get_evaluation needs an SDK_CLIENT key.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AnswersSchema } from '../../src/answers/schema.js';
import { bootstrapSpec, runBootstrap, type KeyStore } from '../../src/bootstrap/bootstrap.js';
import { BucketeerClient } from '../../src/bootstrap/client.js';
import { ROUTES } from '../../src/bootstrap/contract.js';
import { runSmoke } from '../../src/bootstrap/smoke.js';
import { httpTransport } from '../../src/bootstrap/transport.js';
import { startFakeBucketeer, type FakeBucketeer } from '../fakebucketeer/server.js';

const TOKEN = 'service-token-for-tests';

function answers(extra: Record<string, unknown> = {}) {
  return AnswersSchema.parse({
    version: 1,
    platform: 'other',
    database: { mode: 'in-cluster', password: { env: 'X' } },
    redis: { mode: 'in-cluster' },
    messaging: { backend: 'redis-stream' },
    warehouse: { type: 'mysql' },
    ingress: { webHost: 'b.example.com', apiHost: 'api.b.example.com' },
    auth: { demoSignIn: { enabled: true, email: 'demo@example.com', password: { env: 'Y' } }, adminEmail: 'admin@example.com' },
    ...extra,
  });
}

function memoryStore(): KeyStore & { data: Record<string, string>; writes: number } {
  const s = {
    data: {} as Record<string, string>,
    writes: 0,
    async read() {
      return { ...s.data };
    },
    async write(k: Record<string, string>) {
      s.writes++;
      s.data = { ...k };
    },
  };
  return s;
}

let fake: FakeBucketeer;
let client: BucketeerClient;
beforeEach(async () => {
  fake = await startFakeBucketeer({ serviceToken: TOKEN });
  client = new BucketeerClient({ transport: httpTransport({ web: fake.webUrl, api: fake.apiUrl }), serviceToken: TOKEN, timeoutMs: 2_000 });
});
afterEach(() => fake.close());

describe('bootstrap', () => {
  it('from empty creates the organization once (upstream brings the default project and environments) and two keys per environment; a second run creates and changes nothing', async () => {
    const spec = bootstrapSpec(answers());
    expect(spec.ownerEmail).toBe('admin@example.com');
    const store = memoryStore();
    const first = await runBootstrap(client, spec, store);
    expect(fake.creates()).toEqual({ createOrganization: 1, createApiKey: 4 });
    expect(first.organization.urlCode).toBe('bucketeer');
    expect(first.project.urlCode).toBe('default');
    expect(first.environments.map((e) => e.urlCode)).toEqual(['development', 'production']);
    expect(Object.keys(store.data).sort()).toEqual(['development-client', 'development-server', 'production-client', 'production-server']);
    expect(fake.state.organizations[0].ownerEmail).toBe('admin@example.com');
    expect(fake.state.organizations[0].systemAdmin).toBe(true);
    expect(fake.state.apiKeys.map((k) => k.role).sort()).toEqual(['SDK_CLIENT', 'SDK_CLIENT', 'SDK_SERVER', 'SDK_SERVER']);
    expect(store.data['development-client']).toBe(fake.state.apiKeys.find((k) => k.role === 'SDK_CLIENT' && k.environmentId === first.environments[0].id)!.apiKey);
    // every web call carried "bearer <token>"
    expect(fake.calls.filter((c) => c.gateway === 'web').every((c) => c.authHeader === 'bearer')).toBe(true);

    const before = JSON.stringify(fake.state);
    const keysBefore = JSON.stringify(store.data);
    const callsBefore = fake.calls.length;
    const second = await runBootstrap(client, spec, store);
    expect(second.created).toEqual([]);
    expect(fake.calls.slice(callsBefore).every((c) => !c.route?.startsWith('create'))).toBe(true);
    expect(JSON.stringify(fake.state)).toBe(before);
    expect(JSON.stringify(store.data)).toBe(keysBefore);
    expect(store.writes).toBe(1);
  });

  it('a custom project and environments are each created once, and the owner account exists', async () => {
    const spec = bootstrapSpec(answers({ bootstrap: { organization: { name: 'Acme Corp' }, project: { name: 'Mobile App' }, environments: ['staging', 'prod'] } }));
    const store = memoryStore();
    const r = await runBootstrap(client, spec, store);
    expect(fake.creates()).toEqual({ createOrganization: 1, createProject: 1, createEnvironment: 2, createApiKey: 4 });
    expect(r.organization.urlCode).toBe('acme-corp');
    expect(r.project.urlCode).toBe('mobile-app');
    expect(r.created).toContain('environment staging');
    await runBootstrap(client, spec, store);
    expect(fake.creates()).toEqual({ createOrganization: 1, createProject: 1, createEnvironment: 2, createApiKey: 4 });
  });

  it('creates the owner account as organization admin when the organization lacks it', async () => {
    const spec = bootstrapSpec(answers());
    await runBootstrap(client, spec, memoryStore());
    fake.state.accounts.length = 0;
    await runBootstrap(client, spec, memoryStore());
    expect(fake.state.accounts).toEqual([expect.objectContaining({ email: 'admin@example.com', organizationRole: 'Organization_ADMIN' })]);
  });

  describe('a key missing from the Secret is created anew; the earlier one stays enabled and is named', () => {
    async function afterLosing(slot: string) {
      const spec = bootstrapSpec(answers());
      const store = memoryStore();
      const first = await runBootstrap(client, spec, store);
      const lost = store.data[slot];
      delete store.data[slot];
      const earlier = fake.state.apiKeys.find((k) => k.apiKey === lost)!;
      return { spec, store, first, earlier };
    }

    it('names the earlier key, its id and how to disable it, and leaves it enabled', async () => {
      const { spec, store, first, earlier } = await afterLosing('production-client');
      const production = first.environments.find((e) => e.urlCode === 'production')!;
      const progress: string[] = [];
      const r = await runBootstrap(client, spec, store, (m) => progress.push(m));
      expect(r.created).toEqual([expect.stringMatching(/^client SDK key for production \(bucketeer-install-client-\d{14}\)$/)]);
      expect(store.data['production-client']).toBe(fake.state.apiKeys.find((k) => /^bucketeer-install-client-\d{14}$/.test(k.name))!.apiKey);
      expect(r.earlierKeys).toEqual([{ environment: { id: production.id, urlCode: 'production' }, role: 'client', id: earlier.id, name: 'bucketeer-install-client' }]);
      // Not disabled: an app may still use a copy. Nothing but creating and listing was sent.
      expect(earlier.disabled).toBe(false);
      expect(fake.calls.every((c) => c.method !== 'PATCH')).toBe(true);
      const note = progress.find((m) => m.startsWith('the earlier client SDK key'));
      expect(note).toBe(
        `the earlier client SDK key bucketeer-install-client (id ${earlier.id}) of environment production is still active in Bucketeer: ` +
          'a new key replaced it in the Secret, but an app may still use a copy. Once none does, disable it in the console ' +
          `(https://b.example.com/production/api-keys) or with PATCH /v1/account/update_api_key {"id":"${earlier.id}","environmentId":"${production.id}","disabled":true}`,
      );
      // The key itself is never in the note.
      expect(note).not.toContain(earlier.apiKey);
    });

    it('an earlier key already disabled is not named', async () => {
      const { spec, store, earlier } = await afterLosing('development-server');
      earlier.disabled = true;
      const r = await runBootstrap(client, spec, store);
      expect(r.created).toEqual([expect.stringMatching(/^server SDK key for development \(bucketeer-install-server-\d{14}\)$/)]);
      expect(r.earlierKeys).toEqual([]);
    });

    it('when listing the keys fails, the new key is still stored and the earlier one named without its id', async () => {
      const { spec, store } = await afterLosing('production-server');
      fake.setFault({ kind: 'status', status: 503, route: 'listApiKeys' });
      const r = await runBootstrap(client, spec, store);
      expect(store.data['production-server']).toMatch(/^[0-9a-f]{64}$/);
      expect(r.earlierKeys).toEqual([expect.objectContaining({ role: 'server', name: 'bucketeer-install-server', lookupFailed: expect.stringMatching(/list_api_keys: HTTP 503/) })]);
      expect(r.earlierKeys[0].id).toBeUndefined();
    });
  });

  it('a wrong service token fails with HTTP 401 and Bucketeer\'s message', async () => {
    const bad = new BucketeerClient({ transport: httpTransport({ web: fake.webUrl, api: fake.apiUrl }), serviceToken: 'nope', timeoutMs: 2_000 });
    await expect(runBootstrap(bad, bootstrapSpec(answers()), memoryStore())).rejects.toThrow(/list_organizations: HTTP 401: token is invalid/);
  });
});

describe('the fake rejects what grpc-gateway would', () => {
  it('unknown fields and missing required fields: HTTP 400 {code: 3, message}', async () => {
    const post = (body: unknown) => fetch(`${fake.webUrl}${ROUTES.createProject.path}`, { method: 'POST', headers: { authorization: `bearer ${TOKEN}` }, body: JSON.stringify(body) });
    const unknown = await post({ organizationId: 'x', name: 'p', urlCode: 'p', colour: 'red' });
    expect(unknown.status).toBe(400);
    expect(await unknown.json()).toMatchObject({ code: 3, message: expect.stringContaining('unknown field "colour"') });
    const missing = await post({ organizationId: 'x', name: 'p' });
    expect(missing.status).toBe(400);
    expect(await missing.json()).toMatchObject({ code: 3, message: 'urlCode is required' });
  });
});

describe('smoke test', () => {
  async function setUp() {
    const store = memoryStore();
    const r = await runBootstrap(client, bootstrapSpec(answers()), store);
    return { env: r.environments[0], clientKey: store.data['development-client'] };
  }

  it('passes: each step a check with its timing, the flag archived, one evaluation event', async () => {
    const { env, clientKey } = await setUp();
    const checks = await runSmoke(client, { environmentId: env.id, environmentName: env.name, clientKey, evaluationWaitMs: 500 });
    expect(checks.map((c) => [c.id, c.status])).toEqual([
      ['smoke.create-flag', 'pass'], ['smoke.enable-flag', 'pass'], ['smoke.evaluate', 'pass'], ['smoke.register-event', 'pass'], ['smoke.archive-flag', 'pass'],
    ]);
    expect(checks.every((c) => /\(\d+ ms\)$/.test(c.detail ?? ''))).toBe(true);
    expect(fake.state.features).toHaveLength(1);
    expect(fake.state.features[0].archived).toBe(true);
    expect(fake.state.events).toEqual([expect.objectContaining({ type: 'evaluation', featureId: fake.state.features[0].id, environmentId: env.id })]);
    // the SDK calls carried the bare key, not "bearer ..."
    expect(fake.calls.filter((c) => c.gateway === 'api').map((c) => c.authHeader)).toEqual(['apikey', 'apikey']);
  });

  const cases: [string, Parameters<FakeBucketeer['setFault']>[0], string, RegExp][] = [
    ['401 on create', { kind: 'status', status: 401, route: 'createFeature' }, 'smoke.create-flag', /HTTP 401: not authenticated/],
    ['403 on evaluation', { kind: 'status', status: 403, route: 'getEvaluation' }, 'smoke.evaluate', /HTTP 403: not authorized/],
    ['503 on register_events', { kind: 'status', status: 503, route: 'registerEvents' }, 'smoke.register-event', /HTTP 503: upstream connect error/],
    ['wrong variation', { kind: 'wrong-variation' }, 'smoke.evaluate', /got variation false .*expected on \(true\)/],
    ['slow web gateway', { kind: 'slow', delayMs: 1_500, route: 'updateFeature' }, 'smoke.enable-flag', /no answer .* within 0.5s/],
  ];
  it.each(cases)('fails naming the step: %s', async (_n, fault, step, message) => {
    const { env, clientKey } = await setUp();
    fake.setFault(fault);
    const c = fault.kind === 'slow' ? new BucketeerClient({ transport: httpTransport({ web: fake.webUrl, api: fake.apiUrl }), serviceToken: TOKEN, timeoutMs: 500 }) : client;
    const checks = await runSmoke(c, { environmentId: env.id, environmentName: env.name, clientKey, evaluationWaitMs: 300 });
    const failed = checks.filter((x) => x.status === 'fail');
    expect(failed[0].id).toBe(step);
    expect(failed[0].detail).toMatch(message);
    expect(failed[0].detail).toContain(failed[0].title);
    // later steps are skipped, but the flag is still archived when it was created
    expect(checks.at(-1)!.id).toBe('smoke.archive-flag');
  });

  it('with the server key instead of the client key, evaluation fails with 403 bad role', async () => {
    const store = memoryStore();
    const r = await runBootstrap(client, bootstrapSpec(answers()), store);
    const checks = await runSmoke(client, { environmentId: r.environments[0].id, environmentName: 'development', clientKey: store.data['development-server'], evaluationWaitMs: 100 });
    expect(checks.find((c) => c.status === 'fail')).toMatchObject({ id: 'smoke.evaluate', detail: expect.stringMatching(/HTTP 403: gateway: bad role/) });
  });
});
