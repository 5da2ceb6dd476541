// Minimal decoder for the Kubernetes protobuf wire format, enough for the Secrets (and ConfigMaps)
// in which Helm stores its releases, Namespaces (`kubectl create namespace`) and access reviews
// (`kubectl auth can-i`), plus DeleteOptions. Typed clients (Helm's release storage, kubectl's generators) send them as
// `application/vnd.kubernetes.protobuf`, and a 415 reply does not make it retry in JSON.
//
// Envelope: the 4 magic bytes "k8s\0", then a runtime.Unknown message:
//   1: typeMeta {1: apiVersion, 2: kind}   2: raw (the object's own message)
//   3: contentEncoding                      4: contentType
// Field numbers below come from k8s.io/api/core/v1/generated.proto and
// k8s.io/apimachinery/pkg/apis/meta/v1/generated.proto.
import type { KubeObject, ObjectMeta } from './store.js';

const MAGIC = Buffer.from([0x6b, 0x38, 0x73, 0x00]);

interface Field {
  no: number;
  wire: number;
  value: bigint | Buffer;
}

function readVarint(buf: Buffer, pos: number): [bigint, number] {
  let result = 0n;
  let shift = 0n;
  for (;;) {
    if (pos >= buf.length) throw new Error('protobuf: truncated varint');
    const b = buf[pos++];
    result |= BigInt(b & 0x7f) << shift;
    if ((b & 0x80) === 0) return [result, pos];
    shift += 7n;
  }
}

function fields(buf: Buffer): Field[] {
  const out: Field[] = [];
  let pos = 0;
  while (pos < buf.length) {
    const [tag, p1] = readVarint(buf, pos);
    const no = Number(tag >> 3n);
    const wire = Number(tag & 7n);
    pos = p1;
    if (wire === 0) {
      const [v, p2] = readVarint(buf, pos);
      out.push({ no, wire, value: v });
      pos = p2;
    } else if (wire === 2) {
      const [len, p2] = readVarint(buf, pos);
      const end = p2 + Number(len);
      out.push({ no, wire, value: buf.subarray(p2, end) });
      pos = end;
    } else if (wire === 1) {
      pos += 8;
    } else if (wire === 5) {
      pos += 4;
    } else {
      throw new Error(`protobuf: unsupported wire type ${wire}`);
    }
  }
  return out;
}

const str = (f: Field) => (f.value as Buffer).toString('utf8');
const bytes = (f: Field) => f.value as Buffer;

/** map<string, V> entries are messages {1: key, 2: value}. */
function mapEntry(f: Field): [string, Buffer] {
  const inner = fields(bytes(f));
  const k = inner.find((x) => x.no === 1);
  const v = inner.find((x) => x.no === 2);
  return [k ? str(k) : '', v ? bytes(v) : Buffer.alloc(0)];
}

function decodeObjectMeta(buf: Buffer): ObjectMeta {
  const meta: ObjectMeta = { name: '' };
  for (const f of fields(buf)) {
    switch (f.no) {
      case 1: meta.name = str(f); break;
      case 2: meta.generateName = str(f); break;
      case 3: meta.namespace = str(f); break;
      case 6: meta.resourceVersion = str(f); break;
      case 11: { const [k, v] = mapEntry(f); (meta.labels ??= {})[k] = v.toString('utf8'); break; }
      case 12: { const [k, v] = mapEntry(f); (meta.annotations ??= {})[k] = v.toString('utf8'); break; }
      case 14: (meta.finalizers ??= []).push(str(f)); break;
      // uid, timestamps, ownerReferences and managedFields are server-owned or unused by Helm.
    }
  }
  return meta;
}

export function isProtobufEnvelope(body: Buffer): boolean {
  return body.length >= 4 && body.subarray(0, 4).equals(MAGIC);
}

