// images.registry and images.pullSecrets: `images` lists every image an install runs, and render
// writes them moved, for the chart values and the installer's own manifests. The chart keys are
// those of the upstream v2.3.0 chart (manifests/bucketeer/charts/{api,batch,subscriber,web}/
// values.yaml: image.repository, envoy.image.repository, httpstan.image.repository; the
// deployments take imagePullSecrets from global.image.imagePullSecrets), and its CronJobs
// (charts/batch/templates/cronjob.yaml) hard-code curlimages/curl:8.1.2 with no imagePullSecrets:
// the helm post-renderer moves that image and adds the pull secrets (the fixture chart's
// cronjobs.yaml hard-codes the same image the same way).
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parse, parseAllDocuments, stringify } from 'yaml';
import { runCli } from './helpers/cli.js';
import { helmBin, repoRoot } from './helpers/tools.js';
import { mirrored, splitImage } from '../src/plan/images.js';

const MIRROR = 'mirror.example.internal/bkt';
const dir = mkdtempSync(join(tmpdir(), 'images-test-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function answersWith(images: unknown, name = 'in-cluster'): string {
  const a = parse(readFileSync(join(repoRoot, 'examples', 'answers', `${name}.yaml`), 'utf8'));
  a.images = images;
  const file = join(dir, `${name}-${Math.random().toString(36).slice(2)}.yaml`);
  writeFileSync(file, stringify(a));
  return file;
}

/** Every `image:` value and every pod spec's imagePullSecrets, by the kind of the document holding it. */
function imagesIn(text: string): { kind: string; image?: string; pullSecrets?: unknown }[] {
  const out: { kind: string; image?: string; pullSecrets?: unknown }[] = [];
  for (const d of parseAllDocuments(text)) {
    const doc = d.toJS() as { kind?: string } | null;
    const kind = doc?.kind ?? '?';
    const walk = (n: unknown) => {
      if (Array.isArray(n)) return n.forEach(walk);
      if (!n || typeof n !== 'object') return;
      const o = n as Record<string, unknown>;
      if (Array.isArray(o.containers)) out.push({ kind, pullSecrets: o.imagePullSecrets ?? null });
      if (typeof o.image === 'string') out.push({ kind, image: o.image });
      Object.values(o).forEach(walk);
    };
    walk(doc);
  }
  return out;
}

describe('image references', () => {
  it('moves the path under the mirror and keeps the tag', () => {
    expect(splitImage('ghcr.io/bucketeer-io/bucketeer-api:v2.3.0')).toEqual({ host: 'ghcr.io', path: 'bucketeer-io/bucketeer-api', tag: 'v2.3.0' });
    expect(splitImage('localhost:5000/a/b')).toEqual({ host: 'localhost:5000', path: 'a/b', tag: undefined });
    expect(mirrored('mysql:8.4', MIRROR)).toBe(`${MIRROR}/mysql:8.4`);
    expect(mirrored('envoyproxy/envoy:v1.34.1', `${MIRROR}/`)).toBe(`${MIRROR}/envoyproxy/envoy:v1.34.1`);
    expect(mirrored('ghcr.io/bucketeer-io/bucketeer-web', MIRROR)).toBe(`${MIRROR}/bucketeer-io/bucketeer-web`);
    expect(mirrored('mysql:8.4', undefined)).toBe('mysql:8.4');
  });
});

describe('images command', () => {
  it('without images.*: the upstream references, chart and installer', async () => {
    const r = await runCli(['images', '--answers', join(repoRoot, 'examples', 'answers', 'in-cluster.yaml'), '-o', 'json']);
    expect(r.code, r.stderr).toBe(0);
    const report = JSON.parse(r.stdout) as { images: { image: string; from: string; via: string }[]; notes: string[] };
    const refs = report.images.map((i) => i.image);
    expect(refs).toEqual(expect.arrayContaining(['ghcr.io/bucketeer-io/bucketeer-api:v2.3.0', 'envoyproxy/envoy:v1.34.1', 'ghcr.io/bucketeer-io/bucketeer-httpstan:0.0.1', 'ghcr.io/bucketeer-io/bucketeer-migration:v2.3.0', 'curlimages/curl:8.1.2', 'mysql:8.4', 'redis:7.4']));
    expect(report.notes).toEqual([]);
  });

  it('with images.registry: every image under the mirror, the hard-coded CronJob image marked as moved by the post-renderer', async () => {
    const r = await runCli(['images', '--answers', answersWith({ registry: MIRROR, pullSecrets: ['regcred'] })]);
    expect(r.code, r.stderr).toBe(0);
    const rows = r.stdout.split('\n').filter((l) => /^ {2}\S/.test(l));
    expect(rows.length).toBeGreaterThanOrEqual(16);
    for (const row of rows) expect(row.trim().startsWith(`${MIRROR}/`), row).toBe(true);
    expect(r.stdout).not.toContain('not moved');
    expect(rows.filter((row) => row.includes('(post-renderer)'))).toEqual([expect.stringContaining(`${MIRROR}/curlimages/curl:8.1.2`)]);
    expect(r.stdout).toMatch(/note: curlimages\/curl:8\.1\.2 is hard-coded in the chart .*post-renderer/);

    const json = await runCli(['images', '--answers', answersWith({ registry: MIRROR }), '-o', 'json']);
    const report = JSON.parse(json.stdout) as { images: { image: string; original: string; via: string }[] };
    expect(report.images.find((i) => i.original === 'curlimages/curl:8.1.2')).toMatchObject({ image: `${MIRROR}/curlimages/curl:8.1.2`, via: 'post-renderer' });
    expect(report.images.find((i) => i.original === 'mysql:8.4')).toMatchObject({ via: 'manifests' });
  });

  it('a bad images.registry is exit 2 naming the key', async () => {
    const r = await runCli(['images', '--answers', answersWith({ registry: 'https://mirror' })]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('images.registry');
  });
});

describe('render with images.registry and images.pullSecrets', () => {
  const helm = helmBin();
  it('values, in-cluster servers and prepare Jobs reference only the mirror and carry the pull secret', async () => {
    const out = join(dir, 'render');
    const args = ['render', '--answers', answersWith({ registry: MIRROR, pullSecrets: ['regcred'] }), '--output-dir', out];
    const r = await runCli(helm ? [...args, '--chart', join(repoRoot, 'test', 'fixtures', 'chart')] : args, { env: helm ? { HELM_BIN: helm } : {} });
    expect(r.code, r.stderr).toBe(0);

    const values = parse(readFileSync(join(out, 'values.yaml'), 'utf8'));
    for (const s of ['api', 'batch-server', 'subscriber', 'web']) {
      expect(values[s].image.repository).toBe(`${MIRROR}/bucketeer-io/bucketeer-${s === 'batch-server' ? 'batch' : s}`);
      expect(values[s].envoy.image.repository).toBe(`${MIRROR}/envoyproxy/envoy`);
    }
    expect(values['batch-server'].httpstan.image.repository).toBe(`${MIRROR}/bucketeer-io/bucketeer-httpstan`);
    expect(values.migration.image.repository).toBe(`${MIRROR}/bucketeer-io/bucketeer-migration`);
    expect(values.global.image.imagePullSecrets).toEqual([{ name: 'regcred' }]);

    for (const file of ['in-cluster.yaml', 'prepare.yaml', ...(helm ? ['manifests.yaml'] : [])]) {
      const found = imagesIn(readFileSync(join(out, file), 'utf8'));
      const images = found.filter((f) => f.image);
      expect(images.length, file).toBeGreaterThan(0);
      if (file === 'manifests.yaml') {
        // The CronJobs' hard-coded image, moved by the post-renderer, with the pull secret added.
        expect(found.filter((f) => f.kind === 'CronJob' && f.image).map((f) => f.image)).toEqual(Array(3).fill(`${MIRROR}/curlimages/curl:8.1.2`));
        expect(found.filter((f) => f.kind === 'CronJob' && !f.image).map((f) => f.pullSecrets)).toEqual(Array(3).fill([{ name: 'regcred' }]));
      }
      for (const f of found) {
        if (f.image) expect(f.image.startsWith(`${MIRROR}/`), `${file}: ${f.kind} ${f.image}`).toBe(true);
        else expect(f.pullSecrets, `${file}: ${f.kind}`).toEqual([{ name: 'regcred' }]);
      }
    }
  });
});
