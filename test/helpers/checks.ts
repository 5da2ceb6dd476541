// Looking up checks by id in a list a probe, preflight or prepare step returned.
import { expect } from 'vitest';
import type { Check } from '../../src/checks/types.js';

/** The check with this id, if the list has one. */
export const byId = (checks: Check[], id: string) => checks.find((c) => c.id === id);

/** The check with this id: the list must have it, and it must have failed. */
export function failedCheck(checks: Check[], id: string): Check {
  const check = byId(checks, id);
  expect(check, `check ${id}`).toBeDefined();
  expect(check!.status, `status of ${id}`).toBe('fail');
  return check!;
}
