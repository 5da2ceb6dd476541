// Releases left half-done: a release stuck in pending-upgrade, and Ctrl-C in the middle of helm.
// The next run of the same command must converge.
import { describe, expect, it } from 'vitest';
import { withFaults } from '../helpers/kubesim.js';
import { helm, leavePendingUpgrade, helmHistory, installArgs, ndjson, runInstall, startCli, useHarness } from './helpers.js';

describe.skipIf(!helm)('install: recovery', () => {
  const h = useHarness();

  it('a release left in pending-upgrade is rolled back to the last deployed revision, then upgraded', async () => {
    const ns = 'rec-pending';
    expect((await runInstall(h, { namespace: ns })).code).toBe(0);
    // What an interrupted `helm upgrade` leaves: a newer revision whose status is pending-upgrade.
    leavePendingUpgrade(h, ns, { description: 'Preparing upgrade' });
    expect((await helmHistory(h, ns))?.at(-1)).toMatchObject({ revision: 2, status: 'pending-upgrade' });

    const r = await runInstall(h, { namespace: ns });
    expect(r.stderr).toContain('recovered from pending-upgrade: rolled back to revision 1');
    expect(r.code, r.stderr).toBe(0);
    const history = await helmHistory(h, ns);
    expect(history?.at(-1)).toMatchObject({ status: 'deployed', revision: 4 });
    expect(history?.find((x) => x.revision === 3)?.description).toMatch(/Rollback to 1/);
    // helm's own storage was used, never deleted by hand: every revision's Secret is still there.
    for (const v of [1, 2, 3, 4]) expect(h.sim.objects.get('secret', ns, `sh.helm.release.v1.bucketeer.v${v}`), `v${v}`).toBeDefined();
  });

  /** Starts an install, sends `signal` once helm is running, and returns how the run ended. */
  function interruptDuringHelm(ns: string, signal: NodeJS.Signals) {
    // Keep helm waiting (web never becomes ready) so the interrupt lands mid-helm.
    return withFaults(h.sim, ['deployment/web=never-ready'], async () => {
      const run = startCli(installArgs(h, { namespace: ns, timeout: '60s', extra: ['--output', 'ndjson'] }), h.env);
      await run.waitForLine(/"type":"progress","step":"helm"/);
      run.kill(signal);
      return run.done;
    });
  }

  it('Ctrl-C while helm runs: helm is stopped and awaited, exit 130 with what was applied; the same command then converges', async () => {
    const ns = 'rec-sigint';
    const r = await interruptDuringHelm(ns, 'SIGINT');
    expect(r.code).toBe(130);
    expect(r.ms).toBeLessThan(45_000);
    expect(r.stderr).toMatch(/SIGINT received: stopping helm and waiting for it to exit/);
    expect(r.stderr).toMatch(/interrupted during step helm\. helm was stopped; (release bucketeer is now \S+ at revision \d+|the release is not installed)\./);
    expect(r.stderr).toMatch(/applied so far: namespace rec-sigint created; Secret bucketeer-service-cert created;/);
    expect(r.stderr).toContain('Run the same command again');
    const events = ndjson(r.stdout);
    expect(events.at(-1)).toMatchObject({ type: 'result', status: 'interrupted', exitCode: 130 });
    expect(events.some((e) => e.type === 'failed' && e.step === 'helm' && e.reason === 'interrupted')).toBe(true);
    const again = await runInstall(h, { namespace: ns });
    expect(again.stderr).not.toMatch(/^Error/m);
    expect(again.code).toBe(0);
    expect((await helmHistory(h, ns))?.at(-1)?.status).toBe('deployed');
  });

  it('SIGTERM while helm runs is handled as Ctrl-C is (helm stopped and awaited, what was applied), with exit 143', async () => {
    const r = await interruptDuringHelm('rec-sigterm', 'SIGTERM');
    expect(r.code).toBe(143);
    expect(r.ms).toBeLessThan(45_000);
    expect(r.stderr).toMatch(/SIGTERM received: stopping helm and waiting for it to exit/);
    expect(r.stderr).toMatch(/applied so far: namespace rec-sigterm created;/);
    expect(ndjson(r.stdout).at(-1)).toMatchObject({ type: 'result', status: 'interrupted', exitCode: 143 });
  });
});
