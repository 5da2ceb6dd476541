// The real kubectl against kubesim.
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ClientEnv, eventually, findClients } from './clients.js';
import { startKubesim, type Kubesim } from './server.js';

const bins = findClients();
if (!bins.kubectl) console.warn(`[kubesim] SKIPPING kubectl tests: ${bins.problems.join('; ')}`);

const MANIFEST = `
apiVersion: v1
kind: Namespace
metadata: {name: shop}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: api, namespace: shop, labels: {app: api}}
spec:
  replicas: 2
  selector: {matchLabels: {app: api}}
  template:
    metadata: {labels: {app: api}}
    spec:
      containers:
        - name: api
          image: example/api:1.0
          ports: [{name: http, containerPort: 8080}]
          env: [{name: MODE, value: prod}]
---
apiVersion: v1
kind: Service
metadata: {name: api, namespace: shop}
spec:
  selector: {app: api}
  ports: [{port: 80, targetPort: http}]
---
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: db, namespace: shop}
spec:
  serviceName: db
  replicas: 2
  selector: {matchLabels: {app: db}}
  template:
    metadata: {labels: {app: db}}
    spec:
      containers: [{name: db, image: example/db:1}]
  volumeClaimTemplates:
    - metadata: {name: data}
      spec: {accessModes: [ReadWriteOnce], resources: {requests: {storage: 1Gi}}}
---
apiVersion: batch/v1
kind: Job
metadata: {name: seed, namespace: shop}
spec:
  template:
    spec:
      restartPolicy: Never
      containers: [{name: seed, image: example/seed:1}]
`;

