// Preflight: exit 3 with one line of cause and the fixing command, fast, and nothing created;
// upgrade runs the same preflight step and stops the same way.
import { createServer } from 'node:net';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { kubeconfigYaml } from '../kubesim/server.js';
import { fixtureChart, helm, runInstall, startCli, useHarness } from './helpers.js';

/** A loopback port nobody listens on. */
async function closedPort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const port = (srv.address() as { port: number }).port;
  await new Promise<void>((r) => srv.close(() => r()));
  return port;
}

describe.skipIf(!helm)('install: preflight', () => {
  const h = useHarness();

  it('a kubeconfig pointing at a closed port: exit 3 naming the server and the fix, well within --timeout', async () => {
    const port = await closedPort();
    const kc = join(h.dir, 'closed-kubeconfig');
    writeFileSync(kc, kubeconfigYaml(`http://127.0.0.1:${port}`), { mode: 0o600 });
    const r = await runInstall(h, { namespace: 'pre-closed', kubeconfig: kc, timeout: '120s' });
    expect(r.code).toBe(3);
    expect(r.stderr).toContain(`cannot reach the Kubernetes API at http://127.0.0.1:${port} (context kubesim): connection refused`);
    expect(r.stderr).toContain('kubectl --context kubesim');
    expect(r.ms).toBeLessThan(15_000);
  });

  it('an API server that stops answering (refuse mode): exit 3 within the timeout; a slow one: exit 3 after the preflight request timeout', async () => {
    await h.sim.setApiMode('refuse');
    try {
      const r = await runInstall(h, { namespace: 'pre-refuse', timeout: '120s' });
      expect(r.code).toBe(3);
      expect(r.stderr).toMatch(/cannot reach the Kubernetes API at http:\/\/127\.0\.0\.1:\d+ \(context kubesim\)/);
      expect(r.ms).toBeLessThan(15_000);
    } finally {
      await h.sim.setApiMode('normal');
    }
    await h.sim.setApiMode('slow', 14_000);
    try {
      const r = await runInstall(h, { namespace: 'pre-slow', timeout: '120s' });
      expect(r.code).toBe(3);
      expect(r.stderr).toContain('no answer within 10s');
      expect(r.ms).toBeLessThan(20_000);
    } finally {
      await h.sim.setApiMode('normal');
    }
    expect(h.sim.objects.get('namespace', undefined, 'pre-slow')).toBeUndefined();
  });

  it('RBAC denial (SelfSubjectAccessReview): exit 3 naming the verb and resource and the rolebinding to create; nothing created', async () => {
    h.sim.setFault('rbac/deny=create:secrets,patch:deployments');
    try {
      const r = await runInstall(h, { namespace: 'pre-rbac' });
      expect(r.code).toBe(3);
      expect(r.stderr).toMatch(/preflight: permissions: context kubesim may not create secrets, patch deployments in namespace pre-rbac/);
      expect(r.stderr).toContain('kubectl create rolebinding bucketeer-install --clusterrole=admin');
      expect(h.sim.objects.get('namespace', undefined, 'pre-rbac')).toBeUndefined();
    } finally {
      h.sim.clearFaults();
    }
  });

  it('upgrade stops on the same failed check as install: the same failed line, error and exit code, in text and -o json', async () => {
    const ns = 'pre-same';
    const upgrade = (extra: string[]) =>
      startCli(['upgrade', '--yes', '--chart', fixtureChart, '--kube-context', 'kubesim', '--kubeconfig', h.sim.kubeconfigPath, '--namespace', ns, ...extra], h.env).done;
    /** The preflight lines of stderr: its failed event and the error with its hint. */
    const preflightLines = (stderr: string) => stderr.split('\n').filter((l) => /preflight|Preflight|rolebinding/.test(l));
    h.sim.setFault('rbac/deny=patch:deployments');
    try {
      const [install, up] = await Promise.all([runInstall(h, { namespace: ns }), upgrade([])]);
      expect(install.code).toBe(3);
      expect(up.code).toBe(3);
      expect(preflightLines(install.stderr)).toContainEqual(expect.stringMatching(/^✗ Preflight: permissions: context kubesim may not patch deployments in namespace pre-same$/));
      expect(preflightLines(up.stderr)).toEqual(preflightLines(install.stderr));

      const [installJson, upJson] = await Promise.all([runInstall(h, { namespace: ns, extra: ['-o', 'json'] }), upgrade(['-o', 'json'])]);
      const [a, b] = [JSON.parse(installJson.stdout), JSON.parse(upJson.stdout)];
      expect(a).toMatchObject({ type: 'result', status: 'failed', exitCode: 3, error: { message: expect.stringContaining('preflight: permissions: context kubesim may not patch deployments'), hint: expect.stringContaining('kubectl create rolebinding') } });
      expect(b.error).toEqual(a.error);
      expect(b).toMatchObject({ type: 'result', status: 'failed', exitCode: 3, applied: [] });
      expect(upJson.code).toBe(3);
    } finally {
      h.sim.clearFaults();
    }
    expect(h.sim.objects.get('namespace', undefined, ns)).toBeUndefined();
  });

  it('an unknown context: exit 3 listing the contexts the kubeconfig has', async () => {
    const r = await runInstall(h, { namespace: 'pre-ctx', extra: ['--kube-context', 'nope'] });
    expect(r.code).toBe(3);
    expect(r.stderr).toContain('context "nope" is not in the kubeconfig');
    expect(r.stderr).toContain('it has: kubesim');
  });

  it('no helm: exit 3 saying how to install it', async () => {
    const r = await runInstall(h, { namespace: 'pre-nohelm', env: { HELM_BIN: '', PATH: '/nonexistent' } });
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/preflight: helm: helm is not on PATH/);
    expect(r.stderr).toContain('https://helm.sh/docs/intro/install/');
  });
});
