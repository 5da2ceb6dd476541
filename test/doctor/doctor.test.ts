// doctor of an installed release against kubesim with the real helm: pass in JSON after an
// install, then one broken thing at a time (tampered service token, certificate without the
// localhost SAN, a certificate expiring soon, a missing Secret, a crash-looping Deployment).
// Doctor is read-only: the cluster's objects are the same before and after it runs.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateServiceCert } from '../../src/plan/material.js';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { example, helm, runInstall, startCli, startHarness, type Harness } from '../install/helpers.js';

interface Report {
  status: 'pass' | 'warn' | 'fail';
  checks: { category: string; id: string; title: string; status: string; detail?: string; hint?: string }[];
}

const NS = 'doc';
const DAY = 86_400_000;

describe.skipIf(!helm)('doctor', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
    const r = await runInstall(h, { namespace: NS });
    if (r.code !== 0) throw new Error(`install failed: ${r.stderr}`);
  });
  afterAll(async () => h?.close());

  async function doctor(extra: string[] = []): Promise<{ code: number | null; report: Report; stderr: string }> {
    const r = await startCli(['doctor', '--kube-context', 'kubesim', '--kubeconfig', h.sim.kubeconfigPath, '--namespace', NS, '--output', 'json', '--health-window', '300ms', ...extra], h.env).done;
    return { code: r.code, report: JSON.parse(r.stdout) as Report, stderr: r.stderr };
  }
  const byId = (rep: Report, id: string) => rep.checks.find((c) => c.id === id);

  /** Replaces one Secret's data for the duration of fn, then restores it. */
  async function withSecret(name: string, data: Record<string, string> | undefined, fn: () => Promise<void>) {
    const original = h.sim.objects.get('secret', NS, name)!;
    if (data) h.sim.objects.put({ ...original, data: Object.fromEntries(Object.entries(data).map(([k, v]) => [k, Buffer.from(v).toString('base64')])) });
    else h.sim.objects.delete('secret', NS, name);
    try {
      await fn();
    } finally {
      h.sim.objects.put({ apiVersion: original.apiVersion, kind: original.kind, metadata: { name, namespace: NS, labels: original.metadata.labels }, type: original.type, data: original.data });
    }
  }
  const secretText = (name: string, key: string) => Buffer.from(h.sim.objects.get('secret', NS, name)!.data[key], 'base64').toString('utf8');

  it('after an install: only the demo sign-in warning in JSON, every area checked, and nothing in the cluster changed', async () => {
    const before = JSON.stringify(h.sim.objects.list('secret', NS).map((s) => [s.metadata.name, s.metadata.resourceVersion]));
    const { code, report } = await doctor();
    // The in-cluster example uses demo sign-in, whose password the chart publishes in env.js: the
    // one warning. Everything else passes or is skipped with its reason.
    expect(report.checks.filter((c) => c.status === 'warn' || c.status === 'fail').map((c) => [c.id, c.status])).toEqual([['values.demo-sign-in', 'warn']]);
    // Where the chart left secrets the view role can read, by name only.
    expect(byId(report, 'secrets.view-readable')).toMatchObject({ status: 'pass', detail: expect.stringMatching(/ConfigMaps bucketeer-web-env-js .*database password/) });
    expect(JSON.stringify(report)).not.toContain(h.env.BUCKETEER_DEMO_PASSWORD);
    expect(report.status).toBe('warn');
    expect(code).toBe(0);
    expect((await doctor(['--strict'])).code).toBe(1);
    const categories = new Set(report.checks.map((c) => c.category));
    for (const c of ['tools', 'cluster', 'release', 'health', 'secrets', 'values', 'database', 'redis', 'messaging', 'warehouse']) expect(categories, c).toContain(c);
    expect(byId(report, 'release.status')).toMatchObject({ status: 'pass', detail: expect.stringMatching(/deployed at revision 1/) });
    expect(byId(report, 'secrets.service-token')).toMatchObject({ status: 'pass', detail: expect.stringMatching(/verifies with the OAuth public key/) });
    expect(byId(report, 'secrets.service-cert.sans')?.status).toBe('pass');
    expect(byId(report, 'values.pubsub-type')?.status).toBe('pass');
    // In-cluster MySQL/Redis are private to the cluster: skipped with the reason, not faked.
    expect(byId(report, 'database.doctor')).toMatchObject({ status: 'skip', detail: expect.stringMatching(/in-cluster Job/) });
    expect(byId(report, 'messaging.redis-stream.partitions')?.status).toBe('pass');
    expect(JSON.stringify(h.sim.objects.list('secret', NS).map((s) => [s.metadata.name, s.metadata.resourceVersion]))).toBe(before);
  });

  it('a tampered service token fails: its signature does not verify', async () => {
    const token = secretText('bucketeer-service-token', 'token');
    const [head, body, sig] = token.split('.');
    const claims = JSON.parse(Buffer.from(body, 'base64url').toString('utf8'));
    claims.is_system_admin = false;
    const forged = `${head}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.${sig}`;
    await withSecret('bucketeer-service-token', { token: forged }, async () => {
      const { code, report } = await doctor();
      expect(code).toBe(1);
      expect(report.status).toBe('fail');
      expect(byId(report, 'secrets.service-token')).toMatchObject({ status: 'fail', detail: expect.stringMatching(/signature does not verify/) });
    });
  });

  it('a certificate without the localhost SAN fails; one expiring within 30 days warns (exit 0, --strict exit 1)', async () => {
    const noLocalhost = await generateServiceCert([`*.${NS}.svc.cluster.local`, `*.${NS}.svc`]);
    await withSecret('bucketeer-service-cert', { 'tls.crt': noLocalhost.crt, 'tls.key': noLocalhost.key, 'ca.crt': noLocalhost.caCrt }, async () => {
      const { code, report } = await doctor();
      expect(code).toBe(1);
      expect(byId(report, 'secrets.service-cert.sans')).toMatchObject({ status: 'fail', detail: expect.stringMatching(/SANs lack localhost/) });
    });

    const soon = await generateServiceCert(['localhost', `*.${NS}.svc.cluster.local`], new Date(Date.now() - 815 * DAY), 825);
    await withSecret('bucketeer-service-cert', { 'tls.crt': soon.crt, 'tls.key': soon.key, 'ca.crt': soon.caCrt }, async () => {
      const { code, report } = await doctor();
      expect(byId(report, 'secrets.service-cert.expiry')).toMatchObject({ status: 'warn', detail: expect.stringMatching(/expires in (9|10) days/) });
      expect(report.status).toBe('warn');
      expect(code).toBe(0);
      expect((await doctor(['--strict'])).code).toBe(1);
    });
  });

  it('a missing Secret fails naming it', async () => {
    await withSecret('bucketeer-oauth-key', undefined, async () => {
      const { code, report } = await doctor();
      expect(code).toBe(1);
      expect(byId(report, 'secrets.oauth-key.present')).toMatchObject({ status: 'fail', title: expect.stringContaining('bucketeer-oauth-key') });
      expect(byId(report, 'secrets.service-token')?.status).toBe('skip');
    });
  });

  it('a crash-looping Deployment fails naming the pod reason', async () => {
    h.sim.setFault('deployment/api=crashloop');
    try {
      await new Promise((r) => setTimeout(r, 500));
      const { code, report } = await doctor();
      expect(code).toBe(1);
      const failing = report.checks.filter((c) => c.status === 'fail');
      expect(failing.some((c) => c.id === 'health.deployment.api' && /CrashLoopBackOff/.test(c.detail ?? ''))).toBe(true);
      expect(failing.some((c) => c.id.startsWith('health.pod.api-') && /CrashLoopBackOff/.test(c.detail ?? ''))).toBe(true);
    } finally {
      h.sim.clearFaults();
    }
  });

  it('text output groups the checks and ends with the status line', async () => {
    const r = await startCli(['doctor', '--kube-context', 'kubesim', '--kubeconfig', h.sim.kubeconfigPath, '-n', NS, '--health-window', '200ms'], h.env).done;
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^secrets\n-------\n/m);
    expect(r.stdout).toMatch(/the demo password is public/);
    expect(r.stdout).toMatch(/Status: warn \(\d+ pass, 1 warn, 0 fail, \d+ skip\)/);
  });

  it('--answers names the namespace and context when the flags do not (flag > answers file > default)', async () => {
    const answers = join(h.dir, 'doctor-answers.yaml');
    const text = readFileSync(example('in-cluster'), 'utf8').replace(/^kubernetes:\n  namespace: bucketeer$/m, `kubernetes:\n  namespace: ${NS}\n  context: kubesim`);
    expect(text).toContain(`namespace: ${NS}`);
    writeFileSync(answers, text);
    const r = await startCli(['doctor', '--answers', answers, '--kubeconfig', h.sim.kubeconfigPath, '--output', 'json', '--health-window', '200ms'], h.env).done;
    const report = JSON.parse(r.stdout) as Report;
    expect(byId(report, 'release.status')).toMatchObject({ status: 'pass', detail: expect.stringMatching(/deployed at revision 1/) });
    expect(r.code).toBe(0);
    // The flag still wins over the file: no release in namespace "elsewhere".
    const other = await startCli(['doctor', '--answers', answers, '-n', 'elsewhere', '--kubeconfig', h.sim.kubeconfigPath, '--output', 'json', '--health-window', '200ms'], h.env).done;
    expect(other.code).toBe(1);
    expect(byId(JSON.parse(other.stdout) as Report, 'release.status')?.status).toBe('fail');
  });
});
