// Patch semantics: RFC 7386 merge patch, RFC 6902 JSON patch, an approximation of strategic merge
// patch (lists of objects merged by a well-known key), and an approximation of server-side apply.

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
type JsonObject = { [k: string]: Json };

function isObject(v: unknown): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export class PatchError extends Error {}

/** RFC 7386: objects merge recursively, null deletes, everything else (arrays too) replaces. */
export function mergePatch(target: unknown, patch: unknown): Json {
  if (!isObject(patch)) return structuredClone(patch as Json);
  const out: JsonObject = isObject(target) ? structuredClone(target) : {};
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k];
    else out[k] = mergePatch(out[k], v);
  }
  return out;
}

/**
 * Merge keys of the list fields that matter in practice (containers, env, ports, volumes...).
 * The real server reads them from the Go struct tags; this table covers the common ones and any
 * list whose items all carry a `name` falls back to merging by name.
 */
const MERGE_KEYS: Record<string, string> = {
  containers: 'name',
  initContainers: 'name',
  ephemeralContainers: 'name',
  env: 'name',
  volumes: 'name',
  volumeMounts: 'mountPath',
  imagePullSecrets: 'name',
  tolerations: 'key',
  hostAliases: 'ip',
  conditions: 'type',
  ownerReferences: 'uid',
};

function mergeKeyFor(field: string, items: Json[]): string | undefined {
  if (field === 'ports') {
    if (items.every((i) => isObject(i) && 'containerPort' in i)) return 'containerPort';
    if (items.every((i) => isObject(i) && 'port' in i)) return 'port';
  }
  if (MERGE_KEYS[field]) return MERGE_KEYS[field];
  if (items.length > 0 && items.every((i) => isObject(i) && typeof i.name === 'string')) return 'name';
  return undefined;
}

/**
 * Strategic merge patch, approximated: maps merge as in a merge patch; lists of objects with a
 * merge key merge item-by-item (honouring `$patch: delete` and `$setElementOrder/<field>`);
 * other lists replace. `$retainKeys` and `$deleteFromPrimitiveList` are accepted and ignored.
 */
export function strategicMergePatch(target: unknown, patch: unknown): Json {
  if (!isObject(patch)) return structuredClone(patch as Json);
  if (patch.$patch === 'replace') {
    const { $patch: _drop, ...rest } = patch;
    return stripDirectives(rest);
  }
  const out: JsonObject = isObject(target) ? structuredClone(target) : {};
  for (const [k, v] of Object.entries(patch)) {
    if (k.startsWith('$')) continue; // directives ($setElementOrder/x, $retainKeys...) are read, not stored
    if (v === null) {
      delete out[k];
    } else if (Array.isArray(v)) {
      out[k] = mergeList(k, out[k], v, patch[`$setElementOrder/${k}`]);
    } else {
      out[k] = strategicMergePatch(out[k], v);
    }
  }
  return out;
}

function mergeList(field: string, current: Json | undefined, patchItems: Json[], order: Json | undefined): Json[] {
  const existing = Array.isArray(current) ? current : [];
  const key = mergeKeyFor(field, [...existing, ...patchItems]);
  if (!key || !patchItems.every(isObject)) return stripDirectives(patchItems) as Json[];
  const result: JsonObject[] = existing.filter(isObject).map((i) => structuredClone(i));
  for (const item of patchItems as JsonObject[]) {
    const idx = result.findIndex((r) => r[key] === item[key]);
    if (item.$patch === 'delete') {
      if (idx >= 0) result.splice(idx, 1);
    } else if (idx >= 0) {
      result[idx] = strategicMergePatch(result[idx], item) as JsonObject;
    } else {
      result.push(strategicMergePatch({}, item) as JsonObject);
    }
  }
  if (Array.isArray(order)) {
    const rank = (i: JsonObject) => {
      const pos = order.findIndex((o) => isObject(o) && o[key] === i[key]);
      return pos < 0 ? Number.MAX_SAFE_INTEGER : pos;
    };
    result.sort((a, b) => rank(a) - rank(b));
  }
  return result;
}

