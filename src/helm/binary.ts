// Finding helm and learning what it supports. Helm 4 renamed --atomic to --rollback-on-failure;
// callers ask this module for the flag instead of assuming a version.
import { accessSync, constants, existsSync, statSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { EnvironmentError } from '../errors.js';
import { exec } from '../util/exec.js';
import { helmSupported, MIN_HELM_TEXT } from '../chart/facts.js';

export interface HelmInfo {
  bin: string;
  version: string;
  major: number;
  minor: number;
  /** `--atomic` on helm 3, `--rollback-on-failure` on helm 4. */
  rollbackFlag: string;
}

export function findOnPath(name: string, env: NodeJS.ProcessEnv): string | undefined {
  for (const dir of (env.PATH ?? '').split(delimiter)) {
    if (!dir) continue;
    const candidate = join(dir, name);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      /* keep looking */
    }
  }
  return undefined;
}

const INSTALL_HINT = `install helm ${MIN_HELM_TEXT} (https://helm.sh/docs/intro/install/) or set HELM_BIN to its path`;

// One `helm version` per binary and process: a run's preflight and its chart read both ask at once.
// Keyed by the file's identity too, so a binary replaced in place is asked again.
const detected = new Map<string, Promise<HelmInfo>>();

export function detectHelm(env: NodeJS.ProcessEnv): Promise<HelmInfo> {
  const bin = env.HELM_BIN || findOnPath('helm', env);
  if (!bin) return Promise.reject(new EnvironmentError('helm is not on PATH', INSTALL_HINT));
  let key = bin;
  try {
    const st = statSync(bin);
    key = `${bin}\0${st.ino}\0${st.size}\0${st.mtimeMs}`;
  } catch {
    // Not readable: asking helm says why.
  }
  let info = detected.get(key);
  if (!info) {
    info = askHelmVersion(bin, env);
    detected.set(key, info);
    info.catch(() => detected.delete(key));
  }
  return info;
}

async function askHelmVersion(bin: string, env: NodeJS.ProcessEnv): Promise<HelmInfo> {
  const res = await exec(bin, ['version', '--template', '{{.Version}}'], { timeoutMs: 15_000, env });
  const m = /^v?(\d+)\.(\d+)\.(\d+)/.exec(res.stdout.trim());
  if (res.exitCode !== 0 || !m) throw new EnvironmentError(`could not read helm's version from ${bin} (${(res.stderr || res.stdout).trim().split('\n')[0]})`, INSTALL_HINT);
  const major = Number(m[1]);
  const minor = Number(m[2]);
  if (!helmSupported(res.stdout.trim())) {
    throw new EnvironmentError(`helm ${res.stdout.trim()} is too old; bucketeer-install needs ${MIN_HELM_TEXT}`, INSTALL_HINT);
  }
  return { bin, version: res.stdout.trim(), major, minor, rollbackFlag: major >= 4 ? '--rollback-on-failure' : '--atomic' };
}

export type ChartRefKind = 'oci' | 'url' | 'repo' | 'local';

/**
 * What a chart reference is, as helm decides it: a path that exists (folder or .tgz) is local even
 * when it looks like `repo/chart`, as helm looks on disk first; `oci://` is a registry; an
 * http(s) URL is a packaged chart to download; `repo/chart` is a chart in a repository added with
 * `helm repo add`; anything else is a local path (helm then says it does not exist).
 */
export function chartRefKind(ref: string): ChartRefKind {
  if (ref.startsWith('oci://')) return 'oci';
  if (/^https?:\/\//.test(ref)) return 'url';
  if (existsSync(ref) || ref.startsWith('.') || ref.startsWith('/') || ref.startsWith('~') || ref.endsWith('.tgz')) return 'local';
  return /^[^/\s]+\/[^/\s]+$/.test(ref) ? 'repo' : 'local';
}

/** Arguments naming the chart: OCI and repo charts take --version; folders, .tgz files and URLs are one version already. */
export function chartArgs(ref: string, version: string): string[] {
  const kind = chartRefKind(ref);
  return kind === 'oci' || kind === 'repo' ? [ref, '--version', version] : [ref];
}
