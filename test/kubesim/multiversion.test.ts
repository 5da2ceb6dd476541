// Resources served in several API versions (GKE's BackendConfig: cloud.google.com/v1 and v1beta1,
// both used by the Bucketeer chart): one set of objects, readable and watchable under every version.
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ClientEnv, DEMO_CHART, eventually, findClients, watchEvents, type WatchEvent } from './clients.js';
import { startKubesim, type KubeObject, type Kubesim } from './server.js';

const BACKENDCONFIG_CHART = join(DEMO_CHART, '..', 'backendconfig-chart');
const BC = '/apis/cloud.google.com';

let sim: Kubesim;

beforeAll(async () => {
  sim = await startKubesim({ tickMs: 50 });
});
afterAll(async () => {
  await sim?.close();
});

async function api(method: string, path: string, body?: unknown, contentType = 'application/json') {
  const res = await fetch(`${sim.url}${path}`, { method, headers: { 'content-type': contentType }, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : undefined };
}

/** Opens a watch and returns the events read so far plus a way to wait for more and to stop. */
async function openWatch(path: string) {
  const controller = new AbortController();
  const res = await fetch(`${sim.url}${path}`, { signal: controller.signal });
  const events: WatchEvent[] = [];
  const reader = (async () => {
    try {
      for await (const event of watchEvents(res)) events.push(event);
    } catch {
      // aborted by close()
    }
  })();
  return {
    events,
    async until(count: number, timeoutMs = 3000): Promise<WatchEvent[]> {
      const deadline = Date.now() + timeoutMs;
      while (events.length < count) {
        if (Date.now() > deadline) throw new Error(`watch ${path}: ${events.length} events after ${timeoutMs}ms, wanted ${count}: ${JSON.stringify(events)}`);
        await new Promise((r) => setTimeout(r, 20));
      }
      return events;
    },
    async close() {
      controller.abort();
      await reader;
    },
  };
}

const backendConfig = (apiVersion: string, name: string, timeoutSec: number): KubeObject => ({
  apiVersion, kind: 'BackendConfig', metadata: { name }, spec: { healthCheck: { requestPath: '/health', type: 'HTTP2' }, timeoutSec },
});

describe('kubesim: one resource in several API versions', () => {
  it('registers BackendConfig by default, with discovery for v1 (preferred) and v1beta1', async () => {
    const group = (await api('GET', '/apis')).body.groups.find((g: { name: string }) => g.name === 'cloud.google.com');
    expect(group.versions.map((v: { version: string }) => v.version)).toEqual(['v1', 'v1beta1']);
    expect(group.preferredVersion.version).toBe('v1');
    const hashes: string[] = [];
    for (const version of ['v1', 'v1beta1']) {
      const list = await api('GET', `${BC}/${version}`);
      expect(list.status).toBe(200);
      const res = list.body.resources.find((r: { name: string }) => r.name === 'backendconfigs');
      expect(res, version).toMatchObject({ kind: 'BackendConfig', namespaced: true, singularName: 'backendconfig' });
      expect(res.verbs).toEqual(expect.arrayContaining(['create', 'get', 'list', 'watch', 'patch']));
      hashes.push(res.storageVersionHash);
    }
    expect(hashes[0]).toBe(hashes[1]);
    const root = (await api('GET', '/openapi/v3')).body;
    expect(Object.keys(root.paths)).toEqual(expect.arrayContaining([`apis/cloud.google.com/v1`, `apis/cloud.google.com/v1beta1`]));
  });

  it('serves an object created under either version under both, with apiVersion set to the version asked for', async () => {
    const created = await api('POST', `${BC}/v1beta1/namespaces/default/backendconfigs`, backendConfig('cloud.google.com/v1beta1', 'api', 86400));
    expect(created.status).toBe(201);
    expect(created.body.apiVersion).toBe('cloud.google.com/v1beta1');
    expect(created.body.status).toBeUndefined();
    expect(created.body.metadata.generation).toBe(1);
    // Stored once, in the storage (first registered) version.
    expect(sim.objects.get('backendconfig', 'default', 'api')?.apiVersion).toBe('cloud.google.com/v1');

    const asV1 = await api('GET', `${BC}/v1/namespaces/default/backendconfigs/api`);
    expect(asV1.body).toMatchObject({ apiVersion: 'cloud.google.com/v1', kind: 'BackendConfig', spec: { timeoutSec: 86400 } });
    expect(asV1.body.metadata.uid).toBe(created.body.metadata.uid);

    const web = await api('POST', `${BC}/v1/namespaces/default/backendconfigs`, backendConfig('cloud.google.com/v1', 'web', 300));
    expect(web.status).toBe(201);
    const listBeta = (await api('GET', `${BC}/v1beta1/namespaces/default/backendconfigs`)).body;
    expect(listBeta.apiVersion).toBe('cloud.google.com/v1beta1');
    expect(listBeta.items.map((o: KubeObject) => `${o.metadata.name}:${o.apiVersion}`)).toEqual(['api:cloud.google.com/v1beta1', 'web:cloud.google.com/v1beta1']);

    // Writes under the other version reach the same object.
    const patched = await api('PATCH', `${BC}/v1/namespaces/default/backendconfigs/api`, { spec: { timeoutSec: 600 } }, 'application/merge-patch+json');
    expect(patched.body).toMatchObject({ apiVersion: 'cloud.google.com/v1', spec: { timeoutSec: 600 } });
    expect((await api('GET', `${BC}/v1beta1/namespaces/default/backendconfigs/api`)).body).toMatchObject({ apiVersion: 'cloud.google.com/v1beta1', spec: { timeoutSec: 600 } });
  });

  it('watch-list under either version sends every object in that version, then the initial-events-end BOOKMARK, then live changes', async () => {
    await api('POST', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'watched' } });
    await api('POST', `${BC}/v1beta1/namespaces/watched/backendconfigs`, backendConfig('cloud.google.com/v1beta1', 'api', 86400));
    await api('POST', `${BC}/v1/namespaces/watched/backendconfigs`, backendConfig('cloud.google.com/v1', 'web', 300));

    // The query helm 4's kstatus watcher sends (it watches the preferred version, v1).
    const query = 'allowWatchBookmarks=true&resourceVersionMatch=NotOlderThan&sendInitialEvents=true&watch=true';
    const watches = await Promise.all(['v1', 'v1beta1'].map(async (version) => ({ version, w: await openWatch(`${BC}/${version}/namespaces/watched/backendconfigs?${query}`) })));
    try {
      for (const { version, w } of watches) {
        const initial = await w.until(3);
        expect(initial.map((e) => `${e.type} ${e.object.apiVersion} ${e.object.metadata.name ?? ''}`)).toEqual([
          `ADDED cloud.google.com/${version} api`,
          `ADDED cloud.google.com/${version} web`,
          `BOOKMARK cloud.google.com/${version} `,
        ]);
        expect(initial[2].object).toMatchObject({ kind: 'BackendConfig', metadata: { annotations: { 'k8s.io/initial-events-end': 'true' } } });
        expect(Number(initial[2].object.metadata.resourceVersion)).toBeGreaterThanOrEqual(Number(initial[1].object.metadata.resourceVersion));
      }

      await api('PATCH', `${BC}/v1beta1/namespaces/watched/backendconfigs/api`, { spec: { timeoutSec: 60 } }, 'application/merge-patch+json');
      await api('DELETE', `${BC}/v1beta1/namespaces/watched/backendconfigs/web`);
      for (const { version, w } of watches) {
        const all = await w.until(5);
        expect(all.slice(3).map((e) => `${e.type} ${e.object.apiVersion} ${e.object.metadata.name}`)).toEqual([
          `MODIFIED cloud.google.com/${version} api`,
          `DELETED cloud.google.com/${version} web`,
        ]);
      }
    } finally {
      await Promise.all(watches.map(({ w }) => w.close()));
    }
  });

  it('does the same for any kind registered with several versions, and refuses a second version with another kind or scope', async () => {
    sim.registerKind({ group: 'example.com', version: 'v1', kind: 'Gadget', plural: 'gadgets', singular: 'gadget', namespaced: true });
    sim.registerKind({ group: 'example.com', version: 'v1alpha1', kind: 'Gadget', plural: 'gadgets', singular: 'gadget', namespaced: true });
    expect(() => sim.registerKind({ group: 'example.com', version: 'v2', kind: 'Gizmo', plural: 'gadgets', singular: 'gizmo', namespaced: true })).toThrow(/same kind and scope/);
    expect(() => sim.registerKind({ group: 'example.com', version: 'v1', kind: 'Gadget', plural: 'gadgets', singular: 'gadget', namespaced: true })).toThrow(/already registered/);

    const created = await api('POST', '/apis/example.com/v1alpha1/namespaces/default/gadgets', { apiVersion: 'example.com/v1alpha1', kind: 'Gadget', metadata: { name: 'g' }, spec: { size: 1 } });
    expect(created.status).toBe(201);
    expect((await api('GET', '/apis/example.com/v1/namespaces/default/gadgets/g')).body.apiVersion).toBe('example.com/v1');
    const w = await openWatch('/apis/example.com/v1alpha1/namespaces/default/gadgets?watch=true&sendInitialEvents=true&allowWatchBookmarks=true');
    try {
      expect((await w.until(2)).map((e) => `${e.type} ${e.object.apiVersion}`)).toEqual(['ADDED example.com/v1alpha1', 'BOOKMARK example.com/v1alpha1']);
    } finally {
      await w.close();
    }
  });
});

