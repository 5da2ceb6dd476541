// upgrade against kubesim with the real helm and the fixture chart: changed answers (diff printed,
// secrets masked, custom settings kept, stored answers updated), a new chart version, a refused
// downgrade, a failing upgrade rolled back, a pending-upgrade release recovered, and a ConfigMap
// change restarting the Deployment that reads it.
import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { runCli } from '../helpers/cli.js';
import { example, leavePendingUpgrade, fixtureChart, helm, helmHistory, helmJson, ndjson, runInstall, SECRET_ENV, startCli, useHarness } from '../install/helpers.js';
import { flatten } from '../../src/util/value-tree.js';

describe.skipIf(!helm)('upgrade', () => {
  const h = useHarness();

  /** The in-cluster example with settings that differ from the defaults. */
  function answersFile(name: string, change: (a: any) => void): string {
    const a = parse(readFileSync(example('in-cluster'), 'utf8'));
    change(a);
    const file = join(h.dir, `${name}.yaml`);
    writeFileSync(file, stringify(a));
    return file;
  }
  const custom = (a: any) => {
    a.sizing = 'medium';
    a.messaging.partitions = 8;
    a.ingress.webHost = 'console.custom.example.org';
    a.ingress.apiHost = 'api.custom.example.org';
  };

  function upgrade(ns: string, extra: string[] = [], env: NodeJS.ProcessEnv = {}) {
    const args = ['upgrade', '--yes', '--chart', fixtureChart, '--kube-context', 'kubesim', '--kubeconfig', h.sim.kubeconfigPath, '--namespace', ns, '--timeout', '30s', '--health-window', '500ms', ...extra];
    return startCli(args, { ...h.env, ...env }).done;
  }
  const values = async (ns: string) => (await helmJson<Record<string, unknown>>(h, ['get', 'values', 'bucketeer', '-n', ns])).data!;
  const stored = (ns: string) => h.sim.objects.get('configmap', ns, 'bucketeer-bucketeer-install')!.data as Record<string, string>;
  const noSecrets = (text: string) => {
    for (const v of Object.values(SECRET_ENV)) expect(text).not.toContain(v);
  };

  it('without a terminal and without --yes: exit 2 naming --yes, before touching the cluster', async () => {
    const r = await runCli(['upgrade', '--kube-context', 'nowhere', '--namespace', 'x'], { env: h.env });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--yes');
  });

  it('changed answers: values diff with the changed keys, secrets masked, settings kept, stored answers updated; then a new chart version and a refused downgrade', async () => {
    const ns = 'up-answers';
    const first = answersFile('custom', custom);
    expect((await runInstall(h, { namespace: ns, answers: first })).code).toBe(0);
    // A value set by hand outside the installer must survive the upgrade too.
    const byHand = await helmJson(h, ['upgrade', 'bucketeer', fixtureChart, '-n', ns, '--reuse-values', '--set', 'web.extraByHand=kept']);
    expect(byHand.code, byHand.stderr).toBe(0);
    const before = flatten(await values(ns));

    const changed = answersFile('custom-changed', (a) => {
      custom(a);
      a.messaging.partitions = 12;
      a.ingress.webHost = 'console2.custom.example.org';
    });
    const r = await upgrade(ns, ['--answers', changed]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('~ global.pubsub.redis.partitionCount: 8 -> 12');
    expect(r.stdout).toMatch(/~ web\.oauth\.issuer: "https:\/\/console\.custom\.example\.org" -> "https:\/\/console2\.custom\.example\.org"/);
    expect(r.stdout).toMatch(/Resources \(\d+ added, \d+ removed, [1-9]\d* changed/);
    expect(r.stdout).toContain('~ ConfigMap/subscriber-subscribers-config');
    expect(r.stdout).not.toContain('web.extraByHand'); // carried over, so not a change
    noSecrets(r.stdout + r.stderr);
    expect(r.stdout).toContain('Bucketeer is upgraded: release bucketeer revision 3');

    const after = flatten(await values(ns));
    // Every key from before is still there; the unchanged custom settings kept their values.
    for (const key of Object.keys(before)) expect(after, key).toHaveProperty([key]);
    expect(after['web.extraByHand']).toBe('kept');
    expect(after['global.pubsub.redis.partitionCount']).toBe(12);
    expect(after['api.resources.requests.cpu']).toBe(before['api.resources.requests.cpu']); // sizing medium kept
    expect(after['api.ingress.host']).toBe('api.custom.example.org');
    const s = parse(stored(ns)['answers.yaml']);
    expect(s.messaging.partitions).toBe(12);
    expect(s.ingress.webHost).toBe('console2.custom.example.org');
    expect(stored(ns).releaseRevision).toBe('3');

    // A new chart version (a copy of the fixture at 2.4.0), answers from the ConfigMap.
    const chart24 = join(h.dir, 'chart-2.4.0');
    cpSync(fixtureChart, chart24, { recursive: true });
    writeFileSync(join(chart24, 'Chart.yaml'), readFileSync(join(chart24, 'Chart.yaml'), 'utf8').replace(/^version: 2\.3\.0$/m, 'version: 2.4.0'));
    const beforeChart = flatten(await values(ns));
    const r2 = await upgrade(ns, ['--chart', chart24]);
    expect(r2.code, r2.stderr).toBe(0);
    expect(r2.stdout).toContain('chart 2.3.0 -> 2.4.0');
    const history = await helmJson<{ revision: number; chart: string; status: string }[]>(h, ['history', 'bucketeer', '-n', ns]);
    expect(history.data?.at(-1)).toMatchObject({ chart: 'bucketeer-2.4.0', status: 'deployed' });
    // The image tag follows the chart version; every other key and value is as before.
    expect(r2.stdout).toContain('~ global.image.tag: "v2.3.0" -> "v2.4.0"');
    expect(flatten(await values(ns))).toEqual({ ...beforeChart, 'global.image.tag': 'v2.4.0', 'migration.image.tag': 'v2.4.0' });
    expect(stored(ns).chartVersion).toBe('v2.4.0');

    // Back to 2.3.0: refused without --force, nothing changed.
    const down = await upgrade(ns, ['--chart', fixtureChart]);
    expect(down.code).toBe(2);
    expect(down.stderr).toMatch(/chart 2\.3\.0 is older than the deployed chart 2\.4\.0/);
    expect(down.stderr).toContain('--force');
    expect((await helmHistory(h, ns))?.length).toBe(history.data?.length);
  });

  it('a ConfigMap-only change restarts the Deployment that reads it (bucketeer.io/restartedAt)', async () => {
    const ns = 'up-restart';
    { const i = await runInstall(h, { namespace: ns }); expect(i.code, i.stderr).toBe(0); }
    const email = answersFile('email', (a) => (a.auth.demoSignIn.email = 'boss@example.com'));
    // The demo password changes too: listed as changed, masked on both sides.
    const newPassword = 'rotated-demo-pass-for-tests';
    const r = await upgrade(ns, ['--answers', email, '--output', 'ndjson'], { BUCKETEER_DEMO_PASSWORD: newPassword });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout + r.stderr).not.toContain(newPassword);
    const events = ndjson(r.stdout);
    const plan = events.find((e) => e.type === 'plan') as any;
    expect(plan.values).toContainEqual({ path: 'web.oauth.demoSignIn.email', kind: 'changed', before: 'admin@example.com', after: 'boss@example.com' });
    expect(plan.values).toContainEqual({ path: 'web.oauth.demoSignIn.password', kind: 'changed', before: '********', after: '********' });
    expect(plan.restart).toEqual(['web']);
    expect(plan.resources.changed).toEqual(expect.arrayContaining(['ConfigMap/web-env-js', 'ConfigMap/web-oauth-config']));
    expect(plan.resources.changed).not.toContain('Deployment/web');
    expect(events.some((e) => e.type === 'step-finished' && e.step === 'restart')).toBe(true);
    expect(events.at(-1)).toMatchObject({ type: 'result', status: 'ok' });
    noSecrets(r.stdout + r.stderr);
    const web = h.sim.objects.get('deployment', ns, 'web')!;
    expect(web.spec.template.metadata.annotations['bucketeer.io/restartedAt']).toMatch(/^\d{4}-\d\d-\d\dT/);
    expect(h.sim.objects.get('deployment', ns, 'api')!.spec.template.metadata.annotations?.['bucketeer.io/restartedAt']).toBeUndefined();
  });

  it('a database.password other than the in-cluster MySQL\'s: upgrade keeps the deployed one and says so in its plan (install refuses it)', async () => {
    const ns = 'up-dbpass';
    { const i = await runInstall(h, { namespace: ns }); expect(i.code, i.stderr).toBe(0); }
    const env = { BUCKETEER_DB_PASSWORD: 'another-db-pass-on-this-machine' };
    const text = await upgrade(ns, ['--dry-run'], env);
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout).toContain(`  database   database.password differs from the password the in-cluster MySQL was created with (Secret bucketeer-mysql in ${ns}): the deployed password is kept`);
    expect(text.stdout).not.toContain('operationalDatabase.mysql.pass');
    const json = JSON.parse((await upgrade(ns, ['--dry-run', '-o', 'json'], env)).stdout);
    expect(json.plan.notes).toEqual([expect.stringMatching(/^database.password differs .*: the deployed password is kept/)]);
    for (const out of [text.stdout, text.stderr, JSON.stringify(json)]) expect(out).not.toContain(env.BUCKETEER_DB_PASSWORD);
  });

  /** Every value of the Secrets in the namespace (helm's own release records aside): none may be printed. */
  const clusterSecretValues = (ns: string) =>
    h.sim.objects
      .list('secret', ns)
      .filter((s) => !s.metadata.name.startsWith('sh.helm.release.'))
      .flatMap((s) => Object.values((s.data ?? {}) as Record<string, string>).map((v) => Buffer.from(v, 'base64').toString('utf8')))
      .filter((v) => v.length >= 12);

  it('-o json: one document with the plan (secrets masked as the text diff masks them), the checks and the result; --dry-run -o json too, changing nothing', async () => {
    const ns = 'up-json';
    { const i = await runInstall(h, { namespace: ns }); expect(i.code, i.stderr).toBe(0); }
    const email = answersFile('email-json', (a) => (a.auth.demoSignIn.email = 'json@example.com'));
    const env = { BUCKETEER_DEMO_PASSWORD: 'rotated-demo-pass-for-json' };
    const secrets = [env.BUCKETEER_DEMO_PASSWORD, ...Object.values(SECRET_ENV), ...clusterSecretValues(ns)];
    expect(secrets.length).toBeGreaterThan(Object.keys(SECRET_ENV).length + 1); // the generated Secrets were read

    const dry = await upgrade(ns, ['--answers', email, '--dry-run', '-o', 'json'], env);
    expect(dry.code, dry.stderr).toBe(0);
    const planned = JSON.parse(dry.stdout);
    expect(planned).toMatchObject({ type: 'result', status: 'ok', exitCode: 0, dryRun: true, applied: [], release: { name: 'bucketeer', namespace: ns } });
    expect(planned.plan).toMatchObject({ release: 'bucketeer', namespace: ns, fromRevision: 1, restart: ['web'] });
    expect(planned.plan.values).toContainEqual({ path: 'web.oauth.demoSignIn.email', kind: 'changed', before: 'admin@example.com', after: 'json@example.com' });
    expect(planned.plan.values).toContainEqual({ path: 'web.oauth.demoSignIn.password', kind: 'changed', before: '********', after: '********' });
    // The text diff lists the same changes with the same masks.
    const text = await upgrade(ns, ['--answers', email, '--dry-run'], env);
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout).toContain(`Values (${planned.plan.values.length} change`);
    expect(text.stdout).toContain('~ web.oauth.demoSignIn.password: "********" -> "********"');
    for (const out of [dry.stdout, dry.stderr, text.stdout]) for (const v of secrets) expect(out).not.toContain(v);
    expect((await helmHistory(h, ns))?.map((x) => x.revision)).toEqual([1]);

    const r = await upgrade(ns, ['--answers', email, '-o', 'json'], env);
    expect(r.code, r.stderr).toBe(0);
    const doc = JSON.parse(r.stdout); // the whole of stdout is the one document
    expect(doc).toMatchObject({ type: 'result', status: 'ok', exitCode: 0, release: { name: 'bucketeer', namespace: ns, revision: 2 } });
    expect(doc.dryRun).toBeUndefined();
    expect(doc.plan.values).toEqual(planned.plan.values);
    expect(doc.applied).toEqual(expect.arrayContaining([expect.stringMatching(/^Deployment web restarted/)]));
    const ids = doc.checks.map((c: { id: string }) => c.id);
    expect(ids).toEqual(expect.arrayContaining(['health.migration', 'health.deployment.web', 'health.deployment.api']));
    expect(doc.checks.filter((c: { status: string }) => c.status === 'fail')).toEqual([]);
    // Progress went to stderr as plain lines, as install's does with -o json.
    expect(r.stderr).toMatch(/^• Preflight$/m);
    expect(r.stderr).toMatch(/^✓ Preflight \(helm v\S+, Kubernetes v\S+\)$/m);
    for (const v of [...secrets, ...clusterSecretValues(ns)]) {
      expect(r.stdout).not.toContain(v);
      expect(r.stderr).not.toContain(v);
    }
  });

  it('a failing upgrade (api crashloops) exits 1 naming the resource; the release is back at the last good revision, stored answers unchanged', async () => {
    const ns = 'up-fail';
    { const i = await runInstall(h, { namespace: ns }); expect(i.code, i.stderr).toBe(0); }
    const medium = answersFile('medium', (a) => (a.sizing = 'medium'));
    // The fault belongs to the new pod template: cleared once helm's rollback restored the old one.
    const original = JSON.stringify(h.sim.objects.get('deployment', ns, 'api')?.spec?.template);
    let changed = false;
    h.sim.setFault('deployment/api=crashloop');
    const timer = setInterval(() => {
      const now = JSON.stringify(h.sim.objects.get('deployment', ns, 'api')?.spec?.template);
      if (now !== original) changed = true;
      else if (changed) h.sim.clearFaults();
    }, 20);
    try {
      const r = await upgrade(ns, ['--answers', medium, '--timeout', '6s']);
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/Error: deployment\/api: .*CrashLoopBackOff/);
      expect(r.stderr).toMatch(/back at revision 3/);
      const history = await helmHistory(h, ns);
      expect(history?.at(-1)).toMatchObject({ revision: 3, status: 'deployed', description: expect.stringMatching(/Rollback to 1/) });
    } finally {
      clearInterval(timer);
      h.sim.clearFaults();
    }
    expect(parse(stored(ns)['answers.yaml']).sizing).toBe('small');
    expect(stored(ns).releaseRevision).toBe('1');
  });

  it('Ctrl-C while helm upgrades: exit 130 naming what was applied, stored answers unchanged; the same command then converges', async () => {
    const ns = 'up-sigint';
    { const i = await runInstall(h, { namespace: ns }); expect(i.code, i.stderr).toBe(0); }
    const medium = answersFile('medium-sigint', (a) => (a.sizing = 'medium'));
    const args = ['upgrade', '--yes', '--chart', fixtureChart, '--kube-context', 'kubesim', '--kubeconfig', h.sim.kubeconfigPath, '--namespace', ns, '--timeout', '60s', '--health-window', '500ms', '--answers', medium, '--output', 'ndjson'];
    // Keep helm waiting (web never becomes ready) so the interrupt lands mid-helm.
    h.sim.setFault('deployment/web=never-ready');
    const run = startCli(args, h.env);
    try {
      await run.waitForLine(/"type":"step-started","step":"helm"/);
      run.kill('SIGINT');
      const r = await run.done;
      expect(r.code).toBe(130);
      expect(r.stderr).toMatch(/SIGINT received: stopping/);
      expect(r.stderr).toMatch(/upgrade interrupted/);
      expect(r.stderr).toMatch(/applied so far: .*in-cluster bucketeer-mysql, bucketeer-redis applied/);
      expect(r.stderr).toContain('Run the same command again');
      const events = ndjson(r.stdout);
      expect(events.at(-1)).toMatchObject({ type: 'result', status: 'interrupted', exitCode: 130 });
      expect(events.some((e) => e.type === 'failed' && e.step === 'helm' && e.reason === 'interrupted')).toBe(true);
      // Answers are stored only once a new revision is verified.
      expect(parse(stored(ns)['answers.yaml']).sizing).toBe('small');
    } finally {
      h.sim.clearFaults();
    }
    const again = await startCli(args.filter((a) => a !== '--output' && a !== 'ndjson'), h.env).done;
    expect(again.code, again.stderr).toBe(0);
    expect((await helmHistory(h, ns))?.at(-1)?.status).toBe('deployed');
    expect(parse(stored(ns)['answers.yaml']).sizing).toBe('medium');
  });

  it('stored answers with a {file: ...} secret: read from another folder, the error says where it looked and what to do; nothing changes', async () => {
    const ns = 'up-file-ref';
    writeFileSync(join(h.dir, 'db-pw'), 'file-ref-password\n', { mode: 0o600 });
    const withFile = answersFile('file-ref', (a) => (a.database.password = { file: 'db-pw' }));
    { const i = await runInstall(h, { namespace: ns, answers: withFile }); expect(i.code, i.stderr).toBe(0); }
    // The CLI runs in the repository root here, not next to the answers file.
    const r = await upgrade(ns, ['--chart-version', 'v2.4.0']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/database\.password: cannot read db-pw \(ENOENT at \S+\/db-pw\)/);
    expect(r.stderr).toMatch(/relative to the current folder, as the answers came from the cluster: run upgrade from the folder of the original answers file, or pass --answers FILE/);
    expect(r.stderr).not.toContain('file-ref-password');
    expect((await helmHistory(h, ns))?.map((x) => x.revision)).toEqual([1]);
  });

  it('fewer Redis Streams partitions are refused by upgrade and install (events in the dropped ones would never be read); more are fine; --force accepts fewer', async () => {
    const ns = 'up-partitions';
    { const i = await runInstall(h, { namespace: ns }); expect(i.code, i.stderr).toBe(0); }
    const fewer = answersFile('partitions-8', (a) => (a.messaging.partitions = 8));
    const r = await upgrade(ns, ['--answers', fewer]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('messaging.partitions 8 is lower than the 16 partitions deployed: events still waiting in partitions 8-15 would never be read');
    expect(r.stderr).toMatch(/keep messaging\.partitions at 16 or more; or let the streams drain \(consumers idle\) and pass --force/);
    expect((await helmHistory(h, ns))?.map((x) => x.revision)).toEqual([1]);
    // install on the existing release refuses the same, before it changes anything (the prepare
    // Job of the first install is still the same object).
    const jobUid = () => h.sim.objects.get('job', ns, 'bucketeer-prepare-database')?.metadata.uid;
    const uidBefore = jobUid();
    expect(uidBefore).toBeDefined();
    const again = await runInstall(h, { namespace: ns, answers: fewer });
    expect(again.code).toBe(2);
    expect(again.stderr).toContain('messaging.partitions 8 is lower than the 16 partitions deployed');
    expect((await helmHistory(h, ns))?.map((x) => x.revision)).toEqual([1]);
    expect(jobUid()).toBe(uidBefore);

    const forced = await upgrade(ns, ['--answers', fewer, '--force']);
    expect(forced.code, forced.stderr).toBe(0);
    expect(((await values(ns)) as any).global.pubsub.redis.partitionCount).toBe(8);
    const more = answersFile('partitions-32', (a) => (a.messaging.partitions = 32));
    const grown = await upgrade(ns, ['--answers', more]);
    expect(grown.code, grown.stderr).toBe(0);
  });

  it('a release left in pending-upgrade is rolled back to the last deployed revision, then upgraded', async () => {
    const ns = 'up-pending';
    { const i = await runInstall(h, { namespace: ns }); expect(i.code, i.stderr).toBe(0); }
    leavePendingUpgrade(h, ns);
    const r = await upgrade(ns);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('revision 2 is pending-upgrade: it is rolled back to revision 1 first');
    expect(r.stderr).toContain('recovered from pending-upgrade: rolled back to revision 1');
    const history = await helmHistory(h, ns);
    expect(history?.at(-1)).toMatchObject({ revision: 4, status: 'deployed' });
    for (const v of [1, 2, 3, 4]) expect(h.sim.objects.get('secret', ns, `sh.helm.release.v1.bucketeer.v${v}`), `v${v}`).toBeDefined();
  });
});
