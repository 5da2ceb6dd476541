// The kubeconfig as client-go reads it: impersonation, in-cluster config, proxies, exec plugins with
// relative commands and exec plugins that return client certificates. A small local API server
// (plain or TLS, optionally asking for client certificates) records what each request carried.
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TLSSocket } from 'node:tls';
import { stringify } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadKubeconfig } from '../../src/kube/config.js';
import { KubeClient } from '../../src/kube/client.js';
import { chooseProxy, noProxyMatches } from '../../src/kube/proxy.js';
import { generateServiceCert, type ServiceCert } from '../../src/plan/material.js';
import { startKubesim, type Kubesim } from '../kubesim/server.js';

interface Seen {
  method: string;
  path: string;
  headers: http.IncomingHttpHeaders;
  clientCN?: string;
}

interface FakeApi {
  url: string;
  port: number;
  seen: Seen[];
  close(): Promise<void>;
}

/** A fake API server: /version, and access reviews that allow only the impersonated user alice. */
async function startApi(tls?: { cert: ServiceCert; clientCa?: string }): Promise<FakeApi> {
  const seen: Seen[] = [];
  const handler: http.RequestListener = (req, res) => {
    const socket = req.socket as TLSSocket;
    const peer = typeof socket.getPeerCertificate === 'function' ? socket.getPeerCertificate() : undefined;
    seen.push({ method: req.method ?? '', path: req.url ?? '', headers: req.headers, clientCN: peer?.subject?.CN as string | undefined });
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      res.setHeader('Content-Type', 'application/json');
      if (req.url === '/version') return res.end(JSON.stringify({ major: '1', minor: '30', gitVersion: 'v1.30.2' }));
      if (req.method === 'POST' && req.url?.endsWith('/selfsubjectaccessreviews')) {
        const review = JSON.parse(body);
        return res.end(JSON.stringify({ ...review, status: { allowed: req.headers['impersonate-user'] === 'alice' } }));
      }
      res.statusCode = 404;
      res.end(JSON.stringify({ kind: 'Status', status: 'Failure', reason: 'NotFound', code: 404, message: 'not found' }));
    });
  };
  const server = tls
    ? https.createServer({ cert: tls.cert.crt, key: tls.cert.key, ...(tls.clientCa ? { requestCert: true, rejectUnauthorized: true, ca: tls.clientCa } : {}) }, handler)
    : http.createServer(handler);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as net.AddressInfo).port;
  return {
    url: `${tls ? 'https' : 'http'}://localhost:${port}`,
    port,
    seen,
    close: () => new Promise((r) => { server.closeAllConnections(); server.close(() => r()); }),
  };
}

interface FakeProxy {
  url: string;
  tunnels: string[];
  forwarded: string[];
  auth: (string | undefined)[];
  close(): Promise<void>;
}

/** An HTTP proxy: CONNECT tunnels (to 127.0.0.1, whatever host was asked for) and absolute-form requests. */
async function startProxy(): Promise<FakeProxy> {
  const tunnels: string[] = [];
  const forwarded: string[] = [];
  const auth: (string | undefined)[] = [];
  const sockets = new Set<net.Socket>();
  const server = http.createServer((req, res) => {
    forwarded.push(req.url ?? '');
    auth.push(req.headers['proxy-authorization']);
    const target = new URL(req.url ?? '');
    const up = http.request({ host: '127.0.0.1', port: target.port, path: target.pathname + target.search, method: req.method, headers: req.headers }, (r) => {
      res.writeHead(r.statusCode ?? 502, r.headers);
      r.pipe(res);
    });
    req.pipe(up);
  });
  server.on('connect', (req, client: net.Socket, head) => {
    tunnels.push(req.url ?? '');
    auth.push(req.headers['proxy-authorization']);
    const port = Number((req.url ?? '').split(':').pop());
    const upstream = net.connect(port, '127.0.0.1', () => {
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      upstream.write(head);
      upstream.pipe(client);
      client.pipe(upstream);
    });
    sockets.add(client).add(upstream);
    upstream.on('error', () => client.destroy());
    client.on('error', () => upstream.destroy());
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as net.AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    tunnels,
    forwarded,
    auth,
    close: () => new Promise((r) => { for (const s of sockets) s.destroy(); server.closeAllConnections(); server.close(() => r()); }),
  };
}

const kubeconfig = (server: string, user: Record<string, unknown>, cluster: Record<string, unknown> = {}) =>
  stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: 'c', cluster: { server, ...cluster } }],
    users: [{ name: 'u', user }],
    contexts: [{ name: 'ctx', context: { cluster: 'c', user: 'u' } }],
    'current-context': 'ctx',
  });

