// Issue 7 in the install: prepare Jobs for private middleware are created in the cluster before
// helm runs, and a failing one stops the install naming the step.
import { describe, expect, it } from 'vitest';
import { factLine } from '../../src/prepare/protocol.js';
import { withFaults } from '../helpers/kubesim.js';
import { example, helm, helmHistory, ndjson, runInstall, useHarness } from './helpers.js';

const seqIndex = (events: { type: string; step?: string }[], type: string, step: string) => events.findIndex((e) => e.type === type && e.step === step);

/** The kubesim fault that makes the database prepare Job fail. */
const FAILING_DATABASE_JOB = 'job/bucketeer-prepare-database=job-fail';

describe.skipIf(!helm)('install: prepare steps', () => {
  const h = useHarness();

  it('aws profile: database, warehouse and redis Jobs with the client images, their ConfigMaps and Secret references', async () => {
    const ns = 'prepare-aws';
    const r = await runInstall(h, { namespace: ns, answers: example('aws'), extra: ['--output', 'ndjson'] });
    expect(r.code, r.stderr).toBe(0);
    const events = ndjson(r.stdout) as { type: string; step?: string }[];
    const order = events.filter((e) => e.type === 'step-started').map((e) => e.step);
    // The plan (render's plan.json) comes as one line, before the first object is created.
    const plan = events.find((e) => e.type === 'plan') as any;
    expect(plan).toBeDefined();
    expect(events.indexOf(plan)).toBeLessThan(seqIndex(events, 'step-started', 'namespace'));
    expect(plan.mysql).toEqual({ databases: ['bucketeer', 'bucketeer_warehouse', 'public'], tables: ['bucketeer_warehouse.evaluation_event', 'bucketeer_warehouse.goal_event', 'public.atlas_schema_revisions'] });
    expect(plan.pubsub).toBeUndefined();
    expect(plan.bigquery).toBeUndefined();
    // Every object it lists unconditionally exists after the install (no Bucketeer answers here,
    // so the bootstrap writes nothing), and every installer-made object is listed.
    expect((plan.kubernetes as { when?: string }[]).filter((o) => o.when).map((o) => o.when)).toEqual(['bootstrap reaches Bucketeer', 'service proxy unreachable']);
    for (const o of (plan.kubernetes as { kind: string; name: string; namespace?: string; when?: string }[]).filter((x) => !x.when)) {
      expect(h.sim.objects.get(o.kind.toLowerCase(), o.namespace, o.name), `${o.kind}/${o.name}`).toBeDefined();
    }
    const listed = new Set((plan.kubernetes as { kind: string; name: string }[]).map((o) => `${o.kind}/${o.name}`));
    for (const kind of ['secret', 'configmap', 'job', 'statefulset', 'service']) {
      for (const o of h.sim.objects.list(kind, ns, 'app.kubernetes.io/managed-by=bucketeer-install')) expect(listed.has(`${o.kind}/${o.metadata.name}`), `${o.kind}/${o.metadata.name} listed`).toBe(true);
    }
    // Prepared after the middleware and before helm.
    expect(order.indexOf('prepare-database')).toBeGreaterThan(-1);
    expect(order.indexOf('prepare-redis')).toBeLessThan(order.indexOf('helm'));
    // Side by side: every Job step starts before the first of them finishes.
    const jobs = ['prepare-database', 'prepare-warehouse', 'prepare-redis'];
    const seq = events.map((e) => `${e.type}:${e.step}`);
    const firstFinish = Math.min(...jobs.map((s) => seq.indexOf(`step-finished:${s}`)));
    for (const s of jobs) expect(seq.indexOf(`step-started:${s}`), s).toBeLessThan(firstFinish);
    // So the warehouse Job waits in its pod for the database the database Job creates.
    expect((h.sim.objects.get('configmap', ns, 'bucketeer-prepare-warehouse') as any).data['wait.sql']).toMatch(/information_schema\.SCHEMATA/);

    for (const [step, image] of [['database', 'mysql:8.4'], ['warehouse', 'mysql:8.4'], ['redis', 'redis:7.4']] as const) {
      const job = h.sim.objects.get('job', ns, `bucketeer-prepare-${step}`) as any;
      expect(job, `job for ${step}`).toBeDefined();
      const c = job.spec.template.spec.containers[0];
      expect(c.image).toBe(image);
      expect(job.spec.template.spec.volumes.find((v: any) => v.configMap)?.configMap.name).toBe(`bucketeer-prepare-${step}`);
      expect(h.sim.objects.get('configmap', ns, `bucketeer-prepare-${step}`)).toBeDefined();
      const text = JSON.stringify(c.env);
      expect(text).not.toContain('pw-'); // no password value inline
      if (step !== 'redis') {
        const pwd = c.env.find((e: any) => e.name === 'MYSQL_PWD');
        expect(pwd.valueFrom.secretKeyRef).toEqual({ name: 'bucketeer-prepare-credentials', key: 'mysql-password' });
      }
    }
    // The password the Jobs read sits in a Secret, not in the Job.
    expect(h.sim.objects.get('secret', ns, 'bucketeer-prepare-credentials')).toBeDefined();
  });

  it('a failing prepare Job stops the install before helm runs, naming the step', async () => {
    const ns = 'prepare-fail';
    const r = await withFaults(h.sim, [FAILING_DATABASE_JOB], () => runInstall(h, { namespace: ns, answers: example('aws'), timeout: '20s' }));
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/job\/bucketeer-prepare-database: prepare database failed/);
    expect(r.stderr).toMatch(/--skip-prepare database/);
    expect(await helmHistory(h, ns)).toBeUndefined();
    expect(h.sim.objects.get('deployment', ns, 'web')).toBeUndefined();
  });

  it('--skip-prepare skips the step; an unknown step name is bad input', async () => {
    const ns = 'prepare-skip';
    const r = await withFaults(h.sim, [FAILING_DATABASE_JOB], () => runInstall(h, { namespace: ns, answers: example('aws'), extra: ['--skip-prepare', 'database'] }));
    expect(r.code, r.stderr).toBe(0);
    expect(h.sim.objects.get('job', ns, 'bucketeer-prepare-database')).toBeUndefined();
    const bad = await runInstall(h, { namespace: 'prepare-bad', answers: example('aws'), extra: ['--skip-prepare', 'databse'] });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--skip-prepare databse: unknown step/);
  });

  /** What REDIS_SCRIPT prints for a Redis with this eviction policy. */
  const redisLog = (policy: string) =>
    [
      factLine('info', 'redis_version', '7.2.4'),
      factLine('info', 'maxmemory_policy', policy),
      factLine('info', 'aof_enabled', '1'),
      factLine('config', 'maxmemory-policy', policy),
      factLine('done', 0),
      '',
    ].join('\n');

  it("a Job's log is read back into checks: Redis evicting stops the install before helm with the ElastiCache fix; noeviction passes", async () => {
    const ns = 'prepare-log';
    h.sim.setJobLog(ns, 'bucketeer-prepare-redis', redisLog('allkeys-lru'));
    const r = await runInstall(h, { namespace: ns, answers: example('aws'), timeout: '20s' });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/prepare redis: Redis never evicts \(maxmemory-policy noeviction\): maxmemory-policy is allkeys-lru/);
    expect(r.stderr).toMatch(/parameter group/i);
    expect(await helmHistory(h, ns)).toBeUndefined();

    h.sim.setJobLog(ns, 'bucketeer-prepare-redis', redisLog('noeviction'));
    const ok = await runInstall(h, { namespace: ns, answers: example('aws'), extra: ['--output', 'ndjson'] });
    expect(ok.code, ok.stderr).toBe(0);
    const finished = (ndjson(ok.stdout) as { type: string; step?: string; detail?: string }[]).find((e) => e.type === 'step-finished' && e.step === 'prepare-redis');
    expect(finished?.detail).toBe('3 ok');
    expect(finished).not.toHaveProperty('status');
    // Without a log (the simulator serves none unless given) the database step cannot verify: a warning, not a pass.
    const unread = (ndjson(ok.stdout) as { type: string; step?: string; detail?: string; status?: string }[]).find((e) => e.type === 'step-finished' && e.step === 'prepare-database');
    expect(unread).toMatchObject({ detail: 'Job completed; findings not read (no pod log)', status: 'warn' });
    // It names the command that reads that log (the Job is still there), not doctor, which would need the same log.
    const said = `${ok.stdout}${ok.stderr}`;
    expect(said).toContain(`kubectl logs -n ${ns} job/bucketeer-prepare-database`);
    expect(said).not.toMatch(/could not be read[^\n]*doctor/);
    expect(h.sim.objects.get('job', ns, 'bucketeer-prepare-database')).toBeDefined();
    h.sim.setJobLog(ns, 'bucketeer-prepare-redis', undefined);
  });
});
