// The in-memory object store: one global resourceVersion counter, an event log for classic
// "watch from resourceVersion N", and live subscribers for streaming watches.
// Stored objects are never mutated in place: every write stores a fresh clone, so the event log
// can keep references to old versions safely.
import { randomUUID } from 'node:crypto';
import type { ObjectMeta as InstallerObjectMeta } from '../../src/kube/types.js';
import { apiVersionOf, type ResourceType } from './resources.js';

export interface OwnerReference {
  apiVersion: string;
  kind: string;
  name: string;
  uid: string;
  controller?: boolean;
  blockOwnerDeletion?: boolean;
}

/** The metadata the installer reads (src/kube/types.ts), and what a server also keeps. */
export interface ObjectMeta extends InstallerObjectMeta {
  generateName?: string;
  ownerReferences?: OwnerReference[];
  finalizers?: string[];
  [key: string]: unknown;
}

/** A Kubernetes object as plain JSON. Fields other than metadata are left untyped on purpose. */
export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: ObjectMeta;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  [key: string]: any;
}

export type WatchEventType = 'ADDED' | 'MODIFIED' | 'DELETED';

export interface StoreEvent {
  rv: number;
  type: WatchEventType;
  typeKey: string;
  object: KubeObject;
  /** The version before this change, so selector-filtered watches can turn edits into ADDED/DELETED. */
  previous?: KubeObject;
}

export type Listener = (event: StoreEvent) => void;

export function typeKey(rt: Pick<ResourceType, 'group' | 'plural'>): string {
  return `${rt.plural}.${rt.group}`;
}

function objectKey(namespace: string | undefined, name: string): string {
  return `${namespace ?? ''}/${name}`;
}

/** Events kept for "watch from resourceVersion"; older requests get 410 Gone like a compacted etcd. */
const EVENT_LOG_LIMIT = 50_000;

export class ObjectStore {
  private rv = 1000;
  private readonly objects = new Map<string, Map<string, KubeObject>>();
  private readonly log: StoreEvent[] = [];
  private readonly listeners = new Set<Listener>();
  /** typeKey -> ResourceType, learnt on put, so cascading deletes can resolve dependents' types. */
  private readonly types = new Map<string, ResourceType>();

  get resourceVersion(): number {
    return this.rv;
  }

  /** The oldest resourceVersion a watch can still resume from. */
  get oldestWatchableRv(): number {
    return this.log.length > 0 ? this.log[0].rv - 1 : this.rv;
  }

  get(rt: ResourceType, namespace: string | undefined, name: string): KubeObject | undefined {
    return this.objects.get(typeKey(rt))?.get(objectKey(rt.namespaced ? namespace : undefined, name));
  }

  list(rt: ResourceType, namespace?: string, filter?: (o: KubeObject) => boolean): KubeObject[] {
    const all = [...(this.objects.get(typeKey(rt))?.values() ?? [])];
    return all
      .filter((o) => !namespace || !rt.namespaced || o.metadata.namespace === namespace)
      .filter((o) => !filter || filter(o))
      .sort((a, b) => objectKey(a.metadata.namespace, a.metadata.name).localeCompare(objectKey(b.metadata.namespace, b.metadata.name)));
  }

