// Kubeconfig loading, the way kubectl and helm (client-go) read it: --kubeconfig FILE, else
// $KUBECONFIG (a list of files merged, the first file that sets a name wins), else ~/.kube/config,
// else, in a pod, the pod's service account (in-cluster config). The context is --kube-context /
// answers.kubernetes.context, else the file's current-context.
// Our own small loader instead of @kubernetes/client-node's: it costs no start-up time, and every
// failure becomes one line that names the file, the context and the fix.
import { X509Certificate } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { delimiter, dirname, isAbsolute, join, resolve, sep } from 'node:path';
import { parse } from 'yaml';
import { EnvironmentError, UsageError } from '../errors.js';
import { readRegularFile } from '../util/files.js';

export interface ExecConfig {
  command: string;
  args: string[];
  env: { name: string; value: string }[];
  apiVersion: string;
  /** Shown when the command is missing (kubeconfig `installHint`). */
  installHint?: string;
}

export interface KubeUser {
  name: string;
  token?: string;
  tokenFile?: string;
  clientCertificate?: Buffer;
  clientKey?: Buffer;
  username?: string;
  password?: string;
  exec?: ExecConfig;
  /** Legacy auth-provider plugins (gcp, oidc, azure) are not supported; kept to say so. */
  authProvider?: string;
  /** The identity every request acts as (kubeconfig `as`, `as-uid`, `as-groups`, `as-user-extra`). */
  impersonate?: Impersonation;
}

export interface Impersonation {
  user?: string;
  uid?: string;
  groups: string[];
  extra: Record<string, string[]>;
}

export interface KubeCluster {
  name: string;
  server: string;
  ca?: Buffer;
  insecureSkipTlsVerify: boolean;
  tlsServerName?: string;
  proxyUrl?: string;
}

export interface ResolvedKubeconfig {
  /** The files read, in precedence order; empty for the in-cluster config. */
  files: string[];
  /** Set when the pod's service account is used because no kubeconfig exists. */
  inCluster?: boolean;
  /** Set when exactly one file was named by --kubeconfig: helm then gets the same flag. */
  explicitFile?: string;
  context: string;
  /** The context's default namespace, if it sets one. */
  namespace?: string;
  cluster: KubeCluster;
  user: KubeUser;
}

export interface KubeconfigOptions {
  /** --kubeconfig flag. */
  kubeconfig?: string;
  /** --kube-context flag or answers.kubernetes.context. */
  context?: string;
  env: NodeJS.ProcessEnv;
  cwd?: string;
  /** Where a pod's service account is mounted; tests point it at a temp folder. */
  serviceAccountDir?: string;
}

export const SERVICE_ACCOUNT_DIR = '/var/run/secrets/kubernetes.io/serviceaccount';
export const IN_CLUSTER_CONTEXT = 'in-cluster';

type Named<T> = { name?: string } & T;
type RawFile = {
  clusters?: Named<{ cluster?: Record<string, unknown> }>[];
  users?: Named<{ user?: Record<string, unknown> }>[];
  contexts?: Named<{ context?: Record<string, unknown> }>[];
  'current-context'?: string;
};

/** The kubeconfig files to read, in precedence order. */
export function kubeconfigFiles(opts: KubeconfigOptions): { files: string[]; explicit?: string } {
  const cwd = opts.cwd ?? process.cwd();
  if (opts.kubeconfig) {
    const file = resolve(cwd, opts.kubeconfig);
    if (!existsSync(file)) throw new UsageError(`--kubeconfig ${opts.kubeconfig}: no such file`, 'check the path, or leave the flag out to use $KUBECONFIG or ~/.kube/config');
    return { files: [file], explicit: file };
  }
  const fromEnv = (opts.env.KUBECONFIG ?? '').split(delimiter).filter(Boolean);
  if (fromEnv.length) return { files: fromEnv.map((f) => resolve(cwd, f)) };
  const home = opts.env.HOME || homedir();
  return { files: [resolve(home, '.kube', 'config')] };
}

const str = (v: unknown) => (typeof v === 'string' && v !== '' ? v : undefined);

/** Base64 as kubectl decodes it (standard alphabet, padded); Buffer.from would skip bad characters. */
function decodeBase64(data: string, field: string, source: string): Buffer {
  const compact = data.replace(/\s+/g, '');
  if (compact.length % 4 !== 0 || !/^[A-Za-z0-9+/]*={0,2}$/.test(compact)) {
    throw new EnvironmentError(`kubeconfig ${source}: ${field} is not valid base64`, 'regenerate the kubeconfig entry with your cloud CLI (or fix that field)');
  }
  return Buffer.from(compact, 'base64');
}

/** Kubeconfig files and the files they name are small; a larger one is the wrong file. */
const MAX_KUBECONFIG_FILE_BYTES = 32 * 1024 * 1024;

