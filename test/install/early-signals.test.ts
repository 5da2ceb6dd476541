// A signal in the first moments of `install --answers`, before the command installs its own
// Ctrl-C/SIGTERM handling (while the CLI bundle loads and the answers are read): the bin entry's
// handler stops the run with the shell's exit code and one line, never a death by signal, and
// nothing is created. Later delays reach the command's own handler: the same exit code, nothing
// created either (the preflight has not finished).
import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { repoRoot } from '../helpers/tools.js';
import { helm, installArgs, startCli, useHarness } from './helpers.js';

const ready = ['--require', join(repoRoot, 'test/helpers/signal-ready.cjs')];

describe.skipIf(!helm)('a signal before install installs its handler', () => {
  const h = useHarness();

  async function signalAfter(ns: string, sig: NodeJS.Signals, delayMs: number) {
    const cli = startCli(installArgs(h, { namespace: ns }), h.env, 60_000, ready);
    await cli.waitForLine(/^signal-ready$/);
    if (delayMs) await new Promise((r) => setTimeout(r, delayMs));
    cli.kill(sig);
    return cli.done;
  }

  it('SIGTERM as soon as the entry runs: exit 143, one line, no namespace', async () => {
    const r = await signalAfter('early-term-0', 'SIGTERM', 0);
    expect(r.code).toBe(143);
    expect(r.stderr).toBe('SIGTERM received: interrupted before anything changed\n');
    expect(h.sim.objects.get('namespace', undefined, 'early-term-0')).toBeUndefined();
  });

  it('SIGINT as soon as the entry runs: exit 130, one line', async () => {
    const r = await signalAfter('early-int-0', 'SIGINT', 0);
    expect(r.code).toBe(130);
    expect(r.stderr).toBe('SIGINT received: interrupted before anything changed\n');
    expect(h.sim.objects.get('namespace', undefined, 'early-int-0')).toBeUndefined();
  });

  it.each([5, 20, 50, 100, 200, 400])('SIGTERM %i ms later: exit 143, never a death by signal, no namespace', async (delayMs) => {
    const ns = `early-term-${delayMs}`;
    const r = await signalAfter(ns, 'SIGTERM', delayMs);
    expect(r.code, r.stderr).toBe(143);
    // Either handler may have caught it, depending on how far the run got; both say nothing changed.
    expect(r.stderr).toMatch(/SIGTERM received: interrupted before anything changed|nothing was changed/);
    expect(r.stderr).not.toMatch(/applied so far/);
    expect(h.sim.objects.get('namespace', undefined, ns)).toBeUndefined();
  });
});
