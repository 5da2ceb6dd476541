// The acceptance command, verbatim, against kubesim run as its own process (what
// `npm run kubesim -- --kubeconfig FILE` starts), with KUBECONFIG pointing at it.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { repoRoot } from '../helpers/tools.js';
import { SECRET_ENV, helm, startCli } from './helpers.js';

async function startSimProcess(kubeconfig: string, faults: string[]): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', join(repoRoot, 'test', 'kubesim', 'cli.ts'), '--kubeconfig', kubeconfig, ...faults.flatMap((f) => ['--fault', f])], { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] });
  await new Promise<void>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (d) => {
      out += d;
      if (out.includes('ready')) resolve();
    });
    child.on('exit', (code) => reject(new Error(`kubesim exited ${code} before ready`)));
  });
  return child;
}

describe.skipIf(!helm)('install: acceptance command against the kubesim process', () => {
  let dir: string;
  const sims: ChildProcess[] = [];
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'install-accept-'));
  });
  afterAll(async () => {
    for (const s of sims) {
      s.kill('SIGTERM');
      await new Promise((r) => (s.exitCode !== null ? r(undefined) : s.once('exit', r)));
    }
    rmSync(dir, { recursive: true, force: true });
  });

  const accept = (ns: string, timeout: string) => [
    'install', '--answers', 'examples/answers/in-cluster.yaml', '--yes', '--chart', 'test/fixtures/chart', '--kube-context', 'kubesim', '--namespace', ns, '--timeout', timeout,
  ];
  const env = (name: string) => ({
    KUBECONFIG: join(dir, `${name}.kubeconfig`),
    KUBECACHEDIR: join(dir, `${name}-kube-cache`),
    HELM_CACHE_HOME: join(dir, 'helm-cache'),
    HELM_CONFIG_HOME: join(dir, 'helm-config'),
    HELM_DATA_HOME: join(dir, 'helm-data'),
    HELM_BIN: helm,
    ...SECRET_ENV,
  });

  it('exits 0 on a healthy simulator, and 1 naming web with --fault deployment/web=never-ready', async () => {
    sims.push(await startSimProcess(join(dir, 'ok.kubeconfig'), []));
    const ok = await startCli(accept('accept', '120s'), env('ok'), 120_000).done;
    expect(ok.stderr).not.toMatch(/^Error/m);
    expect(ok.code).toBe(0);
    // The in-cluster example's demo sign-in is the one warning (its password is public).
    expect(ok.stdout).toMatch(/Status: warn \(\d+ pass, 1 warn, 0 fail/);

    sims.push(await startSimProcess(join(dir, 'fault.kubeconfig'), ['deployment/web=never-ready']));
    // A shorter --timeout than the 120s keeps the suite fast; the path is the same.
    const bad = await startCli(accept('accept', '8s'), env('fault'), 120_000).done;
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/Error: deployment\/web: /);
  }, 120_000);
});
