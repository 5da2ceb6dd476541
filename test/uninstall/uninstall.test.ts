// uninstall against kubesim with the real helm and the fixture chart: the release goes and the
// data stays (each kept object listed with its kubectl delete command); --purge deletes every
// object labelled app.kubernetes.io/managed-by=bucketeer-install, the PVCs included, and is
// idempotent; without a terminal it needs --yes. helm leaves the chart's migration hook Job
// (upstream manifests/bucketeer/templates/atlas-migration.yaml, a pre-install,pre-upgrade hook)
// after `helm uninstall`; uninstall deletes it too. Objects of another release in the namespace
// (`bucketeer-foo` beside `bucketeer`) are never listed nor deleted.
import { describe, expect, it } from 'vitest';
import { helm, helmHistory, runInstall, startCli, useHarness } from '../install/helpers.js';

const MANAGED = 'app.kubernetes.io/managed-by=bucketeer-install';
const NAMESPACED_KINDS = ['configmap', 'secret', 'service', 'statefulset', 'job', 'pvc', 'pod', 'lease'];

describe.skipIf(!helm)('uninstall', () => {
  const h = useHarness();

  const uninstall = (ns: string, extra: string[]) => startCli(['uninstall', '--context', 'kubesim', '--kubeconfig', h.sim.kubeconfigPath, '-n', ns, '--timeout', '30s', ...extra], h.env).done;
  const managed = (ns: string) => [
    ...NAMESPACED_KINDS.flatMap((k) => h.sim.objects.list(k, ns, MANAGED).map((o) => `${o.kind}/${o.metadata.name}`)),
    ...h.sim.objects.list('namespace', undefined, MANAGED).filter((o) => o.metadata.name === ns).map((o) => `Namespace/${o.metadata.name}`),
  ];
  const pvcs = (ns: string) => h.sim.objects.list('pvc', ns).map((o) => o.metadata.name).sort();

  it('without a terminal and without --yes: exit 2 naming --yes, before reading the cluster', async () => {
    const r = await startCli(['uninstall', '--kube-context', 'nowhere', '-n', 'x', '--purge'], h.env).done;
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--yes');
  });

  it('a missing release without --purge is exit 2 naming --release and --namespace', async () => {
    const r = await uninstall('never-installed', ['-y']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('there is no release bucketeer in namespace never-installed');
  });

  it('uninstall --yes removes the release and keeps the PVCs, Secrets and stored answers, each listed with its delete command; then --purge deletes them all; a second --purge exits 0', async () => {
    const ns = 'un-keep';
    const i = await runInstall(h, { namespace: ns });
    expect(i.code, i.stderr).toBe(0);
    expect(pvcs(ns)).toEqual(['data-bucketeer-mysql-0', 'data-bucketeer-redis-0']);
    // The claims carry the installer's label from their templates.
    expect(h.sim.objects.list('pvc', ns, MANAGED)).toHaveLength(2);
    expect(h.sim.objects.get('job', ns, 'bucketeer-migrate')).toBeDefined();

    const r = await uninstall(ns, ['-y']);
    expect(r.code, r.stderr).toBe(0);
    expect(await helmHistory(h, ns)).toBeUndefined();
    expect(h.sim.objects.list('deployment', ns)).toEqual([]);
    expect(h.sim.objects.get('job', ns, 'bucketeer-migrate')).toBeUndefined();
    expect(pvcs(ns)).toEqual(['data-bucketeer-mysql-0', 'data-bucketeer-redis-0']);
    expect(h.sim.objects.get('secret', ns, 'bucketeer-mysql')).toBeDefined();
    expect(h.sim.objects.get('configmap', ns, 'bucketeer-bucketeer-install')).toBeDefined();
    expect(r.stdout).toContain('Release bucketeer uninstalled');
    expect(r.stdout).toMatch(/PersistentVolumeClaim\/data-bucketeer-mysql-0 +kubectl --context kubesim --kubeconfig \S+ delete pvc data-bucketeer-mysql-0 -n un-keep/);
    expect(r.stdout).toMatch(/Secret\/bucketeer-oauth-key +kubectl .* delete secret bucketeer-oauth-key -n un-keep/);
    expect(r.stdout).toMatch(/ConfigMap\/bucketeer-bucketeer-install +kubectl .* delete configmap/);
    expect(r.stdout).toMatch(/Namespace\/un-keep +kubectl .* delete namespace un-keep/);

    const p = await uninstall(ns, ['--purge', '--yes']);
    expect(p.code, p.stderr).toBe(0);
    expect(p.stdout).toMatch(/Deleted \d+ objects bucketeer-install created/);
    expect(pvcs(ns)).toEqual([]);
    expect(managed(ns)).toEqual([]);

    const again = await uninstall(ns, ['--purge', '--yes']);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toContain('Nothing to uninstall');
  });

  it('uninstall --purge -y on an installed release leaves no PVC and no object labelled managed-by=bucketeer-install', async () => {
    const ns = 'un-purge';
    const i = await runInstall(h, { namespace: ns });
    expect(i.code, i.stderr).toBe(0);
    expect(managed(ns).length).toBeGreaterThan(10);
    const r = await uninstall(ns, ['--purge', '-y']);
    expect(r.code, r.stderr).toBe(0);
    expect(await helmHistory(h, ns)).toBeUndefined();
    expect(pvcs(ns)).toEqual([]);
    expect(managed(ns)).toEqual([]);
    expect(r.stdout).toContain('Namespace un-purge deleted');
    const again = await uninstall(ns, ['--purge', '-y']);
    expect(again.code, again.stderr).toBe(0);
  });

  it('waits for the release lock install and upgrade hold, then refuses naming the holder (exit 1), changing nothing', async () => {
    const ns = 'un-locked';
    const i = await runInstall(h, { namespace: ns });
    expect(i.code, i.stderr).toBe(0);
    const micro = (d: Date) => d.toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
    const hold = () =>
      h.sim.objects.put({
        apiVersion: 'coordination.k8s.io/v1',
        kind: 'Lease',
        metadata: { name: 'bucketeer-bucketeer-install-lock', namespace: ns },
        spec: { holderIdentity: 'other-host pid 42 (upgrade)', leaseDurationSeconds: 30, acquireTime: micro(new Date()), renewTime: micro(new Date()), leaseTransitions: 0 },
      });
    hold();
    const renewer = setInterval(hold, 1_000);
    try {
      const r = await uninstall(ns, ['--purge', '-y', '--timeout', '3s']);
      expect(r.code, r.stderr).toBe(1);
      expect(r.stderr).toContain('other-host pid 42 (upgrade)');
    } finally {
      clearInterval(renewer);
    }
    expect((await helmHistory(h, ns))?.at(-1)?.status).toBe('deployed');
    expect(pvcs(ns)).toEqual(['data-bucketeer-mysql-0', 'data-bucketeer-redis-0']);
    // Once the lease is gone, the purge runs and leaves no lease of its own behind.
    h.sim.objects.delete('lease', ns, 'bucketeer-bucketeer-install-lock');
    const p = await uninstall(ns, ['--purge', '-y']);
    expect(p.code, p.stderr).toBe(0);
    expect(managed(ns)).toEqual([]);
  });

  it("two releases in one namespace: uninstall of bucketeer lists, and with --purge deletes, only bucketeer's objects; every object of bucketeer-foo stays; doctor checks only bucketeer's Services", async () => {
    const ns = 'un-two';
    // The chart names its Deployments after the services, so two releases cannot be deployed in
    // one namespace at once; the objects bucketeer-install made for an uninstalled release stay
    // (its data) while another is installed beside them.
    const foo = await runInstall(h, { namespace: ns, extra: ['--release', 'bucketeer-foo'] });
    expect(foo.code, foo.stderr).toBe(0);
    const fooUninstalled = await uninstall(ns, ['--release', 'bucketeer-foo', '-y']);
    expect(fooUninstalled.code, fooUninstalled.stderr).toBe(0);
    const labels = (release: string) => ({ 'app.kubernetes.io/managed-by': 'bucketeer-install', 'app.kubernetes.io/instance': release });
    const plant = (kind: string, name: string, objLabels: Record<string, string>, more: Record<string, unknown> = {}) =>
      h.sim.objects.put({ apiVersion: kind === 'Lease' ? 'coordination.k8s.io/v1' : kind === 'Job' ? 'batch/v1' : 'v1', kind, metadata: { name, namespace: ns, labels: objLabels }, ...more });
    // What an install against a real Bucketeer also makes (bootstrap's SDK key Secret, a call Job),
    // a run of bucketeer-foo holding its lock, and a call Job of an earlier version (no instance label).
    plant('Secret', 'bucketeer-foo-sdk-keys', labels('bucketeer-foo'), { type: 'Opaque', data: { 'dev-client': Buffer.from('k').toString('base64') } });
    plant('Job', 'bucketeer-foo-bucketeer-call-a1b2c3', labels('bucketeer-foo'), { spec: { template: { spec: { restartPolicy: 'Never', containers: [{ name: 'call', image: 'curl' }] } } } });
    plant('Job', 'bucketeer-foo-bucketeer-call-d4e5f6', { 'app.kubernetes.io/managed-by': 'bucketeer-install' }, { spec: { template: { spec: { restartPolicy: 'Never', containers: [{ name: 'call', image: 'curl' }] } } } });
    plant('Lease', 'bucketeer-foo-bucketeer-install-lock', labels('bucketeer-foo'), { spec: { holderIdentity: 'other-host pid 7 (install)', leaseDurationSeconds: 30 } });

    const i = await runInstall(h, { namespace: ns });
    expect(i.code, i.stderr).toBe(0);
    // bucketeer's own SDK key Secret as an earlier version wrote it: the installer's label, no instance.
    plant('Secret', 'bucketeer-sdk-keys', { 'app.kubernetes.io/managed-by': 'bucketeer-install' }, { type: 'Opaque', data: {} });
    const kinds = [...NAMESPACED_KINDS, 'deployment', 'statefulset'];
    const fooObjects = () => kinds.flatMap((k) => h.sim.objects.list(k, ns).filter((o) => o.metadata.name.includes('bucketeer-foo')).map((o) => `${o.kind}/${o.metadata.name}/${o.metadata.uid}`)).sort();
    const before = fooObjects();
    for (const name of ['Secret/bucketeer-foo-mysql/', 'Secret/bucketeer-foo-oauth-key/', 'StatefulSet/bucketeer-foo-redis/', 'PersistentVolumeClaim/data-bucketeer-foo-mysql-0/', 'ConfigMap/bucketeer-foo-bucketeer-install/', 'Job/bucketeer-foo-prepare-database/']) {
      expect(before.some((o) => o.startsWith(name)), name).toBe(true);
    }
    // bucketeer's claims carry its instance label from the StatefulSet's selector.
    expect(h.sim.objects.list('pvc', ns, 'app.kubernetes.io/instance=bucketeer').map((o) => o.metadata.name).sort()).toEqual(['data-bucketeer-mysql-0', 'data-bucketeer-redis-0']);

    // doctor: the endpoint checks of bucketeer's Services, none of bucketeer-foo's.
    const d = await startCli(['doctor', '--kube-context', 'kubesim', '--kubeconfig', h.sim.kubeconfigPath, '-n', ns, '--output', 'json', '--health-window', '200ms'], h.env).done;
    const endpointChecks = (JSON.parse(d.stdout) as { checks: { id: string }[] }).checks.map((c) => c.id).filter((id) => id.startsWith('health.endpoints.'));
    expect(endpointChecks).toContain('health.endpoints.bucketeer-mysql');
    expect(endpointChecks.filter((id) => id.includes('bucketeer-foo'))).toEqual([]);

    const keep = await uninstall(ns, ['-y']);
    expect(keep.code, keep.stderr).toBe(0);
    const keptLines = keep.stdout.split('\n').filter((l) => /^  \S+\/\S+ +kubectl /.test(l));
    expect(keptLines.some((l) => l.includes('PersistentVolumeClaim/data-bucketeer-mysql-0'))).toBe(true);
    expect(keptLines.some((l) => l.includes('Secret/bucketeer-sdk-keys'))).toBe(true);
    expect(keptLines.filter((l) => l.includes('bucketeer-foo'))).toEqual([]);
    expect(fooObjects()).toEqual(before);

    const p = await uninstall(ns, ['--purge', '--yes']);
    expect(p.code, p.stderr).toBe(0);
    expect(p.stdout).toMatch(/Deleted \d+ objects bucketeer-install created: .*Secret\/bucketeer-sdk-keys/);
    // Neither the plan shown before the deletion nor the list of what was deleted names bucketeer-foo.
    expect(p.stderr).not.toContain('bucketeer-foo');
    expect(p.stdout.split('\n').find((l) => l.startsWith('Deleted '))).not.toContain('bucketeer-foo');
    // Every object of bucketeer-foo is still there, the same objects (uids) as before.
    expect(fooObjects()).toEqual(before);
    // None of bucketeer's: no object labelled with it, none of its exact names.
    expect(kinds.flatMap((k) => h.sim.objects.list(k, ns, 'app.kubernetes.io/instance=bucketeer').map((o) => `${o.kind}/${o.metadata.name}`))).toEqual([]);
    expect(pvcs(ns)).toEqual(['data-bucketeer-foo-mysql-0', 'data-bucketeer-foo-redis-0']);
    expect(h.sim.objects.get('secret', ns, 'bucketeer-sdk-keys')).toBeUndefined();
    expect(p.stdout).toMatch(/Namespace un-two kept: it still holds/);
  });

  it("an install made by an earlier version (Secrets without the instance label, servers selecting on <release>-mysql, claims with the selector's labels only): install again keeps the servers' immutable selectors, and --purge deletes them by exact name, not bucketeer-foo's", async () => {
    const ns = 'un-legacy';
    const i = await runInstall(h, { namespace: ns });
    expect(i.code, i.stderr).toBe(0);
    type Obj = { apiVersion?: string; kind: string; metadata: { name: string; labels?: Record<string, string> }; spec?: Record<string, any> };
    const put = (o: Obj) => h.sim.objects.put(o as never);
    const withoutInstance = ({ 'app.kubernetes.io/instance': _drop, ...rest }: Record<string, string> = {}) => rest;
    // Rewrite bucketeer's objects as an earlier version made them.
    for (const name of ['bucketeer-service-cert', 'bucketeer-oauth-key', 'bucketeer-service-token', 'bucketeer-mysql']) {
      const secret = h.sim.objects.get('secret', ns, name) as Obj;
      put({ ...secret, metadata: { ...secret.metadata, labels: withoutInstance(secret.metadata.labels) } });
    }
    for (const [server, app] of [['bucketeer-mysql', 'mysql'], ['bucketeer-redis', 'redis']]) {
      const old = { 'app.kubernetes.io/name': app, 'app.kubernetes.io/instance': server };
      const labelled = { ...old, 'app.kubernetes.io/managed-by': 'bucketeer-install' };
      for (const kind of ['configmap', 'service', 'statefulset']) {
        for (const o of h.sim.objects.list(kind, ns, `app.kubernetes.io/name=${app},app.kubernetes.io/instance=bucketeer`) as Obj[]) {
          const spec = kind === 'service' ? { ...o.spec, selector: old }
            : kind === 'statefulset' ? { ...o.spec, selector: { matchLabels: old }, template: { ...o.spec!.template, metadata: { labels: old } }, volumeClaimTemplates: o.spec!.volumeClaimTemplates.map((t: Obj) => ({ ...t, metadata: { name: t.metadata.name } })) }
            : o.spec;
          put({ ...o, metadata: { ...o.metadata, labels: labelled }, ...(spec ? { spec } : {}) });
        }
      }
      const claim = h.sim.objects.get('pvc', ns, `data-${server}-0`) as Obj;
      put({ ...claim, metadata: { ...claim.metadata, labels: old } });
    }
    expect(h.sim.objects.list('statefulset', ns, 'app.kubernetes.io/instance=bucketeer')).toEqual([]);
    // Objects bucketeer-foo's earlier install left beside it, by the same rules.
    put({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'bucketeer-foo-oauth-key', namespace: ns, labels: { 'app.kubernetes.io/managed-by': 'bucketeer-install' } } as Obj['metadata'], type: 'Opaque' } as Obj);
    put({ apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name: 'data-bucketeer-foo-mysql-0', namespace: ns, labels: { 'app.kubernetes.io/name': 'mysql', 'app.kubernetes.io/instance': 'bucketeer-foo-mysql' } } as Obj['metadata'], spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } } });

    // A StatefulSet's selector and claim templates cannot change (the simulator refuses, as the API
    // server does): the second install applies the servers with what is deployed.
    const again = await runInstall(h, { namespace: ns });
    expect(again.code, again.stderr).toBe(0);
    const sts = h.sim.objects.get('statefulset', ns, 'bucketeer-mysql') as Obj;
    expect(sts.spec!.selector.matchLabels).toEqual({ 'app.kubernetes.io/name': 'mysql', 'app.kubernetes.io/instance': 'bucketeer-mysql' });
    expect(sts.metadata.labels).toMatchObject({ 'app.kubernetes.io/instance': 'bucketeer' });
    expect((h.sim.objects.get('service', ns, 'bucketeer-mysql') as Obj).spec!.selector).toEqual({ 'app.kubernetes.io/name': 'mysql', 'app.kubernetes.io/instance': 'bucketeer-mysql' });

    const p = await uninstall(ns, ['--purge', '--yes']);
    expect(p.code, p.stderr).toBe(0);
    expect(p.stdout).toMatch(/Deleted \d+ objects bucketeer-install created: .*PersistentVolumeClaim\/data-bucketeer-mysql-0/);
    expect(pvcs(ns)).toEqual(['data-bucketeer-foo-mysql-0']);
    expect(h.sim.objects.get('secret', ns, 'bucketeer-foo-oauth-key')).toBeDefined();
    for (const kind of ['secret', 'configmap', 'service', 'statefulset']) {
      expect(h.sim.objects.list(kind, ns).map((o) => o.metadata.name).filter((n) => n.startsWith('bucketeer') && !n.startsWith('bucketeer-foo')), kind).toEqual([]);
    }
  });

  it('--purge keeps a namespace the installer created when something else lives in it', async () => {
    const ns = 'un-shared';
    const i = await runInstall(h, { namespace: ns });
    expect(i.code, i.stderr).toBe(0);
    h.sim.objects.put({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'someone-elses', namespace: ns }, data: { a: 'b' } });
    const r = await uninstall(ns, ['--purge', '-y']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/Namespace un-shared kept: it still holds 1 configmaps \(e\.g\. someone-elses\)/);
    expect(h.sim.objects.get('configmap', ns, 'someone-elses')).toBeDefined();
    expect(pvcs(ns)).toEqual([]);
  });
});
