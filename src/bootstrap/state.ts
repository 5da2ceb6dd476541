// What bootstrap and the smoke test leave in the install context for the closing summary.
import type { Check } from '../checks/types.js';
import type { BootstrapResult } from './bootstrap.js';

export interface BootstrapState {
  result?: BootstrapResult;
  /** Why bootstrap or the smoke test could not reach Bucketeer (a warning, not a failure). */
  unreachable?: string;
  smoke?: Check[];
}
