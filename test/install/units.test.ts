// Pure and near-pure parts: kubeconfig loading, the kube client against kubesim, the event sinks,
// stored answers and the health checks as data.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { loadAnswersFile } from '../../src/answers/load.js';
import { EnvironmentError, UsageError } from '../../src/errors.js';
import { findProblems, podProblem, type Snapshot } from '../../src/install/diagnose.js';
import { ndjsonSink, textSink } from '../../src/install/events.js';
import { deploymentChecks, migrationCheck, healthChecks } from '../../src/install/health.js';
import { readStoredAnswers, storedAnswersConfigMap, writeStoredAnswers } from '../../src/install/stored-answers.js';
import { resourcePath } from '../../src/kube/client.js';
import { loadKubeconfig } from '../../src/kube/config.js';
import { generateServiceCert } from '../../src/plan/material.js';
import { useKubesimWithClient } from '../helpers/kubesim.js';
import { example } from './helpers.js';

const kubeconfig = (name: string, server: string, extra: Record<string, unknown> = {}) =>
  stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name, cluster: { server, ...extra } }],
    users: [{ name, user: { token: `${name}-token` } }],
    contexts: [{ name, context: { cluster: name, user: name, namespace: `${name}-ns` } }],
    'current-context': name,
  });

describe('kubeconfig loading', () => {
  let dir: string;
  let caPem: string;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'kc-test-'));
    caPem = (await generateServiceCert(['a.example'])).caCrt;
    writeFileSync(join(dir, 'a'), kubeconfig('a', 'https://a.example:6443', { 'certificate-authority-data': Buffer.from(caPem).toString('base64') }));
    writeFileSync(join(dir, 'b'), kubeconfig('b', 'http://127.0.0.1:1', { 'insecure-skip-tls-verify': true }));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('--kubeconfig wins over $KUBECONFIG; the current context and its namespace are used', () => {
    const c = loadKubeconfig({ kubeconfig: join(dir, 'b'), env: { KUBECONFIG: join(dir, 'a') } });
    expect(c).toMatchObject({ context: 'b', namespace: 'b-ns', explicitFile: join(dir, 'b'), cluster: { server: 'http://127.0.0.1:1', insecureSkipTlsVerify: true }, user: { token: 'b-token' } });
  });

  it('$KUBECONFIG lists are merged: the first file sets current-context, --kube-context picks another', () => {
    const env = { KUBECONFIG: `${join(dir, 'a')}:${join(dir, 'b')}` };
    expect(loadKubeconfig({ env }).context).toBe('a');
    expect(loadKubeconfig({ env }).cluster.ca?.toString()).toBe(caPem);
    const b = loadKubeconfig({ env, context: 'b' });
    expect(b.cluster.server).toBe('http://127.0.0.1:1');
    expect(b.explicitFile).toBeUndefined();
  });

  it('~/.kube/config when nothing else is set', () => {
    const home = join(dir, 'home');
    const kubeDir = join(home, '.kube');
    rmSync(kubeDir, { recursive: true, force: true });
    mkdirSync(kubeDir, { recursive: true });
    writeFileSync(join(kubeDir, 'config'), kubeconfig('home', 'https://home.example'));
    expect(loadKubeconfig({ env: { HOME: home } }).context).toBe('home');
  });

  // Node drops a CA it cannot parse and then reports every server as "self-signed certificate".
  it('a malformed certificate-authority(-data) says so, naming the cluster and the file', () => {
    const load = (extra: Record<string, unknown>) => {
      const file = join(dir, 'bad-ca');
      writeFileSync(file, kubeconfig('c', 'https://c.example:6443', extra));
      return () => loadKubeconfig({ kubeconfig: file, env: {} });
    };
    expect(load({ 'certificate-authority-data': 'not base64!!' })).toThrow(/certificate-authority-data is not valid base64/);
    expect(load({ 'certificate-authority-data': Buffer.from('CA-A').toString('base64') })).toThrow(/certificate authority of cluster "c" holds no PEM certificate/);
    const broken = caPem.replace(/\n[A-Za-z0-9+/]{20}/, '\nAAAAAAAAAAAAAAAAAAAA');
    expect(load({ 'certificate-authority-data': Buffer.from(broken).toString('base64') })).toThrow(/certificate authority of cluster "c" holds a certificate that does not parse/);
    writeFileSync(join(dir, 'ca.pem'), 'garbage');
    expect(load({ 'certificate-authority': 'ca.pem' })).toThrow(EnvironmentError);
    expect(load({ 'certificate-authority': '/dev/zero' })).toThrow(/cannot read certificate-authority \/dev\/zero \(a character device\)/);
  });

  it('clear errors: a missing --kubeconfig file (exit 2), no kubeconfig at all and an unknown context (exit 3)', () => {
    expect(() => loadKubeconfig({ kubeconfig: join(dir, 'nope'), env: {} })).toThrow(UsageError);
    expect(() => loadKubeconfig({ env: { KUBECONFIG: join(dir, 'nope') } })).toThrow(/no kubeconfig found/);
    const err = (() => {
      try {
        loadKubeconfig({ env: { KUBECONFIG: join(dir, 'a') }, context: 'zzz' });
      } catch (e) {
        return e as EnvironmentError;
      }
    })();
    expect(err).toBeInstanceOf(EnvironmentError);
    expect(err?.message).toContain('context "zzz" is not in the kubeconfig');
    expect(err?.hint).toContain('kubectl config get-contexts');
  });
});