function stripDirectives(v: Json): Json {
  if (Array.isArray(v)) return v.map(stripDirectives);
  if (!isObject(v)) return v;
  return Object.fromEntries(Object.entries(v).filter(([k]) => !k.startsWith('$')).map(([k, x]) => [k, stripDirectives(x)]));
}

/** RFC 6902 JSON patch (add, remove, replace, move, copy, test). */
export function jsonPatch(target: unknown, ops: unknown): Json {
  if (!Array.isArray(ops)) throw new PatchError('json patch must be an array of operations');
  let doc = structuredClone(target as Json);
  const parse = (p: string) => p.split('/').slice(1).map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
  const parentOf = (path: string): [Json[] | JsonObject, string] => {
    const parts = parse(path);
    const last = parts.pop();
    if (last === undefined) throw new PatchError(`invalid path "${path}"`);
    let node: Json = doc;
    for (const p of parts) {
      node = Array.isArray(node) ? node[Number(p)] : isObject(node) ? node[p] : null;
      if (node === null || node === undefined || typeof node !== 'object') throw new PatchError(`path "${path}" does not exist`);
    }
    return [node as Json[] | JsonObject, last];
  };
  const read = (path: string): Json => {
    if (path === '') return doc;
    const [parent, key] = parentOf(path);
    const v = Array.isArray(parent) ? parent[Number(key)] : parent[key];
    if (v === undefined) throw new PatchError(`path "${path}" does not exist`);
    return v;
  };
  const add = (path: string, value: Json) => {
    if (path === '') return void (doc = value);
    const [parent, key] = parentOf(path);
    if (Array.isArray(parent)) parent.splice(key === '-' ? parent.length : Number(key), 0, value);
    else parent[key] = value;
  };
  const remove = (path: string) => {
    const [parent, key] = parentOf(path);
    if (Array.isArray(parent)) parent.splice(Number(key), 1);
    else if (key in parent) delete parent[key];
    else throw new PatchError(`path "${path}" does not exist`);
  };
  for (const op of ops as Array<{ op: string; path: string; from?: string; value?: Json }>) {
    switch (op.op) {
      case 'add': add(op.path, structuredClone(op.value as Json)); break;
      case 'remove': remove(op.path); break;
      case 'replace': read(op.path); remove(op.path); add(op.path, structuredClone(op.value as Json)); break;
      case 'move': { const v = read(op.from ?? ''); remove(op.from ?? ''); add(op.path, v); break; }
      case 'copy': add(op.path, structuredClone(read(op.from ?? ''))); break;
      case 'test':
        if (JSON.stringify(read(op.path)) !== JSON.stringify(op.value)) throw new PatchError(`test failed at "${op.path}"`);
        break;
      default: throw new PatchError(`unknown json patch op "${op.op}"`);
    }
  }
  return doc;
}

/**
 * Server-side apply, approximated without managedFields: the applied configuration is merged into
 * the live object (maps recursively, lists replaced atomically), and fields this field manager
 * applied last time but has now dropped are removed. No conflicts are ever reported.
 */
export function serverSideApply(live: unknown, applied: JsonObject, lastApplied: JsonObject | undefined): Json {
  const pruned = lastApplied ? prune(live as Json, lastApplied, applied) : live;
  return applyMerge(pruned, applied);
}

function applyMerge(live: unknown, applied: Json): Json {
  if (!isObject(applied)) return structuredClone(applied);
  const out: JsonObject = isObject(live) ? structuredClone(live) : {};
  for (const [k, v] of Object.entries(applied)) out[k] = applyMerge(out[k], v);
  return out;
}

function prune(live: Json, before: JsonObject, after: JsonObject): Json {
  if (!isObject(live)) return live;
  const out = { ...live };
  for (const [k, v] of Object.entries(before)) {
    if (!(k in after)) delete out[k];
    else if (isObject(v) && isObject(after[k])) out[k] = prune(out[k], v, after[k] as JsonObject);
  }
  return out;
}
