// What an install needs the right to do in the release namespace, as a Role grants it: the objects
// it and the chart create or change, and the release lock. Install's preflight and doctor --pre ask
// the API server about each (SelfSubjectAccessReview) before anything changes.

export interface NamespaceRight {
  /** The API group ('' is the core group). */
  group: string;
  /** The resource, plural. */
  resource: string;
  verbs: string[];
}

const WRITE = ['create', 'patch'];

const RULES: { group: string; resources: string[]; verbs: string[] }[] = [
  { group: '', resources: ['secrets', 'configmaps', 'services', 'serviceaccounts'], verbs: WRITE },
  { group: 'apps', resources: ['deployments', 'statefulsets'], verbs: WRITE },
  { group: 'batch', resources: ['jobs', 'cronjobs'], verbs: WRITE },
  { group: 'networking.k8s.io', resources: ['ingresses'], verbs: WRITE },
  // The release lock: a Lease taken, renewed (PUT) and given back.
  { group: 'coordination.k8s.io', resources: ['leases'], verbs: ['create', 'update', 'delete'] },
];

export const INSTALL_RIGHTS: NamespaceRight[] = RULES.flatMap((r) => r.resources.map((resource) => ({ group: r.group, resource, verbs: r.verbs })));

/**
 * What every run reads, a dry run included: helm's release records (Secrets, listed and read), the
 * stored answers (a ConfigMap) and the Secrets the answers point at, and whether each object the
 * plan names exists already (install --dry-run looks up its Secrets, ConfigMaps, Services,
 * StatefulSets and Jobs).
 */
export const READ_RIGHTS: NamespaceRight[] = [
  { group: '', resource: 'secrets', verbs: ['get', 'list'] },
  { group: '', resource: 'configmaps', verbs: ['get'] },
  { group: '', resource: 'services', verbs: ['get'] },
  { group: 'apps', resource: 'statefulsets', verbs: ['get'] },
  { group: 'batch', resource: 'jobs', verbs: ['get'] },
];

/** "create/patch secrets, configmaps, ...; create/update/delete leases", for a passing check's detail. */
export function describeRights(rights: NamespaceRight[] = INSTALL_RIGHTS): string {
  const byVerbs = new Map<string, string[]>();
  for (const r of rights) byVerbs.set(r.verbs.join('/'), [...(byVerbs.get(r.verbs.join('/')) ?? []), r.resource]);
  return [...byVerbs].map(([verbs, resources]) => `${verbs} ${resources.join(', ')}`).join('; ');
}
