// Resource registry for kubesim: which kinds exist, and the discovery and
// OpenAPI documents the real clients read before they touch any object.
import { createHash } from 'node:crypto';

export interface ResourceType {
  group: string; // '' for the core group
  version: string;
  kind: string;
  plural: string;
  singular: string;
  namespaced: boolean;
  shortNames?: string[];
  categories?: string[];
  verbs?: string[]; // defaults to the full CRUD+watch set
  /** Subresources advertised in discovery; 'status' also makes main-resource writes keep status. */
  subresources?: Array<'status' | 'scale' | 'log'>;
}

const ALL_VERBS = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'];

export function apiVersionOf(rt: Pick<ResourceType, 'group' | 'version'>): string {
  return rt.group ? `${rt.group}/${rt.version}` : rt.version;
}

/** Short helper so the table below stays readable. */
function r(
  gv: string,
  kind: string,
  plural: string,
  namespaced: boolean,
  extra: Partial<ResourceType> = {},
): ResourceType {
  const [group, version] = gv.includes('/') ? gv.split('/') : ['', gv];
  return { group, version, kind, plural, singular: kind.toLowerCase(), namespaced, ...extra };
}

const ALL = ['all'];

/** The built-in kinds. Anything else must be added with registry.register(). */
export const BUILTIN_RESOURCES: ResourceType[] = [
  r('v1', 'Namespace', 'namespaces', false, { shortNames: ['ns'], subresources: ['status'] }),
  r('v1', 'Secret', 'secrets', true),
  r('v1', 'ConfigMap', 'configmaps', true, { shortNames: ['cm'] }),
  r('v1', 'Service', 'services', true, { shortNames: ['svc'], categories: ALL, subresources: ['status'] }),
  r('v1', 'Endpoints', 'endpoints', true, { shortNames: ['ep'], singular: 'endpoints' }),
  r('v1', 'ServiceAccount', 'serviceaccounts', true, { shortNames: ['sa'] }),
  r('v1', 'Pod', 'pods', true, { shortNames: ['po'], categories: ALL, subresources: ['status', 'log'] }),
  r('v1', 'PersistentVolumeClaim', 'persistentvolumeclaims', true, { shortNames: ['pvc'], subresources: ['status'] }),
  r('v1', 'PersistentVolume', 'persistentvolumes', false, { shortNames: ['pv'], subresources: ['status'] }),
  r('v1', 'Event', 'events', true, { shortNames: ['ev'] }),
  r('v1', 'Node', 'nodes', false, { shortNames: ['no'], subresources: ['status'] }),
  r('apps/v1', 'Deployment', 'deployments', true, { shortNames: ['deploy'], categories: ALL, subresources: ['status', 'scale'] }),
  r('apps/v1', 'StatefulSet', 'statefulsets', true, { shortNames: ['sts'], categories: ALL, subresources: ['status', 'scale'] }),
  r('apps/v1', 'ReplicaSet', 'replicasets', true, { shortNames: ['rs'], categories: ALL, subresources: ['status', 'scale'] }),
  r('apps/v1', 'DaemonSet', 'daemonsets', true, { shortNames: ['ds'], categories: ALL, subresources: ['status'] }),
  r('batch/v1', 'Job', 'jobs', true, { categories: ALL, subresources: ['status'] }),
  r('batch/v1', 'CronJob', 'cronjobs', true, { shortNames: ['cj'], categories: ALL, subresources: ['status'] }),
  r('networking.k8s.io/v1', 'Ingress', 'ingresses', true, { shortNames: ['ing'], subresources: ['status'] }),
  r('networking.k8s.io/v1', 'IngressClass', 'ingressclasses', false),
  r('networking.k8s.io/v1', 'NetworkPolicy', 'networkpolicies', true, { shortNames: ['netpol'] }),
  r('policy/v1', 'PodDisruptionBudget', 'poddisruptionbudgets', true, { shortNames: ['pdb'], subresources: ['status'] }),
  r('autoscaling/v2', 'HorizontalPodAutoscaler', 'horizontalpodautoscalers', true, { shortNames: ['hpa'], categories: ALL, subresources: ['status'] }),
  r('rbac.authorization.k8s.io/v1', 'Role', 'roles', true),
  r('rbac.authorization.k8s.io/v1', 'RoleBinding', 'rolebindings', true),
  r('rbac.authorization.k8s.io/v1', 'ClusterRole', 'clusterroles', false),
  r('rbac.authorization.k8s.io/v1', 'ClusterRoleBinding', 'clusterrolebindings', false),
  r('storage.k8s.io/v1', 'StorageClass', 'storageclasses', false, { shortNames: ['sc'] }),
  r('coordination.k8s.io/v1', 'Lease', 'leases', true),
  r('authorization.k8s.io/v1', 'SelfSubjectAccessReview', 'selfsubjectaccessreviews', false, { verbs: ['create'] }),
  // GKE ships this CRD in two served versions and the Bucketeer chart uses both (v1 for web,
  // v1beta1 for api). The first registered version is the preferred and storage version.
  r('cloud.google.com/v1', 'BackendConfig', 'backendconfigs', true),
  r('cloud.google.com/v1beta1', 'BackendConfig', 'backendconfigs', true),
];