function readConfigFile(path: string, what: string, source: string): Buffer {
  const read = readRegularFile(path, MAX_KUBECONFIG_FILE_BYTES);
  if (read.ok) return read.data;
  const problem = read.kind === 'missing' ? 'ENOENT' : read.kind === 'unreadable' ? read.code : read.kind === 'not-regular' ? read.what : `larger than ${MAX_KUBECONFIG_FILE_BYTES / 1048576} MB`;
  throw new EnvironmentError(`kubeconfig ${source}: cannot read ${what} ${path} (${problem})`, 'fix the path in the kubeconfig or regenerate it with your cloud CLI');
}

function fileOrData(base: string, file: unknown, data: unknown, what: string, source: string): Buffer | undefined {
  if (str(data)) return decodeBase64(data as string, `${what}-data`, source);
  if (!str(file)) return undefined;
  return readConfigFile(isAbsolute(file as string) ? (file as string) : resolve(base, file as string), what, source);
}

/**
 * The cluster's CA must be PEM certificates that parse: otherwise every TLS handshake fails with
 * a misleading "self-signed certificate" (Node drops what it cannot parse and trusts nothing).
 */
function checkCertificateAuthority(ca: Buffer | undefined, cluster: string, source: string): Buffer | undefined {
  if (!ca) return undefined;
  const fix = 'regenerate the kubeconfig entry with your cloud CLI, or fix certificate-authority(-data) (base64 of the PEM file)';
  const pems = ca.toString('latin1').match(/-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g);
  if (!pems) throw new EnvironmentError(`kubeconfig ${source}: the certificate authority of cluster "${cluster}" holds no PEM certificate (-----BEGIN CERTIFICATE-----)`, fix);
  for (const pem of pems) {
    try {
      new X509Certificate(pem);
    } catch (err) {
      throw new EnvironmentError(`kubeconfig ${source}: the certificate authority of cluster "${cluster}" holds a certificate that does not parse (${(err as Error).message})`, fix);
    }
  }
  return ca;
}

/**
 * client-go's in-cluster config: in a pod (KUBERNETES_SERVICE_HOST and _PORT set, a service account
 * token mounted) the API server is the kubernetes Service, trusted through the mounted CA, and the
 * token file is read again on every request (the kubelet rotates it). Undefined outside a pod.
 */
export function inClusterConfig(env: NodeJS.ProcessEnv, dir = SERVICE_ACCOUNT_DIR): ResolvedKubeconfig | undefined {
  const host = env.KUBERNETES_SERVICE_HOST;
  const port = env.KUBERNETES_SERVICE_PORT;
  const tokenFile = join(dir, 'token');
  if (!host || !port || !existsSync(tokenFile)) return undefined;
  const read = (name: string) => {
    try {
      return readFileSync(join(dir, name));
    } catch {
      return undefined;
    }
  };
  return {
    files: [],
    inCluster: true,
    context: IN_CLUSTER_CONTEXT,
    namespace: read('namespace')?.toString('utf8').trim() || undefined,
    cluster: { name: IN_CLUSTER_CONTEXT, server: `https://${host.includes(':') ? `[${host}]` : host}:${port}`, ca: read('ca.crt'), insecureSkipTlsVerify: false },
    user: { name: 'serviceaccount', tokenFile },
  };
}

function impersonationOf(raw: Record<string, unknown>): Impersonation | undefined {
  const groups = Array.isArray(raw['as-groups']) ? raw['as-groups'].map(String) : [];
  const extraRaw = (raw['as-user-extra'] ?? {}) as Record<string, unknown>;
  const extra: Record<string, string[]> = {};
  for (const [k, v] of Object.entries(typeof extraRaw === 'object' ? extraRaw : {})) extra[k] = Array.isArray(v) ? v.map(String) : [String(v)];
  const user = str(raw.as);
  const uid = str(raw['as-uid']);
  if (!user && !uid && groups.length === 0 && Object.keys(extra).length === 0) return undefined;
  return { user, uid, groups, extra };
}

/**
 * An exec plugin's command as client-go runs it: a command with a path separator (`./bin/auth`,
 * `bin/auth`) is relative to the folder of the kubeconfig that names it; a bare name is looked up
 * on PATH.
 */
export function execCommandPath(command: string, kubeconfigDir: string): string {
  return command.includes(sep) && !isAbsolute(command) ? resolve(kubeconfigDir, command) : command;
}

