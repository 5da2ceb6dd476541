// install on the Kubernetes simulator with the fake Bucketeer gateways behind its service proxy:
// bootstrap runs after helm and the health checks, then the smoke test; the output ends with the
// summary line; the SDK keys exist only in Secret <release>-sdk-keys.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCallJobs } from '../fakebucketeer/call-jobs.js';
import { startFakeBucketeer, type FakeBucketeer } from '../fakebucketeer/server.js';
import { fixtureChart, helm, runInstall, startCli, startHarness, type Harness } from '../install/helpers.js';

const NS = 'boot';

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((d) => {
    const p = join(dir, d.name);
    return d.isDirectory() ? filesUnder(p) : d.isFile() && statSync(p).size < 5_000_000 ? [p] : [];
  });
}

describe.skipIf(!helm)('install with bootstrap and smoke test (kubesim + fake Bucketeer)', () => {
  let h: Harness;
  let fake: FakeBucketeer;
  beforeAll(async () => {
    h = await startHarness();
    // The fake accepts the service token install generated, read from the Secret as web would.
    fake = await startFakeBucketeer({
      serviceToken: () => {
        const s = h.sim.objects.get('secret', NS, 'bucketeer-service-token') as { data?: Record<string, string> } | undefined;
        return s?.data?.token ? Buffer.from(s.data.token, 'base64').toString('utf8') : undefined;
      },
    });
    h.sim.setServiceBackend(NS, 'web', fake.webUrl);
    h.sim.setServiceBackend(NS, 'api', fake.apiUrl);
  });
  afterAll(async () => {
    await fake?.close();
    await h?.close();
  });

  it('ends with the organization/project/environments/keys line and a passing smoke test; a second install creates nothing', async () => {
    const r = await runInstall(h, { namespace: NS });
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(r.code, r.stderr).toBe(0);
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines.at(-3)).toBe('organization Bucketeer (bucketeer), project Default Project, environments Development, Production, SDK keys in secret bucketeer-sdk-keys');
    expect(lines.at(-2)).toBe(`  read a key: kubectl get secret -n ${NS} bucketeer-sdk-keys -o jsonpath='{.data.development-client}' | base64 -d`);
    expect(lines.at(-1)).toMatch(/^smoke test passed: flag created, evaluated with the client SDK key, event registered, flag archived \(\d+ ms\)$/);
    expect(r.stderr).toMatch(/Bootstrap organization, project, environments and SDK keys/);
    expect(fake.creates()).toEqual({ createOrganization: 1, createApiKey: 4, createFeature: 1 });
    // Through the API server proxy the service token travels as Grpc-Metadata-Authorization
    // (the proxy drops Authorization); the fake saw "bearer" on every web call.
    expect(fake.calls.filter((c) => c.gateway === 'web' && c.route).every((c) => c.authHeader === 'bearer')).toBe(true);
    expect(fake.state.organizations[0].ownerEmail).toBe('admin@example.com');

    const secret = h.sim.objects.get('secret', NS, 'bucketeer-sdk-keys') as unknown as { data: Record<string, string> };
    const keys = Object.values(secret.data).map((v) => Buffer.from(v, 'base64').toString('utf8'));
    expect(Object.keys(secret.data).sort()).toEqual(['development-client', 'development-server', 'production-client', 'production-server']);
    expect(keys.sort()).toEqual(fake.state.apiKeys.map((k) => k.apiKey).sort());
    // never printed, never in the stored answers ConfigMap or any other object, never in a file
    for (const k of keys) {
      expect(r.stdout).not.toContain(k);
      expect(r.stderr).not.toContain(k);
      const others = h.sim.objects.list('configmap', NS).concat(h.sim.objects.list('secret', NS).filter((s) => s.metadata.name !== 'bucketeer-sdk-keys'));
      expect(JSON.stringify(others)).not.toContain(k);
      expect(JSON.stringify(others)).not.toContain(Buffer.from(k).toString('base64'));
      for (const f of filesUnder(h.dir)) expect(readFileSync(f, 'latin1').includes(k), f).toBe(false);
    }

    const before = JSON.stringify({ ...fake.state, features: [], events: [] });
    const again = await runInstall(h, { namespace: NS });
    expect(again.code, again.stderr).toBe(0);
    expect(again.stderr).toMatch(/all present, nothing created/);
    expect(fake.creates()).toEqual({ createOrganization: 1, createApiKey: 4, createFeature: 2 });
    expect(JSON.stringify({ ...fake.state, features: [], events: [] })).toBe(before);
    expect((h.sim.objects.get('secret', NS, 'bucketeer-sdk-keys') as unknown as { data: object }).data).toEqual(secret.data);
  }, 180_000);

  // Bucketeer never shows a key again (pkg/account/api/api_key.go obfuscates listings), so a key
  // lost from the Secret is created anew; the earlier one stays enabled (an app may use a copy)
  // and is named with how to disable it: UpdateAPIKey (proto/account/service.proto) or the console.
  it('an SDK key lost from the Secret: the next install creates another and names the earlier one, still active, with how to disable it', async () => {
    const secret = h.sim.objects.get('secret', NS, 'bucketeer-sdk-keys') as unknown as { data: Record<string, string> };
    const lost = Buffer.from(secret.data['production-server'], 'base64').toString('utf8');
    const earlier = fake.state.apiKeys.find((k) => k.apiKey === lost)!;
    const production = fake.state.environments.find((e) => e.id === earlier.environmentId)!;
    const { ['production-server']: _lost, ...kept } = secret.data;
    h.sim.objects.put({ ...(secret as unknown as Parameters<typeof h.sim.objects.put>[0]), data: kept });

    const r = await runInstall(h, { namespace: NS });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/created 1: server SDK key for production; 1 earlier SDK key still active in Bucketeer/);
    const note = r.stdout.split('\n').find((l) => l.startsWith('  the earlier server SDK key'));
    expect(note).toBe(
      `  the earlier server SDK key bucketeer-install-server (id ${earlier.id}) of environment production is still active in Bucketeer: ` +
        'a new key replaced it in the Secret, but an app may still use a copy. Once none does, disable it in the console ' +
        `(https://bucketeer.example.com/production/api-keys) or with PATCH /v1/account/update_api_key {"id":"${earlier.id}","environmentId":"${production.id}","disabled":true}`,
    );
    expect(earlier.disabled).toBe(false);
    const now = (h.sim.objects.get('secret', NS, 'bucketeer-sdk-keys') as unknown as { data: Record<string, string> }).data;
    const replacement = Buffer.from(now['production-server'], 'base64').toString('utf8');
    expect(replacement).not.toBe(lost);
    expect(fake.state.apiKeys.find((k) => k.apiKey === replacement)?.name).toMatch(/^bucketeer-install-server-\d{14}$/);
    for (const k of [lost, replacement]) expect(r.stdout + r.stderr).not.toContain(k);
  }, 180_000);

  it('a smoke test failure exits 1 naming the step, the HTTP status and Bucketeer\'s message', async () => {
    fake.setFault({ kind: 'status', status: 503, route: 'registerEvents' });
    try {
      const r = await runInstall(h, { namespace: NS });
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/smoke test step "register an evaluation event \(API gateway\)".*HTTP 503: upstream connect error/);
    } finally {
      fake.clearFaults();
    }
  }, 180_000);

  it('doctor --smoke reruns the smoke test, and fails naming the step on a wrong variation', async () => {
    const doctor = (extra: string[] = []) => startCli(['doctor', '--smoke', '--kube-context', 'kubesim', '--kubeconfig', h.sim.kubeconfigPath, '-n', NS, '--health-window', '1s', ...extra], h.env).done;
    const features = fake.state.features.length;
    const ok = await doctor(['--output', 'json']);
    expect(ok.stdout, ok.stderr).not.toBe('');
    const report = JSON.parse(ok.stdout) as { checks: { id: string; status: string }[] };
    expect(report.checks.filter((c) => c.id.startsWith('smoke.')).map((c) => `${c.id}:${c.status}`)).toEqual([
      'smoke.create-flag:pass', 'smoke.enable-flag:pass', 'smoke.evaluate:pass', 'smoke.register-event:pass', 'smoke.archive-flag:pass',
    ]);
    expect(fake.state.features.length).toBe(features + 1);
    fake.setFault({ kind: 'wrong-variation' });
    try {
      // the default 30 s wait for the flag to reach the API gateway is part of the run
      const bad = await doctor();
      expect(bad.code).toBe(1);
      expect(bad.stdout).toMatch(/evaluate the flag with the client SDK key \(API gateway\) failed: got variation false/);
    } finally {
      fake.clearFaults();
    }
  }, 180_000);

  it('upgrade runs the smoke test beside the health window', async () => {
    const r = await startCli(['upgrade', '--yes', '--chart', fixtureChart, '--kube-context', 'kubesim', '--kubeconfig', h.sim.kubeconfigPath, '--namespace', NS, '--timeout', '60s', '--health-window', '1s'], h.env).done;
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/smoke test passed: flag created, evaluated with the client SDK key, event registered, flag archived/);
  }, 180_000);

  it('--skip-bootstrap --skip-smoke leaves Bucketeer alone', async () => {
    const calls = fake.calls.filter((c) => c.route).length;
    const r = await runInstall(h, { namespace: NS, extra: ['--skip-bootstrap', '--skip-smoke'] });
    expect(r.code, r.stderr).toBe(0);
    expect(fake.calls.filter((c) => c.route).length).toBe(calls);
    expect(r.stdout).not.toMatch(/SDK keys in secret/);
  }, 180_000);
});