export class ResourceRegistry {
  private readonly types: ResourceType[] = [];

  constructor(initial: ResourceType[] = BUILTIN_RESOURCES) {
    for (const rt of initial) this.register(rt);
  }

  /**
   * Adds a kind (e.g. a CRD's kind) so it gets discovery, OpenAPI and storage. Registering the same
   * group and plural again under another version adds a served version of the same resource: both
   * share one set of objects (like a CRD with several versions and no conversion webhook), and the
   * first version registered is the preferred and storage version.
   */
  register(rt: ResourceType): void {
    const existing = this.byPlural(rt.group, rt.version, rt.plural);
    if (existing) throw new Error(`kubesim: ${rt.plural}.${rt.group} ${rt.version} is already registered`);
    const storage = this.types.find((t) => t.group === rt.group && t.plural === rt.plural);
    if (storage && (storage.kind !== rt.kind || storage.namespaced !== rt.namespaced)) {
      throw new Error(`kubesim: ${rt.plural}.${rt.group} ${rt.version} must have the same kind and scope as ${storage.version}`);
    }
    this.types.push(rt);
  }

  /** The version objects of this resource are stored in: the first one registered for its group and plural. */
  storageType(rt: ResourceType): ResourceType {
    return this.types.find((t) => t.group === rt.group && t.plural === rt.plural) ?? rt;
  }

  all(): readonly ResourceType[] {
    return this.types;
  }

  byPlural(group: string, version: string, plural: string): ResourceType | undefined {
    return this.types.find((t) => t.group === group && t.version === version && t.plural === plural);
  }

  byKind(apiVersion: string, kind: string): ResourceType | undefined {
    return this.types.find((t) => apiVersionOf(t) === apiVersion && t.kind === kind);
  }

  /** Lower-case kind, singular, plural or short name ("deploy", "deployment", "deployments"). */
  byAlias(alias: string): ResourceType | undefined {
    const a = alias.toLowerCase();
    return this.types.find(
      (t) => t.singular === a || t.plural === a || t.kind.toLowerCase() === a || t.shortNames?.includes(a),
    );
  }

  groupVersions(): Array<{ group: string; version: string }> {
    const seen = new Map<string, { group: string; version: string }>();
    for (const t of this.types) seen.set(apiVersionOf(t), { group: t.group, version: t.version });
    return [...seen.values()];
  }

  // ---- discovery (classic, non-aggregated format; clients accept it when the reply is plain JSON) ----

