// `version`: this tool's version, helm's, and the deployed release's chart and app version from
// kubesim with the real helm; an unreachable cluster or a missing helm is a null field with its
// reason, exit 0.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { fixtureChart, helm, runInstall, startCli, useHarness } from './install/helpers.js';
import { runCli } from './helpers/cli.js';
import { repoRoot } from './helpers/tools.js';

const pkg = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as { version: string };

describe('version', () => {
  it('unreachable cluster and no helm: null fields with reasons, exit 0', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'version-test-'));
    const kubeconfig = join(dir, 'version-test-kubeconfig.yaml');
    writeFileSync(kubeconfig, 'apiVersion: v1\nkind: Config\nclusters: [{name: c, cluster: {server: "https://127.0.0.1:1"}}]\nusers: [{name: u, user: {token: x}}]\ncontexts: [{name: gone, context: {cluster: c, user: u}}]\ncurrent-context: gone\n');
    const r = await runCli(['version', '-o', 'json', '--kubeconfig', kubeconfig, '--timeout', '2s'], { env: { PATH: '/nonexistent' } });
    expect(r.code, r.stderr).toBe(0);
    const v = JSON.parse(r.stdout);
    expect(v.bucketeerInstall).toBe(pkg.version);
    expect(v.helm).toBeNull();
    expect(v.reasons.helm).toContain('helm is not on PATH');
    expect(v.kubernetes).toBeNull();
    expect(v.reasons.kubernetes).toMatch(/127\.0\.0\.1:1|refused|reach/i);
    expect(v.release).toBeNull();
    expect(v.reasons.release).toBe('the cluster is not reachable');

    const t = await runCli(['version', '--kubeconfig', kubeconfig, '--timeout', '2s'], { env: { PATH: '/nonexistent' } });
    expect(t.code).toBe(0);
    expect(t.stdout).toMatch(new RegExp(`^bucketeer-install +${pkg.version.replace(/\./g, '\\.')}\nhelm +unknown: helm is not on PATH`));
  });

  describe.skipIf(!helm)('with a cluster', () => {
    const h = useHarness();

    it("prints helm's version and the deployed release's chart and app version", async () => {
      const ns = 'ver';
      const args = ['version', '-o', 'json', '--context', 'kubesim', '--kubeconfig', h.sim.kubeconfigPath, '-n', ns];
      const before = JSON.parse((await startCli(args, h.env).done).stdout);
      expect(before.kubernetes).toMatchObject({ context: 'kubesim', version: expect.stringMatching(/^v1\.\d+/) });
      expect(before.release).toBeNull();
      expect(before.reasons.release).toBe(`no release bucketeer in namespace ${ns}`);

      const i = await runInstall(h, { namespace: ns });
      expect(i.code, i.stderr).toBe(0);
      const r = await startCli(args, h.env).done;
      expect(r.code, r.stderr).toBe(0);
      const v = JSON.parse(r.stdout);
      const chart = parse(readFileSync(join(fixtureChart, 'Chart.yaml'), 'utf8')) as { version: string; appVersion: string };
      expect(v.helm.version).toMatch(/^v\d+\.\d+\.\d+/);
      expect(v.release).toMatchObject({ name: 'bucketeer', namespace: ns, revision: 1, status: 'deployed', chartVersion: chart.version, appVersion: String(chart.appVersion) });
      expect(v.reasons).toEqual({});
    });
  });
});