let dir: string;
let serverCert: ServiceCert;
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'kube-clientgo-'));
  serverCert = await generateServiceCert(['localhost', 'kube.example.test']);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function writeKubeconfig(name: string, text: string): string {
  const file = join(dir, name);
  writeFileSync(file, text);
  return file;
}

describe('impersonation (kubeconfig as, as-uid, as-groups, as-user-extra)', () => {
  let api: FakeApi;
  beforeAll(async () => (api = await startApi()));
  afterAll(() => api.close());

  it('sends the Impersonate-* headers on every request, so the access review checks the impersonated user', async () => {
    const file = writeKubeconfig('impersonate', kubeconfig(api.url, { token: 't', as: 'alice', 'as-uid': 'uid-1', 'as-groups': ['devs', 'ops'], 'as-user-extra': { 'reason/why': ['audit', 'ci'] } }));
    const kube = KubeClient.fromKubeconfig({ kubeconfig: file, env: {} });
    try {
      expect(await kube.canI('create', 'secrets', { namespace: 'ns' })).toMatchObject({ allowed: true });
      await kube.version();
    } finally {
      kube.close();
    }
    expect(api.seen).toHaveLength(2);
    for (const s of api.seen) {
      expect(s.headers['impersonate-user']).toBe('alice');
      expect(s.headers['impersonate-uid']).toBe('uid-1');
      expect(s.headers['impersonate-group']).toBe('devs, ops'); // two header lines, joined by node
      expect(s.headers['impersonate-extra-reason%2fwhy']).toBe('audit, ci');
      expect(s.headers.authorization).toBe('Bearer t');
    }
  });

  it('without impersonation the same review is made as the user itself (and here says no)', async () => {
    api.seen.length = 0;
    const kube = KubeClient.fromKubeconfig({ kubeconfig: writeKubeconfig('plain', kubeconfig(api.url, { token: 't' })), env: {} });
    try {
      expect(await kube.canI('create', 'secrets', { namespace: 'ns' })).toMatchObject({ allowed: false });
    } finally {
      kube.close();
    }
    expect(Object.keys(api.seen[0].headers).filter((h) => h.startsWith('impersonate-'))).toEqual([]);
  });
});

describe('in-cluster config (a pod with a service account and no kubeconfig)', () => {
  let api: FakeApi;
  let sa: string;
  beforeAll(async () => {
    api = await startApi({ cert: serverCert });
    sa = join(dir, 'serviceaccount');
    mkdirSync(sa, { recursive: true });
    writeFileSync(join(sa, 'token'), 'sa-token-1\n');
    writeFileSync(join(sa, 'ca.crt'), serverCert.caCrt);
    writeFileSync(join(sa, 'namespace'), 'bucketeer-ns\n');
  });
  afterAll(() => api.close());

  const podEnv = () => ({ HOME: join(dir, 'empty-home'), KUBERNETES_SERVICE_HOST: 'localhost', KUBERNETES_SERVICE_PORT: String(api.port) });

  it('is used when no kubeconfig exists: the service host, the mounted CA, token and namespace', async () => {
    const config = loadKubeconfig({ env: podEnv(), serviceAccountDir: sa });
    expect(config).toMatchObject({ inCluster: true, context: 'in-cluster', namespace: 'bucketeer-ns', cluster: { server: `https://localhost:${api.port}`, insecureSkipTlsVerify: false } });
    const kube = new KubeClient(config, podEnv());
    try {
      expect(kube.helmKubeArgs()).toEqual([]); // helm finds the same in-cluster config itself
      expect(kube.kubectl('get pods')).toBe('kubectl get pods');
      expect((await kube.version()).gitVersion).toBe('v1.30.2'); // TLS verified with ca.crt
      expect(api.seen.at(-1)?.headers.authorization).toBe('Bearer sa-token-1');
      // The kubelet rotates the token: it is read again.
      writeFileSync(join(sa, 'token'), 'sa-token-2\n');
      await kube.version();
      expect(api.seen.at(-1)?.headers.authorization).toBe('Bearer sa-token-2');
    } finally {
      kube.close();
    }
  });

  it('is not used outside a pod, nor when a kubeconfig exists', () => {
    expect(() => loadKubeconfig({ env: { HOME: join(dir, 'empty-home') }, serviceAccountDir: sa })).toThrow(/no kubeconfig found/);
    expect(() => loadKubeconfig({ env: { ...podEnv(), KUBERNETES_SERVICE_PORT: '' }, serviceAccountDir: sa })).toThrow(/no kubeconfig found/);
    expect(() => loadKubeconfig({ env: podEnv(), serviceAccountDir: join(dir, 'no-such-sa') })).toThrow(/no kubeconfig found/);
    const file = writeKubeconfig('beside-sa', kubeconfig('https://elsewhere.example:6443', { token: 't' }));
    expect(loadKubeconfig({ env: { ...podEnv(), KUBECONFIG: file }, serviceAccountDir: sa }).inCluster).toBeUndefined();
  });
});

