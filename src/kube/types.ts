// The few fields of Kubernetes objects the installer reads. Not the full API: enough to decide
// readiness and explain failures, and loose everywhere else.

export interface ObjectMeta {
  name: string;
  namespace?: string;
  uid?: string;
  resourceVersion?: string;
  generation?: number;
  creationTimestamp?: string;
  deletionTimestamp?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  ownerReferences?: { kind: string; name: string; uid?: string; controller?: boolean }[];
}

export interface KubeObject {
  apiVersion?: string;
  kind?: string;
  metadata: ObjectMeta;
  [key: string]: unknown;
}

export interface Condition {
  type: string;
  status: 'True' | 'False' | 'Unknown';
  reason?: string;
  message?: string;
  lastTransitionTime?: string;
}

export interface Secret extends KubeObject {
  type?: string;
  /** base64 values, as the API returns them. */
  data?: Record<string, string>;
  stringData?: Record<string, string>;
}

export interface ConfigMap extends KubeObject {
  data?: Record<string, string>;
}

export interface ContainerState {
  waiting?: { reason?: string; message?: string };
  running?: { startedAt?: string };
  terminated?: { exitCode?: number; reason?: string; message?: string; finishedAt?: string };
}

export interface ContainerStatus {
  name: string;
  ready: boolean;
  restartCount: number;
  image?: string;
  state?: ContainerState;
  lastState?: ContainerState;
}

export interface Pod extends KubeObject {
  spec?: { containers?: { name: string; image?: string }[]; nodeName?: string };
  status?: {
    phase?: string;
    reason?: string;
    message?: string;
    conditions?: Condition[];
    containerStatuses?: ContainerStatus[];
    initContainerStatuses?: ContainerStatus[];
  };
}

export interface LabelSelector {
  matchLabels?: Record<string, string>;
  matchExpressions?: { key: string; operator: string; values?: string[] }[];
}

export interface Deployment extends KubeObject {
  spec?: { replicas?: number; selector?: LabelSelector };
  status?: {
    observedGeneration?: number;
    replicas?: number;
    updatedReplicas?: number;
    readyReplicas?: number;
    availableReplicas?: number;
    unavailableReplicas?: number;
    conditions?: Condition[];
  };
}

export interface StatefulSet extends KubeObject {
  spec?: { replicas?: number; selector?: LabelSelector; volumeClaimTemplates?: { metadata?: { name?: string; labels?: Record<string, string> } }[] };
  status?: { observedGeneration?: number; replicas?: number; readyReplicas?: number; currentReplicas?: number; updatedReplicas?: number; availableReplicas?: number };
}

export interface Job extends KubeObject {
  spec?: { backoffLimit?: number; selector?: LabelSelector };
  status?: { active?: number; succeeded?: number; failed?: number; conditions?: Condition[] };
}

export interface Service extends KubeObject {
  spec?: { type?: string; selector?: Record<string, string>; ports?: { name?: string; port: number; targetPort?: number | string }[] };
}

export interface Endpoints extends KubeObject {
  subsets?: { addresses?: { ip: string }[]; notReadyAddresses?: { ip: string }[]; ports?: { port: number; name?: string }[] }[];
}

export interface PersistentVolumeClaim extends KubeObject {
  status?: { phase?: string };
}

export interface KubeEvent extends KubeObject {
  type?: string;
  reason?: string;
  message?: string;
  involvedObject?: { kind?: string; name?: string; namespace?: string };
  lastTimestamp?: string;
}

export interface ServerVersion {
  major: string;
  minor: string;
  gitVersion: string;
}

export interface ObjectList<T> {
  items: T[];
  metadata?: { resourceVersion?: string };
}

/** "app=web,tier=x" from matchLabels (matchExpressions are rare in the objects we read). */
export function selectorString(sel: LabelSelector | Record<string, string> | undefined): string {
  if (!sel) return '';
  const labels = 'matchLabels' in sel || 'matchExpressions' in sel ? ((sel as LabelSelector).matchLabels ?? {}) : (sel as Record<string, string>);
  return Object.entries(labels).map(([k, v]) => `${k}=${v}`).join(',');
}

export function condition(obj: { status?: { conditions?: Condition[] } } | undefined, type: string): Condition | undefined {
  return obj?.status?.conditions?.find((c) => c.type === type);
}