describe.skipIf(!bins.kubectl)('kubectl against kubesim', { timeout: 30_000 }, () => {
  let sim: Kubesim;
  let c: ClientEnv;

  beforeAll(async () => {
    sim = await startKubesim({ tickMs: 50, jobDurationMs: 200 });
    c = await ClientEnv.create(sim, bins);
    await writeFile(join(c.dir, 'shop.yaml'), MANIFEST);
  });
  afterAll(async () => {
    await c?.dispose();
    await sim?.close();
  });

  it('reports the server version and discovers resources', async () => {
    const v = await c.kubectlJson<{ serverVersion: { minor: string } }>(['version']);
    expect(v.serverVersion.minor).toBe('34');
    const r = await c.kubectl(['api-resources', '--no-headers']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^deployments\s+deploy\s+apps\/v1\s+true\s+Deployment$/m);
  });

  it('applies manifests, waits for rollouts, jobs and endpoints', async () => {
    const applied = await c.kubectl(['apply', '-f', join(c.dir, 'shop.yaml')]);
    expect(applied.output).toContain('deployment.apps/api created');
    expect((await c.kubectl(['-n', 'shop', 'rollout', 'status', 'deployment/api', '--timeout=10s'])).output).toContain('successfully rolled out');
    expect((await c.kubectl(['-n', 'shop', 'rollout', 'status', 'statefulset/db', '--timeout=10s'])).code).toBe(0);
    const waited = await c.kubectl(['-n', 'shop', 'wait', '--for=condition=complete', 'job/seed', '--timeout=10s']);
    expect(waited.output).toContain('condition met');
    expect((await c.kubectl(['-n', 'shop', 'wait', '--for=condition=Available', 'deployment/api', '--timeout=10s'])).code).toBe(0);
    const pvcs = await c.kubectlJson<{ items: Array<{ metadata: { name: string }; status: { phase: string } }> }>(['-n', 'shop', 'get', 'pvc']);
    expect(pvcs.items.map((p) => `${p.metadata.name}:${p.status.phase}`)).toEqual(['data-db-0:Bound', 'data-db-1:Bound']);
    const ep = await c.kubectlJson(['-n', 'shop', 'get', 'endpoints', 'api']);
    expect(ep.subsets[0].addresses).toHaveLength(2);
    expect(ep.subsets[0].ports[0].port).toBe(8080); // named targetPort resolved
    const all = await c.kubectl(['-n', 'shop', 'get', 'all']);
    expect(all.stdout).toMatch(/pod\/api-\S+\s+1\/1\s+Running\s+0/);
    expect(all.stdout).toMatch(/deployment\.apps\/api\s+2\/2\s+2\s+2/);
  });

  it('re-applies and patches, rolling out a new ReplicaSet each time the template changes', async () => {
    const path = join(c.dir, 'shop.yaml');
    await writeFile(path, MANIFEST.replace('example/api:1.0', 'example/api:1.1'));
    expect((await c.kubectl(['apply', '-f', path])).output).toContain('deployment.apps/api configured');
    await c.kubectl(['-n', 'shop', 'rollout', 'status', 'deployment/api', '--timeout=10s']);
    let d = await c.kubectlJson(['-n', 'shop', 'get', 'deployment', 'api']);
    expect(d.spec.template.spec.containers[0]).toMatchObject({ image: 'example/api:1.1', env: [{ name: 'MODE', value: 'prod' }] });
    expect(d.metadata.generation).toBe(2);

    await c.kubectl(['-n', 'shop', 'patch', 'deployment', 'api', '--type=merge', '-p', '{"spec":{"replicas":3}}']);
    await c.kubectl(['-n', 'shop', 'patch', 'deployment', 'api', '--type=json', '-p', '[{"op":"replace","path":"/spec/template/spec/containers/0/image","value":"example/api:1.2"}]']);
    await c.kubectl(['-n', 'shop', 'set', 'env', 'deployment/api', 'EXTRA=1']); // strategic merge patch
    expect((await c.kubectl(['-n', 'shop', 'rollout', 'status', 'deployment/api', '--timeout=10s'])).code).toBe(0);
    d = await c.kubectlJson(['-n', 'shop', 'get', 'deployment', 'api']);
    expect(d.status).toMatchObject({ replicas: 3, readyReplicas: 3, updatedReplicas: 3, observedGeneration: d.metadata.generation });
    expect(d.spec.template.spec.containers[0].env).toEqual([{ name: 'MODE', value: 'prod' }, { name: 'EXTRA', value: '1' }]);
    expect(sim.objects.list('rs', 'shop', 'app=api').length).toBeGreaterThanOrEqual(3);

    await c.kubectl(['-n', 'shop', 'scale', 'deployment/api', '--replicas=1']);
    await eventually(() => sim.objects.list('pod', 'shop', 'app=api').length === 1, 3000, 'scale down');
  });

  it('supports server-side apply, selectors, generated Secrets and deletes with cascade', async () => {
    const ssa = await c.kubectl(['apply', '--server-side', '-f', join(c.dir, 'shop.yaml')]);
    expect(ssa.output).toContain('serverside-applied');
    const secret = await c.kubectl(['-n', 'shop', 'create', 'secret', 'generic', 'creds', '--from-literal=password=s3cret']);
    expect(secret.code).toBe(0); // kubectl sends this one as protobuf
    expect(Buffer.from(sim.objects.get('secret', 'shop', 'creds')?.data.password, 'base64').toString()).toBe('s3cret');
    const byField = await c.kubectlJson(['-n', 'shop', 'get', 'pods', '--field-selector', 'metadata.name=db-0']);
    expect(byField.items.map((p: { metadata: { name: string } }) => p.metadata.name)).toEqual(['db-0']);
    const byLabel = await c.kubectl(['-n', 'shop', 'get', 'pods', '-l', 'app in (db)', '-o', 'name']);
    expect(byLabel.stdout.trim().split('\n')).toEqual(['pod/db-0', 'pod/db-1']);
    const missing = await c.kubectl(['-n', 'shop', 'get', 'deployment', 'nope']);
    expect(missing.code).not.toBe(0);
    expect(missing.stderr).toContain('deployments.apps "nope" not found');

    expect((await c.kubectl(['-n', 'shop', 'delete', 'deployment', 'api', '--wait=true', '--timeout=10s'])).code).toBe(0);
    expect(sim.objects.list('rs', 'shop', 'app=api')).toHaveLength(0);
    expect(sim.objects.list('pod', 'shop', 'app=api')).toHaveLength(0);
  });

  it('answers `auth can-i` from access reviews, with rbac faults', async () => {
    expect((await c.kubectl(['auth', 'can-i', 'create', 'secrets'])).stdout.trim()).toBe('yes');
    sim.setFault('rbac/deny=create:secrets');
    const denied = await c.kubectl(['auth', 'can-i', 'create', 'secrets']);
    expect(denied.stdout).toMatch(/^no - kubesim fault rbac\/deny=create:secrets/);
    const forbidden = await c.kubectl(['-n', 'shop', 'create', 'secret', 'generic', 'x', '--from-literal=a=b']);
    expect(forbidden.stderr).toContain('forbidden');
    sim.clearFaults();
  });

  it('gives kubectl a quick connection error in refuse mode, and a timeout in slow mode', async () => {
    await sim.setApiMode('refuse');
    try {
      const refused = await c.kubectl(['get', 'pods', '--request-timeout=5s']);
      expect(refused.code).not.toBe(0);
      expect(refused.stderr).toMatch(/connection refused|was refused/);
      expect(refused.ms).toBeLessThan(5000);
      await sim.setApiMode('slow', 3000);
      const slow = await c.kubectl(['get', 'pods', '--request-timeout=1s']);
      expect(slow.code).not.toBe(0);
      expect(slow.stderr).toMatch(/Client\.Timeout|deadline exceeded|timeout/i);
    } finally {
      await sim.setApiMode('normal');
    }
    expect((await c.kubectl(['get', 'ns', 'shop'])).code).toBe(0);
  });
});