describe('proxies: proxy-url, HTTPS_PROXY and NO_PROXY', () => {
  let api: FakeApi;
  let proxy: FakeProxy;
  let sim: Kubesim;
  beforeAll(async () => {
    [api, proxy, sim] = await Promise.all([startApi({ cert: serverCert }), startProxy(), startKubesim({ tickMs: 1000 })]);
  });
  afterAll(async () => {
    await Promise.all([api?.close(), proxy?.close(), sim?.close()]);
  });

  it("the cluster's proxy-url tunnels https (TLS stays end to end), with the proxy's credentials", async () => {
    const proxyUrl = proxy.url.replace('http://', 'http://user:p%40ss@');
    const file = writeKubeconfig('proxy-url', kubeconfig(api.url, { token: 't' }, { 'certificate-authority-data': Buffer.from(serverCert.caCrt).toString('base64'), 'proxy-url': proxyUrl }));
    const before = proxy.tunnels.length;
    const kube = KubeClient.fromKubeconfig({ kubeconfig: file, env: {} });
    try {
      await kube.version();
      await kube.version(); // the tunnel is kept alive and reused
    } finally {
      kube.close();
    }
    expect(proxy.tunnels.slice(before)).toEqual([`localhost:${api.port}`]);
    expect(proxy.auth.at(-1)).toBe(`Basic ${Buffer.from('user:p@ss').toString('base64')}`);
  });

  it('HTTPS_PROXY carries requests to a server the client cannot resolve itself; NO_PROXY bypasses it', async () => {
    const server = `https://kube.example.test:${api.port}`;
    const file = writeKubeconfig('env-proxy', kubeconfig(server, { token: 't' }, { 'certificate-authority-data': Buffer.from(serverCert.caCrt).toString('base64') }));
    const before = proxy.tunnels.length;
    const viaProxy = KubeClient.fromKubeconfig({ kubeconfig: file, env: { HTTPS_PROXY: proxy.url } });
    try {
      expect((await viaProxy.version()).gitVersion).toBe('v1.30.2');
    } finally {
      viaProxy.close();
    }
    expect(proxy.tunnels.slice(before)).toEqual([`kube.example.test:${api.port}`]);

    const direct = KubeClient.fromKubeconfig({ kubeconfig: file, env: { https_proxy: proxy.url, NO_PROXY: 'localhost,.example.test' }, timeoutMs: 5_000 });
    try {
      await expect(direct.version()).rejects.toThrow(/cannot reach the Kubernetes API at https:\/\/kube\.example\.test.*(not found|EAI_AGAIN)/);
    } finally {
      direct.close();
    }
    expect(proxy.tunnels.length).toBe(before + 1);
  });

  it('an http:// server through proxy-url gets absolute-form requests (kubesim)', async () => {
    const file = writeKubeconfig('sim-proxy', kubeconfig(sim.url, { token: 't' }, { 'proxy-url': proxy.url }));
    const kube = KubeClient.fromKubeconfig({ kubeconfig: file, env: {} });
    try {
      expect((await kube.version()).gitVersion).toMatch(/^v1\./);
    } finally {
      kube.close();
    }
    expect(proxy.forwarded).toContain(`${sim.url}/version`);
  });

  it('a proxy that refuses fails with a message naming it', async () => {
    const file = writeKubeconfig('bad-proxy', kubeconfig(api.url, { token: 't' }, { 'proxy-url': 'http://127.0.0.1:1' }));
    const kube = KubeClient.fromKubeconfig({ kubeconfig: file, env: {}, timeoutMs: 5_000 });
    try {
      await expect(kube.version()).rejects.toThrow(/proxy 127\.0\.0\.1:1: connection refused \(proxy-url\)/);
    } finally {
      kube.close();
    }
  });

  it('chooses as Go does: loopback never through the environment, NO_PROXY suffixes, ports, CIDRs and *', () => {
    const env = { HTTPS_PROXY: 'proxy.corp:3128', HTTP_PROXY: 'http://plain.corp:80' };
    expect(chooseProxy(new URL('https://10.0.0.1:6443'), undefined, env)?.url.href).toBe('http://proxy.corp:3128/');
    expect(chooseProxy(new URL('http://10.0.0.1:8080'), undefined, env)?.source).toBe('HTTP_PROXY');
    expect(chooseProxy(new URL('https://127.0.0.1:6443'), undefined, env)).toBeUndefined();
    expect(chooseProxy(new URL('https://localhost:6443'), undefined, env)).toBeUndefined();
    expect(chooseProxy(new URL('https://127.0.0.1:6443'), 'http://p:1', env)?.source).toBe('proxy-url');
    expect(() => chooseProxy(new URL('https://k:6443'), 'socks5://p:1080', {})).toThrow(/only http:\/\/ proxies/);
    expect(noProxyMatches('.corp.example', 'api.corp.example', '443')).toBe(true);
    expect(noProxyMatches('corp.example', 'corp.example', '443')).toBe(true);
    expect(noProxyMatches('corp.example', 'notcorp.example', '443')).toBe(false);
    expect(noProxyMatches('api.example:6443', 'api.example', '443')).toBe(false);
    expect(noProxyMatches('api.example:6443', 'api.example', '6443')).toBe(true);
    expect(noProxyMatches('10.0.0.0/8', '10.1.2.3', '443')).toBe(true);
    expect(noProxyMatches('10.0.0.0/8', '11.1.2.3', '443')).toBe(false);
    expect(noProxyMatches('*', 'anything', '443')).toBe(true);
  });
});

