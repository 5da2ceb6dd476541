// Chart values as trees of plain objects: dot paths, merging as helm merges values files, and
// the leaves one tree holds beyond another. Pure; install, upgrade and the helm driver share it.

export type Values = Record<string, unknown>;

/** {a: {b: 1}} -> {"a.b": 1}. Arrays and empty objects are leaves (compared as JSON). */
export function flatten(values: unknown, prefix = '', out: Record<string, unknown> = {}): Record<string, unknown> {
  if (values && typeof values === 'object' && !Array.isArray(values) && Object.keys(values).length > 0) {
    for (const [k, v] of Object.entries(values as Record<string, unknown>)) flatten(v, prefix ? `${prefix}.${k}` : k, out);
  } else if (prefix) {
    out[prefix] = values;
  }
  return out;
}

/** The dot paths of every leaf in an overlay (e.g. a plan's secretValues). */
export function leafPaths(overlay: unknown): string[] {
  return Object.keys(flatten(overlay));
}

/**
 * Keys helm holds that the installer did not produce (someone ran `helm upgrade --set` by hand):
 * the leaves of `deployed` absent from the values the stored answers produce. Upgrade carries
 * them over so that no setting is dropped silently.
 */
export function handSetValues(deployed: Values, installerMade: Values): Values {
  const made = flatten(installerMade);
  const madePaths = Object.keys(made);
  const out: Values = {};
  for (const [path, v] of Object.entries(flatten(deployed))) {
    // A leaf under (or above) an installer-made path belongs to the installer.
    if (path in made || madePaths.some((m) => m.startsWith(`${path}.`) || path.startsWith(`${m}.`))) continue;
    setPath(out, path, v);
  }
  return out;
}

export function setPath(target: Values, path: string, value: unknown): void {
  const segs = path.split('.');
  let cur = target;
  for (const s of segs.slice(0, -1)) {
    if (!cur[s] || typeof cur[s] !== 'object' || Array.isArray(cur[s])) cur[s] = {};
    cur = cur[s] as Values;
  }
  cur[segs.at(-1)!] = value;
}

/** Deep merge: objects merge, everything else in `over` wins. */
export function deepMerge(base: unknown, over: unknown): Values {
  if (!over || typeof over !== 'object' || Array.isArray(over)) return over as Values;
  const out: Values = base && typeof base === 'object' && !Array.isArray(base) ? { ...(base as Values) } : {};
  for (const [k, v] of Object.entries(over as Values)) {
    out[k] = v && typeof v === 'object' && !Array.isArray(v) ? deepMerge(out[k], v) : v;
  }
  return out;
}
