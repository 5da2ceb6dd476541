// install with images.registry and images.pullSecrets against kubesim + the fixture chart + the
// real helm 4: every workload the install creates pulls from the mirror with the pull secret,
// including the chart's CronJobs, whose image chart v2.3.0 hard-codes
// (manifests/bucketeer/charts/batch/templates/cronjob.yaml: curlimages/curl:8.1.2, no
// imagePullSecrets) and which only the post-renderer reaches; upgrade's diff sees the same.
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { example, fixtureChart, helm, runInstall, startCli, useHarness } from './helpers.js';

const MIRROR = 'mirror.example.internal/bkt';
const CRONJOBS = ['batch-server-experiment-status-updater', 'batch-server-feature-flag-cacher', 'batch-server-monthly-summarizer'];

type PodSpec = { containers: { image: string }[]; initContainers?: { image: string }[]; imagePullSecrets?: { name: string }[] };

describe.skipIf(!helm)('install: images.registry and images.pullSecrets', () => {
  const h = useHarness();

  it('the CronJobs run the mirrored image with the pull secret, like every other workload; the plugin folder is gone afterwards', async () => {
    const ns = 'images-mirror';
    h.sim.objects.put({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } });
    // doctor's pull-secret check (part of preflight) wants the registry Secret to exist.
    h.sim.objects.put({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'regcred', namespace: ns }, type: 'kubernetes.io/dockerconfigjson', data: { '.dockerconfigjson': Buffer.from('{"auths":{}}').toString('base64') } });
    const a = parse(readFileSync(example('in-cluster'), 'utf8'));
    a.images = { registry: MIRROR, pullSecrets: ['regcred'] };
    const answers = join(h.dir, 'in-cluster-mirror.yaml');
    writeFileSync(answers, stringify(a));
    const tmp = join(h.dir, 'cli-tmp');
    mkdirSync(tmp);

    const r = await runInstall(h, { namespace: ns, answers, env: { TMPDIR: tmp } });
    expect(r.stderr).not.toContain('Error');
    expect(r.code).toBe(0);

    for (const name of CRONJOBS) {
      const spec = h.sim.objects.get('cronjob', ns, name)?.spec?.jobTemplate?.spec?.template?.spec as PodSpec | undefined;
      expect(spec, name).toBeDefined();
      expect(spec!.containers.map((c) => c.image), name).toEqual([`${MIRROR}/curlimages/curl:8.1.2`]);
      expect(spec!.imagePullSecrets, name).toEqual([{ name: 'regcred' }]);
    }
    const workloads = [
      ...['deployment', 'statefulset'].flatMap((k) => h.sim.objects.list(k, ns).map((o) => ({ name: `${k}/${o.metadata.name}`, spec: o.spec.template.spec as PodSpec }))),
      ...h.sim.objects.list('cronjob', ns).map((o) => ({ name: `cronjob/${o.metadata.name}`, spec: o.spec.jobTemplate.spec.template.spec as PodSpec })),
    ];
    expect(workloads.length).toBeGreaterThanOrEqual(4 + 2 + CRONJOBS.length);
    for (const w of workloads) {
      for (const c of [...(w.spec.initContainers ?? []), ...w.spec.containers]) expect(c.image.startsWith(`${MIRROR}/`), `${w.name}: ${c.image}`).toBe(true);
      expect(w.spec.imagePullSecrets, w.name).toEqual([{ name: 'regcred' }]);
    }
    expect(readdirSync(tmp)).toEqual([]);

    // upgrade's diff renders through the post-renderer too: the same answers change no resource
    // (without it every CronJob would show as changed, back to the chart's own image).
    const dry = await startCli(['upgrade', '--dry-run', '--answers', answers, '--chart', fixtureChart, '--kube-context', 'kubesim', '--kubeconfig', h.sim.kubeconfigPath, '-n', ns], { ...h.env, TMPDIR: tmp }).done;
    expect(dry.code, dry.stderr).toBe(0);
    expect(dry.stdout).toMatch(/Resources \(0 added, 0 removed, 0 changed, \d+ unchanged\)/);
    expect(readdirSync(tmp)).toEqual([]);
  });
});
