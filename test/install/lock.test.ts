// One run at a time per release: a coordination.k8s.io/v1 Lease `<release>-bucketeer-install-lock`
// in the release namespace. A second run waits for it (bounded by --timeout) or refuses naming the
// holder; a lease nobody renews is taken over, and only then is a pending-* release treated as
// interrupted.
import { readFileSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { example, helm, helmHistory, helmJson, installArgs, leavePendingUpgrade, runInstall, startCli, startHarness, type Harness } from './helpers.js';

const LOCK = 'bucketeer-bucketeer-install-lock';
const micro = (d: Date) => d.toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');

describe.skipIf(!helm)('install: one run at a time per release', () => {
  let h: Harness;
  let generatedPassword: string;
  beforeAll(async () => {
    h = await startHarness();
    // No database.password: each run would generate its own MySQL password.
    const a = parse(readFileSync(example('in-cluster'), 'utf8'));
    delete a.database.password;
    generatedPassword = join(h.dir, 'generated-password.yaml');
    writeFileSync(generatedPassword, stringify(a));
  });
  afterAll(async () => h?.close());

  it('two installs started together on a slowed API server: one waits naming the holder; the release is deployed and holds the password of the MySQL Secret', async () => {
    const ns = 'lock-race';
    await h.sim.setApiMode('slow', 30);
    let results;
    try {
      const args = installArgs(h, { namespace: ns, answers: generatedPassword, timeout: '90s' });
      const runs = [startCli(args, h.env, 240_000), startCli(args, h.env, 240_000)];
      results = await Promise.all(runs.map((r) => r.done));
    } finally {
      await h.sim.setApiMode('normal');
    }
    const waited = results.filter((r) => /waiting for another run to finish: \S+ pid \d+ \(install\) since \S+ holds Lease bucketeer-bucketeer-install-lock/.test(r.stderr));
    const refused = results.filter((r) => /is being changed by another run: \S+ pid \d+ \(install\) since/.test(r.stderr));
    expect(waited.length + refused.length, results.map((r) => r.stderr).join('\n----\n')).toBe(1);
    expect(results.map((r) => r.stderr).join('\n')).toContain(`${hostname()} pid`);
    for (const r of results) expect([0, ...(refused.includes(r) ? [1] : [])], r.stderr).toContain(r.code);
    // Nobody treated the other's live pending-install as stuck.
    for (const r of results) expect(r.stderr).not.toMatch(/stuck in pending|uninstalled the never-deployed/);

    expect((await helmHistory(h, ns))?.at(-1)?.status).toBe('deployed');
    const secret = h.sim.objects.get('secret', ns, 'bucketeer-mysql')!;
    const password = Buffer.from(secret.data.password, 'base64').toString('utf8');
    const values = await helmJson<{ global: { operationalDatabase: { mysql: { pass: string } } } }>(h, ['get', 'values', 'bucketeer', '-n', ns]);
    expect(values.data?.global.operationalDatabase.mysql.pass).toBe(password);
    // Released at the end of both runs.
    expect(h.sim.objects.get('lease', ns, LOCK)).toBeUndefined();
  });

  it('a lease renewed by another run: install waits up to --timeout, then exits 1 naming the holder and since when; nothing else is created', async () => {
    const ns = 'lock-held';
    h.sim.objects.put({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } });
    const since = micro(new Date(Date.now() - 5_000));
    const hold = () =>
      h.sim.objects.put({
        apiVersion: 'coordination.k8s.io/v1',
        kind: 'Lease',
        metadata: { name: LOCK, namespace: ns },
        spec: { holderIdentity: 'other-host pid 42 (upgrade)', leaseDurationSeconds: 30, acquireTime: since, renewTime: micro(new Date()), leaseTransitions: 0 },
      });
    hold();
    const renewer = setInterval(hold, 1_000);
    try {
      const r = await runInstall(h, { namespace: ns, timeout: '4s' });
      expect(r.code, r.stderr).toBe(1);
      expect(r.stderr).toContain(`Error: release bucketeer in namespace ${ns} is being changed by another run: other-host pid 42 (upgrade) since ${since.replace(/\.\d+Z$/, 'Z')} (Lease ${LOCK})`);
      expect(r.stderr).toContain('wait for that run to finish, then run the same command again');
      expect(h.sim.objects.list('secret', ns)).toEqual([]);
      expect(h.sim.objects.get('lease', ns, LOCK)?.spec.holderIdentity).toBe('other-host pid 42 (upgrade)');
    } finally {
      clearInterval(renewer);
    }
  });

  it('a lease its holder stopped renewing is taken over; only then is a pending release recovered', async () => {
    const ns = 'lock-stale';
    const first = await runInstall(h, { namespace: ns });
    expect(first.code, first.stderr).toBe(0);
    // Its own new namespace and a Lease it created without waiting: no release history to read again.
    expect(first.stderr).toContain('nothing to recover (new namespace)');
    leavePendingUpgrade(h, ns, { description: 'Preparing upgrade' });
    const tenMinutesAgo = micro(new Date(Date.now() - 600_000));
    h.sim.objects.put({
      apiVersion: 'coordination.k8s.io/v1',
      kind: 'Lease',
      metadata: { name: LOCK, namespace: ns },
      spec: { holderIdentity: 'gone-host pid 7 (install)', leaseDurationSeconds: 30, acquireTime: tenMinutesAgo, renewTime: tenMinutesAgo, leaseTransitions: 0 },
    });
    const r = await runInstall(h, { namespace: ns });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).not.toContain('new namespace');
    expect(r.stderr).toContain('recovered from pending-upgrade: rolled back to revision 1');
    expect((await helmHistory(h, ns))?.at(-1)?.status).toBe('deployed');
    expect(h.sim.objects.get('lease', ns, LOCK)).toBeUndefined();
  });
});
