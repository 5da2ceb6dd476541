// Chart references as helm takes them, through render with the real helm: `repo/chart` of a helm
// repository (added with `helm repo add`, served here from a local folder over HTTP) with
// --chart-version, a packaged .tgz, and a folder that shadows a `repo/chart` name as it does in helm.
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { execFile, execFileSync } from 'node:child_process';
import { promisify } from 'node:util';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chartArgs, chartRefKind } from '../src/helm/binary.js';
import { runCli } from './helpers/cli.js';
import { helmBin, repoRoot } from './helpers/tools.js';

const helm = helmBin();
if (!helm) console.warn('SKIP chart reference tests: helm binary not found (.tools/helm/helm or HELM_BIN)');

const fixtureChart = join(repoRoot, 'test/fixtures/chart');
const answers = join(repoRoot, 'examples/answers/in-cluster.yaml');

/** A copy of the fixture chart at another version. */
function chartAt(dir: string, version: string): string {
  const target = join(dir, `bucketeer-${version}`, 'bucketeer');
  cpSync(fixtureChart, target, { recursive: true });
  const meta = join(target, 'Chart.yaml');
  writeFileSync(meta, readFileSync(meta, 'utf8').replace(/^version: .*$/m, `version: ${version}`));
  return target;
}

describe('chart reference kinds', () => {
  it('oci:// and repo/chart take --version; folders, .tgz and URLs do not', () => {
    expect(chartArgs('oci://ghcr.io/bucketeer-io/chart/bucketeer', 'v2.3.0')).toEqual(['oci://ghcr.io/bucketeer-io/chart/bucketeer', '--version', 'v2.3.0']);
    expect(chartRefKind('bucketeer/bucketeer')).toBe('repo');
    expect(chartArgs('bucketeer/bucketeer', '2.4.0')).toEqual(['bucketeer/bucketeer', '--version', '2.4.0']);
    expect(chartRefKind('./chart')).toBe('local');
    expect(chartRefKind(fixtureChart)).toBe('local');
    expect(chartRefKind('charts/bucketeer-2.3.0.tgz')).toBe('local');
    expect(chartRefKind('https://example.com/charts/bucketeer-2.3.0.tgz')).toBe('url');
    expect(chartArgs('https://example.com/charts/bucketeer-2.3.0.tgz', '2.3.0')).toEqual(['https://example.com/charts/bucketeer-2.3.0.tgz']);
    expect(chartRefKind('a/b/c')).toBe('local');
    // An existing folder wins over the repo/chart reading, as in helm.
    expect(chartRefKind('test/fixtures')).toBe(process.cwd() === repoRoot ? 'local' : 'repo');
  });
});

describe.skipIf(!helm)('render --chart with each kind of reference (real helm)', () => {
  let dir: string;
  let server: http.Server;
  let helmEnv: Record<string, string>;
  let tgz24: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'chart-refs-'));
    const repoDir = join(dir, 'repo');
    mkdirSync(repoDir);
    for (const v of ['2.3.0', '2.4.0']) execFileSync(helm!, ['package', chartAt(dir, v), '--destination', repoDir], { stdio: 'pipe' });
    tgz24 = join(repoDir, 'bucketeer-2.4.0.tgz');
    server = http.createServer((req, res) => {
      try {
        const body = readFileSync(join(repoDir, basename(new URL(req.url ?? '/', 'http://x').pathname)));
        res.writeHead(200, { 'Content-Type': req.url?.endsWith('.yaml') ? 'application/x-yaml' : 'application/gzip' });
        res.end(body);
      } catch {
        res.writeHead(404).end();
      }
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    execFileSync(helm!, ['repo', 'index', repoDir, '--url', url], { stdio: 'pipe' });
    helmEnv = {
      HELM_BIN: helm!,
      HELM_REPOSITORY_CONFIG: join(dir, 'helm', 'repositories.yaml'),
      HELM_REPOSITORY_CACHE: join(dir, 'helm', 'cache', 'repository'),
      HELM_CACHE_HOME: join(dir, 'helm', 'cache'),
      HELM_CONFIG_HOME: join(dir, 'helm', 'config'),
      HELM_DATA_HOME: join(dir, 'helm', 'data'),
    };
    // Not execFileSync: the repository is served from this process, whose event loop must run.
    await promisify(execFile)(helm!, ['repo', 'add', 'testrepo', url], { env: { ...process.env, ...helmEnv }, timeout: 60_000 });
  });
  afterAll(async () => {
    await new Promise((r) => server?.close(r));
    rmSync(dir, { recursive: true, force: true });
  });

  async function render(chart: string, extra: string[] = [], cwd = dir): Promise<string> {
    const out = mkdtempSync(join(dir, 'out-'));
    rmSync(out, { recursive: true });
    const r = await runCli(['render', '--answers', answers, '--chart', chart, '--output-dir', out, ...extra], { env: helmEnv, cwd });
    expect(r.code, r.stderr).toBe(0);
    return readFileSync(join(out, 'manifests.yaml'), 'utf8');
  }

  it('repo/chart with --chart-version renders that version from the repository', async () => {
    expect(await render('testrepo/bucketeer', ['--chart-version', '2.4.0'])).toContain('helm.sh/chart: "bucketeer-2.4.0"');
    expect(await render('testrepo/bucketeer', ['--chart-version', '2.3.0'])).toContain('helm.sh/chart: "bucketeer-2.3.0"');
  });

  it('a repo/chart version the repository lacks: exit non-zero naming the chart', async () => {
    const r = await runCli(['render', '--answers', answers, '--chart', 'testrepo/bucketeer', '--chart-version', '9.9.9', '--output-dir', join(dir, 'out-missing')], { env: helmEnv, cwd: dir });
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/testrepo\/bucketeer/);
    expect(r.stderr).toMatch(/9\.9\.9/);
  });

  it('a .tgz is rendered as it is (its own version, --chart-version not passed to helm)', async () => {
    expect(await render(tgz24, ['--chart-version', '2.3.0'])).toContain('helm.sh/chart: "bucketeer-2.4.0"');
  });

  it('a folder named like repo/chart in the working folder is the chart, as in helm', async () => {
    const cwd = join(dir, 'work');
    const local = join(cwd, 'testrepo', 'bucketeer');
    cpSync(chartAt(join(dir, 'shadow'), '2.5.0'), local, { recursive: true });
    expect(await render('testrepo/bucketeer', ['--chart-version', '2.4.0'], cwd)).toContain('helm.sh/chart: "bucketeer-2.5.0"');
  });
});
