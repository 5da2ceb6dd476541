// Shared setup for the install tests: an in-process kubesim with fast controllers, private helm
// homes and kube cache, and a runner for the built CLI (`install --yes` against the fixture chart).
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { afterAll, beforeAll, expect } from 'vitest';
import { binPath, type CliResult } from '../helpers/cli.js';
import { helmBin, repoRoot } from '../helpers/tools.js';
import { startKubesim, type Kubesim, type KubesimOptions } from '../kubesim/server.js';

export const fixtureChart = join(repoRoot, 'test', 'fixtures', 'chart');
export const example = (name: 'in-cluster' | 'aws' | 'gcp') => join(repoRoot, 'examples', 'answers', `${name}.yaml`);

export const SECRET_ENV = {
  BUCKETEER_DB_PASSWORD: 'db-pass-for-tests',
  GOOGLE_CLIENT_SECRET: 'google-secret-for-tests',
  BUCKETEER_DEMO_PASSWORD: 'demo-pass-for-tests',
};

export const helm = helmBin();
if (!helm) console.warn('[install tests] SKIPPING: helm not found in .tools/helm/helm (unzip the lambda-layer-kubectl package) and HELM_BIN unset');

export interface Harness {
  sim: Kubesim;
  dir: string;
  env: NodeJS.ProcessEnv;
  close(): Promise<void>;
}

/** A kubesim with fast ticks, plus HELM_*_HOME and KUBECACHEDIR in a private temp folder. */
export async function startHarness(opts: KubesimOptions = {}): Promise<Harness> {
  const sim = await startKubesim({ tickMs: 40, jobDurationMs: 150, crashLoopRestartMs: 300, ...opts });
  const dir = mkdtempSync(join(tmpdir(), 'install-test-'));
  const env: NodeJS.ProcessEnv = {
    HELM_BIN: helm,
    HELM_CACHE_HOME: join(dir, 'helm-cache'),
    HELM_CONFIG_HOME: join(dir, 'helm-config'),
    HELM_DATA_HOME: join(dir, 'helm-data'),
    KUBECACHEDIR: join(dir, 'kube-cache'),
    ...SECRET_ENV,
  };
  return {
    sim,
    dir,
    env,
    async close() {
      await sim.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * One harness for the enclosing describe block: started before its first test, closed after its
 * last. The returned object is filled in when the harness has started, so read it only inside
 * tests and hooks, never while the block is being declared.
 */
export function useHarness(opts: KubesimOptions = {}): Harness {
  const h = {} as Harness;
  beforeAll(async () => {
    Object.assign(h, await startHarness(opts));
  });
  afterAll(async () => h.close?.());
  return h;
}

export interface InstallArgs {
  namespace: string;
  answers?: string;
  timeout?: string;
  extra?: string[];
  env?: NodeJS.ProcessEnv;
  kubeconfig?: string;
}

export function installArgs(h: Harness, a: InstallArgs): string[] {
  return [
    'install',
    '--answers', a.answers ?? example('in-cluster'),
    '--yes',
    '--chart', fixtureChart,
    '--kube-context', 'kubesim',
    '--kubeconfig', a.kubeconfig ?? h.sim.kubeconfigPath,
    '--namespace', a.namespace,
    '--timeout', a.timeout ?? '60s',
    '--health-window', '1s',
    ...(a.extra ?? []),
  ];
}

export interface RunningCli {
  /** Resolves when the process exits. */
  done: Promise<CliResult & { ms: number }>;
  /** Resolves with the first stdout line matching, or rejects when the process exits first. */
  waitForLine(re: RegExp): Promise<string>;
  kill(signal: NodeJS.Signals): void;
}

/**
 * Starts the built CLI with a clean environment (like test/helpers/cli.ts runCli) and streams its
 * output. nodeArgs go to node before the entry (a --require preload).
 */
export function startCli(args: string[], env: NodeJS.ProcessEnv, timeoutMs = 90_000, nodeArgs: string[] = []): RunningCli {
  const started = Date.now();
  const child = spawn(process.execPath, [...nodeArgs, binPath, ...args], {
    cwd: repoRoot,
    env: { PATH: process.env.PATH, HOME: process.env.HOME, KUBECONFIG: '/nonexistent/kubeconfig', ...env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  child.stdin.end();
  let stdout = '';
  let stderr = '';
  const waiters: { re: RegExp; resolve: (l: string) => void; reject: (e: Error) => void }[] = [];
  const check = () => {
    for (const w of [...waiters]) {
      const line = stdout.split('\n').find((l) => w.re.test(l));
      if (line) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve(line);
      }
    }
  };
  child.stdout.on('data', (d) => {
    stdout += d;
    check();
  });
  child.stderr.on('data', (d) => (stderr += d));
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  const done = new Promise<CliResult & { ms: number }>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      for (const w of waiters) w.reject(new Error(`process exited (${code}) before a line matched ${w.re}\nstdout:\n${stdout}\nstderr:\n${stderr}`));
      resolve({ code, stdout, stderr, ms: Date.now() - started });
    });
  });
  return {
    done,
    waitForLine: (re) => new Promise((resolve, reject) => {
      waiters.push({ re, resolve, reject });
      check();
    }),
    kill: (sig) => child.kill(sig),
  };
}

export function runInstall(h: Harness, a: InstallArgs, timeoutMs?: number) {
  return startCli(installArgs(h, a), { ...h.env, ...a.env }, timeoutMs).done;
}

/** `upgrade` of the release in `namespace` against the fixture chart on the simulator; `extra` adds --yes or --dry-run, --answers, -o. */
export function upgradeArgs(h: Harness, namespace: string, extra: string[] = []): string[] {
  return ['upgrade', '--chart', fixtureChart, '--kube-context', 'kubesim', '--kubeconfig', h.sim.kubeconfigPath, '--namespace', namespace, ...extra];
}

/** Installs the in-cluster example in `namespace` (it must succeed) and returns its helm history: one revision. */
export async function installedRelease(h: Harness, namespace: string): Promise<HelmRevision[]> {
  const r = await runInstall(h, { namespace });
  expect(r.code, r.stderr).toBe(0);
  const history = await helmHistory(h, namespace);
  expect(history?.length).toBe(1);
  return history!;
}

/** Runs the real helm against the simulator (for assertions: history, status). */
export async function helmJson<T>(h: Harness, args: string[]): Promise<{ code: number | null; data?: T; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(helm!, [...args, '--kube-context', 'kubesim', '--kubeconfig', h.sim.kubeconfigPath, '-o', 'json'], { env: { PATH: process.env.PATH, HOME: h.dir, ...h.env } });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, data: code === 0 && out.trim() ? (JSON.parse(out) as T) : undefined, stderr: err }));
  });
}

