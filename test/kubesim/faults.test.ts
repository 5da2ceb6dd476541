// Injected faults make the real `helm upgrade --install --wait` fail, and kubectl shows why.
// Each case gets its own kubesim and runs concurrently: most of them wait out helm's timeout.
import { describe, expect, it } from 'vitest';
import { ClientEnv, DEMO_CHART, findClients, type RunResult } from './clients.js';
import { startKubesim, type KubeObject, type Kubesim } from './server.js';

const bins = findClients();
if (bins.problems.length) console.warn(`[kubesim] SKIPPING fault tests: ${bins.problems.join('; ')}`);

/** Starts a kubesim with `faults`, runs `body` with a client env, and always cleans up. */
async function withSim(faults: string[], body: (sim: Kubesim, c: ClientEnv) => Promise<void>): Promise<void> {
  const sim = await startKubesim({ faults, tickMs: 50, jobDurationMs: 150, crashLoopRestartMs: 500 });
  const c = await ClientEnv.create(sim, bins);
  try {
    await body(sim, c);
  } finally {
    await c.dispose();
    await sim.close();
  }
}

const install = (c: ClientEnv, release: string, extra: string[] = []) =>
  c.helm(['upgrade', '--install', release, DEMO_CHART, '-n', release, '--create-namespace', '--wait', '--timeout', '10s', ...extra]);

/** Installs the demo chart as `release` in its own kubesim with `fault`: the install fails, then `inspect` looks at why. */
async function afterFailedInstall(fault: string, release: string, inspect: (r: RunResult, c: ClientEnv) => Promise<void>): Promise<void> {
  await withSim([fault], async (_sim, c) => {
    const r = await install(c, release);
    expect(r.code).not.toBe(0);
    await inspect(r, c);
  });
}

async function pods(c: ClientEnv, ns: string, selector: string): Promise<KubeObject[]> {
  return (await c.kubectlJson<{ items: KubeObject[] }>(['-n', ns, 'get', 'pods', '-l', selector])).items;
}

