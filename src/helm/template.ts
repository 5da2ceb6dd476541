import { OperationFailed } from '../errors.js';
import { exec } from '../util/exec.js';
import type { ImagePolicy } from '../images/post-render.js';
import { chartArgs, type HelmInfo } from './binary.js';
import { withImagePostRenderer } from './post-renderer.js';
import { valuesDocument } from './values.js';

/**
 * Renders the chart offline with `helm template`; values (which may hold secrets) go on stdin.
 * `images` (answers images.*) applies the image post-renderer, as install and upgrade do.
 */
export async function helmTemplate(
  helm: HelmInfo,
  opts: { release: string; namespace: string; chart: string; version: string; values: object; env: NodeJS.ProcessEnv; images?: ImagePolicy; timeoutMs?: number },
): Promise<string> {
  const res = await withImagePostRenderer(helm, opts.images, opts.env, (extra) =>
    exec(
      helm.bin,
      ['template', opts.release, ...chartArgs(opts.chart, opts.version), '--namespace', opts.namespace, '--values', '-', ...extra.args],
      { env: extra.env, input: valuesDocument(opts.values), timeoutMs: opts.timeoutMs ?? 120_000 },
    ),
  );
  if (res.exitCode !== 0) {
    const first = res.stderr.trim().split('\n').filter(Boolean).pop() ?? 'no output';
    throw new OperationFailed(`helm template failed for chart ${opts.chart}: ${first}`, 'check --chart (an OCI reference, repo/chart after helm repo add, a chart folder or a .tgz) and --chart-version');
  }
  return res.stdout;
}
