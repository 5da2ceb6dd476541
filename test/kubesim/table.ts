// Server-side printing: `kubectl get` asks for `as=Table` and prints whatever columns come back.
// Without this it falls back to NAME/AGE only; a few kinds get the columns a person expects
// (pods show READY/STATUS/RESTARTS, so a crash loop is visible in plain `kubectl get pods`).
import type { KubeObject } from './store.js';

interface Column {
  name: string;
  type: 'string' | 'integer';
  format?: string;
}

type Cell = string | number;

export function wantsTable(accept: string | undefined): boolean {
  return !!accept && /as=Table/.test(accept);
}

function age(o: KubeObject): string {
  const s = Math.max(0, Math.floor((Date.now() - Date.parse(o.metadata.creationTimestamp ?? '')) / 1000));
  if (Number.isNaN(s)) return '<unknown>';
  if (s < 120) return `${s}s`;
  if (s < 3 * 3600) return `${Math.floor(s / 60)}m`;
  if (s < 48 * 3600) return `${Math.floor(s / 3600)}h`;
  return `${Math.floor(s / 86400)}d`;
}

/** What `kubectl get pods` shows in STATUS: a container's waiting/terminated reason, else the phase. */
export function podStatusReason(pod: KubeObject): string {
  for (const cs of pod.status?.containerStatuses ?? []) {
    if (cs.state?.waiting?.reason) return cs.state.waiting.reason;
    if (cs.state?.terminated?.reason && pod.status?.phase !== 'Succeeded') return cs.state.terminated.reason;
  }
  if (pod.status?.phase === 'Succeeded') return 'Completed';
  return pod.status?.phase ?? 'Unknown';
}

const str = (name: string): Column => ({ name, type: 'string' });
const int = (name: string): Column => ({ name, type: 'integer' });

const PRINTERS: Record<string, { columns: Column[]; cells: (o: KubeObject) => Cell[] }> = {
  Pod: {
    columns: [str('Ready'), str('Status'), int('Restarts')],
    cells: (o) => {
      const cs: Array<{ ready?: boolean; restartCount?: number }> = o.status?.containerStatuses ?? [];
      const total = (o.spec?.containers ?? []).length;
      return [`${cs.filter((c) => c.ready).length}/${total}`, podStatusReason(o), cs.reduce((n, c) => n + (c.restartCount ?? 0), 0)];
    },
  },
  Deployment: {
    columns: [str('Ready'), int('Up-to-date'), int('Available')],
    cells: (o) => [`${o.status?.readyReplicas ?? 0}/${o.spec?.replicas ?? 1}`, o.status?.updatedReplicas ?? 0, o.status?.availableReplicas ?? 0],
  },
  ReplicaSet: {
    columns: [int('Desired'), int('Current'), int('Ready')],
    cells: (o) => [o.spec?.replicas ?? 1, o.status?.replicas ?? 0, o.status?.readyReplicas ?? 0],
  },
  StatefulSet: {
    columns: [str('Ready')],
    cells: (o) => [`${o.status?.readyReplicas ?? 0}/${o.spec?.replicas ?? 1}`],
  },
  Job: {
    columns: [str('Status'), str('Completions')],
    cells: (o) => {
      const c: Array<{ type: string; status: string }> = o.status?.conditions ?? [];
      const status = c.some((x) => x.type === 'Complete' && x.status === 'True') ? 'Complete' : c.some((x) => x.type === 'Failed' && x.status === 'True') ? 'Failed' : 'Running';
      return [status, `${o.status?.succeeded ?? 0}/${o.spec?.completions ?? 1}`];
    },
  },
  Service: {
    columns: [str('Type'), str('Cluster-IP'), str('External-IP'), str('Port(s)')],
    cells: (o) => [
      o.spec?.type ?? 'ClusterIP',
      o.spec?.clusterIP ?? '<none>',
      (o.status?.loadBalancer?.ingress ?? []).map((i: { ip?: string; hostname?: string }) => i.ip ?? i.hostname).join(',') || '<none>',
      (o.spec?.ports ?? []).map((p: { port: number; protocol?: string }) => `${p.port}/${p.protocol ?? 'TCP'}`).join(',') || '<none>',
    ],
  },
  PersistentVolumeClaim: {
    columns: [str('Status'), str('Volume'), str('Capacity')],
    cells: (o) => [o.status?.phase ?? 'Pending', o.spec?.volumeName ?? '', o.status?.capacity?.storage ?? ''],
  },
  Namespace: { columns: [str('Status')], cells: (o) => [o.status?.phase ?? 'Active'] },
  Secret: { columns: [str('Type'), int('Data')], cells: (o) => [o.type ?? 'Opaque', Object.keys(o.data ?? {}).length] },
  ConfigMap: { columns: [int('Data')], cells: (o) => [Object.keys(o.data ?? {}).length + Object.keys(o.binaryData ?? {}).length] },
  Event: {
    columns: [str('Type'), str('Reason'), str('Object'), str('Message')],
    cells: (o) => [o.type ?? '', o.reason ?? '', `${String(o.involvedObject?.kind ?? '').toLowerCase()}/${o.involvedObject?.name ?? ''}`, o.message ?? ''],
  },
};

export function toTable(kind: string, objects: KubeObject[], resourceVersion: string): object {
  const printer = PRINTERS[kind];
  const columns: Column[] = [{ ...str('Name'), format: 'name' }, ...(printer?.columns ?? []), str('Age')];
  return {
    kind: 'Table',
    apiVersion: 'meta.k8s.io/v1',
    metadata: { resourceVersion },
    columnDefinitions: columns.map((c) => ({ ...c, format: c.format ?? '', description: '', priority: 0 })),
    rows: objects.map((o) => ({ cells: [o.metadata.name, ...(printer?.cells(o) ?? []), age(o)], object: o })),
  };
}
