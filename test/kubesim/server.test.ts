// kubesim's own behaviour over plain HTTP, without helm or kubectl (these run everywhere).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, watchEvents, type WatchEvent } from './clients.js';
import { startKubesim, type KubeObject, type Kubesim } from './server.js';

let sim: Kubesim;

beforeAll(async () => {
  sim = await startKubesim({
    tickMs: 40, jobDurationMs: 100, crashLoopRestartMs: 200,
    seed: [{ apiVersion: 'networking.k8s.io/v1', kind: 'IngressClass', metadata: { name: 'nginx' }, spec: { controller: 'k8s.io/ingress-nginx' } }],
  });
});
afterAll(async () => {
  await sim?.close();
});

async function api(method: string, path: string, body?: unknown, contentType = 'application/json') {
  const res = await fetch(`${sim.url}${path}`, {
    method,
    headers: { 'content-type': contentType },
    body: body === undefined ? undefined : Buffer.isBuffer(body) ? new Uint8Array(body) : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : undefined };
}

const deployment = (name: string, image = 'nginx:1.27', replicas = 2): KubeObject => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name, labels: { app: name } },
  spec: {
    replicas,
    selector: { matchLabels: { app: name } },
    template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'app', image }] } },
  },
});

/** Reads watch events until `stop` says so or the stream ends. */
async function readWatch(path: string, stop: (events: WatchEvent[]) => boolean) {
  const controller = new AbortController();
  const res = await fetch(`${sim.url}${path}`, { signal: controller.signal });
  const events: WatchEvent[] = [];
  for await (const event of watchEvents(res)) {
    events.push(event);
    if (stop(events)) break;
  }
  controller.abort();
  return events;
}

