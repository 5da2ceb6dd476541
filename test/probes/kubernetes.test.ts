import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { capacityCheck } from '../../src/probes/advice.js';
import { classifyKubeContext } from '../../src/probes/detect.js';
import { freeCapacity, kubernetesProbes, parseCpuMilli, parseMemBytes } from '../../src/probes/kubernetes.js';
import { mergeFacts, runProbes } from '../../src/probes/runner.js';
import { totalRequests } from '../../src/plan/sizing.js';
import type { Check } from '../../src/checks/types.js';
import { KubeClient } from '../../src/kube/client.js';
import { runInstallPreflight } from '../../src/install/preflight.js';
import { MIN_KUBERNETES, MIN_KUBERNETES_TEXT } from '../../src/chart/facts.js';
import { defaultKubeState, startFakeKube, type FakeKubeState } from './fake-kube.js';
import { freePort } from './peers.js';

const byId = (checks: Check[], id: string) => checks.find((c) => c.id === id);

describe('context -> platform', () => {
  it.each([
    ['gke_my-proj_asia-northeast1_prod', '', { platform: 'gke', project: 'my-proj', region: 'asia-northeast1', cluster: 'prod' }],
    ['arn:aws:eks:ap-northeast-1:123456789012:cluster/prod', '', { platform: 'eks', region: 'ap-northeast-1', account: '123456789012', cluster: 'prod' }],
    ['admin@prod', 'https://ABCDEF.gr7.us-west-2.eks.amazonaws.com', { platform: 'eks', region: 'us-west-2' }],
    ['prod', 'https://prod-dns-1234.hcp.japaneast.azmk8s.io:443', { platform: 'aks', region: 'japaneast' }],
    ['kind-dev', 'https://127.0.0.1:6443', { platform: 'kind', cluster: 'dev' }],
    ['minikube', 'https://192.168.49.2:8443', { platform: 'other' }],
  ])('%s', (context, server, want) => {
    expect(classifyKubeContext(context, server)).toEqual(want);
  });
});

describe('quantities and free capacity', () => {
  it('parses CPU and memory quantities', () => {
    expect([parseCpuMilli('4'), parseCpuMilli('3800m'), parseCpuMilli('0.5'), parseCpuMilli('250000000n')]).toEqual([4000, 3800, 500, 250]);
    expect([parseMemBytes('1Gi'), parseMemBytes('512Mi'), parseMemBytes('1G'), parseMemBytes('16384Ki'), parseMemBytes('1000')]).toEqual([1024 ** 3, 512 * 1024 ** 2, 1e9, 16 * 1024 ** 2, 1000]);
  });
});

