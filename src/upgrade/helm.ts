// Helm reads the upgrade needs beyond src/install/release.ts: the deployed manifest (with hooks,
// so it compares like for like with `helm template`) and the version a chart reference resolves to.
import { parse } from 'yaml';
import { EnvironmentError, OperationFailed } from '../errors.js';
import { chartArgs } from '../helm/binary.js';
import type { HelmTarget } from '../install/release.js';
import { exec } from '../util/exec.js';

const lastLine = (s: string) => s.trim().split('\n').filter(Boolean).pop()?.replace(/^Error: /, '') ?? 'no output';

/** `helm get manifest` + `helm get hooks` of one revision: what that revision rendered. */
export async function deployedManifest(t: HelmTarget, revision: number, signal?: AbortSignal): Promise<string> {
  const parts: string[] = [];
  for (const what of ['manifest', 'hooks']) {
    const res = await exec(t.helm.bin, ['get', what, t.release, '--revision', String(revision), '--namespace', t.namespace, ...t.kubeArgs], { env: t.env, timeoutMs: 60_000, signal });
    if (res.exitCode !== 0) throw new OperationFailed(`helm get ${what} ${t.release} --revision ${revision} failed: ${lastLine(res.stderr || res.stdout)}`, `run it yourself to see more: helm get ${what} ${t.release} -n ${t.namespace}`);
    parts.push(res.stdout);
  }
  return parts.join('\n---\n');
}

/** The version in the chart's Chart.yaml (`helm show chart`), for local folders, .tgz and OCI alike. */
export async function resolveChartVersion(t: Pick<HelmTarget, 'helm' | 'env'>, ref: string, version: string, signal?: AbortSignal): Promise<string> {
  const res = await exec(t.helm.bin, ['show', 'chart', ...chartArgs(ref, version)], { env: t.env, timeoutMs: 120_000, signal });
  if (res.exitCode !== 0) {
    throw new EnvironmentError(`cannot read chart ${ref}${chartArgs(ref, version).length > 1 ? ` ${version}` : ''}: ${lastLine(res.stderr || res.stdout)}`, 'check --chart (an OCI reference, repo/chart after helm repo add, a chart folder or a .tgz) and --chart-version');
  }
  const meta = parse(res.stdout) as { version?: string } | null;
  if (!meta?.version) throw new EnvironmentError(`chart ${ref} has no version in its Chart.yaml`, 'check --chart');
  return String(meta.version);
}
