// The wizard's probe port over the real probes: facts stream in per probe, against the simulator.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startKubesim, type Kubesim } from '../kubesim/server.js';
import { factsFromPatch, wizardProbes } from '../../src/ui/probe-adapter.js';
import type { WizardFact } from '../../src/ui/ports.js';

describe('wizard probe adapter', () => {
  let sim: Kubesim;
  beforeAll(async () => {
    sim = await startKubesim({ tickMs: 50 });
  });
  afterAll(async () => {
    await sim.close();
  });

  it('reports the reachable context, capacity per size, and the clouds it has no credentials for', async () => {
    const home = mkdtempSync(join(tmpdir(), 'home-'));
    const env = { PATH: process.env.PATH, HOME: home, KUBECONFIG: sim.kubeconfigPath, KUBECACHEDIR: join(home, 'cache'), METADATA_SERVER_DETECTION: 'none', AWS_EC2_METADATA_DISABLED: 'true' };
    const facts: WizardFact[] = [];
    await wizardProbes({ env, timeoutMs: 5000 }).run((f) => facts.push(f), new AbortController().signal);
    const ctx = facts.filter((f) => f.kind === 'kube-context');
    expect(ctx.at(-1)).toMatchObject({ kind: 'kube-context', context: 'kubesim', reachable: true });
    expect(facts.filter((f) => f.kind === 'capacity').map((f) => (f as { sizing: string }).sizing).sort()).toEqual(['large', 'medium', 'small']);
    expect(facts).toContainEqual(expect.objectContaining({ kind: 'probe-failed', probe: 'aws' }));
    expect(facts).toContainEqual(expect.objectContaining({ kind: 'probe-failed', probe: 'gcp' }));
  });

  it('maps discovered middleware to facts the screens offer as choices', () => {
    const facts = factsFromPatch({
      aws: { account: '123456789012', arn: 'arn:aws:iam::123456789012:user/a', rds: [{ id: 'db1', engine: 'mysql', endpoint: 'db1.x.rds.amazonaws.com', port: 3306, publiclyAccessible: false }, { id: 'pg', engine: 'postgres', endpoint: 'pg.x', publiclyAccessible: false }], elasticache: [{ id: 'r1', endpoint: 'r1.cache', port: 6379, clusterMode: false, maxmemoryPolicy: 'volatile-lru' }] },
      gcp: { project: { id: 'proj-123' }, memorystore: [{ name: 'm1', host: '10.0.0.4', port: 6379, maxmemoryPolicy: 'noeviction' }] },
    });
    // Cloud by cloud in the platform list's order (src/platforms/index.ts), each platform's own kinds.
    expect(facts.map((f) => f.kind)).toEqual(['gcp-project', 'memorystore-instance', 'aws-identity', 'rds-instance', 'elasticache-group']);
    expect(facts[3]).toMatchObject({ id: 'db1' }); // the Postgres instance is not offered for MySQL
  });
});
