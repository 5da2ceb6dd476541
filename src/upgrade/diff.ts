// What an upgrade changes, as data: a per-key diff of the chart values (flattened dot paths,
// secrets masked) and a resource-level diff of the rendered manifests (kind/name added, removed,
// changed). Pure, so the command and the tests share it.
import { createHash } from 'node:crypto';
import { parseAllDocuments } from 'yaml';
import { MASK, type Values } from '../plan/values.js';
import { flatten } from '../util/value-tree.js';

export type Leaf = string | number | boolean | null | unknown[];

/** A copy of `values` with the leaves at `paths` (and anything below them) replaced by MASK. */
export function maskPaths(values: Values, paths: Iterable<string>): Values {
  const out = structuredClone(values);
  for (const p of paths) {
    const segs = p.split('.');
    let cur: Record<string, unknown> | undefined = out;
    for (const s of segs.slice(0, -1)) {
      const next: unknown = cur?.[s];
      cur = next && typeof next === 'object' && !Array.isArray(next) ? (next as Record<string, unknown>) : undefined;
    }
    const last = segs.at(-1)!;
    if (cur && last in cur && cur[last] !== undefined && cur[last] !== null && cur[last] !== '') cur[last] = MASK;
  }
  return out;
}

export interface ValueChange {
  path: string;
  kind: 'added' | 'removed' | 'changed';
  before?: unknown;
  after?: unknown;
}

/** Per-key diff of two (already masked) value trees, sorted by path. */
export function diffValues(before: Values, after: Values): ValueChange[] {
  const a = flatten(before);
  const b = flatten(after);
  const out: ValueChange[] = [];
  for (const path of [...new Set([...Object.keys(a), ...Object.keys(b)])].sort()) {
    const inA = path in a;
    const inB = path in b;
    if (inA && !inB) out.push({ path, kind: 'removed', before: a[path] });
    else if (!inA && inB) out.push({ path, kind: 'added', after: b[path] });
    else if (JSON.stringify(a[path]) !== JSON.stringify(b[path])) out.push({ path, kind: 'changed', before: a[path], after: b[path] });
  }
  return out;
}

const show = (v: unknown) => (typeof v === 'string' ? JSON.stringify(v) : JSON.stringify(v) ?? 'null');

export function formatValueChanges(changes: ValueChange[]): string[] {
  return changes.map((c) =>
    c.kind === 'added' ? `  + ${c.path}: ${show(c.after)}` : c.kind === 'removed' ? `  - ${c.path}: ${show(c.before)}` : `  ~ ${c.path}: ${show(c.before)} -> ${show(c.after)}`,
  );
}

export interface RenderedObject {
  kind: string;
  name: string;
  /** sha256 of the object's canonical JSON (metadata noise removed). */
  hash: string;
  obj: Record<string, any>;
}

/** Object keys sorted recursively, so two renderings of the same object hash the same. */
function canonical(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(canonical);
  if (v && typeof v === 'object') return Object.fromEntries(Object.keys(v).sort().map((k) => [k, canonical((v as Record<string, unknown>)[k])]));
  return v;
}

export const objectKey = (o: { kind: string; name: string }) => `${o.kind}/${o.name}`;

/** Parses a multi-document manifest (helm template / get manifest) into objects keyed kind/name. */
export function parseManifest(text: string): Map<string, RenderedObject> {
  const out = new Map<string, RenderedObject>();
  for (const doc of parseAllDocuments(text)) {
    const obj = doc.toJS() as Record<string, any> | null;
    if (!obj || typeof obj !== 'object' || !obj.kind || !obj.metadata?.name) continue;
    const hash = createHash('sha256').update(JSON.stringify(canonical(obj))).digest('hex');
    const r = { kind: String(obj.kind), name: String(obj.metadata.name), hash, obj };
    out.set(objectKey(r), r);
  }
  return out;
}

export interface ResourceDiff {
  added: string[];
  removed: string[];
  changed: string[];
  unchanged: number;
}

export function diffResources(before: Map<string, RenderedObject>, after: Map<string, RenderedObject>): ResourceDiff {
  const d: ResourceDiff = { added: [], removed: [], changed: [], unchanged: 0 };
  for (const [k, o] of after) {
    const old = before.get(k);
    if (!old) d.added.push(k);
    else if (old.hash !== o.hash) d.changed.push(k);
    else d.unchanged++;
  }
  for (const k of before.keys()) if (!after.has(k)) d.removed.push(k);
  d.added.sort();
  d.removed.sort();
  d.changed.sort();
  return d;
}

/** The ConfigMaps and Secrets referenced by a pod template (volumes, env, envFrom, projected). */
export function configRefsOf(podSpec: Record<string, any> | undefined): { configMaps: Set<string>; secrets: Set<string> } {
  const configMaps = new Set<string>();
  const secrets = new Set<string>();
  for (const v of podSpec?.volumes ?? []) {
    if (v.configMap?.name) configMaps.add(v.configMap.name);
    if (v.secret?.secretName) secrets.add(v.secret.secretName);
    for (const src of v.projected?.sources ?? []) {
      if (src.configMap?.name) configMaps.add(src.configMap.name);
      if (src.secret?.name) secrets.add(src.secret.name);
    }
  }
  for (const c of [...(podSpec?.containers ?? []), ...(podSpec?.initContainers ?? [])]) {
    for (const e of c.env ?? []) {
      if (e.valueFrom?.configMapKeyRef?.name) configMaps.add(e.valueFrom.configMapKeyRef.name);
      if (e.valueFrom?.secretKeyRef?.name) secrets.add(e.valueFrom.secretKeyRef.name);
    }
    for (const e of c.envFrom ?? []) {
      if (e.configMapRef?.name) configMaps.add(e.configMapRef.name);
      if (e.secretRef?.name) secrets.add(e.secretRef.name);
    }
  }
  return { configMaps, secrets };
}

const templateHash = (o: RenderedObject | undefined) => createHash('sha256').update(JSON.stringify(canonical(o?.obj.spec?.template ?? null))).digest('hex');

export interface RestartPlan {
  /** Deployment name -> the changed ConfigMaps/Secrets it reads. */
  deployments: Map<string, string[]>;
}

/**
 * Deployments that read a ConfigMap or Secret whose content changed, but whose own pod template
 * did not change: Kubernetes does not roll those by itself, so their pods keep the old config.
 */
export function deploymentsToRestart(before: Map<string, RenderedObject>, after: Map<string, RenderedObject>): RestartPlan {
  const changed = new Set<string>();
  for (const [k, o] of after) {
    if (o.kind !== 'ConfigMap' && o.kind !== 'Secret') continue;
    const old = before.get(k);
    if (!old || JSON.stringify(canonical(old.obj.data ?? {})) !== JSON.stringify(canonical(o.obj.data ?? {})) || JSON.stringify(canonical(old.obj.stringData ?? {})) !== JSON.stringify(canonical(o.obj.stringData ?? {}))) {
      if (old) changed.add(k);
    }
  }
  const deployments = new Map<string, string[]>();
  for (const [k, o] of after) {
    if (o.kind !== 'Deployment') continue;
    const old = before.get(k);
    if (!old || templateHash(old) !== templateHash(o)) continue; // rolls out anyway
    const refs = configRefsOf(o.obj.spec?.template?.spec);
    const hits = [...[...refs.configMaps].map((n) => `ConfigMap/${n}`), ...[...refs.secrets].map((n) => `Secret/${n}`)].filter((r) => changed.has(r));
    if (hits.length) deployments.set(o.name, hits);
  }
  return { deployments };
}
