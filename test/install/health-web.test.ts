// The web health check must prove that web's API answers, not that envoy answers. In the v2.3.0
// chart (charts/web/templates/envoy-configmap.yaml) web's port 9003 sends /v1/ to the gRPC gateway
// and every other path, /health included, to the console server, whose index.html fallback answers
// 200 whatever the API does. GET /v1/demo_site_status reaches the auth service without sign-in
// (api-description/web-api.swagger.yaml; pkg/auth/api/api.go GetDemoSiteStatus; the auth server in
// pkg/web/cmd/server/server.go has no token verifier) and answers JSON {"isDemoSiteEnabled": ...}.
// A local server stands in for web's envoy behind kubesim's Service proxy and answers as the
// running web would in each state.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { healthChecks, httpHealthCheck, webApiCheck, WEB_API_PROBE_PATH } from '../../src/install/health.js';
import { KubeClient, resourcePath } from '../../src/kube/client.js';
import type { Endpoints } from '../../src/kube/types.js';
import { startKubesim, type Kubesim } from '../kubesim/server.js';

type WebState = 'healthy' | 'gateway-down' | 'services-down';

const INDEX_HTML = '<!DOCTYPE html><html><head><title>Bucketeer</title></head><body><div id="root"></div></body></html>';

/** Answers as web's envoy on 9003 does: /v1/ to the gRPC gateway, anything else the console's index.html. */
function fakeWebEnvoy(state: () => WebState): http.Server {
  return http.createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (!path.startsWith('/v1/')) {
      res.writeHead(200, { 'content-type': 'text/html' });
      return void res.end(INDEX_HTML);
    }
    const s = state();
    if (s === 'gateway-down') {
      // envoy itself, with no upstream on the gateway's port
      res.writeHead(503, { 'content-type': 'text/plain' });
      return void res.end('upstream connect error or disconnect/reset before headers. reset reason: connection failure');
    }
    if (s === 'services-down') {
      // grpc-gateway's error body when it cannot reach the gRPC service (code 14 Unavailable)
      res.writeHead(503, { 'content-type': 'application/json' });
      return void res.end(JSON.stringify({ code: 14, message: 'connection error: desc = "transport: Error while dialing: dial tcp [::1]:9091: connect: connection refused"', details: [] }));
    }
    if (path === WEB_API_PROBE_PATH) {
      res.writeHead(200, { 'content-type': 'application/json' });
      return void res.end(JSON.stringify({ isDemoSiteEnabled: false }));
    }
    res.writeHead(401, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ code: 16, message: 'token is required', details: [] }));
  });
}

describe('web health: the API, not the SPA fallback', () => {
  const ns = 'webhealth';
  let sim: Kubesim;
  let kube: KubeClient;
  let web: http.Server;
  let state: WebState = 'healthy';

  beforeAll(async () => {
    sim = await startKubesim({ tickMs: 30 });
    kube = KubeClient.fromKubeconfig({ kubeconfig: sim.kubeconfigPath, env: {}, timeoutMs: 5_000 });
    web = fakeWebEnvoy(() => state);
    await new Promise<void>((r) => web.listen(0, '127.0.0.1', r));
    await kube.create(resourcePath('Namespace', undefined), { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } });
    await kube.create(resourcePath('Deployment', ns), {
      apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web', namespace: ns },
      spec: { replicas: 1, selector: { matchLabels: { app: 'web' } }, template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'web', image: 'img/web:1' }] } } },
    });
    await kube.create(resourcePath('Service', ns), {
      apiVersion: 'v1', kind: 'Service', metadata: { name: 'web', namespace: ns },
      spec: { selector: { app: 'web' }, ports: [{ name: 'http-service', port: 9003, targetPort: 9003 }] },
    });
    sim.setServiceBackend(ns, 'web', `http://127.0.0.1:${(web.address() as AddressInfo).port}`);
    // wait for the simulated pod to be ready and listed in the Service's Endpoints
    const until = Date.now() + 5_000;
    while (Date.now() < until) {
      const ep = await kube.get<Endpoints>(resourcePath('Endpoints', ns, 'web'));
      if (ep?.subsets?.some((s) => (s.addresses?.length ?? 0) > 0)) break;
      await new Promise((r) => setTimeout(r, 50));
    }
  });
  afterAll(async () => {
    kube?.close();
    await sim?.close();
    await new Promise((r) => web?.close(r));
  });

  it('passes when web\'s gateway and auth service answer', async () => {
    state = 'healthy';
    expect(await webApiCheck(kube, ns)).toMatchObject({ id: 'health.web-api', status: 'pass' });
  });

  it('/health through envoy passes whatever the API does: that is why it is not the web check', async () => {
    state = 'gateway-down';
    expect((await httpHealthCheck(kube, ns, 'web', 'http-service')).status).toBe('pass');
  });

  it('fails when the gRPC gateway does not answer (envoy: no upstream)', async () => {
    state = 'gateway-down';
    const c = await webApiCheck(kube, ns);
    expect(c).toMatchObject({ status: 'fail', detail: expect.stringContaining('HTTP 503: upstream connect error') });
    expect(c.hint).toContain('kubectl logs');
  });

  it('fails when the gateway answers but its gRPC services do not', async () => {
    state = 'services-down';
    expect(await webApiCheck(kube, ns)).toMatchObject({ status: 'fail', detail: expect.stringContaining('gRPC code 14') });
  });

  it('retries while web starts, and passes once the API answers', async () => {
    state = 'gateway-down';
    setTimeout(() => (state = 'healthy'), 1_200);
    const started = Date.now();
    expect(await webApiCheck(kube, ns, { retryForMs: 5_000 })).toMatchObject({ status: 'pass' });
    expect(Date.now() - started).toBeGreaterThanOrEqual(1_000);
  });

  it('fails with the SPA answer where the API route is missing (a port that serves only the console)', async () => {
    const spaOnly = http.createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/html' });
      res.end(INDEX_HTML);
    });
    await new Promise<void>((r) => spaOnly.listen(0, '127.0.0.1', r));
    sim.setServiceBackend(ns, 'web', `http://127.0.0.1:${(spaOnly.address() as AddressInfo).port}`);
    try {
      expect(await webApiCheck(kube, ns)).toMatchObject({ status: 'fail', detail: expect.stringContaining("index.html fallback") });
    } finally {
      sim.setServiceBackend(ns, 'web', `http://127.0.0.1:${(web.address() as AddressInfo).port}`);
      await new Promise((r) => spaOnly.close(r));
    }
  });

  it('the install and doctor health list fails on it', async () => {
    state = 'services-down';
    const checks = await healthChecks(kube, { namespace: ns, release: 'bucketeer', deployments: ['web'], stabilityWindowMs: 300 });
    expect(checks.find((c) => c.id === 'health.web-api')).toMatchObject({ status: 'fail' });
    expect(checks.some((c) => c.id === 'health.http.web')).toBe(false);
    state = 'healthy';
    const ok = await healthChecks(kube, { namespace: ns, release: 'bucketeer', deployments: ['web'], stabilityWindowMs: 300 });
    expect(ok.find((c) => c.id === 'health.web-api')).toMatchObject({ status: 'pass' });
  });

  it('a Service without a proxy backend is skipped, not failed (the simulator and clusters that refuse the proxy)', async () => {
    sim.setServiceBackend(ns, 'web', undefined);
    try {
      expect((await webApiCheck(kube, ns)).status).toBe('skip');
    } finally {
      sim.setServiceBackend(ns, 'web', `http://127.0.0.1:${(web.address() as AddressInfo).port}`);
    }
  });
});