  apiVersions(serverAddress: string): object {
    return {
      kind: 'APIVersions',
      versions: ['v1'],
      serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress }],
    };
  }

  apiGroupList(): object {
    const groups = new Map<string, string[]>();
    for (const { group, version } of this.groupVersions()) {
      if (!group) continue;
      groups.set(group, [...(groups.get(group) ?? []), version]);
    }
    return {
      kind: 'APIGroupList',
      apiVersion: 'v1',
      groups: [...groups].map(([name, versions]) => ({
        name,
        versions: versions.map((v) => ({ groupVersion: `${name}/${v}`, version: v })),
        preferredVersion: { groupVersion: `${name}/${versions[0]}`, version: versions[0] },
      })),
    };
  }

  apiResourceList(group: string, version: string): object | undefined {
    const types = this.types.filter((t) => t.group === group && t.version === version);
    if (types.length === 0) return undefined;
    const resources: object[] = [];
    for (const t of types) {
      resources.push({
        name: t.plural,
        singularName: t.singular,
        namespaced: t.namespaced,
        kind: t.kind,
        verbs: t.verbs ?? ALL_VERBS,
        ...(t.shortNames ? { shortNames: t.shortNames } : {}),
        ...(t.categories ? { categories: t.categories } : {}),
        // Every served version of a resource reports its storage version's hash, as the real server does.
        storageVersionHash: hash(`${apiVersionOf(this.storageType(t))}/${t.kind}`).slice(0, 12),
      });
      for (const sub of t.subresources ?? []) {
        const scale = sub === 'scale';
        resources.push({
          name: `${t.plural}/${sub}`,
          singularName: '',
          namespaced: t.namespaced,
          ...(scale ? { group: 'autoscaling', version: 'v1' } : {}),
          kind: scale ? 'Scale' : t.kind,
          verbs: sub === 'log' ? ['get'] : ['get', 'patch', 'update'],
        });
      }
    }
    return { kind: 'APIResourceList', apiVersion: 'v1', groupVersion: apiVersionOf({ group, version }), resources };
  }

  // ---- OpenAPI v3 stub ----
  // client-go only consults OpenAPI v3 to learn whether PATCH accepts `fieldValidation` (helm and
  // kubectl send fieldValidation=Strict). Without a matching PATCH operation it falls back to the
  // protobuf /openapi/v2 and fails. The requestBody deliberately does not list
  // strategic-merge-patch+json: that tells `kubectl apply` to build its patch from its compiled-in
  // Go types instead of from schemas we do not publish.

  openApiRoot(): object {
    const paths: Record<string, { serverRelativeURL: string }> = {};
    for (const gv of this.groupVersions()) {
      const key = gvPath(gv);
      paths[key] = { serverRelativeURL: `/openapi/v3/${key}?hash=${hash(JSON.stringify(this.openApiDoc(key)))}` };
    }
    return { paths };
  }

  /** `key` is "api/v1" or "apis/{group}/{version}". */
  openApiDoc(key: string): object | undefined {
    const gv = this.groupVersions().find((g) => gvPath(g) === key);
    if (!gv) return undefined;
    const paths: Record<string, object> = {};
    for (const t of this.types.filter((x) => x.group === gv.group && x.version === gv.version)) {
      if (!(t.verbs ?? ALL_VERBS).includes('patch')) continue;
      const base = `/${key}${t.namespaced ? '/namespaces/{namespace}' : ''}/${t.plural}/{name}`;
      const query = (name: string) => ({ name, in: 'query', schema: { type: 'string', uniqueItems: true } });
      paths[base] = {
        patch: {
          operationId: `patch${t.kind}`,
          parameters: [query('dryRun'), query('fieldManager'), query('fieldValidation'), { ...query('force'), schema: { type: 'boolean' } }],
          requestBody: {
            content: Object.fromEntries(
              ['application/json-patch+json', 'application/merge-patch+json', 'application/apply-patch+yaml'].map((c) => [
                c,
                { schema: { type: 'object' } },
              ]),
            ),
          },
          responses: { '200': { description: 'OK' } },
          'x-kubernetes-action': 'patch',
          'x-kubernetes-group-version-kind': { group: t.group, version: t.version, kind: t.kind },
        },
      };
    }
    return { openapi: '3.0.0', info: { title: 'Kubernetes (kubesim)', version: KUBE_VERSION }, paths, components: { schemas: {} } };
  }
}

export const KUBE_VERSION = 'v1.34.1';

export function versionInfo(): object {
  return {
    major: '1',
    minor: '34',
    gitVersion: KUBE_VERSION,
    gitCommit: '0000000000000000000000000000000000000000',
    gitTreeState: 'clean',
    buildDate: '2025-09-09T00:00:00Z',
    goVersion: 'go1.24.6',
    compiler: 'gc',
    platform: 'linux/amd64',
  };
}

function gvPath(gv: { group: string; version: string }): string {
  return gv.group ? `apis/${gv.group}/${gv.version}` : `api/${gv.version}`;
}

export function hash(s: string): string {
  return createHash('sha256').update(s).digest('hex');
}
