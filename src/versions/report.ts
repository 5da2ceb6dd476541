// `bucketeer-install version`: this tool's version, helm's (`helm version --short`) and, where the
// cluster answers, the deployed release's chart and app version (`helm history`). Whatever cannot
// be read is null with the reason next to it; the command still succeeds.
import { findOnPath } from '../helm/binary.js';
import { releaseHistory } from '../install/release.js';
import { KubeClient } from '../kube/client.js';
import { resolveTarget } from '../resolve.js';
import { chartVersionOf } from '../util/versions.js';
import { exec } from '../util/exec.js';
import { version as installerVersion } from '../version.js';

export interface VersionOptions {
  kubeContext?: string;
  kubeconfig?: string;
  namespace?: string;
  release?: string;
  /** Budget for helm and each cluster request. */
  timeoutMs: number;
  env: NodeJS.ProcessEnv;
  cwd: string;
}

export interface VersionReport {
  bucketeerInstall: string;
  helm: { version: string; path: string } | null;
  kubernetes: { context: string; server: string; version: string } | null;
  release: { name: string; namespace: string; revision: number; status: string; chart: string; chartVersion: string | null; appVersion: string | null } | null;
  /** Why a field is null, by field name. */
  reasons: { helm?: string; kubernetes?: string; release?: string };
}

const firstLine = (s: string) => s.trim().split('\n')[0]?.replace(/^Error: /, '') ?? '';

export async function versionReport(o: VersionOptions): Promise<VersionReport> {
  const report: VersionReport = { bucketeerInstall: installerVersion, helm: null, kubernetes: null, release: null, reasons: {} };
  const bin = o.env.HELM_BIN || findOnPath('helm', o.env);
  const helmRead = (async () => {
    if (!bin) return void (report.reasons.helm = 'helm is not on PATH and HELM_BIN is unset');
    const res = await exec(bin, ['version', '--short'], { env: o.env, timeoutMs: o.timeoutMs }).catch((e: Error) => ({ exitCode: 127, stdout: '', stderr: e.message }));
    if (res.exitCode === 124) return void (report.reasons.helm = `${bin} version --short did not answer within ${Math.round(o.timeoutMs / 1000)}s`);
    if (res.exitCode !== 0) return void (report.reasons.helm = `${bin} version --short failed: ${firstLine(res.stderr || res.stdout)}`);
    report.helm = { version: res.stdout.trim(), path: bin };
  })();

  const { namespace, release, kubeContext } = resolveTarget(o);
  let kube: KubeClient | undefined;
  try {
    kube = KubeClient.fromKubeconfig({ kubeconfig: o.kubeconfig, context: kubeContext, env: o.env, cwd: o.cwd });
    const v = await kube.version({ timeoutMs: o.timeoutMs });
    report.kubernetes = { context: kube.context, server: kube.server, version: v.gitVersion };
  } catch (e) {
    report.reasons.kubernetes = (e as Error).message;
  }
  await helmRead;
  if (!report.kubernetes) report.reasons.release = 'the cluster is not reachable';
  else if (!report.helm) report.reasons.release = 'helm is needed to read the release';
  else {
    try {
      const kubeArgs = ['--kube-context', kube!.context, ...(kube!.config.explicitFile ? ['--kubeconfig', kube!.config.explicitFile] : [])];
      const signal = AbortSignal.timeout(o.timeoutMs);
      const helm = { bin: bin!, version: report.helm.version, major: 0, minor: 0, rollbackFlag: '' };
      const history = await releaseHistory({ helm, env: o.env, release, namespace, kubeArgs }, { signal }).catch((e: Error) => {
        throw signal.aborted ? new Error(`helm history ${release} did not answer within ${Math.round(o.timeoutMs / 1000)}s`) : e;
      });
      const latest = history.at(-1);
      if (!latest) report.reasons.release = `no release ${release} in namespace ${namespace}`;
      else report.release = { name: release, namespace, revision: latest.revision, status: latest.status, chart: latest.chart, chartVersion: chartVersionOf(latest.chart) ?? null, appVersion: latest.app_version || null };
    } catch (e) {
      report.reasons.release = (e as Error).message;
    }
  }
  kube?.close();
  return report;
}

export function formatVersionReport(r: VersionReport): string {
  const rows: [string, string][] = [
    ['bucketeer-install', r.bucketeerInstall],
    ['helm', r.helm ? `${r.helm.version} (${r.helm.path})` : `unknown: ${r.reasons.helm}`],
    ['kubernetes', r.kubernetes ? `${r.kubernetes.version} (context ${r.kubernetes.context}, ${r.kubernetes.server})` : `unknown: ${r.reasons.kubernetes}`],
    [
      'release',
      r.release
        ? `${r.release.name} in ${r.release.namespace}: revision ${r.release.revision} (${r.release.status}), chart ${r.release.chartVersion ?? r.release.chart}, app ${r.release.appVersion ?? 'unknown'}`
        : `unknown: ${r.reasons.release}`,
    ],
  ];
  return `${rows.map(([k, v]) => `${k.padEnd(18)} ${v}`).join('\n')}\n`;
}