describe.skipIf(bins.problems.length > 0).concurrent('faults seen through helm and kubectl', { timeout: 40_000 }, () => {
  it('never-ready: pods run but never become Ready, so --wait times out', async () => {
    await afterFailedInstall('deployment/nr-web=never-ready', 'nr', async (r, c) => {
      expect(r.output).toContain('resource Deployment/nr/nr-web not ready. status: InProgress');
      const [pod] = await pods(c, 'nr', 'app.kubernetes.io/instance=nr,app.kubernetes.io/name=demo');
      expect(pod.status).toMatchObject({ phase: 'Running', containerStatuses: [{ ready: false, started: true }] });
      const d = await c.kubectlJson(['-n', 'nr', 'get', 'deployment', 'nr-web']);
      expect(d.status.conditions).toContainEqual(expect.objectContaining({ type: 'Available', status: 'False' }));
    });
  });

  it('crashloop: kubectl shows CrashLoopBackOff, the exit code and growing restarts', async () => {
    await afterFailedInstall('deployment/cl-web=crashloop', 'cl', async (r, c) => {
      expect(r.output).toContain('context deadline exceeded');
      const [pod] = await pods(c, 'cl', 'app.kubernetes.io/name=demo');
      const cs = pod.status.containerStatuses[0];
      expect(cs.state.waiting.reason).toBe('CrashLoopBackOff');
      expect(cs.lastState.terminated).toMatchObject({ reason: 'Error', exitCode: 1 });
      expect(cs.restartCount).toBeGreaterThan(5);
      const table = await c.kubectl(['-n', 'cl', 'get', 'pods']);
      expect(table.stdout).toMatch(/cl-web-\S+\s+0\/1\s+CrashLoopBackOff\s+\d+/);
      const events = await c.kubectl(['-n', 'cl', 'get', 'events']);
      expect(events.stdout).toContain('Back-off restarting failed container');
    });
  });

  it('image-pull: kubectl get pods -o json shows ImagePullBackOff with a message', async () => {
    await afterFailedInstall('deployment/ip-web=image-pull', 'ip', async (r, c) => {
      const [pod] = await pods(c, 'ip', 'app.kubernetes.io/name=demo');
      expect(pod.status.phase).toBe('Pending');
      expect(pod.status.containerStatuses[0].state.waiting).toMatchObject({ reason: 'ImagePullBackOff', message: expect.stringContaining('nginx:1.27') });
    });
  });

  it('job-fail: the failed pre-install hook fails the install at once', async () => {
    await afterFailedInstall('job/jf-migrate=job-fail', 'jf', async (r, c) => {
      expect(r.output).toContain('failed pre-install: resource Job/jf/jf-migrate not ready. status: Failed');
      expect(r.ms).toBeLessThan(8000); // kstatus reports Failed; helm does not wait out the timeout
      const job = await c.kubectlJson(['-n', 'jf', 'get', 'job', 'jf-migrate']);
      expect(job.status.conditions).toContainEqual(expect.objectContaining({ type: 'Failed', status: 'True', reason: 'BackoffLimitExceeded' }));
      const [pod] = await pods(c, 'jf', 'job-name=jf-migrate');
      expect(pod.status.phase).toBe('Failed');
    });
  });

  it('--rollback-on-failure returns a failed upgrade to the previous revision', async () => {
    await withSim([], async (sim, c) => {
      expect((await install(c, 'rb')).code).toBe(0);
      sim.setFault('job/rb-migrate=job-fail'); // the pre-upgrade hook now fails
      const r = await install(c, 'rb', ['--rollback-on-failure', '--set', 'message=broken']);
      expect(r.code).not.toBe(0);
      expect(r.output).toMatch(/rolled back|rollback/i);
      const history = JSON.parse((await c.helm(['history', 'rb', '-n', 'rb', '-o', 'json'])).stdout) as Array<{ revision: number; status: string }>;
      expect(history.map((h) => `${h.revision}:${h.status}`)).toEqual(['1:superseded', '2:failed', '3:deployed']);
      expect(sim.objects.get('configmap', 'rb', 'rb-config')?.data).toEqual({ message: 'hello' });
    });
  });

  it('refuse mode: helm fails fast with a connection error', async () => {
    await withSim([], async (sim, c) => {
      await sim.setApiMode('refuse');
      const r = await install(c, 'down');
      expect(r.code).not.toBe(0);
      expect(r.output).toMatch(/connection refused/);
      expect(r.ms).toBeLessThan(5000);
      const list = await c.helm(['list', '-A']);
      expect(list.output).toMatch(/connection refused/);
    });
  });

  it('api/fail: the next N requests fail; kubectl (client-go) rides out a 429 with Retry-After', async () => {
    await withSim(['api/fail=429:2:/api/v1/namespaces/default'], async (sim, c) => {
      const from = sim.requests.length;
      const ns = await c.kubectlJson(['get', 'namespace', 'default']);
      expect(ns.metadata.name).toBe('default');
      expect(sim.requests.slice(from).filter((r) => r.url.startsWith('/api/v1/namespaces/default')).map((r) => r.status)).toEqual([429, 429, 200]);
      expect(sim.faults()).toEqual([]); // spent
    });
  });
});

describe('api/fail fault syntax', () => {
  it('parses WHAT:N[:PATH] and refuses anything else', async () => {
    const { parseFault } = await import('./faults.js');
    expect(parseFault('api/fail=503:3')).toEqual([{ type: 'api-fail', what: '503', remaining: 3, pathPrefix: undefined }]);
    expect(parseFault('api/fail=reset-after:1:/api/v1/namespaces/x/secrets')).toEqual([{ type: 'api-fail', what: 'reset-after', remaining: 1, pathPrefix: '/api/v1/namespaces/x/secrets' }]);
    expect(() => parseFault('api/fail=500:1')).toThrow(/expected api\/fail=503\|429\|reset\|reset-after:N\[:PATH\]/);
    expect(() => parseFault('api/other=503:1')).toThrow(/bad fault/);
  });
});
