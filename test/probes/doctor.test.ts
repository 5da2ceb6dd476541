import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { defaultKubeState, startFakeKube } from './fake-kube.js';
import type { Check } from '../../src/checks/types.js';

describe('doctor flags', () => {
  it.each([
    [['--platform', 'azure'], '--platform must be aws, gcp or other'],
    [['--output', 'yaml'], '--output must be text or json'],
    [['--probe-timeout', 'soon'], '--probe-timeout has an invalid duration'],
    [['--bogus'], 'unknown flag --bogus'],
  ])('doctor --pre %j exits 2 naming the flag', async (args, message) => {
    const r = await runCli(['doctor', '--pre', ...args]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(message);
    expect(r.stdout).toBe('');
  });

  it('doctor without --pre and without a cluster fails its cluster check and says how to get a kubeconfig', async () => {
    const r = await runCli(['doctor', '--output', 'json']);
    expect(r.code).toBe(1);
    const report = JSON.parse(r.stdout) as { status: string; checks: { id: string; status: string; hint?: string }[] };
    expect(report.status).toBe('fail');
    expect(report.checks.find((c) => c.status === 'fail' && /kubeconfig/.test(c.hint ?? ''))).toBeDefined();
  });

  it('doctor --help lists the preflight flags', async () => {
    const r = await runCli(['doctor', '--help']);
    expect(r.code).toBe(0);
    for (const flag of ['--pre', '--platform', '--output', '--probe-timeout', '--kube-context', '--kubeconfig', '--namespace', '--answers', '--strict']) expect(r.stdout).toContain(flag);
  });
});

describe('doctor --pre --platform other against a fake cluster', () => {
  let kube: Awaited<ReturnType<typeof startFakeKube>>;
  beforeAll(async () => {
    const state = defaultKubeState();
    state.nginxArgs = ['/nginx-ingress-controller'];
    kube = await startFakeKube(state, { context: 'kind-dev' });
  });
  afterAll(async () => {
    await kube?.stop();
  });

  it('text: grouped checks; warnings exit 0, and 1 with --strict', async () => {
    const r = await runCli(['doctor', '--pre', '--platform', 'other', '--kubeconfig', kube.kubeconfig, '-n', 'bucketeer', '--answers', 'examples/answers/in-cluster.yaml']);
    expect(r.stderr).toBe('');
    expect(r.stdout).toMatch(/^Preflight for platform other/);
    expect(r.stdout).toMatch(/kubernetes\n-+\n/);
    expect(r.stdout).toContain('Kubernetes context: kind-dev -> kind');
    expect(r.stdout).toMatch(/Cluster capacity: .*free on 2 schedulable nodes/);
    expect(r.stdout).toContain('without --enable-ssl-passthrough');
    expect(r.stdout).toMatch(/Status: warn/);
    expect(r.code).toBe(0);
    const strict = await runCli(['doctor', '--pre', '--platform', 'other', '--kubeconfig', kube.kubeconfig, '--strict']);
    expect(strict.code).toBe(1);
  });

  it('json carries the facts', async () => {
    const r = await runCli(['doctor', '--pre', '--platform', 'other', '--kubeconfig', kube.kubeconfig, '-o', 'json']);
    const report = JSON.parse(r.stdout) as { status: string; checks: Check[] };
    expect(report.checks.find((c) => c.id === 'kubernetes.context')?.facts).toMatchObject({ platform: 'kind', cluster: 'dev' });
    expect(report.checks.find((c) => c.id === 'kubernetes.capacity')?.facts).toMatchObject({ free: { nodes: 2 } });
    expect(report.checks.find((c) => c.id === 'advice.messaging')?.status).toBe('skip');
  });
});
