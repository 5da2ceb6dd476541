// Everything checkable read-only is checked before the first write: a chart that cannot be fetched
// and a password the chart cannot hold stop the install with no namespace created, a password the
// in-cluster MySQL was not created with stops it before the release lock. A failure after writes
// names what this run left and how to remove it.
import { describe, expect, it } from 'vitest';
import { helm, runInstall, useHarness } from './helpers.js';

describe.skipIf(!helm)('install: read-only checks before the first write', () => {
  const h = useHarness();

  const noWrites = () => h.sim.requests.filter((r) => r.method !== 'GET' && !r.url.includes('selfsubjectaccessreviews'));

  it('a chart folder that does not exist: exit 3 naming the chart, no namespace', async () => {
    const ns = 'ro-no-chart';
    const writesBefore = noWrites().length;
    const r = await runInstall(h, { namespace: ns, extra: ['--chart', '/nonexistent/bucketeer-chart'] });
    expect(r.code, r.stderr).toBe(3);
    expect(r.stderr).toMatch(/Error: cannot read chart \/nonexistent\/bucketeer-chart/);
    expect(h.sim.objects.get('namespace', undefined, ns)).toBeUndefined();
    expect(noWrites().length).toBe(writesBefore);
  });

  it('an OCI chart on a closed port: exit 3 naming the chart and version, no namespace', async () => {
    const ns = 'ro-oci-closed';
    const r = await runInstall(h, { namespace: ns, extra: ['--chart', 'oci://127.0.0.1:1/bucketeer/chart', '--chart-version', '9.9.9'] });
    expect(r.code, r.stderr).toBe(3);
    expect(r.stderr).toMatch(/Error: cannot read chart oci:\/\/127\.0\.0\.1:1\/bucketeer\/chart 9\.9\.9/);
    expect(h.sim.objects.get('namespace', undefined, ns)).toBeUndefined();
  });

  it('a double quote in the database password: exit 2 naming the key, no namespace', async () => {
    const ns = 'ro-quote';
    const writesBefore = noWrites().length;
    const r = await runInstall(h, { namespace: ns, env: { BUCKETEER_DB_PASSWORD: 'pa"ss' } });
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toMatch(/Error: database\.password contains a double quote/);
    expect(r.stderr).not.toContain('pa"ss');
    expect(h.sim.objects.get('namespace', undefined, ns)).toBeUndefined();
    expect(noWrites().length).toBe(writesBefore);
  });

  it('a database.password other than the one the in-cluster MySQL was created with: exit 2 before any write, its Secret unchanged', async () => {
    const ns = 'ro-db-password';
    h.sim.objects.put({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } });
    const stored = { password: Buffer.from('the-first-password').toString('base64') };
    h.sim.objects.put({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'bucketeer-mysql', namespace: ns }, type: 'Opaque', data: stored });
    const writesBefore = noWrites().length;
    const r = await runInstall(h, { namespace: ns });
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toContain(`Error: database.password differs from the password the in-cluster MySQL was created with (Secret bucketeer-mysql in ${ns})`);
    // Refused before the release lock, the namespace's first write: nothing left to list.
    expect(r.stderr).not.toMatch(/Left in/);
    expect(noWrites().length).toBe(writesBefore);
    expect(h.sim.objects.list('secret', ns).map((s) => s.metadata.name)).toEqual(['bucketeer-mysql']);
    expect(h.sim.objects.get('secret', ns, 'bucketeer-mysql')?.data).toEqual(stored);
  });

  it('a failure after writes in a namespace that existed: names the objects this run created and the command that removes them', async () => {
    const ns = 'ro-left';
    h.sim.objects.put({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } });
    h.sim.setFault('statefulset/bucketeer-mysql=never-ready');
    try {
      const r = await runInstall(h, { namespace: ns, timeout: '3s' });
      expect(r.code, r.stderr).toBe(1);
      const left = new RegExp(`Left in namespace ${ns}, created by this run: (.*?)\\. Run the same command`).exec(r.stderr)?.[1];
      expect(left).toContain('Secrets bucketeer-service-cert, bucketeer-oauth-key, bucketeer-service-token, bucketeer-mysql;');
      expect(left).toContain('StatefulSets bucketeer-mysql, bucketeer-redis;');
      // The prepare Jobs run side by side: any order.
      const jobs = /Jobs ([^;]*)/.exec(left ?? '')?.[1].split(', ').sort();
      expect(jobs).toEqual(['bucketeer-prepare-database', 'bucketeer-prepare-redis', 'bucketeer-prepare-warehouse']);
      const cmd = /remove them: (kubectl .*?)(?: \(a StatefulSet|$)/m.exec(r.stderr)?.[1];
      expect(cmd).toContain(`delete -n ${ns} secret/bucketeer-service-cert`);
      expect(cmd).toContain('statefulset/bucketeer-mysql');
      // What existed before the run is never offered for deletion.
      expect(r.stderr).not.toMatch(/delete namespace/);
    } finally {
      h.sim.clearFaults();
    }
  });
});
