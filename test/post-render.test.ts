// The image post-renderer: `bucketeer-install post-render` (src/images/post-render.ts) and how helm
// 4 runs it (src/helm/post-renderer.ts), with the real helm binary. Chart v2.3.0's CronJobs
// (manifests/bucketeer/charts/batch/templates/cronjob.yaml) hard-code curlimages/curl:8.1.2 with
// no imagePullSecrets; that is the object this exists for, and the fixture chart's
// charts/batch/templates/cronjobs.yaml hard-codes it the same way.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parse, parseAllDocuments, stringify } from 'yaml';
import { detectHelm } from '../src/helm/binary.js';
import { POST_RENDERER_PLUGIN, withImagePostRenderer } from '../src/helm/post-renderer.js';
import { postRender } from '../src/images/post-render.js';
import { runCli } from './helpers/cli.js';
import { helmBin, repoRoot } from './helpers/tools.js';

const MIRROR = 'mirror.example.internal/bkt';
const dir = mkdtempSync(join(tmpdir(), 'post-render-test-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const helm = helmBin();
if (!helm) console.warn('[post-render tests] SKIPPING the helm parts: helm not found in .tools/helm/helm and HELM_BIN unset');

const MANIFESTS = `---
# Source: x/templates/cm.yaml
apiVersion: v1
kind: ConfigMap
metadata: {name: cm}
data:
  mode: 0644
  flag: on
  image: not-a-container-image:1
---
# Source: x/templates/cronjob.yaml
apiVersion: batch/v1
kind: CronJob
metadata: {name: job}
spec:
  jobTemplate:
    spec:
      template:
        spec:
          defaultMode: 0644
          containers:
            - name: curl
              image: curlimages/curl:8.1.2
              args:
                - >-
                  one
                  two
---
# Source: x/templates/deploy.yaml
apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  template:
    spec:
      imagePullSecrets: [{name: other}]
      initContainers:
        - {name: init, image: "ghcr.io/org/init@sha256:abc"}
      containers:
        - {name: app, image: "${MIRROR}/org/app:1"}
        - {name: side, image: "docker.io/library/busybox"}
---
apiVersion: v1
kind: Pod
metadata: {name: p}
spec:
  containers: [{name: c, image: "localhost:5000/a/b:2"}]
`;

describe('postRender', () => {
  const out = postRender(MANIFESTS, { registry: MIRROR, pullSecrets: ['regcred'] });
  const docs = parseAllDocuments(out, { version: '1.1' }).map((d) => d.toJS());

  it('moves every container image outside the registry (init containers included) and leaves those under it', () => {
    const cron = docs[1].spec.jobTemplate.spec.template.spec;
    expect(cron.containers[0].image).toBe(`${MIRROR}/curlimages/curl:8.1.2`);
    const web = docs[2].spec.template.spec;
    expect(web.initContainers[0].image).toBe(`${MIRROR}/org/init@sha256:abc`);
    expect(web.containers.map((c: { image: string }) => c.image)).toEqual([`${MIRROR}/org/app:1`, `${MIRROR}/library/busybox`]);
    expect(docs[3].spec.containers[0].image).toBe(`${MIRROR}/a/b:2`);
  });

  it('adds the pull secrets a pod spec lacks and keeps the ones it has', () => {
    expect(docs[1].spec.jobTemplate.spec.template.spec.imagePullSecrets).toEqual([{ name: 'regcred' }]);
    expect(docs[2].spec.template.spec.imagePullSecrets).toEqual([{ name: 'other' }, { name: 'regcred' }]);
    expect(docs[3].spec.imagePullSecrets).toEqual([{ name: 'regcred' }]);
  });

  it('passes documents without pod specs on byte for byte; rewritten ones keep comments and mean what they meant (YAML 1.1)', () => {
    const cm = MANIFESTS.split(/^---$/m)[1];
    expect(out.split(/^---$/m)[1]).toBe(cm);
    expect(out).toContain('# Source: x/templates/cronjob.yaml');
    const cron = docs[1].spec.jobTemplate.spec.template.spec;
    expect(cron.defaultMode).toBe(0o644);
    expect(cron.containers[0].args).toEqual(['one two']);
    expect(out.match(/^---$/gm)).toHaveLength(4);
  });

  it('with pull secrets only, images stay; with neither, the text is unchanged', () => {
    const secretsOnly = parseAllDocuments(postRender(MANIFESTS, { pullSecrets: ['regcred'] })).map((d) => d.toJS());
    expect(secretsOnly[1].spec.jobTemplate.spec.template.spec.containers[0].image).toBe('curlimages/curl:8.1.2');
    expect(secretsOnly[3].spec.imagePullSecrets).toEqual([{ name: 'regcred' }]);
    expect(postRender(MANIFESTS, {})).toBe(MANIFESTS);
  });

  it('the hidden post-render command: stdin to stdout; a bad argument or bad YAML is exit 1 with the reason, also in --error-file', async () => {
    const ok = await runCli(['post-render', `--registry=${MIRROR}`, '--pull-secret=regcred'], { input: MANIFESTS });
    expect(ok.code, ok.stderr).toBe(0);
    expect(ok.stdout).toBe(postRender(MANIFESTS, { registry: MIRROR, pullSecrets: ['regcred'] }));

    const bad = await runCli(['post-render', '--registry', MIRROR], { input: MANIFESTS });
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('unexpected argument "--registry"');

    const errorFile = join(dir, 'error.txt');
    const broken = await runCli(['post-render', `--registry=${MIRROR}`, `--error-file=${errorFile}`], { input: 'kind: Pod\nspec: {containers: [\n' });
    expect(broken.code).toBe(1);
    expect(broken.stderr).toMatch(/document 1 of the rendered manifests is not valid YAML/);
    expect(readFileSync(errorFile, 'utf8')).toMatch(/not valid YAML/);
  });
});

describe.skipIf(!helm)('helm 4 runs the post-renderer as a plugin', () => {
  it('puts a temporary plugin folder ahead of HELM_PLUGINS, the user plugins still listed, and removes it afterwards', async () => {
    const info = await detectHelm({ HELM_BIN: helm, PATH: process.env.PATH });
    expect(info.major).toBe(4);
    const userPlugins = join(dir, 'user-plugins');
    mkdirSync(join(userPlugins, 'mine'), { recursive: true });
    writeFileSync(
      join(userPlugins, 'mine', 'plugin.yaml'),
      stringify({ apiVersion: 'v1', type: 'cli/v1', name: 'mine', version: '0.1.0', runtime: 'subprocess', config: { usage: 'mine', shortHelp: 'a user plugin' }, runtimeConfig: { platformCommand: [{ command: 'true' }] } }),
    );
    const env = { PATH: process.env.PATH, HOME: dir, HELM_PLUGINS: userPlugins, HELM_CACHE_HOME: join(dir, 'cache') };
    let pluginDir = '';
    const listed = await withImagePostRenderer(info, { registry: MIRROR }, env, async (extra) => {
      expect(extra.args.slice(0, 2)).toEqual(['--post-renderer', POST_RENDERER_PLUGIN]);
      pluginDir = extra.env.HELM_PLUGINS!.split(delimiter)[0];
      expect(extra.env.HELM_PLUGINS).toBe(`${pluginDir}${delimiter}${userPlugins}`);
      return execFileSync(helm!, ['plugin', 'list'], { env: extra.env, encoding: 'utf8' });
    });
    expect(listed).toMatch(new RegExp(`^${POST_RENDERER_PLUGIN}\\s.*postrenderer/v1`, 'm'));
    expect(listed).toMatch(/^mine\s.*cli\/v1/m);
    expect(() => readdirSync(pluginDir)).toThrow();

    let plain: { args: string[]; env: NodeJS.ProcessEnv } | undefined;
    await withImagePostRenderer(info, undefined, env, async (extra) => (plain = extra));
    expect(plain).toEqual({ args: [], env });
  });

  it('a post-renderer failure, which helm 4 reports without its reason, is thrown with the reason', async () => {
    const info = await detectHelm({ HELM_BIN: helm, PATH: process.env.PATH });
    const env = { PATH: process.env.PATH, HOME: dir, HELM_CACHE_HOME: join(dir, 'cache'), HELM_DATA_HOME: join(dir, 'data') };
    const chart = join(dir, 'tiny-chart');
    mkdirSync(join(chart, 'templates'), { recursive: true });
    writeFileSync(join(chart, 'Chart.yaml'), 'apiVersion: v2\nname: tiny\nversion: 0.1.0\n');
    writeFileSync(join(chart, 'templates', 'pod.yaml'), 'apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec: {containers: [{name: c, image: busybox}]}\n');
    let helmStderr = '';
    const failing = withImagePostRenderer(info, { registry: MIRROR }, env, async (extra) => {
      // An argument the post-renderer refuses, so that it fails inside the real helm.
      const args = extra.args.map((a) => (a.startsWith('--post-renderer-args=--registry=') ? '--post-renderer-args=--bogus' : a));
      try {
        execFileSync(helm!, ['template', 'r', chart, ...args], { env: extra.env, encoding: 'utf8', stdio: 'pipe' });
      } catch (err) {
        helmStderr = (err as { stderr: string }).stderr;
      }
    });
    await expect(failing).rejects.toThrow(/the image post-renderer .* failed: post-render: unexpected argument "--bogus"/);
    expect(helmStderr).toContain(`plugin "${POST_RENDERER_PLUGIN}" exited with error`);
    expect(helmStderr).not.toContain('--bogus');
  });

  it('render: manifests.yaml has no image outside the registry and every pod spec has the pull secret; without images.* no post-renderer', async () => {
    const answers = (images?: unknown) => {
      const a = parse(readFileSync(join(repoRoot, 'examples', 'answers', 'in-cluster.yaml'), 'utf8'));
      if (images) a.images = images;
      const file = join(dir, `answers-${images ? 'mirror' : 'plain'}.yaml`);
      writeFileSync(file, stringify(a));
      return file;
    };
    // A private temp folder for the CLI: the plugin folder it creates there must be gone afterwards.
    const tmp = mkdtempSync(join(dir, 'tmp-'));
    const env = { HELM_BIN: helm, TMPDIR: tmp, HELM_CACHE_HOME: join(dir, 'cache'), HELM_DATA_HOME: join(dir, 'data') };
    const chart = join(repoRoot, 'test', 'fixtures', 'chart');

    const out = join(dir, 'render-mirror');
    const r = await runCli(['render', '--answers', answers({ registry: MIRROR, pullSecrets: ['regcred'] }), '--chart', chart, '--output-dir', out, '--debug'], { env });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(new RegExp(`helm template .* --post-renderer ${POST_RENDERER_PLUGIN} --post-renderer-args=--registry=${MIRROR} --post-renderer-args=--pull-secret=regcred`));
    const manifests = readFileSync(join(out, 'manifests.yaml'), 'utf8');
    const images = [...manifests.matchAll(/^\s*-?\s*image:\s*"?([^"\s]+)"?\s*$/gm)].map((m) => m[1]);
    expect(images.length).toBeGreaterThanOrEqual(13);
    for (const image of images) expect(image.startsWith(`${MIRROR}/`), image).toBe(true);
    expect(images).toContain(`${MIRROR}/curlimages/curl:8.1.2`);
    const cronJobs = parseAllDocuments(manifests).map((d) => d.toJS()).filter((d) => d?.kind === 'CronJob');
    expect(cronJobs).toHaveLength(3);
    for (const c of cronJobs) expect(c.spec.jobTemplate.spec.template.spec.imagePullSecrets).toEqual([{ name: 'regcred' }]);
    expect(readdirSync(tmp)).toEqual([]);

    const plainOut = join(dir, 'render-plain');
    const p = await runCli(['render', '--answers', answers(), '--chart', chart, '--output-dir', plainOut, '--debug'], { env });
    expect(p.code, p.stderr).toBe(0);
    expect(p.stderr).toMatch(/helm template /);
    expect(p.stderr).not.toContain('--post-renderer');
    expect(readFileSync(join(plainOut, 'manifests.yaml'), 'utf8')).toContain('image: curlimages/curl:8.1.2');
  });
});
