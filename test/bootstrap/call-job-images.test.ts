// The bootstrap/smoke call Jobs are the installer's own pods: images.registry and
// images.pullSecrets reach them like the prepare Jobs and the in-cluster servers.
import { describe, expect, it } from 'vitest';
import { CALL_IMAGE, jobTransport } from '../../src/bootstrap/job-transport.js';
import { withImagePolicy } from '../../src/plan/images.js';
import type { KubeClient } from '../../src/kube/client.js';
import type { Answers } from '../../src/answers/schema.js';

function capture() {
  const applied: unknown[] = [];
  // Only apply is reached: the stub refuses it after recording, so the call ends there.
  const kube = { apply: async (_path: string, obj: unknown) => { applied.push(obj); throw new Error('stub: no cluster'); } } as unknown as KubeClient;
  return { kube, applied };
}

const call = { route: { gateway: 'web', method: 'GET', path: '/v1/x' }, authSecret: { name: 's', key: 'token', scheme: 'bearer' }, timeoutMs: 1000 } as never;

describe('call Jobs and images.*', () => {
  it('moves the curl image to the mirror and adds the pull secrets', async () => {
    const { kube, applied } = capture();
    const answers = { images: { registry: 'mirror.example.internal/bkt', pullSecrets: ['regcred'] } } as unknown as Answers;
    const t = jobTransport(kube, 'ns1', { release: 'bucketeer', serviceCertSecret: 'cert', imagePolicy: (job) => withImagePolicy(job as never, answers) });
    await t.call(call).catch(() => undefined);
    const spec = (applied[0] as { spec: { template: { spec: { containers: { image: string }[]; imagePullSecrets?: { name: string }[] } } } }).spec.template.spec;
    expect(spec.containers[0].image).toBe(`mirror.example.internal/bkt/${CALL_IMAGE}`);
    expect(spec.imagePullSecrets).toEqual([{ name: 'regcred' }]);
  });

  it('without images.* the Job runs the public image', async () => {
    const { kube, applied } = capture();
    const t = jobTransport(kube, 'ns1', { release: 'bucketeer', serviceCertSecret: 'cert', imagePolicy: (job) => withImagePolicy(job as never, {} as Answers) });
    await t.call(call).catch(() => undefined);
    const spec = (applied[0] as { spec: { template: { spec: { containers: { image: string }[]; imagePullSecrets?: unknown } } } }).spec.template.spec;
    expect(spec.containers[0].image).toBe(CALL_IMAGE);
    expect(spec.imagePullSecrets).toBeUndefined();
  });
});
