// The step counter on each question ("n/total"): it counts the questions that apply to the
// answers so far, open choices taking their defaults (src/ui/flow.ts progressOf), so it moves by
// one per Enter and its total does not jump as each choice is made.
import { vi } from 'vitest';

vi.hoisted(() => {
  process.env.CI = 'false';
});

import { describe, expect, it } from 'vitest';
import type { WizardFact } from '../../src/ui/ports.js';
import { cleanupAfterEach, DEMO_ORGANIZATION, DEMO_SIGN_IN, fakeProbes, HOSTS, IN_CLUSTER_TO_INGRESS, KEY, startWizard, type ScriptStep, type Session } from './harness.js';

const { tempDir, sessions } = cleanupAfterEach();

const KUBE: WizardFact = { kind: 'kube-context', context: 'kind-dev', platform: 'other', reachable: true };

/** Plays the script and returns the counter shown on each question screen, in order. */
async function counters(s: Session, script: readonly ScriptStep[]): Promise<[number, number][]> {
  const seen: [number, number][] = [];
  for (const step of script) {
    await s.waitFor(step.on);
    const m = /(\d+)\/(\d+)\s*$/m.exec(s.frame().split('\n').find((l) => /\d+\/\d+\s*$/.test(l)) ?? '');
    if (m) seen.push([Number(m[1]), Number(m[2])]);
    if (step.type !== undefined) await s.type(step.type, step.shown);
    s.write(step.key ?? KEY.enter);
  }
  return seen;
}

describe('step counter', () => {
  it('moves by one per answered question on the in-cluster path, against a total that stays put', async () => {
    const s = startWizard({ probes: fakeProbes([KUBE]), cwd: tempDir(), env: {} });
    sessions.push(s);
    const seen = await counters(s, [
      ...IN_CLUSTER_TO_INGRESS,
      ...HOSTS,
      { on: 'How will people sign in' },
      ...DEMO_SIGN_IN,
      { on: 'Type the demo sign-in password' },
      ...DEMO_ORGANIZATION,
      { on: 'How big?' },
    ]);
    // Every default taken: the total is known from the first question and never changes.
    expect(seen.map(([n]) => n)).toEqual(seen.map((_, i) => i + 1));
    expect(seen.map(([, total]) => total)).toEqual(seen.map(() => seen.length));
  });
});
