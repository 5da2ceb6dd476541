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

  const later = [5, 20, 50, 100, 200, 400, 800].flatMap((ms) => [
    { sig: 'SIGTERM' as const, ms, code: 143 },
    { sig: 'SIGINT' as const, ms, code: 130 },
  ]);
  it.each(later)('$sig $ms ms later: exit $code, never a death by signal; what it says matches what it left', async ({ sig, ms, code }) => {
    const ns = `early-${sig.toLowerCase()}-${ms}`;
    const r = await signalAfter(ns, sig, ms);
    expect(r.code, r.stderr).toBe(code);
    // Either handler may have caught it, depending on how far the run got (a fast machine is past
    // the preflight within a few hundred ms): the entry's says nothing changed, the command's says
    // it is stopping and lists what it applied, if anything.
    expect(r.stderr, r.stderr).toMatch(new RegExp(`${sig} received: (interrupted before anything changed|stopping)`));
    const namespace = h.sim.objects.get('namespace', undefined, ns);
    if (/applied so far/.test(r.stderr)) expect(r.stderr).toContain(`namespace ${ns} created`);
    else expect(namespace, r.stderr).toBeUndefined();
  });

  // The entry's handler steps aside for the command's: a signal after that is the command's, for
  // both signals (Node stops watching a signal whose last listener is removed, so the hand-over
  // must never leave a signal without one).
  it.each([
    { sig: 'SIGINT' as const, code: 130 },
    { sig: 'SIGTERM' as const, code: 143 },
  ])('$sig once the preflight has started: the command handles it, exit $code', async ({ sig, code }) => {
    const ns = `early-${sig.toLowerCase()}-preflight`;
    const cli = startCli([...installArgs(h, { namespace: ns }), '--output', 'ndjson'], h.env, 60_000);
    await cli.waitForLine(/"type":"step-started","step":"preflight"/);
    cli.kill(sig);
    const r = await cli.done;
    expect(r.code, r.stderr).toBe(code);
    expect(r.stderr).toContain(`${sig} received: stopping`);
    expect(r.stderr).not.toContain('interrupted before anything changed');
    expect(h.sim.objects.get('namespace', undefined, ns)).toBeUndefined();
  });
});
