// The real helm v4 against kubesim: the happy paths an installer relies on.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ClientEnv, DEMO_CHART, findClients } from './clients.js';
import { startKubesim, type Kubesim } from './server.js';

const bins = findClients();
if (bins.problems.length) console.warn(`[kubesim] SKIPPING helm tests: ${bins.problems.join('; ')}`);

describe.skipIf(bins.problems.length > 0)('helm against kubesim', { timeout: 30_000 }, () => {
  let sim: Kubesim;
  let c: ClientEnv;

  beforeAll(async () => {
    sim = await startKubesim({ tickMs: 50, jobDurationMs: 150 });
    c = await ClientEnv.create(sim, bins);
  });
  afterAll(async () => {
    await c?.dispose();
    await sim?.close();
  });

  const helmOk = async (args: string[]) => {
    const r = await c.helm(args);
    if (r.code !== 0) throw new Error(`helm ${args.join(' ')} failed (${r.code}):\n${r.output}`);
    return r;
  };

  it('installs with --wait, running the pre-install hook Job first', async () => {
    await helmOk(['upgrade', '--install', 'demo', DEMO_CHART, '-n', 'apps', '--create-namespace', '--wait', '--timeout', '20s']);
    expect(sim.objects.get('deployment', 'apps', 'demo-web')?.status).toMatchObject({ availableReplicas: 2, readyReplicas: 2 });
    expect(sim.objects.get('configmap', 'apps', 'demo-config')?.data).toEqual({ message: 'hello' });
    const hook = sim.objects.get('job', 'apps', 'demo-migrate');
    expect(hook?.status?.conditions?.map((x: { type: string }) => x.type)).toContain('Complete');
    // The hook Job ran before the chart's objects were applied.
    const posts = sim.requests.filter((r) => r.method === 'PATCH' && r.url.includes('/namespaces/apps/'));
    expect(posts[0].url).toContain('/jobs/demo-migrate');
    // Release storage: one protobuf-encoded Secret per revision.
    expect(sim.objects.list('secret', 'apps', 'owner=helm,name=demo').map((s) => s.metadata.name)).toEqual(['sh.helm.release.v1.demo.v1']);

    const status = JSON.parse((await helmOk(['status', 'demo', '-n', 'apps', '-o', 'json'])).stdout);
    expect(status.info.status).toBe('deployed');
    expect(status.version).toBe(1);
  });

  it('upgrades, reads values and history, rolls back and uninstalls', async () => {
    const firstHookUid = sim.objects.get('job', 'apps', 'demo-migrate')?.metadata.uid;
    await helmOk(['upgrade', '--install', 'demo', DEMO_CHART, '-n', 'apps', '--wait', '--timeout', '20s', '--set', 'message=bye', '--set', 'replicaCount=3']);
    expect(JSON.parse((await helmOk(['get', 'values', 'demo', '-n', 'apps', '-o', 'json'])).stdout)).toEqual({ message: 'bye', replicaCount: 3 });
    expect(sim.objects.get('configmap', 'apps', 'demo-config')?.data).toEqual({ message: 'bye' });
    expect(sim.objects.get('deployment', 'apps', 'demo-web')?.status).toMatchObject({ availableReplicas: 3, updatedReplicas: 3 });
    // before-hook-creation: the old hook Job was deleted and a new one created.
    expect(sim.objects.get('job', 'apps', 'demo-migrate')?.metadata.uid).not.toBe(firstHookUid);

    await helmOk(['rollback', 'demo', '1', '-n', 'apps', '--wait', '--timeout', '20s']);
    expect(sim.objects.get('configmap', 'apps', 'demo-config')?.data).toEqual({ message: 'hello' });
    expect(sim.objects.get('deployment', 'apps', 'demo-web')?.spec.replicas).toBe(2);
    const history = JSON.parse((await helmOk(['history', 'demo', '-n', 'apps', '-o', 'json'])).stdout) as Array<{ revision: number; status: string; description: string }>;
    expect(history.map((h) => `${h.revision}:${h.status}`)).toEqual(['1:superseded', '2:superseded', '3:deployed']);
    expect(history[2].description).toBe('Rollback to 1');

    expect((await helmOk(['list', '-A', '-o', 'json'])).stdout).toContain('"name":"demo"');
    await helmOk(['uninstall', 'demo', '-n', 'apps', '--wait', '--timeout', '20s']);
    expect(sim.objects.get('deployment', 'apps', 'demo-web')).toBeUndefined();
    expect(sim.objects.list('pod', 'apps', 'app.kubernetes.io/instance=demo')).toHaveLength(0);
    expect(sim.objects.list('secret', 'apps', 'owner=helm')).toHaveLength(0);
  });

  it('works with client-side apply (--server-side=false) and the legacy waiter', async () => {
    const args = ['upgrade', '--install', 'csa', DEMO_CHART, '-n', 'csa', '--create-namespace', '--server-side=false', '--timeout', '20s'];
    await helmOk([...args, '--wait']);
    // The legacy waiter polls ReplicaSets and Pods (every 2 s, hence one run only).
    await helmOk([...args, '--wait=legacy', '--set', 'image=nginx:1.28']);
    expect(sim.objects.get('deployment', 'csa', 'csa-web')?.spec.template.spec.containers[0].image).toBe('nginx:1.28');
    expect(sim.objects.get('deployment', 'csa', 'csa-web')?.status.updatedReplicas).toBe(2);
    expect(sim.requests.some((r) => r.method === 'PATCH' && r.url.includes('/deployments/csa-web') && !r.url.includes('force='))).toBe(true);
  });
});