describe('kube client, stored answers and health against kubesim', () => {
  const cluster = useKubesimWithClient({ sim: { tickMs: 30 }, client: { timeoutMs: 3_000 } });

  it('GET/POST/apply/delete with typed results; 404 is undefined; an access review answers', async () => {
    expect((await cluster.kube.version()).gitVersion).toMatch(/^v1\./);
    expect(await cluster.kube.get(resourcePath('Namespace', undefined, 'missing'))).toBeUndefined();
    await cluster.kube.create(resourcePath('Namespace', undefined), { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'unit' } });
    await cluster.kube.apply(resourcePath('ConfigMap', 'unit', 'c'), { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c', namespace: 'unit' }, data: { a: '1' } });
    expect((await cluster.kube.get<{ metadata: { name: string }; data: Record<string, string> }>(resourcePath('ConfigMap', 'unit', 'c')))?.data).toEqual({ a: '1' });
    expect(await cluster.kube.list(resourcePath('ConfigMap', 'unit'))).toHaveLength(1);
    expect(await cluster.kube.delete(resourcePath('ConfigMap', 'unit', 'c'))).toBe(true);
    expect(await cluster.kube.delete(resourcePath('ConfigMap', 'unit', 'c'))).toBe(false);
    expect(await cluster.kube.canI('create', 'secrets', { namespace: 'unit' })).toMatchObject({ allowed: true });
    cluster.sim.setFault('rbac/deny=create:secrets');
    expect(await cluster.kube.canI('create', 'secrets', { namespace: 'unit' })).toMatchObject({ allowed: false });
    cluster.sim.clearFaults();
  });

  it('stored answers round-trip through the ConfigMap, with secrets as references only', async () => {
    const { answers } = loadAnswersFile(example('in-cluster'));
    const stored = { answers, chartRef: 'oci://x/bucketeer', chartVersion: 'v2.3.0', releaseRevision: 3, installedAt: '2026-01-02T03:04:05Z', installerVersion: '0.1.0' };
    expect(storedAnswersConfigMap('unit', 'bucketeer', stored).metadata.labels).toMatchObject({ 'app.kubernetes.io/managed-by': 'bucketeer-install' });
    await writeStoredAnswers(cluster.kube, 'unit', 'bucketeer', stored);
    const back = await readStoredAnswers(cluster.kube, 'unit', 'bucketeer');
    expect(back).toEqual(stored);
    expect(await readStoredAnswers(cluster.kube, 'unit', 'other')).toBeUndefined();
  });

  it('health checks fail with the pod reason for a crash-looping Deployment and pass for the healthy one', async () => {
    const ns = 'unit';
    cluster.sim.setFault('deployment/web=crashloop');
    const deploy = (name: string) => ({
      apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name, namespace: ns },
      spec: { replicas: 1, selector: { matchLabels: { app: name } }, template: { metadata: { labels: { app: name } }, spec: { containers: [{ name, image: `img/${name}:1` }] } } },
    });
    for (const n of ['web', 'api']) await cluster.kube.create(resourcePath('Deployment', ns), deploy(n));
    await new Promise((r) => setTimeout(r, 500));
    const checks = await healthChecks(cluster.kube, { namespace: ns, release: 'bucketeer', deployments: ['web', 'api'], stabilityWindowMs: 700 });
    const byId = Object.fromEntries(checks.map((c) => [c.id, c]));
    expect(byId['health.migration'].status).toBe('warn');
    expect(byId['health.deployment.api'].status).toBe('pass');
    expect(byId['health.deployment.web']).toMatchObject({ status: 'fail', detail: expect.stringContaining('CrashLoopBackOff') });
    expect(checks.find((c) => c.id.startsWith('health.pod.web-'))).toMatchObject({ status: 'fail', detail: expect.stringContaining('last exit 1 (Error): kubesim fault crashloop') });
    expect(byId['health.restarts']).toMatchObject({ status: 'fail', detail: expect.stringContaining('web-') });
    expect(byId['health.http.api'].status).toBe('skip');
    cluster.sim.clearFaults();
  });
});

