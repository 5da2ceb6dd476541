// A small fake Kubernetes API for the cluster probes (the full simulator lives in test/kubesim/).
// It answers the few read paths the probes use from a state object the test controls.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { json, startHttp } from './peers.js';

export interface FakeKubeState {
  version: { major: string; minor: string; gitVersion: string };
  nodes: { name: string; cpu: string; memory: string; ready?: boolean; taint?: boolean }[];
  pods: { node: string; cpu?: string; memory?: string; phase?: string }[];
  storageClasses: { name: string; isDefault?: boolean }[];
  ingressClasses: { name: string; controller: string }[];
  nginxArgs?: string[];
  certManager: boolean;
  namespaces: string[];
  /** Resources SelfSubjectAccessReview denies, e.g. "secrets". */
  denied: string[];
  /** Paths answered 403. */
  forbidden: string[];
}

export function defaultKubeState(): FakeKubeState {
  return {
    version: { major: '1', minor: '30', gitVersion: 'v1.30.2' },
    nodes: [
      { name: 'node-a', cpu: '4', memory: '16Gi' },
      { name: 'node-b', cpu: '3800m', memory: '15000Mi' },
      { name: 'control-plane', cpu: '2', memory: '8Gi', taint: true },
    ],
    pods: [
      { node: 'node-a', cpu: '500m', memory: '1Gi' },
      { node: 'node-b', cpu: '300m', memory: '512Mi' },
      { node: 'node-b', cpu: '2', memory: '4Gi', phase: 'Succeeded' },
      { node: 'control-plane', cpu: '1', memory: '1Gi' },
    ],
    storageClasses: [{ name: 'standard', isDefault: true }, { name: 'fast' }],
    ingressClasses: [{ name: 'nginx', controller: 'k8s.io/ingress-nginx' }],
    nginxArgs: ['/nginx-ingress-controller', '--enable-ssl-passthrough'],
    certManager: false,
    namespaces: ['default', 'kube-system'],
    denied: [],
    forbidden: [],
  };
}

const list = (kind: string, items: unknown[]) => ({ apiVersion: 'v1', kind, metadata: {}, items });

export async function startFakeKube(state: FakeKubeState, opts: { delayMs?: number; context?: string } = {}) {
  const peer = await startHttp((req, body, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    const path = url.pathname;
    if (state.forbidden.includes(path)) return json(res, 403, { kind: 'Status', apiVersion: 'v1', status: 'Failure', message: `forbidden: ${path}`, reason: 'Forbidden', code: 403 });
    if (path === '/version') return json(res, 200, { ...state.version, platform: 'linux/amd64' });
    if (path === '/api/v1/nodes') {
      return json(
        res,
        200,
        list(
          'NodeList',
          state.nodes.map((n) => ({
            metadata: { name: n.name },
            spec: n.taint ? { taints: [{ key: 'node-role.kubernetes.io/control-plane', effect: 'NoSchedule' }] } : {},
            status: { allocatable: { cpu: n.cpu, memory: n.memory, pods: '110' }, conditions: [{ type: 'Ready', status: n.ready === false ? 'False' : 'True' }] },
          })),
        ),
      );
    }
    if (path === '/api/v1/pods') {
      return json(
        res,
        200,
        list(
          'PodList',
          state.pods.map((p, i) => ({
            metadata: { name: `pod-${i}`, namespace: 'default' },
            spec: { nodeName: p.node, containers: [{ name: 'c', image: 'x', resources: { requests: { ...(p.cpu ? { cpu: p.cpu } : {}), ...(p.memory ? { memory: p.memory } : {}) } } }] },
            status: { phase: p.phase ?? 'Running' },
          })),
        ),
      );
    }
    if (path === '/apis/storage.k8s.io/v1/storageclasses') {
      return json(res, 200, list('StorageClassList', state.storageClasses.map((s) => ({ metadata: { name: s.name, annotations: s.isDefault ? { 'storageclass.kubernetes.io/is-default-class': 'true' } : {} }, provisioner: 'rancher.io/local-path' }))));
    }
    if (path === '/apis/networking.k8s.io/v1/ingressclasses') {
      return json(res, 200, list('IngressClassList', state.ingressClasses.map((c) => ({ metadata: { name: c.name }, spec: { controller: c.controller } }))));
    }
    if (path === '/apis/apps/v1/deployments') {
      const items = state.nginxArgs
        ? [{ metadata: { name: 'ingress-nginx-controller', namespace: 'ingress-nginx', labels: { 'app.kubernetes.io/name': 'ingress-nginx' } }, spec: { selector: {}, template: { spec: { containers: [{ name: 'controller', image: 'x', args: state.nginxArgs }] } } } }]
        : [];
      return json(res, 200, list('DeploymentList', items));
    }
    if (path === '/apis/apiextensions.k8s.io/v1/customresourcedefinitions/certificates.cert-manager.io') {
      if (!state.certManager) return json(res, 404, { kind: 'Status', apiVersion: 'v1', status: 'Failure', reason: 'NotFound', code: 404, message: 'not found' });
      return json(res, 200, { apiVersion: 'apiextensions.k8s.io/v1', kind: 'CustomResourceDefinition', metadata: { name: 'certificates.cert-manager.io' }, spec: { group: 'cert-manager.io', names: { plural: 'certificates', kind: 'Certificate' }, scope: 'Namespaced', versions: [] } });
    }
    const ns = /^\/api\/v1\/namespaces\/([^/]+)$/.exec(path);
    if (ns) {
      if (!state.namespaces.includes(ns[1])) return json(res, 404, { kind: 'Status', apiVersion: 'v1', status: 'Failure', reason: 'NotFound', code: 404, message: `namespaces "${ns[1]}" not found` });
      return json(res, 200, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns[1] } });
    }
    if (path === '/apis/authorization.k8s.io/v1/selfsubjectaccessreviews' && req.method === 'POST') {
      const review = JSON.parse(body) as { spec: { resourceAttributes: { resource: string } } };
      return json(res, 201, { ...review, status: { allowed: !state.denied.includes(review.spec.resourceAttributes.resource) } });
    }
    json(res, 404, { kind: 'Status', apiVersion: 'v1', status: 'Failure', reason: 'NotFound', code: 404, message: `fake: no route ${path}` });
  }, { delayMs: opts.delayMs });

  const context = opts.context ?? 'kind-bucketeer';
  const dir = mkdtempSync(join(tmpdir(), 'kube-'));
  const kubeconfig = join(dir, 'config');
  writeFileSync(
    kubeconfig,
    [
      'apiVersion: v1',
      'kind: Config',
      `current-context: ${JSON.stringify(context)}`,
      'clusters:',
      `- name: c`,
      `  cluster: {server: "${peer.url}", insecure-skip-tls-verify: true}`,
      'users:',
      '- name: u',
      '  user: {token: fake-token}',
      'contexts:',
      `- name: ${JSON.stringify(context)}`,
      '  context: {cluster: c, user: u}',
      '',
    ].join('\n'),
  );
  return { ...peer, kubeconfig };
}
