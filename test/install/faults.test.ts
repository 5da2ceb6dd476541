// Each kubesim fault makes install exit 1 naming the failing resource and its reason, and leaves
// the release uninstalled (first install) or back at the last good revision (after a good install).
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { withFaults } from '../helpers/kubesim.js';
import { example, helm, helmHistory, runInstall, useHarness } from './helpers.js';

const FAIL_TIMEOUT = '6s';

describe.skipIf(!helm)('install: faults', () => {
  const h = useHarness();

  /** The example with sizing changed, so an upgrade rolls out new pods. */
  function changedAnswers(): string {
    const a = parse(readFileSync(example('in-cluster'), 'utf8'));
    a.sizing = 'medium';
    const file = join(h.dir, 'in-cluster-medium.yaml');
    writeFileSync(file, stringify(a));
    return file;
  }

  it('transient API errors (503s, a lost create reply, a 429) are retried: the install succeeds', async () => {
    const ns = 'fault-glitch';
    const from = h.sim.requests.length;
    const glitches = [`api/fail=503:2:/api/v1/namespaces/${ns}`, `api/fail=reset-after:1:/api/v1/namespaces/${ns}/secrets$`, `api/fail=429:1:/apis/apps/v1/namespaces/${ns}/deployments`];
    await withFaults(h.sim, glitches, async () => {
      const r = await runInstall(h, { namespace: ns });
      expect(r.code, r.stderr).toBe(0);
      expect(h.sim.faults()).toEqual([]); // every glitch happened
    });
    expect(h.sim.requests.slice(from).filter((q) => q.status === 503 || q.status === 429)).toHaveLength(3);
    expect(h.sim.objects.get('deployment', ns, 'web')).toBeDefined();
  });

  /** A first install while `fault` holds: it fails (exit 1) and leaves no release behind. */
  async function failedFirstInstall(ns: string, fault: string) {
    const r = await withFaults(h.sim, [fault], () => runInstall(h, { namespace: ns, timeout: FAIL_TIMEOUT }));
    expect(r.code).toBe(1);
    expect(await helmHistory(h, ns)).toBeUndefined();
    return r;
  }

  it('never-ready on deployment/web, first install: exit 1 naming web and why; the release is uninstalled', async () => {
    const ns = 'fault-never-ready';
    const r = await failedFirstInstall(ns, 'deployment/web=never-ready');
    expect(r.stderr).toMatch(/Error: deployment\/web: .*not ready/);
    expect(r.stderr).toContain('helm uninstalled the release it had created (first install)');
    expect(r.stderr).toMatch(new RegExp(`Left in the cluster: namespace ${ns}, created by this run, with Secrets .*StatefulSets bucketeer-mysql, bucketeer-redis.*remove it all: kubectl --context kubesim .* delete namespace ${ns}`));
  });

  it('job-fail on the migration hook, first install: exit 1 naming the Job and BackoffLimitExceeded', async () => {
    const ns = 'fault-job-fail';
    const r = await failedFirstInstall(ns, 'job/bucketeer-migrate=job-fail');
    expect(r.stderr).toMatch(/Error: job\/bucketeer-migrate: failed \(BackoffLimitExceeded/);
    expect(r.stderr).toContain('kubesim fault job-fail');
    // Nothing of the chart was deployed: the hook failed first.
    expect(h.sim.objects.get('deployment', ns, 'web')).toBeUndefined();
  });

  /**
   * A fault that belongs to the new revision only: active until helm's rollback has put the
   * previous pod template back (kubesim faults match every pod of a Deployment, old or new).
   */
  function faultUntilRollback(ns: string, deployment: string, fault: string): { stop(): void } {
    const template = () => JSON.stringify(h.sim.objects.get('deployment', ns, deployment)?.spec?.template);
    const original = template();
    let changed = false;
    h.sim.setFault(`deployment/${deployment}=${fault}`);
    const timer = setInterval(() => {
      const now = template();
      if (now !== original) changed = true;
      else if (changed) h.sim.clearFaults();
    }, 20);
    return {
      stop() {
        clearInterval(timer);
        h.sim.clearFaults();
      },
    };
  }

  it('crashloop on api, then image-pull on subscriber, after a good install: exit 1 naming each, release back at the last good revision', async () => {
    const ns = 'fault-upgrade';
    const good = await runInstall(h, { namespace: ns });
    expect(good.code).toBe(0);
    const medium = changedAnswers();

    const crash = faultUntilRollback(ns, 'api', 'crashloop');
    try {
      const r = await runInstall(h, { namespace: ns, answers: medium, timeout: FAIL_TIMEOUT });
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/Error: deployment\/api: .*CrashLoopBackOff, container \w+ restarted \d+ times; last exit 1 \(Error\): kubesim fault crashloop/);
      expect(r.stderr).toMatch(/the release is back at revision 3/);
      const history = await helmHistory(h, ns);
      expect(history?.map((x) => x.status)).toEqual(['superseded', 'failed', 'deployed']);
      expect(history?.at(-1)?.description).toMatch(/Rollback to 1/);
    } finally {
      crash.stop();
    }

    const pull = faultUntilRollback(ns, 'subscriber', 'image-pull');
    try {
      const r = await runInstall(h, { namespace: ns, answers: medium, timeout: FAIL_TIMEOUT });
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/Error: deployment\/subscriber: .*ImagePullBackOff/);
      expect(r.stderr).toMatch(/the release is back at revision 5/);
      const history = await helmHistory(h, ns);
      expect(history?.at(-1)).toMatchObject({ revision: 5, status: 'deployed', description: expect.stringMatching(/Rollback to 3/) });
    } finally {
      pull.stop();
    }
    // The stored answers still describe the last good install, not the failed attempts.
    expect(parse(h.sim.objects.get('configmap', ns, 'bucketeer-bucketeer-install')!.data['answers.yaml']).sizing).toBe('small');
  });
});
