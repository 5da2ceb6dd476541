// Any other Kubernetes: no cloud to probe; MySQL and Redis go in the cluster unless pointed elsewhere.
import type { Platform } from './types.js';

export const other: Platform<'other', undefined> = {
  id: 'other',
  choice: { label: 'Any other Kubernetes', hint: 'MySQL and Redis in the cluster or anywhere you point to' },
  googleServices: false,
  middlewareInCluster: true,
  answersBlock: undefined,
  hints: {},
  summary: () => 'any Kubernetes',
};
