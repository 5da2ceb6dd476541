// The defaults of every setting a flag can set, each defined once. The flag specs print them in
// --help (src/cli/commands.ts), the answers schema uses the namespace and release defaults, and the
// services fall back to them; the order a setting is decided in is flag > answers file > stored
// answers > this default (src/resolve.ts).

export const DEFAULT_NAMESPACE = 'bucketeer';
export const DEFAULT_RELEASE = 'bucketeer';
/** --timeout: how long install and upgrade wait for the release to become ready. */
export const DEFAULT_TIMEOUT_MS = 10 * 60_000;
/** --health-window of install and upgrade: restart counts must stay still this long after helm. */
export const DEFAULT_HEALTH_WINDOW_MS = 10_000;
/** --health-window of doctor: shorter, since doctor looks at a release that has settled already. */
export const DEFAULT_DOCTOR_HEALTH_WINDOW_MS = 5_000;
/** --probe-timeout of doctor and doctor --pre: the time one probe or API request may take. */
export const DEFAULT_PROBE_TIMEOUT_MS = 10_000;

/** --timeout of `version`: how long helm and each cluster request may take. */
export const DEFAULT_VERSION_TIMEOUT_MS = 5_000;

/** A duration as --help prints it and helm writes it: 10m, 10s, 1m30s. */
export function formatDuration(ms: number): string {
  const parts: string[] = [];
  let rest = ms;
  for (const [unit, size] of [['h', 3_600_000], ['m', 60_000], ['s', 1000], ['ms', 1]] as const) {
    const n = Math.floor(rest / size);
    if (n > 0) parts.push(`${n}${unit}`);
    rest -= n * size;
  }
  return parts.join('') || '0s';
}