export function loadKubeconfig(opts: KubeconfigOptions): ResolvedKubeconfig {
  const { files, explicit } = kubeconfigFiles(opts);
  const present = files.filter((f) => existsSync(f));
  if (present.length === 0) {
    // As client-go: with no kubeconfig at all, a pod uses its service account (whatever context was named).
    const inCluster = inClusterConfig(opts.env, opts.serviceAccountDir);
    if (inCluster) return inCluster;
    throw new EnvironmentError(
      `no kubeconfig found (looked at ${files.join(', ')})`,
      'point --kubeconfig FILE or $KUBECONFIG at one, or create it with your cloud CLI (gcloud container clusters get-credentials / aws eks update-kubeconfig); in a pod, mount a service account token',
    );
  }
  // Merge like kubectl: for each name, the first file that defines it wins.
  const clusters = new Map<string, { raw: Record<string, unknown>; base: string; file: string }>();
  const users = new Map<string, { raw: Record<string, unknown>; base: string; file: string }>();
  const contexts = new Map<string, Record<string, unknown>>();
  let current: string | undefined;
  for (const file of present) {
    let raw: RawFile;
    try {
      raw = (parse(readConfigFile(file, 'file', file).toString('utf8')) ?? {}) as RawFile;
    } catch (err) {
      if (err instanceof EnvironmentError) throw err;
      throw new EnvironmentError(`kubeconfig ${file} is not valid YAML (${(err as Error).message.split('\n')[0]})`, 'fix or regenerate the file');
    }
    if (typeof raw !== 'object') throw new EnvironmentError(`kubeconfig ${file} is not a kubeconfig`, 'fix or regenerate the file');
    const base = dirname(file);
    for (const c of raw.clusters ?? []) if (c?.name && !clusters.has(c.name)) clusters.set(c.name, { raw: c.cluster ?? {}, base, file });
    for (const u of raw.users ?? []) if (u?.name && !users.has(u.name)) users.set(u.name, { raw: u.user ?? {}, base, file });
    for (const c of raw.contexts ?? []) if (c?.name && !contexts.has(c.name)) contexts.set(c.name, c.context ?? {});
    current ??= str(raw['current-context']);
  }
  const where = present.join(', ');
  const contextName = opts.context ?? current;
  if (!contextName) {
    throw new EnvironmentError(`the kubeconfig (${where}) has no current context`, 'pass --kube-context NAME (list them with: kubectl config get-contexts)');
  }
  const ctx = contexts.get(contextName);
  if (!ctx) {
    const known = [...contexts.keys()];
    throw new EnvironmentError(
      `context "${contextName}" is not in the kubeconfig (${where})${known.length ? `; it has: ${known.slice(0, 5).join(', ')}${known.length > 5 ? ', ...' : ''}` : ''}`,
      'pass --kube-context NAME with one of `kubectl config get-contexts`, or fetch credentials with your cloud CLI',
    );
  }
  const clusterName = str(ctx.cluster);
  const c = clusterName ? clusters.get(clusterName) : undefined;
  if (!c) throw new EnvironmentError(`context "${contextName}" refers to cluster "${clusterName ?? ''}", which the kubeconfig does not define`, 'regenerate the kubeconfig entry with your cloud CLI');
  const server = str(c.raw.server);
  if (!server) throw new EnvironmentError(`cluster "${clusterName}" in ${c.file} has no server address`, 'regenerate the kubeconfig entry with your cloud CLI');
  const userName = str(ctx.user);
  const u = userName ? users.get(userName) : undefined;
  const userRaw = u?.raw ?? {};
  const source = u?.file ?? c.file;
  const exec = userRaw.exec as Record<string, unknown> | undefined;
  return {
    files: present,
    explicitFile: explicit,
    context: contextName,
    namespace: str(ctx.namespace),
    cluster: {
      name: clusterName!,
      server: server.replace(/\/+$/, ''),
      ca: checkCertificateAuthority(fileOrData(c.base, c.raw['certificate-authority'], c.raw['certificate-authority-data'], 'certificate-authority', c.file), clusterName!, c.file),
      insecureSkipTlsVerify: c.raw['insecure-skip-tls-verify'] === true,
      tlsServerName: str(c.raw['tls-server-name']),
      proxyUrl: str(c.raw['proxy-url']),
    },
    user: {
      name: userName ?? '',
      token: str(userRaw.token),
      tokenFile: str(userRaw.tokenFile) ? resolve(u!.base, userRaw.tokenFile as string) : undefined,
      clientCertificate: u ? fileOrData(u.base, userRaw['client-certificate'], userRaw['client-certificate-data'], 'client-certificate', source) : undefined,
      clientKey: u ? fileOrData(u.base, userRaw['client-key'], userRaw['client-key-data'], 'client-key', source) : undefined,
      username: str(userRaw.username),
      password: str(userRaw.password),
      exec: exec
        ? {
            command: execCommandPath(String(exec.command ?? ''), u!.base),
            args: Array.isArray(exec.args) ? exec.args.map(String) : [],
            env: Array.isArray(exec.env) ? (exec.env as { name: string; value: string }[]).filter((e) => e && e.name) : [],
            apiVersion: str(exec.apiVersion) ?? 'client.authentication.k8s.io/v1beta1',
            installHint: str(exec.installHint),
          }
        : undefined,
      authProvider: str((userRaw['auth-provider'] as Record<string, unknown> | undefined)?.name),
      impersonate: impersonationOf(userRaw),
    },
  };
}
