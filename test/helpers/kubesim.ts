// For tests that talk to a kubesim directly: a simulator and a KubeClient on it for one describe
// block, and faults that hold only while a piece of a test runs.
import { afterAll, beforeAll } from 'vitest';
import { KubeClient, type KubeClientOptions } from '../../src/kube/client.js';
import { startKubesim, type Kubesim, type KubesimOptions } from '../kubesim/server.js';

export interface KubesimWithClient {
  sim: Kubesim;
  kube: KubeClient;
}

/**
 * A kubesim and a KubeClient on its kubeconfig for the enclosing describe block: started before its
 * first test, closed after its last. The fields are set once started, so read them only inside
 * tests and hooks.
 */
export function useKubesimWithClient(opts: { sim?: KubesimOptions; client?: Omit<KubeClientOptions, 'kubeconfig' | 'env'> } = {}): KubesimWithClient {
  const cluster = {} as KubesimWithClient;
  beforeAll(async () => {
    cluster.sim = await startKubesim(opts.sim);
    cluster.kube = KubeClient.fromKubeconfig({ kubeconfig: cluster.sim.kubeconfigPath, env: {}, ...opts.client });
  });
  afterAll(async () => {
    cluster.kube?.close();
    await cluster.sim?.close();
  });
  return cluster;
}

/** Runs `body` with the kubesim faults set, then clears every fault, whether `body` passed or threw. */
export async function withFaults<T>(sim: Pick<Kubesim, 'setFault' | 'clearFaults'>, faults: string[], body: () => Promise<T>): Promise<T> {
  for (const fault of faults) sim.setFault(fault);
  try {
    return await body();
  } finally {
    sim.clearFaults();
  }
}
