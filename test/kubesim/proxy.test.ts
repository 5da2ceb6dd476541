// kubesim's service proxy to a local backend a test gives (setServiceBackend): every method, and
// the caller's Authorization kept back as a real API server does (no binaries needed).
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startKubesim, type Kubesim } from './server.js';

describe('kubesim service proxy', () => {
  let sim: Kubesim;
  let backend: http.Server;
  const seen: { method?: string; url?: string; headers: http.IncomingHttpHeaders; body: string }[] = [];
  beforeAll(async () => {
    backend = http.createServer(async (req, res) => {
      let body = '';
      for await (const c of req) body += c;
      seen.push({ method: req.method, url: req.url, headers: req.headers, body });
      res.writeHead(201, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ echoed: body }));
    });
    await new Promise<void>((r) => backend.listen(0, '127.0.0.1', r));
    sim = await startKubesim();
    sim.objects.put({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'p' } });
    sim.objects.put({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'web', namespace: 'p' }, spec: { ports: [{ name: 'http-service', port: 9003 }] } });
    sim.objects.put({ apiVersion: 'v1', kind: 'Endpoints', metadata: { name: 'web', namespace: 'p' }, subsets: [{ addresses: [{ ip: '10.0.0.1' }] }] } as never);
    sim.setServiceBackend('p', 'web', `http://127.0.0.1:${(backend.address() as AddressInfo).port}`);
    sim.setServiceBackend('p', 'gone', 'http://127.0.0.1:1');
  });
  afterAll(async () => {
    await sim.close();
    backend.close();
  });

  const call = (path: string, init: RequestInit = {}) => fetch(`${sim.url}/api/v1/namespaces/p/services/${path}`, { ...init, headers: { authorization: 'Bearer kube-token', ...(init.headers as object) } });

  it('forwards method, path, query, body and headers, but not Authorization', async () => {
    const r = await call('https%3Aweb%3Ahttp-service/proxy/v1/thing?a=1&a=2', { method: 'POST', body: '{"x":1}', headers: { 'grpc-metadata-authorization': 'bearer t', 'content-type': 'application/json' } });
    expect(r.status).toBe(201);
    expect(await r.json()).toEqual({ echoed: '{"x":1}' });
    const s = seen.at(-1)!;
    expect([s.method, s.url]).toEqual(['POST', '/v1/thing?a=1&a=2']);
    expect(s.headers['grpc-metadata-authorization']).toBe('bearer t');
    expect(s.headers.authorization).toBeUndefined();
  });

  it('404 without a Service, 503 when the backend does not answer, 403 under an rbac fault, and no proxy for unregistered Services', async () => {
    const gone = await call('gone/proxy/x');
    expect(gone.status).toBe(404);
    expect((await gone.json()).message).toBe('services "gone" not found');
    sim.objects.put({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'gone', namespace: 'p' }, spec: {} });
    sim.objects.put({ apiVersion: 'v1', kind: 'Endpoints', metadata: { name: 'gone', namespace: 'p' }, subsets: [{ addresses: [{ ip: '10.0.0.2' }] }] } as never);
    const down = await call('gone/proxy/x');
    expect(down.status).toBe(503);
    expect((await down.json()).reason).toBe('ServiceUnavailable');
    sim.setFault('rbac/deny=get:services/proxy');
    const denied = await call('https:web:http-service/proxy/health');
    expect(denied.status).toBe(403);
    sim.clearFaults();
    const unregistered = await call('api/proxy/health');
    expect(unregistered.status).toBe(404);
    expect((await unregistered.json()).message).toMatch(/could not find the requested resource/);
  });
});
