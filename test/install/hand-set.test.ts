// install on an existing release keeps the values someone set by hand (`helm upgrade --set ...`),
// as upgrade does: "run the same command again" must not silently drop them.
import { describe, expect, it } from 'vitest';
import { fixtureChart, helm, helmJson, runInstall, useHarness } from './helpers.js';

describe.skipIf(!helm)('install: hand-set values survive a second install', () => {
  const h = useHarness();

  it('a value set with helm upgrade --set is still there after the same install command runs again', async () => {
    const ns = 'hand-set';
    expect((await runInstall(h, { namespace: ns })).code).toBe(0);
    const byHand = await helmJson(h, ['upgrade', 'bucketeer', fixtureChart, '-n', ns, '--reuse-values', '--set', 'web.extraByHand=kept']);
    expect(byHand.code, byHand.stderr).toBe(0);

    const again = await runInstall(h, { namespace: ns });
    expect(again.code, again.stderr).toBe(0);
    expect(again.stderr).toContain('Merge values set outside bucketeer-install');
    const values = await helmJson<{ web?: { extraByHand?: string }; global?: unknown }>(h, ['get', 'values', 'bucketeer', '-n', ns]);
    expect(values.data?.web?.extraByHand).toBe('kept');
    // The installer's own values are still the installer's (the hand-set merge does not replace them).
    expect(values.data?.global).toBeDefined();
    const history = await helmJson<{ revision: number; status: string }[]>(h, ['history', 'bucketeer', '-n', ns]);
    expect(history.data?.at(-1)).toMatchObject({ revision: 3, status: 'deployed' });
  });
});
