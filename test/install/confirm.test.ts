// install on a terminal without --yes: the plan summary, then "Continue? [y/N]". Anything but y
// changes nothing (exit 2); Ctrl-C at the prompt exits 130 and changes nothing, SIGTERM 143; y installs.
// upgrade asks the same way after its diff (on stderr with -o json, whose stdout is one document).
import { afterEach, describe, expect, it } from 'vitest';
import { startTerm, stopTerms, TMUX, type Term } from '../helpers/terminal.js';
import { fixtureChart, helm, helmHistory, installArgs, runInstall, useHarness } from './helpers.js';

afterEach(stopTerms);

describe.skipIf(!helm || !TMUX)('install asks before changing the cluster (real terminal)', () => {
  const h = useHarness();

  const withoutYes = (ns: string) => installArgs(h, { namespace: ns }).filter((a) => a !== '--yes');
  const env = () => ({ ...h.env, PATH: process.env.PATH ?? '' }) as NodeJS.ProcessEnv;

  // Every way of declining at the prompt ends the run without touching the cluster, and leaves the
  // terminal as it was (icanon back on).
  const declines: { name: string; ns: string; decline: (t: Term) => void; exitCode: number; says: string[] }[] = [
    {
      name: 'n: exit 2, nothing created',
      ns: 'confirm-no',
      decline: (t) => t.keys('n', 'Enter'),
      exitCode: 2,
      says: ['install cancelled; nothing was changed'],
    },
    {
      name: 'Ctrl-C at the prompt: exit 130, nothing created, the terminal restored',
      ns: 'confirm-ctrl-c',
      decline: (t) => t.keys('C-c'),
      exitCode: 130,
      says: ['Error: cancelled at the prompt; nothing was changed'],
    },
    {
      name: 'SIGTERM at the prompt: it stops waiting, exit 143, nothing created, the terminal restored',
      ns: 'confirm-sigterm',
      decline: (t) => t.signal('SIGTERM'),
      exitCode: 143,
      says: ['SIGTERM received: stopping', 'cancelled at the prompt; nothing was changed'],
    },
  ];
  it.each(declines)('$name', async ({ ns, decline, exitCode, says }) => {
    const t = startTerm({ args: withoutYes(ns), env: env() });
    const screen = await t.waitFor('Continue? [y/N]');
    expect(screen).toContain('About to install Bucketeer:');
    expect(screen).toMatch(new RegExp(`namespace\\s+${ns} \\(will be created\\)`));
    decline(t);
    expect(await t.exitCode()).toBe(exitCode);
    for (const text of says) expect(t.capture()).toContain(text);
    expect(h.sim.objects.get('namespace', undefined, ns)).toBeUndefined();
    expect(t.sttyAfter()).toMatch(/(^|\s)icanon(\s|$)/m);
  });

  it('y: installs', async () => {
    const ns = 'confirm-yes';
    const t = startTerm({ args: withoutYes(ns), env: env() });
    await t.waitFor('Continue? [y/N]');
    t.keys('y', 'Enter');
    expect(await t.exitCode()).toBe(0);
    expect(h.sim.objects.get('deployment', ns, 'web')).toBeDefined();
  });

  it('uninstall: SIGTERM at "Uninstall? [y/N]" exits 143 and leaves the release as it was', async () => {
    const ns = 'confirm-uninstall-sigterm';
    expect((await runInstall(h, { namespace: ns })).code).toBe(0);
    const t = startTerm({ args: ['uninstall', '--kube-context', 'kubesim', '--kubeconfig', h.sim.kubeconfigPath, '--namespace', ns, '--timeout', '30s'], env: env() });
    await t.waitFor('Uninstall? [y/N]');
    t.signal('SIGTERM');
    expect(await t.exitCode()).toBe(143);
    expect(t.capture()).toContain('uninstall interrupted');
    expect((await helmHistory(h, ns))?.at(-1)?.status).toBe('deployed');
  });

  it('upgrade: the diff, then "Apply this upgrade? [y/N]"; n leaves the release as it was', async () => {
    const ns = 'confirm-upgrade';
    expect((await runInstall(h, { namespace: ns })).code).toBe(0);
    const args = ['upgrade', '--chart', fixtureChart, '--chart-version', 'v2.3.0', '--kube-context', 'kubesim', '--kubeconfig', h.sim.kubeconfigPath, '--namespace', ns, '--timeout', '30s'];
    const t = startTerm({ args, env: env() });
    await t.waitFor('Apply this upgrade? [y/N]');
    t.keys('n', 'Enter');
    expect(await t.exitCode()).toBe(2);
    expect(t.capture()).toContain('upgrade cancelled; nothing was changed');
    expect((await helmHistory(h, ns))?.map((r) => r.revision)).toEqual([1]);

    // -o json keeps stdout for its one document: the diff asked about is shown as text first.
    const json = startTerm({ args: [...args, '-o', 'json'], env: env() });
    const screen = await json.waitFor('Apply this upgrade? [y/N]');
    expect(screen).toContain(`Upgrade of release bucketeer in namespace ${ns}`);
    expect(screen).toMatch(/Values \(\d+ changes?; secrets masked\)/);
    json.keys('n', 'Enter');
    expect(await json.exitCode()).toBe(2);
    // The end of the document (the screen holds its last lines): the error, then the plan.
    expect(json.capture()).toContain('"message": "upgrade cancelled; nothing was changed"');
    expect(json.capture()).toContain('"fromRevision": 1');
    expect((await helmHistory(h, ns))?.map((r) => r.revision)).toEqual([1]);
  });
});