/** Decodes an envelope holding one of the kinds above into its JSON form. */
export function decodeProtobufObject(body: Buffer): KubeObject {
  if (!isProtobufEnvelope(body)) throw new Error('protobuf: missing k8s envelope');
  let apiVersion = '';
  let kind = '';
  let raw: Buffer = Buffer.alloc(0);
  for (const f of fields(body.subarray(4))) {
    if (f.no === 1) {
      for (const t of fields(bytes(f))) {
        if (t.no === 1) apiVersion = str(t);
        if (t.no === 2) kind = str(t);
      }
    } else if (f.no === 2) {
      raw = bytes(f);
    }
  }
  const obj: KubeObject = { apiVersion, kind, metadata: { name: '' } };
  if (apiVersion === 'v1' && kind === 'Secret') {
    for (const f of fields(raw)) {
      switch (f.no) {
        case 1: obj.metadata = decodeObjectMeta(bytes(f)); break;
        case 2: { const [k, v] = mapEntry(f); (obj.data ??= {})[k] = v.toString('base64'); break; }
        case 3: obj.type = str(f); break;
        case 4: { const [k, v] = mapEntry(f); (obj.stringData ??= {})[k] = v.toString('utf8'); break; }
        case 5: obj.immutable = (f.value as bigint) !== 0n; break;
      }
    }
  } else if (apiVersion === 'v1' && kind === 'ConfigMap') {
    for (const f of fields(raw)) {
      switch (f.no) {
        case 1: obj.metadata = decodeObjectMeta(bytes(f)); break;
        case 2: { const [k, v] = mapEntry(f); (obj.data ??= {})[k] = v.toString('utf8'); break; }
        case 3: { const [k, v] = mapEntry(f); (obj.binaryData ??= {})[k] = v.toString('base64'); break; }
        case 4: obj.immutable = (f.value as bigint) !== 0n; break;
      }
    }
  } else if (apiVersion === 'v1' && kind === 'Namespace') {
    // `kubectl create namespace` sends this one. NamespaceSpec is {1: repeated finalizers}.
    for (const f of fields(raw)) {
      if (f.no === 1) obj.metadata = decodeObjectMeta(bytes(f));
      if (f.no === 2) obj.spec = { finalizers: fields(bytes(f)).filter((x) => x.no === 1).map(str) };
    }
  } else if (apiVersion === 'authorization.k8s.io/v1' && kind === 'SelfSubjectAccessReview') {
    // `kubectl auth can-i`. spec {1: resourceAttributes {1: namespace, 2: verb, 3: group,
    // 4: version, 5: resource, 6: subresource, 7: name}, 2: nonResourceAttributes {1: path, 2: verb}}
    const names: Record<number, Record<number, string>> = {
      1: { 1: 'namespace', 2: 'verb', 3: 'group', 4: 'version', 5: 'resource', 6: 'subresource', 7: 'name' },
      2: { 1: 'path', 2: 'verb' },
    };
    const spec: Record<string, Record<string, string>> = {};
    for (const f of fields(raw)) {
      if (f.no === 1) obj.metadata = decodeObjectMeta(bytes(f));
      if (f.no !== 2) continue;
      for (const part of fields(bytes(f))) {
        const key = part.no === 1 ? 'resourceAttributes' : 'nonResourceAttributes';
        spec[key] = {};
        for (const attr of fields(bytes(part))) {
          const name = names[part.no]?.[attr.no];
          if (name && attr.wire === 2) spec[key][name] = str(attr);
        }
      }
    }
    obj.spec = spec;
  } else if (kind === 'DeleteOptions') {
    // Helm deletes release Secrets with a protobuf DeleteOptions body:
    // {1: gracePeriodSeconds, 2: preconditions {1: uid, 2: resourceVersion}, 4: propagationPolicy}
    for (const f of fields(raw)) {
      if (f.no === 4) obj.propagationPolicy = str(f);
      if (f.no === 2) {
        const pre: Record<string, string> = {};
        for (const p of fields(bytes(f))) pre[p.no === 1 ? 'uid' : 'resourceVersion'] = str(p);
        obj.preconditions = pre;
      }
    }
  } else {
    throw new UnsupportedProtobufKind(`${apiVersion}/${kind}`);
  }
  return obj;
}

export class UnsupportedProtobufKind extends Error {
  constructor(readonly gvk: string) {
    super(`kubesim decodes protobuf only for Secret, ConfigMap, Namespace, SelfSubjectAccessReview and DeleteOptions, got ${gvk}; send JSON instead (e.g. kubectl apply -f rather than kubectl create <kind>)`);
  }
}
