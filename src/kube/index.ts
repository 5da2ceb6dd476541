// The cluster adapter: kubeconfig loading and a small typed client (see client.ts).
export { loadKubeconfig, kubeconfigFiles, type ResolvedKubeconfig, type KubeconfigOptions } from './config.js';
export { KubeClient, KubeApiError, isNotFound, isAlreadyExists, isForbidden, resourcePath, pluralOf, DEFAULT_REQUEST_TIMEOUT_MS, type KubeRequest, type KubeResponse } from './client.js';
export * from './types.js';
