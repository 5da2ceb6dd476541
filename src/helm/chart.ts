// The version a chart reference resolves to, read with `helm show chart` before anything changes.
import { parse } from 'yaml';
import { EnvironmentError } from '../errors.js';
import { exec, lastErrorLine } from '../util/exec.js';
import { chartArgs } from './binary.js';

/** The version in the chart's Chart.yaml (`helm show chart`), for local folders, .tgz and OCI alike. */
export async function resolveChartVersion(t: { helm: { bin: string }; env: NodeJS.ProcessEnv }, ref: string, version: string, signal?: AbortSignal): Promise<string> {
  const res = await exec(t.helm.bin, ['show', 'chart', ...chartArgs(ref, version)], { env: t.env, timeoutMs: 120_000, signal });
  if (res.exitCode !== 0) {
    throw new EnvironmentError(`cannot read chart ${ref}${chartArgs(ref, version).length > 1 ? ` ${version}` : ''}: ${lastErrorLine(res)}`, 'check --chart (an OCI reference, repo/chart after helm repo add, a chart folder or a .tgz) and --chart-version');
  }
  const meta = parse(res.stdout) as { version?: string } | null;
  if (!meta?.version) throw new EnvironmentError(`chart ${ref} has no version in its Chart.yaml`, 'check --chart');
  return String(meta.version);
}