describe('diagnosis and checks on hand-made objects', () => {
  const pod = (name: string, status: object) => ({ metadata: { name, labels: { app: 'web' } }, status });
  it('names ImagePullBackOff and failed Jobs', () => {
    expect(podProblem(pod('p', { phase: 'Pending', containerStatuses: [{ name: 'web', ready: false, restartCount: 0, state: { waiting: { reason: 'ImagePullBackOff', message: 'Back-off pulling image "x"' } } }] }))).toBe('ImagePullBackOff, container web: Back-off pulling image "x"');
    const snap: Snapshot = {
      deployments: [],
      statefulsets: [],
      pvcs: [],
      pods: [{ metadata: { name: 'm-1', ownerReferences: [{ kind: 'Job', name: 'r-migrate' }] }, status: { phase: 'Failed', containerStatuses: [{ name: 'atlas', ready: false, restartCount: 0, state: { terminated: { exitCode: 1, reason: 'Error', message: 'dial tcp: no route' } } }] } }],
      jobs: [{ metadata: { name: 'r-migrate', namespace: 'n' }, status: { conditions: [{ type: 'Failed', status: 'True', reason: 'BackoffLimitExceeded', message: 'Job has reached the specified backoff limit' }] } }],
    };
    expect(findProblems(snap)[0]).toMatchObject({ resource: 'job/r-migrate', reason: expect.stringContaining('container atlas exited 1 (Error): dial tcp: no route') });
    expect(migrationCheck(snap, 'r')).toMatchObject({ status: 'fail', hint: 'kubectl logs -n n job/r-migrate' });
    expect(deploymentChecks(snap, ['web'])[0]).toMatchObject({ status: 'fail', detail: 'not found' });
  });

  it('ndjson prints one JSON object per event; text prints lines without a TTY', () => {
    const out = new PassThrough();
    let text = '';
    out.on('data', (d) => (text += d));
    const emit = ndjsonSink(out);
    emit({ type: 'step-started', step: 'helm', title: 'helm upgrade --install' });
    emit({ type: 'failed', step: 'helm', resource: 'deployment/web', reason: 'not ready' });
    expect(text.trim().split('\n').map((l) => JSON.parse(l))).toEqual([
      { type: 'step-started', step: 'helm', title: 'helm upgrade --install' },
      { type: 'failed', step: 'helm', resource: 'deployment/web', reason: 'not ready' },
    ]);
    const err = new PassThrough();
    let lines = '';
    err.on('data', (d) => (lines += d));
    const sink = textSink(err, { tty: false, color: false });
    sink.emit({ type: 'step-started', step: 'secrets', title: 'Secrets' });
    sink.emit({ type: 'progress', step: 'secrets', message: 'creating Secret x' });
    sink.emit({ type: 'step-finished', step: 'secrets', detail: '1 created' });
    expect(lines).toBe('• Secrets\n  creating Secret x\n✓ Secrets (1 created)\n');
  });
});
