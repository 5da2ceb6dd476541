// Transient API errors: the installer's Kubernetes client retries 429, 503 and connection resets
// with backoff and Retry-After, within the request's timeout, using kubesim's api/fail faults.
import { describe, expect, it } from 'vitest';
import { isAlreadyExists, KubeApiError, KubeClient, resourcePath, retryDelayMs } from '../../src/kube/client.js';
import type { Secret } from '../../src/kube/types.js';
import { useKubesimWithClient, withFaults } from '../helpers/kubesim.js';

describe('transient API errors', () => {
  const cluster = useKubesimWithClient({ sim: { tickMs: 1000 }, client: { timeoutMs: 15_000 } });

  const statuses = (from: number, path: string) => cluster.sim.requests.slice(from).filter((r) => r.url.startsWith(path)).map((r) => r.status);

  it('503 three times, then the GET succeeds (exponential backoff, no Retry-After)', async () => {
    const from = cluster.sim.requests.length;
    cluster.sim.setFault('api/fail=503:3:/api/v1/namespaces/default');
    const started = Date.now();
    expect((await cluster.kube.get(resourcePath('Namespace', undefined, 'default')))?.metadata.name).toBe('default');
    expect(statuses(from, '/api/v1/namespaces/default')).toEqual([503, 503, 503, 200]);
    expect(Date.now() - started).toBeGreaterThanOrEqual(0.8 * (200 + 400 + 800));
  });

  it('429 with Retry-After: 1 waits the second it asks for', async () => {
    const from = cluster.sim.requests.length;
    cluster.sim.setFault('api/fail=429:2:/api/v1/namespaces/kube-system');
    const started = Date.now();
    await cluster.kube.get(resourcePath('Namespace', undefined, 'kube-system'));
    expect(Date.now() - started).toBeGreaterThanOrEqual(2_000);
    expect(statuses(from, '/api/v1/namespaces/kube-system')).toEqual([429, 429, 200]);
  });

  it('a reset connection is retried: the apply (idempotent) goes through', async () => {
    const from = cluster.sim.requests.length;
    cluster.sim.setFault('api/fail=reset:2:/api/v1/namespaces/default/configmaps');
    await cluster.kube.apply(resourcePath('ConfigMap', 'default', 'after-reset'), { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'after-reset', namespace: 'default' }, data: { a: '1' } });
    expect(cluster.sim.objects.get('configmap', 'default', 'after-reset')?.data).toEqual({ a: '1' });
    expect(cluster.sim.requests.slice(from).filter((r) => r.method === 'PATCH' && r.url.startsWith('/api/v1/namespaces/default/configmaps/after-reset'))).toHaveLength(3);
  });

  it('a create whose reply was lost: the retry answers AlreadyExists, and the object is the one sent', async () => {
    cluster.sim.setFault('api/fail=reset-after:1:/api/v1/namespaces/default/secrets');
    const secret = { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'lost-reply', namespace: 'default' }, stringData: { k: 'v' } };
    const err = await cluster.kube.create<Secret>(resourcePath('Secret', 'default'), secret).then(() => undefined, (e: unknown) => e);
    // Every caller of create treats AlreadyExists as "it exists: keep it" (src/install/steps.ts).
    expect(isAlreadyExists(err)).toBe(true);
    expect(cluster.sim.objects.list('secret', 'default').filter((s) => s.metadata.name === 'lost-reply')).toHaveLength(1);
  });

  it("retries stop at the request's timeout: the 429 is reported, in time", async () => {
    const short = KubeClient.fromKubeconfig({ kubeconfig: cluster.sim.kubeconfigPath, env: {}, timeoutMs: 2_500 });
    cluster.sim.setFault('api/fail=429:100:/api/v1/namespaces/kube-public');
    const started = Date.now();
    try {
      const err = await short.get(resourcePath('Namespace', undefined, 'kube-public')).then(() => undefined, (e: unknown) => e);
      expect(err).toBeInstanceOf(KubeApiError);
      expect((err as KubeApiError).status).toBe(429);
      expect(Date.now() - started).toBeLessThan(3_500);
    } finally {
      short.close();
      cluster.sim.clearFaults();
    }
  });

  it('at most five attempts', async () => {
    const from = cluster.sim.requests.length;
    await withFaults(cluster.sim, ['api/fail=503:10:/api/v1/namespaces/kube-node-lease'], async () => {
      await expect(cluster.kube.get(resourcePath('Namespace', undefined, 'kube-node-lease'))).rejects.toMatchObject({ status: 503 });
      expect(statuses(from, '/api/v1/namespaces/kube-node-lease')).toEqual([503, 503, 503, 503, 503]);
    });
  });

  it("a service proxied through the API server answers for itself: its 503 is not retried", async () => {
    const from = cluster.sim.requests.length;
    await withFaults(cluster.sim, ['api/fail=503:3:/api/v1/namespaces/default/services'], async () => {
      const res = await cluster.kube.proxyGet('default', 'web', 80, '/health');
      expect(res.status).toBe(503);
      expect(statuses(from, '/api/v1/namespaces/default/services')).toEqual([503]);
    });
  });

  it('Retry-After in seconds wins over the backoff', () => {
    expect(retryDelayMs(1, '3')).toBe(3_000);
    expect(retryDelayMs(4)).toBeGreaterThanOrEqual(0.8 * 1_600);
    expect(retryDelayMs(9)).toBeLessThanOrEqual(1.2 * 3_200);
  });
});
