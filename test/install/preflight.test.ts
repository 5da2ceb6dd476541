// Preflight: exit 3 with one line of cause and the fixing command, fast, and nothing created;
// upgrade runs the same preflight step and stops the same way. A check that warns is shown (a line
// in text, the check in json and ndjson) and does not stop the run; a dry run's missing write
// rights are such a warning.
import { createServer } from 'node:net';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { kubeconfigYaml } from '../kubesim/server.js';
import type { Check } from '../../src/checks/types.js';
import { withFaults } from '../helpers/kubesim.js';
import { fixtureChart, helm, helmHistory, installArgs, installedRelease, ndjson, runInstall, startCli, upgradeArgs, useHarness } from './helpers.js';

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

  it('no right to renew the release lock (update leases): exit 3 before the namespace is created, not after taking the lock', async () => {
    await withFaults(h.sim, ['rbac/deny=update:leases'], async () => {
      const r = await runInstall(h, { namespace: 'pre-lease' });
      expect(r.code, r.stderr).toBe(3);
      expect(r.stderr).toMatch(/preflight: permissions: context kubesim may not update leases in namespace pre-lease/);
      expect(h.sim.objects.get('namespace', undefined, 'pre-lease')).toBeUndefined();
    });
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

  // A read-only identity (CI reviewing a change): a dry run writes nothing, so the rights only a
  // real run uses warn, naming them; the run goes on, exits 0 and shows the warning in every format.
  const dryInstall = (ns: string, extra: string[] = []) => startCli([...installArgs(h, { namespace: ns }), '--dry-run', ...extra], h.env).done;

  it('install --dry-run without write rights: a warning naming what a real run needs, in text, -o json and -o ndjson; exit 0, nothing written', async () => {
    const ns = 'pre-dry-ro';
    await withFaults(h.sim, ['rbac/deny=create:secrets,patch:deployments'], async () => {
      const r = await dryInstall(ns);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).toContain('Install plan (dry run: nothing was changed)');
      const lines = r.stderr.split('\n');
      // The step ends marked `!`, its warning on the next line.
      expect(lines).toContainEqual(expect.stringMatching(/^! Preflight \(helm v?\d+\.\d+\.\d+, Kubernetes v\d+\.\d+\.\d+\)$/));
      expect(lines).toContain(`  ! permissions: a real run needs: create secrets in ${ns}, patch deployments in ${ns} (context kubesim may not; this dry run only reads)`);
      expect(lines).toContainEqual(expect.stringMatching(/^ {6}ask a cluster admin to run: kubectl create rolebinding bucketeer-install --clusterrole=admin --user=<you> -n pre-dry-ro/));
      // Checks that passed print no line.
      expect(r.stderr).not.toMatch(/✓ helm:/);

      const j = await dryInstall(ns, ['-o', 'json']);
      expect(j.code, j.stderr).toBe(0);
      const plan = JSON.parse(j.stdout) as { type: string; preflight: Check[] };
      expect(plan.type).toBe('plan');
      expect(plan.preflight.find((c) => c.id === 'preflight.rbac')).toMatchObject({ status: 'warn', facts: { denied: [{ verb: 'create', resource: 'secrets' }, { verb: 'patch', resource: 'deployments' }] } });
      expect(plan.preflight.find((c) => c.id === 'preflight.helm')?.status).toBe('pass');

      const n = await dryInstall(ns, ['-o', 'ndjson']);
      expect(n.code, n.stderr).toBe(0);
      const finished = ndjson(n.stdout).find((e) => e.type === 'step-finished' && e.step === 'preflight') as { status?: string; checks: Check[] } | undefined;
      expect(finished).toMatchObject({ status: 'warn' });
      expect(finished!.checks.map((c) => `${c.id} ${c.status}`)).toEqual(expect.arrayContaining(['preflight.rbac warn', 'preflight.cluster pass']));
    });
    expect(h.sim.objects.get('namespace', undefined, ns)).toBeUndefined();
  });

  it('install --dry-run without a read right it uses (get secrets): exit 3 naming it; a real run without write rights still fails', async () => {
    const ns = 'pre-dry-noread';
    await withFaults(h.sim, ['rbac/deny=get:secrets,create:secrets'], async () => {
      const r = await dryInstall(ns, ['-o', 'json']);
      expect(r.code).toBe(3);
      const doc = JSON.parse(r.stdout) as { error: { message: string }; preflight: Check[] };
      expect(doc.error.message).toBe(`preflight: permissions: context kubesim may not get secrets in namespace ${ns}`);
      expect(doc.preflight.find((c) => c.id === 'preflight.rbac')?.status).toBe('fail');
      const real = await runInstall(h, { namespace: ns });
      expect(real.code).toBe(3);
      expect(real.stderr).toContain(`preflight: permissions: context kubesim may not create secrets, get secrets in namespace ${ns}`);
    });
    expect(h.sim.objects.get('namespace', undefined, ns)).toBeUndefined();
  });

  it('install --dry-run without the right to list Secrets (helm reads its release records so): exit 3 naming it, nothing created', async () => {
    const ns = 'pre-dry-nolist';
    await withFaults(h.sim, ['rbac/deny=list:secrets'], async () => {
      const r = await dryInstall(ns, []);
      expect(r.code, r.stderr).toBe(3);
      expect(r.stderr).toContain(`preflight: permissions: context kubesim may not list secrets in namespace ${ns}`);
    });
    expect(h.sim.objects.get('namespace', undefined, ns)).toBeUndefined();
  });

  it('upgrade --dry-run without write rights: the same warning, exit 0, the result carries the preflight checks; helm history unchanged', async () => {
    const ns = 'pre-dry-upgrade';
    const history = await installedRelease(h, ns);
    const upgrade = (extra: string[]) => startCli(upgradeArgs(h, ns, extra), h.env).done;
    await withFaults(h.sim, ['rbac/deny=patch:deployments'], async () => {
      const r = await upgrade(['--dry-run']);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stderr.split('\n')).toContain(`  ! permissions: a real run needs: patch deployments in ${ns} (context kubesim may not; this dry run only reads)`);
      expect(r.stdout).toContain('Dry run: nothing was changed.');
      const j = await upgrade(['--dry-run', '-o', 'json']);
      expect(j.code, j.stderr).toBe(0);
      const doc = JSON.parse(j.stdout) as { dryRun: boolean; checks: Check[]; preflight: Check[] };
      expect(doc).toMatchObject({ type: 'result', status: 'ok', dryRun: true, checks: [] });
      expect(doc.preflight.find((c) => c.id === 'preflight.rbac')).toMatchObject({ status: 'warn', detail: expect.stringContaining('a real run needs: patch deployments') });
      // Without --dry-run the same identity is refused before any change.
      expect((await upgrade(['--yes'])).code).toBe(3);
    });
    expect(await helmHistory(h, ns)).toEqual(history);
  });

  it('a failed preflight: -o json carries every preflight check (the failed one and those that passed), `checks` stays the health checks', async () => {
    const r = await withFaults(h.sim, ['rbac/deny=create:secrets'], () => runInstall(h, { namespace: 'pre-fail-json', extra: ['-o', 'json'] }));
    expect(r.code).toBe(3);
    const doc = JSON.parse(r.stdout) as { checks: Check[]; preflight: Check[] };
    expect(doc.checks).toEqual([]);
    expect(Object.fromEntries(doc.preflight.map((c) => [c.id, c.status]))).toMatchObject({ 'preflight.helm': 'pass', 'preflight.cluster': 'pass', 'preflight.version': 'pass', 'preflight.rbac': 'fail' });
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
