// install --answers with each example profile against kubesim + the fixture chart + real helm.
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { SECRET_ENV, example, helm, helmHistory, installArgs, ndjson, runInstall, startCli, useHarness } from './helpers.js';

const DEPLOYMENTS = ['web', 'api', 'batch-server', 'subscriber'];

describe.skipIf(!helm)('install: example profiles', () => {
  const h = useHarness();

  it('in-cluster: exits 0, creates the Deployments, MySQL/Redis, Secrets and the stored answers; a second run converges without touching the Secrets', async () => {
    const ns = 'prof-in-cluster';
    const first = await runInstall(h, { namespace: ns });
    expect(first.stderr).not.toContain('Error');
    expect(first.code).toBe(0);
    for (const d of DEPLOYMENTS) expect(h.sim.objects.get('deployment', ns, d), d).toBeDefined();
    expect(h.sim.objects.get('statefulset', ns, 'bucketeer-mysql')).toBeDefined();
    expect(h.sim.objects.get('statefulset', ns, 'bucketeer-redis')).toBeDefined();
    expect(first.stdout).toContain('Bucketeer is installed');
    // Demo sign-in (the in-cluster example) is the one warning: its password is public.
    expect(first.stdout).toMatch(/Status: warn \(\d+ pass, 1 warn, 0 fail/);
    expect(first.stdout).toContain('the demo password is public');
    expect(first.stdout).toContain('https://bucketeer.example.com');

    const secretNames = ['bucketeer-service-cert', 'bucketeer-oauth-key', 'bucketeer-service-token', 'bucketeer-mysql'];
    const before = Object.fromEntries(secretNames.map((n) => [n, h.sim.objects.get('secret', ns, n)?.data]));
    for (const n of secretNames) expect(before[n], n).toBeTruthy();
    // The in-cluster MySQL password is the one the answers point at.
    expect(Buffer.from(before['bucketeer-mysql']!.password, 'base64').toString()).toBe(h.env.BUCKETEER_DB_PASSWORD);

    const cm = h.sim.objects.get('configmap', ns, 'bucketeer-bucketeer-install');
    expect(cm?.metadata.labels?.['app.kubernetes.io/managed-by']).toBe('bucketeer-install');
    const stored = parse(cm!.data['answers.yaml']);
    expect(stored.database.password).toEqual({ env: 'BUCKETEER_DB_PASSWORD' });
    expect(stored.kubernetes.namespace).toBe(ns);
    expect(cm!.data.chartVersion).toBe('v2.3.0');
    expect(cm!.data.releaseRevision).toBe('1');
    expect(cm!.data.installedAt).toMatch(/^\d{4}-\d\d-\d\dT/);
    expect(JSON.stringify(cm!.data)).not.toContain(h.env.BUCKETEER_DB_PASSWORD);

    const second = await startCli(installArgs(h, { namespace: ns, extra: ['--output', 'ndjson'] }), h.env).done;
    expect(second.code, second.stderr).toBe(0);
    // Secret values never reach the output, in either format.
    for (const value of Object.values(SECRET_ENV)) {
      for (const text of [first.stdout, first.stderr, second.stdout, second.stderr]) expect(text).not.toContain(value);
    }
    const events = ndjson(second.stdout);
    expect(events.at(-1)).toMatchObject({ type: 'result', status: 'ok', exitCode: 0 });
    // The prepare Jobs start beside the wait for the in-cluster servers, and wait for them in their pods.
    const seq = events.map((e) => `${e.type}:${e.step}`);
    expect(seq.indexOf('step-started:prepare-database')).toBeLessThan(seq.indexOf('step-finished:in-cluster-ready'));
    for (const job of ['bucketeer-prepare-database', 'bucketeer-prepare-redis']) {
      const env = (h.sim.objects.get('job', ns, job) as any).spec.template.spec.containers[0].env;
      expect(env.find((e: any) => e.name === 'WAIT_FOR_SERVER')?.value, job).toMatch(/^\d+$/);
    }
    expect(events.some((e) => e.type === 'progress' && /bucketeer-oauth-key exists: reused unchanged/.test(String(e.message)))).toBe(true);
    const after = Object.fromEntries(secretNames.map((n) => [n, h.sim.objects.get('secret', ns, n)?.data]));
    expect(after).toEqual(before);
    const history = await helmHistory(h, ns);
    expect(history?.map((r) => r.status)).toEqual(['superseded', 'deployed']);
    expect(h.sim.objects.get('configmap', ns, 'bucketeer-bucketeer-install')?.data.releaseRevision).toBe('2');
  });

  it('aws: exits 0 with the Deployments in the namespace (context overridden by --kube-context)', async () => {
    const ns = 'prof-aws';
    const r = await runInstall(h, { namespace: ns, answers: example('aws') });
    expect(r.stderr).not.toMatch(/^Error/m);
    expect(r.code, r.stderr).toBe(0);
    for (const d of DEPLOYMENTS) expect(h.sim.objects.get('deployment', ns, d), d).toBeDefined();
    // External MySQL and Redis: nothing in-cluster.
    expect(h.sim.objects.get('statefulset', ns, 'bucketeer-mysql')).toBeUndefined();
    expect(h.sim.objects.get('secret', ns, 'bucketeer-mysql')).toBeUndefined();
  });

  // The gcp profile renders GKE BackendConfigs in two API versions (v1 for web, v1beta1 for api,
  // as the real chart does); kubesim registers both versions by default, as GKE does.
  it('gcp: exits 0 with the Deployments in the namespace (OCI chart overridden by --chart)', async () => {
    const ns = 'prof-gcp';
    // Pub/Sub and BigQuery are prepared through Google's public APIs with the user's credentials,
    // which this test has none of; the prepare tests cover those steps. This one is about the chart.
    const r = await runInstall(h, { namespace: ns, answers: example('gcp'), extra: ['--output', 'json', '--skip-prepare', 'messaging', '--skip-prepare', 'warehouse'] });
    expect(r.stderr).not.toMatch(/^Error/m);
    expect(r.code, r.stderr).toBe(0);
    const result = JSON.parse(r.stdout);
    expect(result).toMatchObject({ type: 'result', status: 'ok', release: { name: 'bucketeer', namespace: ns, revision: 1 } });
    expect(result.checks.find((c: { id: string }) => c.id === 'health.http.api')).toMatchObject({ status: 'skip', detail: expect.stringContaining('does not proxy') });
    for (const d of DEPLOYMENTS) expect(h.sim.objects.get('deployment', ns, d), d).toBeDefined();
  });

  it('without a terminal and without --yes: exit 2 naming --yes, and nothing is created', async () => {
    const ns = 'prof-no-yes';
    const args = installArgs(h, { namespace: ns }).filter((a) => a !== '--yes');
    const r = await startCli(args, h.env).done;
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--yes');
    expect(h.sim.objects.get('namespace', undefined, ns)).toBeUndefined();
  });

  // The console's env.js takes the demo password between double quotes, unescaped (upstream
  // manifests/bucketeer/charts/web/templates/env-js-configmap.yaml at v2.3.0): a quote there would
  // run script in every browser that opens the console.
  it('a script-injecting demo password: exit 2 naming the key, and nothing is created', async () => {
    const ns = 'prof-inject';
    const r = await runInstall(h, { namespace: ns, env: { BUCKETEER_DEMO_PASSWORD: 'pw", "API_ENDPOINT":"https://evil.example"};alert(1);//' } });
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toMatch(/auth\.demoSignIn\.password contains a double quote/);
    expect(r.stderr).not.toContain('evil.example');
    expect(h.sim.objects.get('namespace', undefined, ns)).toBeUndefined();
  });

  it('a missing secret env var: exit 2 naming the variable, before the cluster is touched', async () => {
    const ns = 'prof-no-env';
    const r = await runInstall(h, { namespace: ns, env: { BUCKETEER_DEMO_PASSWORD: '' } });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('BUCKETEER_DEMO_PASSWORD');
    expect(h.sim.objects.get('namespace', undefined, ns)).toBeUndefined();
  });
});