describe('exec credential plugins', () => {
  const credential = (status: Record<string, unknown>) => JSON.stringify({ apiVersion: 'client.authentication.k8s.io/v1', kind: 'ExecCredential', status });
  function plugin(folder: string, name: string, output: string): void {
    mkdirSync(folder, { recursive: true });
    writeFileSync(join(folder, `${name}.json`), output);
    const script = join(folder, name);
    writeFileSync(script, `#!/bin/sh\ncat "$(dirname "$0")/${name}.json"\n`);
    chmodSync(script, 0o755);
  }

  it('a command with a path separator is relative to the kubeconfig folder, not the working folder', async () => {
    const api = await startApi();
    try {
      const kcDir = join(dir, 'relative');
      plugin(join(kcDir, 'bin'), 'auth', credential({ token: 'from-relative-plugin' }));
      const file = join(kcDir, 'config');
      writeFileSync(file, kubeconfig(api.url, { exec: { apiVersion: 'client.authentication.k8s.io/v1', command: './bin/auth', interactiveMode: 'Never' } }));
      expect(loadKubeconfig({ kubeconfig: file, env: {}, cwd: tmpdir() }).user.exec?.command).toBe(join(kcDir, 'bin', 'auth'));
      const kube = KubeClient.fromKubeconfig({ kubeconfig: file, env: { PATH: process.env.PATH }, cwd: tmpdir() });
      try {
        await kube.version();
      } finally {
        kube.close();
      }
      expect(api.seen.at(-1)?.headers.authorization).toBe('Bearer from-relative-plugin');
      // A bare name stays a PATH lookup.
      writeFileSync(file, kubeconfig(api.url, { exec: { apiVersion: 'client.authentication.k8s.io/v1', command: 'gke-gcloud-auth-plugin' } }));
      expect(loadKubeconfig({ kubeconfig: file, env: {} }).user.exec?.command).toBe('gke-gcloud-auth-plugin');
    } finally {
      await api.close();
    }
  });

  it('a plugin that returns a client certificate and key: TLS presents them', async () => {
    const clientCert = await generateServiceCert(['plugin-user']);
    const api = await startApi({ cert: serverCert, clientCa: clientCert.caCrt });
    try {
      const kcDir = join(dir, 'certplugin');
      plugin(kcDir, 'cert-auth', credential({ clientCertificateData: clientCert.crt, clientKeyData: clientCert.key, expirationTimestamp: new Date(Date.now() + 3_600_000).toISOString() }));
      const file = join(kcDir, 'config');
      writeFileSync(file, kubeconfig(api.url, { exec: { apiVersion: 'client.authentication.k8s.io/v1', command: join(kcDir, 'cert-auth') } }, { 'certificate-authority-data': Buffer.from(serverCert.caCrt).toString('base64') }));
      const kube = KubeClient.fromKubeconfig({ kubeconfig: file, env: { PATH: process.env.PATH } });
      try {
        expect((await kube.version()).gitVersion).toBe('v1.30.2');
      } finally {
        kube.close();
      }
      expect(api.seen.at(-1)).toMatchObject({ clientCN: 'plugin-user' });
      expect(api.seen.at(-1)?.headers.authorization).toBeUndefined();
    } finally {
      await api.close();
    }
  });
});