describe('kubesim API', () => {
  it('serves version, classic discovery and the OpenAPI v3 stub', async () => {
    expect((await api('GET', '/version')).body).toMatchObject({ major: '1', minor: '34' });
    const core = (await api('GET', '/api/v1')).body;
    const pods = core.resources.find((r: { name: string }) => r.name === 'pods');
    expect(pods).toMatchObject({ namespaced: true, kind: 'Pod', shortNames: ['po'], categories: ['all'] });
    expect(core.resources.map((r: { name: string }) => r.name)).toContain('pods/status');
    const root = (await api('GET', '/openapi/v3')).body;
    const doc = (await api('GET', root.paths['apis/apps/v1'].serverRelativeURL)).body;
    const patchOp = doc.paths['/apis/apps/v1/namespaces/{namespace}/deployments/{name}'].patch;
    expect(patchOp['x-kubernetes-group-version-kind']).toEqual({ group: 'apps', version: 'v1', kind: 'Deployment' });
    expect(patchOp.parameters.map((p: { name: string }) => p.name)).toContain('fieldValidation');
  });

  it('serves seeded objects and kinds registered at run time', async () => {
    expect((await api('GET', '/apis/networking.k8s.io/v1/ingressclasses/nginx')).body.spec.controller).toBe('k8s.io/ingress-nginx');
    sim.registerKind({ group: 'example.com', version: 'v1', kind: 'Widget', plural: 'widgets', singular: 'widget', namespaced: true });
    expect((await api('GET', '/apis')).body.groups.map((g: { name: string }) => g.name)).toContain('example.com');
    const created = await api('POST', '/apis/example.com/v1/namespaces/default/widgets', { apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w' }, spec: { size: 1 } });
    expect(created.status).toBe(201);
    expect(sim.objects.get('widget', 'default', 'w')?.spec).toEqual({ size: 1 });
  });

  it('creates, conflicts, patches and bumps generation only on spec changes', async () => {
    const created = await api('POST', '/apis/apps/v1/namespaces/default/deployments', deployment('crud'));
    expect(created.status).toBe(201);
    expect(created.body.metadata).toMatchObject({ generation: 1, uid: expect.any(String), creationTimestamp: expect.any(String) });
    const again = await api('POST', '/apis/apps/v1/namespaces/default/deployments', deployment('crud'));
    expect(again.body).toMatchObject({ kind: 'Status', reason: 'AlreadyExists', code: 409 });
    const labelled = await api('PATCH', '/apis/apps/v1/namespaces/default/deployments/crud', { metadata: { labels: { x: 'y' } } }, 'application/merge-patch+json');
    expect(labelled.body.metadata.generation).toBe(1);
    const scaled = await api('PATCH', '/apis/apps/v1/namespaces/default/deployments/crud', [{ op: 'replace', path: '/spec/replicas', value: 3 }], 'application/json-patch+json');
    expect(scaled.body.metadata.generation).toBe(2);
    expect(Number(scaled.body.metadata.resourceVersion)).toBeGreaterThan(Number(labelled.body.metadata.resourceVersion));
    const stale = await api('PUT', '/apis/apps/v1/namespaces/default/deployments/crud', { ...created.body, spec: { ...created.body.spec, replicas: 1 } });
    expect(stale.body).toMatchObject({ reason: 'Conflict', code: 409 });
    const missing = await api('GET', '/apis/apps/v1/namespaces/default/deployments/nope');
    expect(missing.body).toMatchObject({ kind: 'Status', reason: 'NotFound', code: 404, details: { name: 'nope', group: 'apps', kind: 'deployments' } });
    const noNamespace = await api('POST', '/api/v1/namespaces/ghost/configmaps', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c' } });
    expect(noNamespace.body).toMatchObject({ reason: 'NotFound', message: 'namespaces "ghost" not found' });
  });

  it('strategic merge patches merge containers by name', async () => {
    const d = deployment('smp');
    d.spec.template.spec.containers.push({ name: 'sidecar', image: 'busybox' });
    await api('POST', '/apis/apps/v1/namespaces/default/deployments', d);
    const patched = await api('PATCH', '/apis/apps/v1/namespaces/default/deployments/smp',
      { spec: { template: { spec: { containers: [{ name: 'app', image: 'nginx:2' }] } } } }, 'application/strategic-merge-patch+json');
    expect(patched.body.spec.template.spec.containers).toEqual([{ name: 'app', image: 'nginx:2' }, { name: 'sidecar', image: 'busybox' }]);
  });

  it('server-side apply creates with 201, then merges and prunes what the manager dropped', async () => {
    const path = '/api/v1/namespaces/default/configmaps/ssa?fieldManager=helm&force=false';
    const cm = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'ssa' }, data: { a: '1', b: '2' } };
    expect((await api('PATCH', path, cm, 'application/apply-patch+yaml')).status).toBe(201);
    await api('PATCH', '/api/v1/namespaces/default/configmaps/ssa', { data: { other: 'kept' } }, 'application/merge-patch+json');
    const second = await api('PATCH', path, { ...cm, data: { a: '10' } }, 'application/apply-patch+yaml');
    expect(second.status).toBe(200);
    expect(second.body.data).toEqual({ a: '10', other: 'kept' });
  });

  it("refuses a change to a StatefulSet's selector or claim templates (422, the API server's message) and accepts one to its template", async () => {
    const path = '/apis/apps/v1/namespaces/default/statefulsets/db?fieldManager=me';
    const sts = (instance: string, claimLabels?: Record<string, string>, image = 'mysql:8') => ({
      apiVersion: 'apps/v1', kind: 'StatefulSet', metadata: { name: 'db' },
      spec: {
        replicas: 1, serviceName: 'db',
        selector: { matchLabels: { app: instance } },
        template: { metadata: { labels: { app: instance } }, spec: { containers: [{ name: 'db', image }] } },
        volumeClaimTemplates: [{ metadata: { name: 'data', labels: claimLabels }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } } }],
      },
    });
    expect((await api('PATCH', path, sts('db'), 'application/apply-patch+yaml')).status).toBe(201);
    const selector = await api('PATCH', path, sts('other'), 'application/apply-patch+yaml');
    expect(selector.body).toMatchObject({ kind: 'Status', code: 422, reason: 'Invalid', message: expect.stringContaining('spec: Forbidden: updates to statefulset spec for fields other than') });
    expect((await api('PATCH', path, sts('db', { x: 'y' }), 'application/apply-patch+yaml')).body).toMatchObject({ code: 422 });
    const image = await api('PATCH', path, sts('db', undefined, 'mysql:8.4'), 'application/apply-patch+yaml');
    expect(image.status).toBe(200);
    expect(image.body.spec.template.spec.containers[0].image).toBe('mysql:8.4');
  });

  it('decodes protobuf Secrets the way helm sends release storage', async () => {
    const res = await api('POST', '/api/v1/namespaces/default/secrets', protobufSecret('pb', { release: 'H4sI' }, { owner: 'helm' }), 'application/vnd.kubernetes.protobuf');
    expect(res.status).toBe(201);
    const stored = sim.objects.get('secret', 'default', 'pb');
    expect(stored).toMatchObject({ type: 'helm.sh/release.v1', metadata: { labels: { owner: 'helm' } }, data: { release: Buffer.from('H4sI').toString('base64') } });
  });

  it('runs Deployment -> ReplicaSet -> Pods until Available, and cascades deletes', async () => {
    await api('POST', '/apis/apps/v1/namespaces/default/deployments', deployment('web', 'nginx:1.27', 3));
    const d = await eventually(() => {
      const o = sim.objects.get('deployment', 'default', 'web');
      return o?.status?.availableReplicas === 3 && o;
    }, 5000, 'web available');
    expect(d.status).toMatchObject({ observedGeneration: 1, replicas: 3, updatedReplicas: 3, readyReplicas: 3 });
    expect(d.status.conditions).toEqual(expect.arrayContaining([
      expect.objectContaining({ type: 'Available', status: 'True' }),
      expect.objectContaining({ type: 'Progressing', status: 'True', reason: 'NewReplicaSetAvailable' }),
    ]));
    const rs = sim.objects.list('rs', 'default', 'app=web');
    expect(rs).toHaveLength(1);
    expect(sim.objects.list('pods', 'default', `pod-template-hash=${rs[0].metadata.labels?.['pod-template-hash']}`)).toHaveLength(3);
    expect((await api('DELETE', '/apis/apps/v1/namespaces/default/deployments/web')).status).toBe(200);
    expect(sim.objects.list('rs', 'default', 'app=web')).toHaveLength(0);
    expect(sim.objects.list('pods', 'default', 'app=web')).toHaveLength(0);
  });

  it('streams watch-list (ADDED then the initial-events-end BOOKMARK) and replays from a resourceVersion', async () => {
    await api('POST', '/api/v1/namespaces/default/configmaps', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'w1' } });
    const initial = await readWatch('/api/v1/namespaces/default/configmaps?watch=true&sendInitialEvents=true&resourceVersionMatch=NotOlderThan&allowWatchBookmarks=true',
      (ev) => ev.some((e) => e.type === 'BOOKMARK'));
    expect(initial.filter((e) => e.type === 'ADDED').map((e) => e.object.metadata.name)).toContain('w1');
    const bookmark = initial[initial.length - 1];
    expect(bookmark.object.metadata.annotations).toEqual({ 'k8s.io/initial-events-end': 'true' });
    const rv = bookmark.object.metadata.resourceVersion;
    await api('POST', '/api/v1/namespaces/default/configmaps', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'w2' } });
    await api('DELETE', '/api/v1/namespaces/default/configmaps/w1');
    const replay = await readWatch(`/api/v1/namespaces/default/configmaps?watch=1&resourceVersion=${rv}`, (ev) => ev.length >= 2);
    expect(replay.map((e) => `${e.type} ${e.object.metadata.name}`)).toEqual(['ADDED w2', 'DELETED w1']);
  });

  it('answers access reviews, denying what an rbac fault names', async () => {
    sim.setFault('rbac/deny=create:secrets');
    const review = (verb: string, resource: string) => api('POST', '/apis/authorization.k8s.io/v1/selfsubjectaccessreviews',
      { apiVersion: 'authorization.k8s.io/v1', kind: 'SelfSubjectAccessReview', spec: { resourceAttributes: { verb, resource, namespace: 'default' } } });
    expect((await review('create', 'secrets')).body.status.allowed).toBe(false);
    expect((await review('get', 'secrets')).body.status.allowed).toBe(true);
    const forbidden = await api('POST', '/api/v1/namespaces/default/secrets', { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'nope' } });
    expect(forbidden.body).toMatchObject({ reason: 'Forbidden', code: 403 });
    sim.clearFaults();
  });

  it('simulates pod faults on the workloads they name', async () => {
    sim.setFault('deployment/stuck=never-ready');
    sim.setFault('deployment/crashy=crashloop');
    sim.setFault('deploy/pull=image-pull');
    for (const name of ['stuck', 'crashy', 'pull']) await api('POST', '/apis/apps/v1/namespaces/default/deployments', deployment(name, 'ghcr.io/x/y:1', 1));
    const pod = (name: string) => sim.objects.list('pod', 'default', `app=${name}`)[0];
    const crashing = await eventually(() => pod('crashy')?.status?.containerStatuses?.[0]?.restartCount >= 2 && pod('crashy'), 5000, 'restarts');
    expect(crashing.status.containerStatuses[0]).toMatchObject({
      ready: false,
      state: { waiting: { reason: 'CrashLoopBackOff' } },
      lastState: { terminated: { reason: 'Error', exitCode: 1, message: expect.stringContaining('crashloop') } },
    });
    await eventually(() => pod('pull')?.status?.containerStatuses && pod('stuck')?.status?.containerStatuses, 3000, 'pods');
    expect(pod('pull').status).toMatchObject({ phase: 'Pending', containerStatuses: [{ state: { waiting: { reason: 'ImagePullBackOff' } } }] });
    expect(pod('stuck').status).toMatchObject({ phase: 'Running', containerStatuses: [{ ready: false, started: true }] });
    expect(sim.objects.get('deployment', 'default', 'stuck')?.status?.availableReplicas).toBe(0);
    // Clearing faults lets the same pods recover, as if the cause was fixed.
    sim.clearFaults();
    await eventually(() => sim.objects.get('deployment', 'default', 'stuck')?.status?.availableReplicas === 1, 3000, 'recovery');
  });

  it('completes Jobs, and fails them under job-fail', async () => {
    sim.setFault('job/bad=job-fail');
    const job = (name: string) => ({
      apiVersion: 'batch/v1', kind: 'Job', metadata: { name },
      spec: { template: { spec: { restartPolicy: 'Never', containers: [{ name: 'main', image: 'busybox' }] } } },
    });
    await api('POST', '/apis/batch/v1/namespaces/default/jobs', job('good'));
    await api('POST', '/apis/batch/v1/namespaces/default/jobs', job('bad'));
    const types = (name: string) => (sim.objects.get('job', 'default', name)?.status?.conditions ?? []).map((c: { type: string }) => c.type);
    await eventually(() => types('good').includes('Complete') && types('bad').includes('Failed'), 5000, 'jobs to finish');
    expect(types('good')).toEqual(['SuccessCriteriaMet', 'Complete']);
    expect(sim.objects.get('job', 'default', 'good')?.status?.succeeded).toBe(1);
    expect(sim.objects.get('job', 'default', 'bad')?.status?.conditions[1]).toMatchObject({ reason: 'BackoffLimitExceeded' });
    expect(sim.objects.list('pod', 'default', 'job-name=bad')[0].status.phase).toBe('Failed');
    sim.clearFaults();
  });

  it('refuses connections in refuse mode and serves again on the same port afterwards', async () => {
    await sim.setApiMode('refuse');
    await expect(fetch(`${sim.url}/version`)).rejects.toThrow();
    await sim.setApiMode('slow', 300);
    const t0 = Date.now();
    expect((await api('GET', '/version')).status).toBe(200);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(290);
    await sim.setApiMode('normal');
  });
});

// ---- a tiny protobuf encoder, only to build the envelope helm would send ----

function varint(n: number): Buffer {
  const out: number[] = [];
  do {
    out.push((n & 0x7f) | (n > 0x7f ? 0x80 : 0));
    n >>>= 7;
  } while (n > 0);
  return Buffer.from(out);
}
const field = (no: number, payload: Buffer | string) => {
  const b = Buffer.isBuffer(payload) ? payload : Buffer.from(payload);
  return Buffer.concat([varint((no << 3) | 2), varint(b.length), b]);
};
const entry = (no: number, k: string, v: string) => field(no, Buffer.concat([field(1, k), field(2, v)]));

function protobufSecret(name: string, data: Record<string, string>, labels: Record<string, string>): Buffer {
  const meta = Buffer.concat([field(1, name), ...Object.entries(labels).map(([k, v]) => entry(11, k, v))]);
  const secret = Buffer.concat([field(1, meta), ...Object.entries(data).map(([k, v]) => entry(2, k, v)), field(3, 'helm.sh/release.v1')]);
  const unknown = Buffer.concat([field(1, Buffer.concat([field(1, 'v1'), field(2, 'Secret')])), field(2, secret)]);
  return Buffer.concat([Buffer.from('k8s\0'), unknown]);
}
