import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { OperationFailed } from '../errors.js';
import { exec } from '../util/exec.js';
import { chartArgs, type HelmInfo } from './binary.js';

/** Renders the chart offline with `helm template`; values go through a private temp file. */
export async function helmTemplate(
  helm: HelmInfo,
  opts: { release: string; namespace: string; chart: string; version: string; values: object; env: NodeJS.ProcessEnv; timeoutMs?: number },
): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'bucketeer-install-'));
  try {
    const valuesFile = join(dir, 'values.yaml');
    writeFileSync(valuesFile, stringify(opts.values), { mode: 0o600 });
    const res = await exec(
      helm.bin,
      ['template', opts.release, ...chartArgs(opts.chart, opts.version), '--namespace', opts.namespace, '--values', valuesFile],
      { env: opts.env, timeoutMs: opts.timeoutMs ?? 120_000 },
    );
    if (res.exitCode !== 0) {
      const first = res.stderr.trim().split('\n').filter(Boolean).pop() ?? 'no output';
      throw new OperationFailed(`helm template failed for chart ${opts.chart}: ${first}`, 'check --chart (an OCI reference, repo/chart after helm repo add, a chart folder or a .tgz) and --chart-version');
    }
    return res.stdout;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