  /**
   * Creates or replaces an object. Sets uid/creationTimestamp on create, bumps resourceVersion on
   * every write and metadata.generation when `spec` changes (as the real registry does for
   * workloads; kinds without a spec never get a generation).
   */
  put(rt: ResourceType, input: KubeObject): KubeObject {
    const obj = structuredClone(input);
    obj.apiVersion = apiVersionOf(rt);
    obj.kind = rt.kind;
    if (!rt.namespaced) delete obj.metadata.namespace;
    const key = objectKey(obj.metadata.namespace, obj.metadata.name);
    let bucket = this.objects.get(typeKey(rt));
    if (!bucket) this.objects.set(typeKey(rt), (bucket = new Map()));
    this.types.set(typeKey(rt), rt);
    const previous = bucket.get(key);
    const meta = obj.metadata;
    if (previous) {
      meta.uid = previous.metadata.uid;
      meta.creationTimestamp = previous.metadata.creationTimestamp;
      meta.generation = previous.metadata.generation;
      if (obj.spec !== undefined && stableStringify(obj.spec) !== stableStringify(previous.spec)) {
        meta.generation = (meta.generation ?? 0) + 1;
      }
    } else {
      meta.uid = randomUUID();
      meta.creationTimestamp = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
      if (obj.spec !== undefined) meta.generation = 1;
      else delete meta.generation;
    }
    this.rv += 1;
    meta.resourceVersion = String(this.rv);
    bucket.set(key, obj);
    this.emit({ rv: this.rv, type: previous ? 'MODIFIED' : 'ADDED', typeKey: typeKey(rt), object: obj, previous });
    return obj;
  }

  /** Removes an object (no graceful deletion, no finalizers). Returns the removed version. */
  remove(rt: ResourceType, namespace: string | undefined, name: string): KubeObject | undefined {
    const bucket = this.objects.get(typeKey(rt));
    const key = objectKey(rt.namespaced ? namespace : undefined, name);
    const previous = bucket?.get(key);
    if (!bucket || !previous) return undefined;
    bucket.delete(key);
    this.rv += 1;
    // The DELETED event carries the final state with a fresh resourceVersion, like the real server.
    const gone: KubeObject = { ...previous, metadata: { ...previous.metadata, resourceVersion: String(this.rv) } };
    this.emit({ rv: this.rv, type: 'DELETED', typeKey: typeKey(rt), object: gone, previous });
    return gone;
  }

  /**
   * Deletes an object and, like the garbage collector with background propagation, everything
   * that names it in ownerReferences (Deployment -> ReplicaSets -> Pods, Job -> Pods), and for a
   * Namespace everything inside it.
   */
  removeCascade(rt: ResourceType, namespace: string | undefined, name: string): KubeObject | undefined {
    const gone = this.remove(rt, namespace, name);
    if (!gone) return undefined;
    const dependents = this.dependentsOf(gone.metadata.uid ?? '');
    if (rt.kind === 'Namespace' && rt.group === '') dependents.push(...this.inNamespace(name));
    for (const d of dependents) {
      const drt = this.types.get(d.typeKey);
      if (drt) this.removeCascade(drt, d.object.metadata.namespace, d.object.metadata.name);
    }
    return gone;
  }

  /** Every stored object whose ownerReferences name this uid (for cascading deletion). */
  dependentsOf(uid: string): Array<{ typeKey: string; object: KubeObject }> {
    const out: Array<{ typeKey: string; object: KubeObject }> = [];
    for (const [tk, bucket] of this.objects) {
      for (const o of bucket.values()) {
        if (o.metadata.ownerReferences?.some((ref) => ref.uid === uid)) out.push({ typeKey: tk, object: o });
      }
    }
    return out;
  }

  /** Everything in a namespace, for namespace deletion. */
  inNamespace(namespace: string): Array<{ typeKey: string; object: KubeObject }> {
    const out: Array<{ typeKey: string; object: KubeObject }> = [];
    for (const [tk, bucket] of this.objects) {
      for (const o of bucket.values()) if (o.metadata.namespace === namespace) out.push({ typeKey: tk, object: o });
    }
    return out;
  }

  /** Events after `rv` for one type, or undefined when the log no longer reaches back that far. */
  eventsSince(rt: ResourceType, rv: number): StoreEvent[] | undefined {
    if (rv < this.oldestWatchableRv) return undefined;
    const tk = typeKey(rt);
    return this.log.filter((e) => e.rv > rv && e.typeKey === tk);
  }

