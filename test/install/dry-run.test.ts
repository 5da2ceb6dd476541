// --dry-run of install and upgrade against kubesim with the real helm: each prints its plan,
// needs no --yes without a terminal, and changes nothing (no namespace created; helm history
// unchanged; no object written).
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { example, fixtureChart, helm, helmHistory, installArgs, installedRelease, ndjson, runInstall, SECRET_ENV, startCli, useHarness } from './helpers.js';

describe.skipIf(!helm)('--dry-run', () => {
  const h = useHarness();

  const noSecrets = (text: string) => {
    for (const v of Object.values(SECRET_ENV)) expect(text).not.toContain(v);
  };
  /** Every request after `from` that could change something (access reviews only ask). */
  const writesSince = (from: number) =>
    h.sim.requests
      .slice(from)
      .filter((r) => r.method !== 'GET' && !r.url.includes('selfsubjectaccessreviews'))
      .map((r) => `${r.method} ${r.url}`);

  it('install --dry-run: preflight, then values and objects; no namespace created, nothing written', async () => {
    const ns = 'dry-install';
    const before = h.sim.requests.length;
    const args = installArgs(h, { namespace: ns }).filter((a) => a !== '--yes');
    const r = await startCli([...args, '--dry-run'], h.env).done;
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('Install plan (dry run: nothing was changed)');
    expect(r.stdout).toContain(`namespace  ${ns} (will be created)`);
    expect(r.stdout).toMatch(/^ {10}Namespace\/dry-install$/m);
    expect(r.stdout).toMatch(/^ {10}StatefulSet\/bucketeer-mysql$/m);
    expect(r.stdout).toMatch(/^ {10}Job\/bucketeer-prepare-database$/m);
    expect(r.stdout).toMatch(/^ {10}Deployment\/web$/m);
    expect(r.stdout).toMatch(/^MySQL:\n {2}databases {2}bucketeer/m);
    // Conditional objects say when; having no fixed name, they are not looked up.
    expect(r.stdout).toMatch(/^ {10}Job\/bucketeer-bucketeer-call-\* \(only when service proxy unreachable\)$/m);
    expect(h.sim.requests.slice(before).some((q) => q.url.includes('bucketeer-call'))).toBe(false);
    expect(r.stdout).toContain('Values (secrets masked):');
    noSecrets(r.stdout + r.stderr);
    expect(h.sim.objects.get('namespace', undefined, ns)).toBeUndefined();
    expect(h.sim.requests.length).toBeGreaterThan(before);
    expect(writesSince(before)).toEqual([]);
  });

  it('install --dry-run -o json prints the plan.json object of render --chart, plus the cluster as it is', async () => {
    const r = await startCli([...installArgs(h, { namespace: 'dry-json' }), '--dry-run', '-o', 'json'], h.env).done;
    expect(r.code, r.stderr).toBe(0);
    const plan = JSON.parse(r.stdout);
    expect(plan).toMatchObject({ type: 'plan', dryRun: true, existing: [], release: { name: 'bucketeer' } });
    expect(plan.values.global.image.tag).toBe('v2.3.0');
    expect(h.sim.objects.get('namespace', undefined, 'dry-json')).toBeUndefined();

    const out = join(h.dir, 'render-dry-json');
    const rendered = await startCli(['render', '--answers', example('in-cluster'), '--chart', fixtureChart, '-n', 'dry-json', '--output-dir', out], h.env).done;
    expect(rendered.code, rendered.stderr).toBe(0);
    const planJson = JSON.parse(readFileSync(join(out, 'plan.json'), 'utf8'));
    expect(plan.kubernetes).toEqual(planJson.kubernetes);
    expect(plan.mysql).toEqual(planJson.mysql);
    // Without bootstrap and smoke test, nothing they would create is planned.
    const skipped = await startCli([...installArgs(h, { namespace: 'dry-json' }), '--dry-run', '-o', 'json', '--skip-bootstrap', '--skip-smoke'], h.env).done;
    expect(skipped.code, skipped.stderr).toBe(0);
    const names = JSON.parse(skipped.stdout).kubernetes.map((o: { name: string }) => o.name);
    expect(names).not.toContain('bucketeer-sdk-keys');
    expect(names).not.toContain('bucketeer-bucketeer-call-*');
    expect(planJson.kubernetes.map((o: { name: string }) => o.name)).toContain('bucketeer-sdk-keys');
  });

  it('install --dry-run on an installed release marks what exists (Secrets reused)', async () => {
    const ns = 'dry-again';
    expect((await runInstall(h, { namespace: ns })).code).toBe(0);
    const before = h.sim.requests.length;
    const r = await startCli([...installArgs(h, { namespace: ns }), '--dry-run'], h.env).done;
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/release {4}bucketeer: exists \(revision 1, deployed/);
    expect(r.stdout).toMatch(/^ {2}exists {2}Secret\/bucketeer-oauth-key$/m);
    expect(r.stdout).toMatch(/^ {2}exists {2}ConfigMap\/bucketeer-bucketeer-install$/m);
    expect(writesSince(before)).toEqual([]);
  });

  it('upgrade --dry-run without a terminal or --yes: values diff, resource diff, restarts; helm history unchanged', async () => {
    const ns = 'dry-upgrade';
    const history = await installedRelease(h, ns);

    const a = parse(readFileSync(example('in-cluster'), 'utf8'));
    a.messaging.partitions = 24;
    a.auth.demoSignIn.email = 'boss@example.com';
    const changed = join(h.dir, 'dry-changed.yaml');
    writeFileSync(changed, stringify(a));
    const before = h.sim.requests.length;
    const args = ['upgrade', '--dry-run', '--answers', changed, '--chart', fixtureChart, '--context', 'kubesim', '--kubeconfig', h.sim.kubeconfigPath, '-n', ns];
    const r = await startCli(args, h.env).done;
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/~ global\.pubsub\.redis\.partitionCount: \d+ -> 24/);
    expect(r.stdout).toMatch(/Resources \(\d+ added, \d+ removed, [1-9]\d* changed/);
    expect(r.stdout).toContain('Restarts (their ConfigMaps or Secrets changed');
    expect(r.stdout).toContain('Dry run: nothing was changed. Apply with: bucketeer-install upgrade --answers');
    noSecrets(r.stdout + r.stderr);
    expect(await helmHistory(h, ns)).toEqual(history);
    expect(writesSince(before)).toEqual([]);

    const j = await startCli([...args, '-o', 'ndjson'], h.env).done;
    expect(j.code, j.stderr).toBe(0);
    const events = ndjson(j.stdout);
    expect(events.find((e) => e.type === 'plan')).toMatchObject({ fromRevision: 1 });
    expect(events.at(-1)).toMatchObject({ type: 'result', status: 'ok', dryRun: true, applied: [] });
    expect(await helmHistory(h, ns)).toEqual(history);
  });
});
