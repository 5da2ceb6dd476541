import type { Answers } from '../answers/schema.js';

export interface ContainerResources {
  requests: { cpu: string; memory: string };
  limits: { cpu?: string; memory: string };
}

export interface SizingProfile {
  /** The app container of each service. */
  app: Record<'web' | 'api' | 'batch-server' | 'subscriber', ContainerResources>;
  envoy: ContainerResources;
  httpstan: ContainerResources;
  mysql: ContainerResources;
  redis: ContainerResources;
  /** HPA bounds for api and web; undefined keeps one replica (the chart has no replicas key). */
  hpa?: { minReplicas: number; maxReplicas: number; cpuUtilization: number };
}

const r = (cpu: string, memory: string, limitMemory = memory, limitCpu?: string): ContainerResources => ({
  requests: { cpu, memory },
  // CPU limits throttle Go services badly; memory limits protect the node. Only large sets one.
  limits: limitCpu ? { cpu: limitCpu, memory: limitMemory } : { memory: limitMemory },
});

export const SIZING: Record<Answers['sizing'], SizingProfile> = {
  small: {
    app: {
      web: r('100m', '256Mi', '512Mi'),
      api: r('100m', '256Mi', '512Mi'),
      'batch-server': r('50m', '128Mi', '256Mi'),
      subscriber: r('100m', '256Mi', '512Mi'),
    },
    envoy: r('50m', '64Mi', '128Mi'),
    httpstan: r('50m', '128Mi', '256Mi'),
    mysql: r('250m', '512Mi', '1Gi'),
    redis: r('100m', '256Mi', '512Mi'),
  },
  medium: {
    app: {
      web: r('250m', '512Mi', '1Gi'),
      api: r('500m', '512Mi', '1Gi'),
      'batch-server': r('100m', '256Mi', '512Mi'),
      subscriber: r('250m', '512Mi', '1Gi'),
    },
    envoy: r('100m', '128Mi', '256Mi'),
    httpstan: r('100m', '256Mi', '512Mi'),
    mysql: r('500m', '1Gi', '2Gi'),
    redis: r('250m', '1Gi', '2Gi'),
    hpa: { minReplicas: 2, maxReplicas: 4, cpuUtilization: 70 },
  },
  large: {
    app: {
      web: r('500m', '1Gi', '2Gi', '2'),
      api: r('1', '1Gi', '2Gi', '4'),
      'batch-server': r('250m', '512Mi', '1Gi', '1'),
      subscriber: r('500m', '1Gi', '2Gi', '2'),
    },
    envoy: r('250m', '256Mi', '512Mi', '1'),
    httpstan: r('250m', '512Mi', '1Gi', '1'),
    mysql: r('1', '4Gi', '4Gi', '2'),
    redis: r('500m', '4Gi', '4Gi', '1'),
    hpa: { minReplicas: 3, maxReplicas: 10, cpuUtilization: 60 },
  },
};

const cpuMilli = (v: string) => (v.endsWith('m') ? Number(v.slice(0, -1)) : Number(v) * 1000);
export const memBytes = (v: string) => {
  const m = /^(\d+)(Mi|Gi)$/.exec(v);
  if (!m) throw new Error(`unexpected memory quantity ${v}`);
  return Number(m[1]) * (m[2] === 'Gi' ? 1024 ** 3 : 1024 ** 2);
};

/** Total requests of one install: what the cluster must have free (capacity checks use it). */
export function totalRequests(sizing: Answers['sizing'], inCluster: { mysql: boolean; redis: boolean }): { cpuMilli: number; memoryBytes: number } {
  const p = SIZING[sizing];
  const replicas = p.hpa?.minReplicas ?? 1;
  const list: ContainerResources[] = [];
  for (const svc of Object.keys(p.app) as (keyof SizingProfile['app'])[]) {
    const n = svc === 'web' || svc === 'api' ? replicas : 1;
    for (let i = 0; i < n; i++) list.push(p.app[svc], p.envoy);
  }
  list.push(p.httpstan);
  if (inCluster.mysql) list.push(p.mysql);
  if (inCluster.redis) list.push(p.redis);
  return {
    cpuMilli: list.reduce((s, c) => s + cpuMilli(c.requests.cpu), 0),
    memoryBytes: list.reduce((s, c) => s + memBytes(c.requests.memory), 0),
  };
}