  subscribe(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private emit(event: StoreEvent): void {
    this.log.push(event);
    if (this.log.length > EVENT_LOG_LIMIT) this.log.splice(0, this.log.length - EVENT_LOG_LIMIT);
    for (const l of this.listeners) l(event);
  }
}

/** JSON.stringify with sorted keys, so equality checks ignore key order. */
export function stableStringify(value: unknown): string {
  return JSON.stringify(value, (_k, v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => a.localeCompare(b)))
      : v,
  );
}

// ---------------------------------------------------------------------------------------------
// Selectors

export type ObjectPredicate = (o: KubeObject) => boolean;

/**
 * Parses a label selector string: `a=b`, `a==b`, `a!=b`, `a in (x,y)`, `a notin (x)`, `a`, `!a`.
 * Throws on syntax it does not understand so a bad selector is a 400, not a silent match-all.
 */
export function parseLabelSelector(selector: string | null | undefined): ObjectPredicate {
  if (!selector) return () => true;
  // Split on commas that are not inside parentheses.
  const terms = selector.split(/,(?![^(]*\))/).map((t) => t.trim()).filter(Boolean);
  const tests = terms.map((term): ((labels: Record<string, string>) => boolean) => {
    let m = /^([\w./-]+)\s+(in|notin)\s+\(([^)]*)\)$/.exec(term);
    if (m) {
      const [, key, op, list] = m;
      const values = list.split(',').map((v) => v.trim());
      return op === 'in' ? (l) => key in l && values.includes(l[key]) : (l) => !(key in l) || !values.includes(l[key]);
    }
    m = /^([\w./-]+)\s*(==|=|!=)\s*([\w./-]*)$/.exec(term);
    if (m) {
      const [, key, op, value] = m;
      return op === '!=' ? (l) => l[key] !== value : (l) => l[key] === value;
    }
    m = /^(!?)([\w./-]+)$/.exec(term);
    if (m) {
      const [, not, key] = m;
      return not ? (l) => !(key in l) : (l) => key in l;
    }
    throw new Error(`unable to parse label selector term "${term}"`);
  });
  return (o) => tests.every((t) => t(o.metadata.labels ?? {}));
}

/** Matches a structured selector ({matchLabels, matchExpressions}) against a label map. */
export function matchesLabelSelector(
  selector: { matchLabels?: Record<string, string>; matchExpressions?: Array<{ key: string; operator: string; values?: string[] }> } | undefined,
  labels: Record<string, string> | undefined,
): boolean {
  if (!selector) return false;
  const l = labels ?? {};
  const byLabels = Object.entries(selector.matchLabels ?? {}).every(([k, v]) => l[k] === v);
  const byExpr = (selector.matchExpressions ?? []).every((e) => {
    switch (e.operator) {
      case 'In': return e.key in l && (e.values ?? []).includes(l[e.key]);
      case 'NotIn': return !(e.key in l) || !(e.values ?? []).includes(l[e.key]);
      case 'Exists': return e.key in l;
      case 'DoesNotExist': return !(e.key in l);
      default: return false;
    }
  });
  return byLabels && byExpr;
}

/**
 * Field selectors: `path=value`, `path==value`, `path!=value`, comma-separated. Any dotted path
 * works (metadata.name, metadata.namespace, status.phase, involvedObject.uid, spec.nodeName...),
 * which is more than the real server allows but never less.
 */
export function parseFieldSelector(selector: string | null | undefined): ObjectPredicate {
  if (!selector) return () => true;
  const tests = selector.split(',').filter(Boolean).map((term) => {
    const m = /^([\w.]+)\s*(==|=|!=)\s*(.*)$/.exec(term.trim());
    if (!m) throw new Error(`invalid field selector term "${term}"`);
    const [, path, op, value] = m;
    return (o: KubeObject) => {
      const actual = path.split('.').reduce<unknown>((v, k) => (v && typeof v === 'object' ? (v as Record<string, unknown>)[k] : undefined), o);
      const equal = String(actual ?? '') === value;
      return op === '!=' ? !equal : equal;
    };
  });
  return (o) => tests.every((t) => t(o));
}
