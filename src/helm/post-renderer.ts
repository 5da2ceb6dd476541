// How helm runs the image post-renderer (src/images/post-render.ts) when answers set
// images.registry or images.pullSecrets; without them helm gets no post-renderer at all.
//
// Helm 4 takes `--post-renderer <plugin name>` only: the plugin is a folder with a plugin.yaml
// (apiVersion v1, type postrenderer/v1, runtime subprocess) found through HELM_PLUGINS, a path
// list that helm searches in order. A temporary folder goes first, ahead of the user's own plugins
// (still visible to helm, for getter plugins), and is removed afterwards. Helm pipes the manifests
// to the plugin's command on stdin and reads the result from its stdout; the command is split on
// spaces and ${VAR}s in it and its args are expanded from the environment, so the node binary and
// the CLI path reach it as environment variables, whatever characters they hold. The policy
// goes in --post-renderer-args, which helm passes through without expansion.
// Helm 3 takes an executable path and runs it with --post-renderer-args. Only helm 4 is tested
// here: the helm 3 branch follows helm 3's flags (--post-renderer PATH, repeated
// --post-renderer-args) and is untested in this project's suite.
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { stringify } from 'yaml';
import { EnvironmentError, OperationFailed } from '../errors.js';
import type { ImagePolicy } from '../images/post-render.js';
import { exec } from '../util/exec.js';
import type { HelmInfo } from './binary.js';

export const POST_RENDERER_PLUGIN = 'bucketeer-install-images';
const NODE_VAR = 'BUCKETEER_INSTALL_POST_RENDER_NODE';
const CLI_VAR = 'BUCKETEER_INSTALL_POST_RENDER_CLI';

export function needsPostRenderer(images: ImagePolicy | undefined): images is ImagePolicy {
  return Boolean(images?.registry || images?.pullSecrets?.length);
}

/** The CLI's own entry (bin/bucketeer-install.js), from dist/ when bundled or src/helm/ in development. */
function cliEntry(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 4; i++) {
    const candidate = join(dir, 'bin', 'bucketeer-install.js');
    if (existsSync(candidate)) return candidate;
    dir = dirname(dir);
  }
  throw new Error('bin/bucketeer-install.js not found next to the installed package');
}

function policyArgs(images: ImagePolicy): string[] {
  return [...(images.registry ? [`--registry=${images.registry}`] : []), ...(images.pullSecrets ?? []).map((s) => `--pull-secret=${s}`)];
}

/** The folders helm searches for plugins, as it resolves HELM_PLUGINS (its default included). */
async function helmPluginDirs(helm: HelmInfo, env: NodeJS.ProcessEnv): Promise<string> {
  const res = await exec(helm.bin, ['env', 'HELM_PLUGINS'], { env, timeoutMs: 15_000 });
  if (res.exitCode !== 0) throw new EnvironmentError(`helm env HELM_PLUGINS failed: ${(res.stderr || res.stdout).trim().split('\n')[0]}`, `run it yourself to see more: ${helm.bin} env HELM_PLUGINS`);
  return res.stdout.trim();
}

/**
 * Runs `run` with the helm arguments and environment that apply the image policy (none without
 * images.registry and images.pullSecrets). On helm 4 the temporary plugin folder lives only as long
 * as `run`; a post-renderer failure, which helm 4 reports without the reason, is thrown with it.
 */
export async function withImagePostRenderer<T>(
  helm: HelmInfo,
  images: ImagePolicy | undefined,
  env: NodeJS.ProcessEnv,
  run: (extra: { args: string[]; env: NodeJS.ProcessEnv }) => Promise<T>,
): Promise<T> {
  if (!needsPostRenderer(images)) return run({ args: [], env });
  const cli = cliEntry();
  if (helm.major < 4) {
    // Untested here (only helm 4 is in the test tools): helm 3 runs the executable itself.
    const rendererArgs = [cli, 'post-render', ...policyArgs(images)];
    return run({ args: ['--post-renderer', process.execPath, ...rendererArgs.map((a) => `--post-renderer-args=${a}`)], env });
  }
  const userPlugins = await helmPluginDirs(helm, env);
  const dir = mkdtempSync(join(tmpdir(), 'bucketeer-install-post-render-'));
  try {
    mkdirSync(join(dir, POST_RENDERER_PLUGIN));
    const plugin = {
      apiVersion: 'v1',
      type: 'postrenderer/v1',
      name: POST_RENDERER_PLUGIN,
      version: '1.0.0',
      runtime: 'subprocess',
      runtimeConfig: { platformCommand: [{ command: `\${${NODE_VAR}}`, args: [`\${${CLI_VAR}}`, 'post-render'] }] },
    };
    writeFileSync(join(dir, POST_RENDERER_PLUGIN, 'plugin.yaml'), stringify(plugin));
    const errorFile = join(dir, 'error.txt');
    const args = ['--post-renderer', POST_RENDERER_PLUGIN, ...[...policyArgs(images), `--error-file=${errorFile}`].map((a) => `--post-renderer-args=${a}`)];
    const result = await run({
      args,
      env: { ...env, HELM_PLUGINS: [dir, userPlugins].filter(Boolean).join(delimiter), [NODE_VAR]: process.execPath, [CLI_VAR]: cli },
    });
    if (existsSync(errorFile)) {
      throw new OperationFailed(`the image post-renderer (images.registry, images.pullSecrets) failed: ${readFileSync(errorFile, 'utf8')}`, 'nothing was changed by helm; run again with --debug to see the helm command');
    }
    return result;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
