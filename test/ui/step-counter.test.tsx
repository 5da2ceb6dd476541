// The step counter on each question ("n/total"): it counts the questions that apply to the
// answers so far, open choices taking their defaults (src/ui/flow.ts progressOf), so it moves by
// one per Enter and its total does not jump as each choice is made.
import { vi } from 'vitest';

vi.hoisted(() => {
  process.env.CI = 'false';
});

import { describe, expect, it } from 'vitest';
import type { WizardFact } from '../../src/ui/ports.js';
import { cleanupAfterEach, fakeProbes, KEY, startWizard, type ScriptStep, type Session } from './harness.js';

const { tempDir, sessions } = cleanupAfterEach();

const KUBE: WizardFact = { kind: 'kube-context', context: 'kind-dev', platform: 'other', reachable: true };

/** Plays the script and returns the counter shown on each question screen, in order. */
async function counters(s: Session, script: ScriptStep[]): Promise<[number, number][]> {
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
      { on: 'What is already there' },
      { on: 'Where does the cluster run?' },
      { on: 'Which kubeconfig context' },
      { on: 'Namespace for Bucketeer' },
      { on: 'Where does MySQL 8 live?' },
      { on: 'Where should the MySQL password come from?' },
      { on: 'Where does Redis' },
      { on: 'Which ordering should messaging be set up for?' },
      { on: 'Number of stream partitions' },
      { on: 'Expected events per second' },
      { on: 'Where should experiment events' },
      { on: 'Host name of the admin console', type: 'bucketeer.example.com' },
      { on: 'Host name SDKs call' },
      { on: 'TLS for both hosts' },
      { on: 'How will people sign in' },
      { on: 'Demo sign-in email', type: 'admin@example.com' },
      { on: 'Where should the demo sign-in password come from?' },
      { on: 'Type the demo sign-in password' },
      { on: 'Name of the first organization' },
      { on: 'default: the demo sign-in email' },
      { on: 'How big?' },
    ]);
    // Every default taken: the total is known from the first question and never changes.
    expect(seen.map(([n]) => n)).toEqual(seen.map((_, i) => i + 1));
    expect(seen.map(([, total]) => total)).toEqual(seen.map(() => seen.length));
  });
});