const bins = findClients();
if (bins.problems.length) console.warn(`[kubesim] SKIPPING multi-version helm test: ${bins.problems.join('; ')}`);

describe.skipIf(bins.problems.length > 0)('helm --wait with BackendConfigs in two API versions', { timeout: 30_000 }, () => {
  let c: ClientEnv;
  beforeAll(async () => {
    c = await ClientEnv.create(sim, bins);
  });
  afterAll(async () => c?.dispose());

  it('upgrade --install --wait succeeds quickly and both objects are Current', async () => {
    const r = await c.helm(['upgrade', '--install', 'bc', BACKENDCONFIG_CHART, '-n', 'gke', '--create-namespace', '--wait', '--timeout', '15s', '--debug']);
    if (r.code !== 0) throw new Error(`helm failed (${r.code}) after ${r.ms}ms:\n${r.output}`);
    // Before the fix helm ran into its timeout with "BackendConfig/gke/bc-api not ready. status: Unknown".
    expect(r.ms).toBeLessThan(10_000);
    expect(r.output).toContain('all resources achieved desired status');
    expect(r.output).not.toContain('Unexpected watch event object gvk');
    expect(sim.objects.get('backendconfig', 'gke', 'bc-web')?.spec.timeoutSec).toBe(300);
    expect(sim.objects.get('backendconfig', 'gke', 'bc-api')?.spec.timeoutSec).toBe(86400);
    // helm wrote each under its own version and watched them with one watch-list on the preferred version.
    expect(sim.requests.some((q) => q.method === 'PATCH' && q.url.startsWith(`${BC}/v1beta1/namespaces/gke/backendconfigs/bc-api`))).toBe(true);
    // A watch is recorded when its connection closes, which may be just after helm exits.
    await eventually(() => sim.requests.some((q) => q.method === 'GET' && q.url.startsWith(`${BC}/v1/namespaces/gke/backendconfigs?`) && q.url.includes('sendInitialEvents=true')), 3000, 'the v1 watch-list request');
  });
});
