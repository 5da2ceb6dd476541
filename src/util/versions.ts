// Every version comparison of the installer: chart versions (the upgrade's downgrade guard), and the
// minimum versions of helm, the Kubernetes API server and managed MySQL/Redis (the minimums
// themselves are facts in src/chart/facts.ts). Helm requires chart
// versions to be SemVer 2, so they are compared by the SemVer rules (`2.4.0-rc.10` after `rc.9`,
// build metadata ignored); hand-written comparisons got pre-releases and `v2.4` wrong.
import semver from 'semver';

/**
 * A chart version as SemVer: `2.3.0`, `v2.3.0`, `2.4.0-rc.10` and `2.4.0+build.1` as they are, and a
 * partial `v2.4` completed to `2.4.0`. Undefined when the text holds no version at all.
 */
export function parseChartVersion(v: string): semver.SemVer | undefined {
  const text = v.trim();
  return semver.parse(text, { loose: true }) ?? semver.coerce(text, { includePrerelease: true }) ?? undefined;
}

/** Whether installing chart `next` over `deployed` goes back; never when the deployed version is unknown or unreadable. */
export function isDowngrade(next: string, deployed: string | undefined): boolean {
  const x = parseChartVersion(next);
  const y = deployed === undefined ? undefined : parseChartVersion(deployed);
  return x !== undefined && y !== undefined && semver.lt(x, y);
}

/** "2.3.0" from "bucketeer-2.3.0" (helm's chart field, `name-version`, where the name may hold dashes) or "v2.3.0". */
export function chartVersionOf(chartField: string): string | undefined {
  const text = chartField.trim();
  const candidates = [text, ...[...text.matchAll(/-(?=v?\d)/g)].map((m) => text.slice(m.index + 1))];
  for (const c of candidates) {
    const parsed = semver.parse(c, { loose: true });
    if (parsed) return parsed.raw.replace(/^[v=\s]+/, '');
  }
  return undefined;
}

/**
 * Whether a software version meets a minimum. The leading numbers decide: a platform suffix such as
 * GKE's `v1.30.2-gke.1587003`, helm's `v3.14.0+g1234` or Aurora's `8.0.mysql_aurora.3.05.2` is not a
 * pre-release. Undefined when the text holds no version.
 */
export function meetsMinimum(version: string | undefined, minimum: string): boolean | undefined {
  const v = semver.coerce(version ?? '');
  return v ? semver.gte(v, minimum) : undefined;
}

/** The Kubernetes server's version from /version: gitVersion, else major.minor (GKE and EKS report minor as "30+"). */
export function kubernetesVersionText(v: { gitVersion?: string; major?: string; minor?: string }): string {
  return v.gitVersion || `${v.major ?? ''}.${(v.minor ?? '').replace(/\D.*$/, '')}`;
}
