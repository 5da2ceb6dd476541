// The environment screen (src/ui/components/EnvironmentScreen.tsx): a cloud that is not the
// cluster's platform is not a failure, a failure reads as cause + fix, and wrapped lines keep
// their indent. The GCP cause comes from src/probes/gcp.ts's classification of the library's text.
import { vi } from 'vitest';

vi.hoisted(() => {
  process.env.CI = 'false';
});

import { describe, expect, it } from 'vitest';
import type { WizardFact } from '../../src/ui/ports.js';
import { factsFromPatch, factsFromResult } from '../../src/ui/probe-adapter.js';
import { describeFact, failureView } from '../../src/ui/components/EnvironmentScreen.js';
import { describeGcpError } from '../../src/probes/gcp.js';
import { cleanupAfterEach, fakeProbes, startWizard } from './harness.js';

const { tempDir, sessions } = cleanupAfterEach();

const LONG_DENIED =
  'permission denied: cloudsql.instances.list on project a-rather-long-project-name-for-wrapping, and then some more words';

/** The lines from the one containing `start` while they are indented under it (the frame pads by one column). */
function linesFrom(frame: string, start: string): string[] {
  const lines = frame.split('\n');
  const i = lines.findIndex((l) => l.includes(start));
  expect(i, frame).toBeGreaterThanOrEqual(0);
  const out = [lines[i]!];
  for (const l of lines.slice(i + 1)) {
    if (!/^ {7,}\S/.test(l)) break;
    out.push(l);
  }
  return out;
}

describe('environment screen', () => {
  it('on GKE, missing AWS credentials are "not needed", not a red failure; a GCP failure shows cause and fix, wrapped under its indent', async () => {
    const facts: WizardFact[] = [
      { kind: 'kube-context', context: 'gke_proj_zone_c1', platform: 'gke', reachable: true },
      { kind: 'probe-failed', probe: 'aws', message: 'no AWS credentials found', fix: 'aws configure', missing: true },
      { kind: 'probe-failed', probe: 'rds', message: 'no AWS credentials found', missing: true },
      { kind: 'probe-failed', probe: 'cloudsql', message: LONG_DENIED, fix: 'grant roles/cloudsql.viewer to the identity in use' },
    ];
    const s = startWizard({ probes: fakeProbes(facts), cwd: tempDir(), env: {} });
    sessions.push(s);
    await s.waitFor('fix: grant roles/cloudsql.viewer');
    await s.waitFor(/- Cloud identity/);
    const frame = s.frame();
    expect(frame).toMatch(/^ {5}- aws: not needed on GKE$/m);
    expect(frame).toMatch(/^ {5}- rds: not needed on GKE$/m);
    expect(frame).not.toMatch(/✗ (aws|rds)/);
    expect(frame).not.toContain('aws configure');
    // The Cloud SQL failure is red and wraps under its own text, not at the left edge.
    const lines = linesFrom(frame, '✗ cloudsql: permission denied');
    expect(lines.length, frame).toBeGreaterThan(2);
    expect(lines[0]).toMatch(/^ {5}✗ cloudsql: /);
    for (const l of lines.slice(1)) expect(l).toMatch(/^ {7}\S/);
    expect(lines.join(' ').replace(/\s+/g, ' ')).toContain(`${LONG_DENIED} fix: grant roles/cloudsql.viewer`);
    expect(frame).toMatch(/✗ MySQL and Redis/);
  });

  it('before the platform is known, a cloud with nothing set up is neutral with what to run; a kubeconfig problem stays red', async () => {
    const facts: WizardFact[] = [
      { kind: 'probe-failed', probe: 'kubernetes', message: 'no kubeconfig found (looked at /nonexistent/kubeconfig)' },
      { kind: 'probe-failed', probe: 'gcp', message: 'no GCP credentials (no Application Default Credentials on this machine)', fix: 'gcloud auth application-default login', missing: true },
    ];
    const s = startWizard({ probes: fakeProbes(facts), cwd: tempDir(), env: {} });
    sessions.push(s);
    await s.waitFor('✗ kubernetes: no kubeconfig found');
    await s.waitFor(/- Cloud identity/);
    const frame = s.frame();
    expect(frame).toMatch(/^ {5}- gcp: no GCP credentials/m);
    expect(frame).toContain('(needed on GKE)');
    expect(frame).toMatch(/^ {7}fix: gcloud auth application-default login/m);
    expect(frame).toMatch(/✗ Kubernetes/);
  });

  it("google-auth-library's raw text becomes a cause and a fix, marked as nothing set up", () => {
    const raw = new Error('Could not load the default credentials. Browse to https://cloud.google.com/docs/authentication/getting-started for more information.');
    const p = describeGcpError(raw, 'resourcemanager', 'my-proj');
    const facts = factsFromResult({
      id: 'gcp.project',
      category: 'gcp',
      title: 'GCP credentials and project',
      durationMs: 1,
      outcome: 'ok',
      checks: [{ category: 'gcp', id: 'gcp.credentials', title: 'GCP credentials', status: 'fail', detail: p.cause, hint: p.fix, facts: { problem: p.kind } }],
    });
    expect(facts).toEqual([
      { kind: 'probe-failed', probe: 'gcp', message: 'no GCP credentials (no Application Default Credentials on this machine)', fix: 'gcloud auth application-default login', missing: true },
    ]);
  });

  it("a cloud's findings read in its own words; a cloud probe on a cluster outside the managed ones is not needed", () => {
    const facts = factsFromPatch({
      gcp: { project: { id: 'proj-1' }, cloudSql: [{ name: 'db', privateIp: '10.0.0.3' }, { name: 'pub' }], memorystore: [{ name: 'r', host: '10.0.0.4', port: 6379, maxmemoryPolicy: 'noeviction' }] },
      aws: { account: '123456789012', arn: 'arn:aws:iam::123456789012:user/a', rds: [{ id: 'db1', engine: 'mysql', endpoint: 'db1.x', publiclyAccessible: false }], elasticache: [{ id: 'g', endpoint: 'g.cache', clusterMode: false }] },
      kubernetes: { context: 'gke_p_asia-northeast1_c', platform: 'gke' },
    });
    expect(facts.map(describeFact)).toEqual([
      'GCP project proj-1',
      'Cloud SQL db: 10.0.0.3',
      'Cloud SQL pub: no private IP',
      'Memorystore r: 10.0.0.4:6379, noeviction',
      'AWS account 123456789012 (arn:aws:iam::123456789012:user/a)',
      'RDS db1: db1.x',
      'ElastiCache g: g.cache',
      'gke_p_asia-northeast1_c (GKE)',
    ]);
    expect(failureView({ kind: 'probe-failed', probe: 'rds', message: 'denied' }, 'other')).toEqual({ status: 'skip', text: 'rds: not needed on a cluster outside GKE and EKS' });
    expect(failureView({ kind: 'probe-failed', probe: 'memorystore', message: 'denied', fix: 'grant' }, 'gke')).toEqual({ status: 'fail', text: 'memorystore: denied', fix: 'grant' });
    expect(failureView({ kind: 'probe-failed', probe: 'kubernetes', message: 'no kubeconfig', missing: true }, undefined)).toMatchObject({ status: 'fail' });
  });
});