describe('Kubernetes probes against a fake API server', () => {
  let state: FakeKubeState;
  let kube: Awaited<ReturnType<typeof startFakeKube>>;
  beforeAll(async () => {
    state = defaultKubeState();
    kube = await startFakeKube(state, { context: 'gke_my-proj_asia-northeast1_prod' });
  });
  afterAll(async () => {
    await kube?.stop();
  });
  const run = (extra: Partial<Parameters<typeof kubernetesProbes>[0]> = {}) =>
    runProbes(kubernetesProbes({ env: {}, kubeconfig: kube.kubeconfig, namespace: 'bucketeer', ...extra }), { timeoutMs: 5000 });

  it('reports context, version, capacity, storage, ingress, cert-manager and RBAC', async () => {
    const results = await run();
    expect(results.every((r) => r.outcome === 'ok')).toBe(true);
    const checks = results.flatMap((r) => r.checks);
    const facts = mergeFacts(results).kubernetes;
    expect(facts).toMatchObject({ context: 'gke_my-proj_asia-northeast1_prod', platform: 'gke', project: 'my-proj', region: 'asia-northeast1', serverVersion: 'v1.30.2', defaultStorageClass: 'standard', certManager: false });
    // node-a 4000m/16Gi and node-b 3800m/15000Mi, minus the Running pods (the tainted node and the Succeeded pod do not count).
    expect(facts.free).toEqual({ cpuMilli: 4000 + 3800 - 500 - 300, memoryBytes: 16 * 1024 ** 3 + 15000 * 1024 ** 2 - 1024 ** 3 - 512 * 1024 ** 2, nodes: 2 });
    expect(byId(checks, 'kubernetes.version')?.status).toBe('pass');
    expect(byId(checks, 'kubernetes.storageclass')).toMatchObject({ status: 'pass', detail: expect.stringContaining('standard') });
    // On a GKE context (no --platform) the gce class is built in.
    expect(byId(checks, 'kubernetes.ingress')?.detail).toContain('gce');
    expect(byId(checks, 'kubernetes.cert-manager')?.status).toBe('skip');
    expect(byId(checks, 'kubernetes.rbac')).toMatchObject({ status: 'pass', detail: expect.stringContaining('namespace will be created') });
  });

  it('a 1.25 server fails here as it fails install\'s preflight: one minimum Kubernetes for both', async () => {
    const saved = state.version;
    state.version = { major: '1', minor: '25+', gitVersion: 'v1.25.16-eks-1234' };
    try {
      const probe = byId((await run()).flatMap((r) => r.checks), 'kubernetes.version');
      expect(probe).toMatchObject({ status: 'fail', detail: `reachable, v1.25.16-eks-1234; older than ${MIN_KUBERNETES_TEXT}` });
      const client = KubeClient.fromKubeconfig({ kubeconfig: kube.kubeconfig, env: {}, cwd: process.cwd() });
      try {
        const install = await runInstallPreflight({ kube: client, env: { PATH: process.env.PATH }, namespace: 'bucketeer', requestTimeoutMs: 5000 });
        expect(byId(install.checks, 'preflight.version')).toMatchObject({ status: 'fail', detail: expect.stringContaining(`older than ${MIN_KUBERNETES_TEXT}`) });
      } finally {
        client.close();
      }
      state.version = { major: '1', minor: String(MIN_KUBERNETES.minor), gitVersion: `v${MIN_KUBERNETES_TEXT}.0` };
      expect(byId((await run()).flatMap((r) => r.checks), 'kubernetes.version')?.status).toBe('pass');
    } finally {
      state.version = saved;
    }
  });

  it('nginx without --enable-ssl-passthrough warns with the helm command', async () => {
    const saved = state.nginxArgs;
    state.nginxArgs = ['/nginx-ingress-controller'];
    try {
      const checks = (await run({ platform: 'aws', context: undefined })).flatMap((r) => r.checks);
      // The GKE context with --platform aws is also flagged.
      expect(byId(checks, 'kubernetes.context')?.status).toBe('warn');
      const ingress = byId(checks, 'kubernetes.ingress')!;
      expect(ingress.status).toBe('warn');
      expect(ingress.detail).toContain('without --enable-ssl-passthrough');
      expect(ingress.hint).toContain('enable-ssl-passthrough=true');
    } finally {
      state.nginxArgs = saved;
    }
  });

  it('denied RBAC, no default StorageClass and a forbidden node list are reported, not thrown', async () => {
    const saved = { ...state };
    state.denied = ['secrets', 'cronjobs'];
    state.storageClasses = [{ name: 'fast' }];
    state.forbidden = ['/api/v1/nodes'];
    state.certManager = true;
    try {
      const checks = (await run({ platform: 'other', needsStorage: true })).flatMap((r) => r.checks);
      expect(byId(checks, 'kubernetes.rbac')).toMatchObject({ status: 'fail', detail: expect.stringContaining('cannot create secrets, cronjobs.batch') });
      expect(byId(checks, 'kubernetes.storageclass')).toMatchObject({ status: 'fail', hint: expect.stringContaining('kubectl patch storageclass fast') });
      expect(byId(checks, 'kubernetes.capacity')).toMatchObject({ status: 'warn', detail: expect.stringContaining('forbidden') });
      expect(byId(checks, 'kubernetes.cert-manager')?.status).toBe('pass');
    } finally {
      Object.assign(state, saved);
    }
  });

  it('capacity advice: pass with room, fail when short, against the chosen sizing', async () => {
    const facts = mergeFacts(await run()).kubernetes;
    const small = { ...totalRequests('small', { mysql: true, redis: true }), label: 'small' };
    expect(capacityCheck(facts.free, small)?.status).toBe('pass');
    const large = { ...totalRequests('large', { mysql: true, redis: true }), label: 'large' };
    const check = capacityCheck(facts.free, large)!;
    expect(check.status).toBe('fail');
    expect(check.detail).toMatch(/short of .*CPU/);
    expect(capacityCheck({ cpuMilli: small.cpuMilli + 10, memoryBytes: small.memoryBytes * 2, nodes: 1 }, small)?.status).toBe('warn');
    expect(freeCapacity([], [])).toEqual({ cpuMilli: 0, memoryBytes: 0, nodes: 0 });
  });

  it('reads every file of a KUBECONFIG list, as kubectl does', async () => {
    // The first file knows another cluster and names the current context; the fake cluster's
    // context is only in the second file.
    const first = join(mkdtempSync(join(tmpdir(), 'kube-first-')), 'config');
    writeFileSync(
      first,
      [
        'apiVersion: v1',
        'kind: Config',
        'current-context: gke_my-proj_asia-northeast1_prod',
        'clusters:',
        '- name: other',
        '  cluster: {server: "https://other.invalid:6443"}',
        'users:',
        '- name: other',
        '  user: {token: other-token}',
        'contexts:',
        '- name: kind-other',
        '  context: {cluster: other, user: other}',
        '',
      ].join('\n'),
    );
    const env = { KUBECONFIG: [first, kube.kubeconfig].join(delimiter) };
    for (const context of ['gke_my-proj_asia-northeast1_prod', undefined]) {
      const results = await runProbes(kubernetesProbes({ env, context, namespace: 'bucketeer' }), { timeoutMs: 5000 });
      const checks = results.flatMap((r) => r.checks);
      expect(byId(checks, 'kubernetes.context')).toMatchObject({ status: 'pass', detail: expect.stringContaining(`gke_my-proj_asia-northeast1_prod -> gke (project my-proj, region asia-northeast1, cluster prod) at ${kube.url}`) });
      expect(byId(checks, 'kubernetes.version')).toMatchObject({ status: 'pass', detail: 'reachable, v1.30.2' });
      expect(mergeFacts(results).kubernetes.free?.nodes).toBe(2);
    }
    // A context that neither file defines is reported by the context check, naming both files.
    const missing = (await runProbes(kubernetesProbes({ env, context: 'nope' }), { timeoutMs: 5000 })).flatMap((r) => r.checks);
    expect(byId(missing, 'kubernetes.context')).toMatchObject({ status: 'fail', detail: `context "nope" is not in the kubeconfig (${first}, ${kube.kubeconfig}); it has: kind-other, gke_my-proj_asia-northeast1_prod` });
    expect(missing.filter((c) => c.id !== 'kubernetes.context').every((c) => c.status === 'skip')).toBe(true);
  });

  it('an API server that refuses connections: the version check fails, the others warn, none throws', async () => {
    const port = await freePort();
    const file = join(mkdtempSync(join(tmpdir(), 'kube-gone-')), 'config');
    writeFileSync(
      file,
      ['apiVersion: v1', 'kind: Config', 'current-context: kind-gone', 'clusters:', '- name: gone', `  cluster: {server: "http://127.0.0.1:${port}"}`, 'users:', '- name: u', '  user: {token: t}', 'contexts:', '- name: kind-gone', '  context: {cluster: gone, user: u}', ''].join('\n'),
    );
    const results = await runProbes(kubernetesProbes({ env: {}, kubeconfig: file, platform: 'other' }), { timeoutMs: 5000 });
    expect(results.map((r) => r.outcome).every((o) => o === 'ok')).toBe(true);
    const checks = results.flatMap((r) => r.checks);
    expect(byId(checks, 'kubernetes.context')?.status).toBe('pass');
    expect(byId(checks, 'kubernetes.version')).toMatchObject({ status: 'fail', detail: `cannot reach the Kubernetes API at http://127.0.0.1:${port} (context kind-gone): connection refused`, hint: expect.stringContaining('cluster-info') });
    expect(byId(checks, 'kubernetes.capacity')).toMatchObject({ status: 'warn', detail: expect.stringMatching(/^capacity unknown: cannot reach /) });
    for (const id of ['kubernetes.storageclass', 'kubernetes.ingress', 'kubernetes.cert-manager', 'kubernetes.rbac']) expect(byId(checks, id)).toMatchObject({ status: 'warn', detail: expect.stringContaining('connection refused') });
    // Without a version the wizard does not count the context as reachable.
    expect(mergeFacts(results).kubernetes.serverVersion).toBeUndefined();
  });

  it('no kubeconfig: the context check fails with what to do, the rest skip', async () => {
    const results = await runProbes(kubernetesProbes({ env: { KUBECONFIG: '/nonexistent/kubeconfig' } }), { timeoutMs: 5000 });
    const checks = results.flatMap((r) => r.checks);
    expect(byId(checks, 'kubernetes.context')).toMatchObject({ status: 'fail', detail: expect.stringContaining('/nonexistent/kubeconfig') });
    expect(checks.filter((c) => c.id !== 'kubernetes.context').every((c) => c.status === 'skip')).toBe(true);
  });
});