export interface HelmRevision {
  revision: number;
  status: string;
  description?: string;
}

export async function helmHistory(h: Harness, namespace: string, release = 'bucketeer'): Promise<HelmRevision[] | undefined> {
  const r = await helmJson<HelmRevision[]>(h, ['history', release, '-n', namespace]);
  return r.data;
}

/** Decodes helm's release record (base64 of base64 of gzip JSON) from its storage Secret. */
export function decodeRelease(secretData: string): Record<string, unknown> {
  const inner = Buffer.from(Buffer.from(secretData, 'base64').toString('utf8'), 'base64');
  return JSON.parse(gunzipSync(inner).toString('utf8')) as Record<string, unknown>;
}

export function encodeRelease(release: Record<string, unknown>): string {
  const inner = gzipSync(Buffer.from(JSON.stringify(release))).toString('base64');
  return Buffer.from(inner).toString('base64');
}

export const ndjson = (stdout: string) =>
  stdout
    .split('\n')
    .filter((l) => l.trim().startsWith('{'))
    .map((l) => JSON.parse(l) as Record<string, unknown> & { type: string });

/** What an interrupted `helm upgrade` leaves: revision 2 of the release, status pending-upgrade. */
export function leavePendingUpgrade(h: Harness, ns: string, opts: { description?: string } = {}): void {
  const v1 = h.sim.objects.get('secret', ns, 'sh.helm.release.v1.bucketeer.v1')!;
  const rel = decodeRelease(v1.data.release);
  rel.version = 2;
  (rel.info as Record<string, unknown>).status = 'pending-upgrade';
  if (opts.description) (rel.info as Record<string, unknown>).description = opts.description;
  h.sim.objects.put({
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: 'sh.helm.release.v1.bucketeer.v2', namespace: ns, labels: { ...v1.metadata.labels, status: 'pending-upgrade', version: '2' } },
    type: 'helm.sh/release.v1',
    data: { release: encodeRelease(rel) },
  });
}
