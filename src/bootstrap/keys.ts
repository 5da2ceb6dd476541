// The SDK keys' only home: Secret `<release>-sdk-keys` in the release namespace.
import { resourcePath, type KubeClient } from '../kube/client.js';
import type { Secret } from '../kube/types.js';
import { installerLabels } from '../plan/ownership.js';
import type { KeyStore } from './bootstrap.js';

export function secretKeyStore(kube: KubeClient, namespace: string, name: string, release: string, signal?: AbortSignal): KeyStore {
  const path = resourcePath('Secret', namespace, name);
  return {
    async read() {
      const s = await kube.get<Secret>(path, { signal });
      return Object.fromEntries(Object.entries(s?.data ?? {}).map(([k, v]) => [k, Buffer.from(v, 'base64').toString('utf8')]));
    },
    async write(keys) {
      await kube.apply(path, {
        apiVersion: 'v1',
        kind: 'Secret',
        metadata: { name, namespace, labels: installerLabels(release), annotations: { 'bucketeer.io/description': 'Bucketeer SDK API keys, one per environment and role (<environment>-client, <environment>-server)' } },
        type: 'Opaque',
        data: Object.fromEntries(Object.entries(keys).map(([k, v]) => [k, Buffer.from(v, 'utf8').toString('base64')])),
      } as Secret, { signal });
    },
  };
}