describe.skipIf(!helm)('install where the API server cannot proxy: the call Jobs', () => {
  it('falls back to a Job per call; the Jobs reference the Secrets and carry no credential; install ends with the summary', async () => {
    const ns = 'boot-job';
    // Jobs finish after 500 ms here, time for the runner to give them their log line.
    const h = await startHarness({ jobDurationMs: 500 });
    const fake = await startFakeBucketeer({
      serviceToken: () => {
        const s = h.sim.objects.get('secret', ns, 'bucketeer-service-token') as unknown as { data?: Record<string, string> } | undefined;
        return s?.data?.token ? Buffer.from(s.data.token, 'base64').toString('utf8') : undefined;
      },
    });
    const runner = runCallJobs(h.sim, fake, ns);
    try {
      const r = await runInstall(h, { namespace: ns });
      expect(r.code, r.stderr).toBe(0);
      expect(r.stderr).toMatch(/calling through a Job in the namespace instead/);
      expect(r.stdout).toMatch(/organization Bucketeer \(bucketeer\), project Default Project, environments Development, Production, SDK keys in secret bucketeer-sdk-keys/);
      expect(r.stdout.trimEnd().split('\n').at(-1)).toMatch(/^smoke test passed/);
      expect(fake.creates()).toEqual({ createOrganization: 1, createApiKey: 4, createFeature: 1 });
      const token = Buffer.from((h.sim.objects.get('secret', ns, 'bucketeer-service-token') as unknown as { data: { token: string } }).data.token, 'base64').toString('utf8');
      const keys = fake.state.apiKeys.map((k) => k.apiKey);
      expect(runner.specs.length).toBeGreaterThan(5);
      for (const spec of runner.specs) for (const secret of [token, ...keys]) expect(spec.includes(secret)).toBe(false);
      // each call Job is deleted once its answer is read
      expect(h.sim.objects.list('job', ns).filter((j) => j.metadata.labels?.['app.kubernetes.io/component'] === 'bucketeer-call')).toEqual([]);
    } finally {
      runner.stop();
      await fake.close();
      await h.close();
    }
  }, 240_000);
});
