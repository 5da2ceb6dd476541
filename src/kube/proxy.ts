// Reaching the API server through an HTTP proxy, as client-go does: the cluster's `proxy-url` in the
// kubeconfig, else HTTPS_PROXY (HTTP_PROXY for an http:// server) unless NO_PROXY names the host.
// Like Go's net/http, the environment never proxies localhost or loopback addresses. An https://
// server is reached through a CONNECT tunnel, so TLS (and client certificates) stay end to end; an
// http:// server gets absolute-form requests sent to the proxy.
import http from 'node:http';
import https from 'node:https';
import { isIP } from 'node:net';
import type { Duplex } from 'node:stream';
import tls from 'node:tls';
import { EnvironmentError } from '../errors.js';

export interface ProxyChoice {
  url: URL;
  /** Where the choice came from, for messages. */
  source: 'proxy-url' | 'HTTPS_PROXY' | 'HTTP_PROXY';
}

const envOf = (env: NodeJS.ProcessEnv, name: string) => env[name] || env[name.toLowerCase()] || undefined;

function isLoopback(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase();
  return h === 'localhost' || h.endsWith('.localhost') || h === '::1' || (isIP(h) === 4 && h.startsWith('127.'));
}

function ipv4ToInt(ip: string): number {
  return ip.split('.').reduce((n, o) => n * 256 + Number(o), 0);
}

/** NO_PROXY as Go reads it: `*`, hosts and domain suffixes (`example.com` and `.example.com`), host:port, IPs and IPv4 CIDRs. */
export function noProxyMatches(noProxy: string, host: string, port: string): boolean {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase();
  for (const raw of noProxy.split(',').map((e) => e.trim().toLowerCase()).filter(Boolean)) {
    if (raw === '*') return true;
    const cidr = /^(\d+\.\d+\.\d+\.\d+)\/(\d+)$/.exec(raw);
    if (cidr) {
      if (isIP(h) !== 4) continue;
      const bits = Number(cidr[2]);
      const mask = bits === 0 ? 0 : (~0 << (32 - bits)) >>> 0;
      if (((ipv4ToInt(h) & mask) >>> 0) === ((ipv4ToInt(cidr[1]) & mask) >>> 0)) return true;
      continue;
    }
    const hp = /^(.*?)(?::(\d+))?$/.exec(raw)!;
    const entryHost = hp[1].replace(/^\[|\]$/g, '');
    if (hp[2] && hp[2] !== port) continue;
    if (isIP(entryHost)) {
      if (entryHost === h) return true;
      continue;
    }
    const domain = entryHost.replace(/^\*?\./, '');
    if (h === domain || h.endsWith(`.${domain}`)) return true;
  }
  return false;
}

/** The proxy for requests to `server`, if any. */
export function chooseProxy(server: URL, proxyUrl: string | undefined, env: NodeJS.ProcessEnv): ProxyChoice | undefined {
  let choice: { text: string; source: ProxyChoice['source'] } | undefined;
  if (proxyUrl) choice = { text: proxyUrl, source: 'proxy-url' };
  else {
    const port = server.port || (server.protocol === 'https:' ? '443' : '80');
    if (isLoopback(server.hostname) || noProxyMatches(envOf(env, 'NO_PROXY') ?? '', server.hostname, port)) return undefined;
    const name = server.protocol === 'https:' ? 'HTTPS_PROXY' : 'HTTP_PROXY';
    const text = envOf(env, name);
    if (text) choice = { text, source: name };
  }
  if (!choice) return undefined;
  let url: URL;
  try {
    // Go accepts a bare host:port as an http proxy.
    url = new URL(/^[a-z][a-z0-9+.-]*:\/\//i.test(choice.text) ? choice.text : `http://${choice.text}`);
  } catch {
    throw new EnvironmentError(`${choice.source} ${choice.text} is not a URL`, `fix ${choice.source} (e.g. http://proxy.example.com:3128)`);
  }
  if (url.protocol !== 'http:') {
    throw new EnvironmentError(`${choice.source} ${choice.text}: only http:// proxies are supported, not ${url.protocol}//`, `use an HTTP proxy (CONNECT) for the Kubernetes API, or reach it directly`);
  }
  return { url, source: choice.source };
}

/** Proxy-Authorization for a proxy URL with user:password. */
export function proxyAuthHeaders(proxy: URL): Record<string, string> {
  if (!proxy.username) return {};
  const cred = `${decodeURIComponent(proxy.username)}:${decodeURIComponent(proxy.password)}`;
  return { 'Proxy-Authorization': `Basic ${Buffer.from(cred).toString('base64')}` };
}

type ConnectCallback = (err: Error | null, stream: Duplex) => void;

/** An https.Agent whose connections are TLS inside a CONNECT tunnel through `proxy`. */
export class TunnelingAgent extends https.Agent {
  constructor(
    private readonly proxy: URL,
    options: https.AgentOptions,
    private readonly connectTimeoutMs = 15_000,
  ) {
    super(options);
  }

  // Node's Agent accepts a createConnection that answers through the callback.
  createConnection(requestOptions: https.RequestOptions, onConnection?: ConnectCallback): undefined {
    const options = requestOptions as tls.ConnectionOptions & { host?: string; port?: number };
    let answered = false;
    const callback = (err: Error | null, socket?: Duplex) => {
      if (answered) return;
      answered = true;
      onConnection?.(err, socket as Duplex);
    };
    const target = `${options.host?.includes(':') ? `[${options.host}]` : options.host}:${options.port ?? 443}`;
    const req = http.request({
      host: this.proxy.hostname,
      port: this.proxy.port || 80,
      method: 'CONNECT',
      path: target,
      headers: { Host: target, ...proxyAuthHeaders(this.proxy) },
      timeout: this.connectTimeoutMs,
    });
    const fail = (message: string) => callback(Object.assign(new Error(`proxy ${this.proxy.host}: ${message}`), { code: 'EPROXY' }));
    req.once('connect', (res, socket) => {
      if (res.statusCode !== 200) {
        socket.destroy();
        fail(`CONNECT ${target} answered ${res.statusCode} ${res.statusMessage ?? ''}`.trim());
        return;
      }
      const servername = options.servername ?? (isIP(options.host ?? '') ? undefined : options.host);
      callback(null, tls.connect({ ...options, socket, servername }));
    });
    req.once('timeout', () => {
      req.destroy();
      fail(`no answer to CONNECT ${target} within ${Math.round(this.connectTimeoutMs / 1000)}s`);
    });
    req.once('error', (err: NodeJS.ErrnoException) => fail(err.code === 'ECONNREFUSED' ? 'connection refused' : err.message));
    req.end();
    return undefined;
  }
}
