// Helm release operations the installer (and later upgrade/doctor) needs: read status and
// history, recover a release stuck in pending-*, and run `helm upgrade --install` streaming its
// output. Values reach helm on its standard input, never through a file.
import { EnvironmentError, Interrupted, OperationFailed } from '../errors.js';
import { chartArgs, type HelmInfo } from '../helm/binary.js';
import { withImagePostRenderer } from '../helm/post-renderer.js';
import { valuesDocument } from '../helm/values.js';
import type { ImagePolicy } from '../images/post-render.js';
import { exec, lastErrorLine, type ExecResult } from '../util/exec.js';

export interface HelmTarget {
  helm: HelmInfo;
  env: NodeJS.ProcessEnv;
  release: string;
  namespace: string;
  /** --kube-context C [--kubeconfig F]: helm talks to the same cluster as the kube client. */
  kubeArgs: string[];
}

export interface HistoryEntry {
  revision: number;
  status: string;
  chart: string;
  app_version?: string;
  description?: string;
  updated?: string;
}

export const PENDING = ['pending-install', 'pending-upgrade', 'pending-rollback'];

const target = (t: HelmTarget) => ['--namespace', t.namespace, ...t.kubeArgs];

/** The release's revisions, oldest first; [] when there is no such release. */
export async function releaseHistory(t: HelmTarget, opts: { signal?: AbortSignal } = {}): Promise<HistoryEntry[]> {
  const res = await exec(t.helm.bin, ['history', t.release, ...target(t), '--max', '256', '-o', 'json'], { env: t.env, timeoutMs: 60_000, signal: opts.signal });
  if (res.exitCode !== 0) {
    if (/release: not found|not found/i.test(res.stderr)) return [];
    throw new EnvironmentError(`helm history ${t.release} failed: ${lastErrorLine(res)}`, `run it yourself to see more: helm history ${t.release} -n ${t.namespace}`);
  }
  const parsed = JSON.parse(res.stdout || '[]') as HistoryEntry[];
  return parsed.sort((a, b) => a.revision - b.revision);
}

/** The revision that is (or was last) live: the newest `deployed`, else the newest `superseded`. */
export function lastGoodRevision(history: HistoryEntry[]): HistoryEntry | undefined {
  const newestFirst = [...history].reverse();
  return newestFirst.find((h) => h.status === 'deployed') ?? newestFirst.find((h) => h.status === 'superseded');
}

export async function helmRollback(t: HelmTarget, revision: number, opts: { timeoutMs: number; signal?: AbortSignal }): Promise<void> {
  const res = await exec(t.helm.bin, ['rollback', t.release, String(revision), ...target(t), '--wait', '--timeout', `${Math.ceil(opts.timeoutMs / 1000)}s`], { env: t.env, timeoutMs: opts.timeoutMs + 30_000, signal: opts.signal });
  if (opts.signal?.aborted) throw new Interrupted();
  if (res.exitCode !== 0) {
    throw new OperationFailed(`helm rollback ${t.release} ${revision} failed: ${lastErrorLine(res)}`, `run it yourself to see more: helm rollback ${t.release} ${revision} -n ${t.namespace}`);
  }
}

export async function helmUninstall(t: HelmTarget, opts: { timeoutMs: number; signal?: AbortSignal }): Promise<void> {
  const res = await exec(t.helm.bin, ['uninstall', t.release, ...target(t), '--wait', '--timeout', `${Math.ceil(opts.timeoutMs / 1000)}s`], { env: t.env, timeoutMs: opts.timeoutMs + 30_000, signal: opts.signal });
  if (opts.signal?.aborted) throw new Interrupted();
  if (res.exitCode !== 0 && !/not found/i.test(res.stderr)) {
    throw new OperationFailed(`helm uninstall ${t.release} failed: ${lastErrorLine(res)}`, `run it yourself to see more: helm uninstall ${t.release} -n ${t.namespace}`);
  }
}

/**
 * A release left in pending-* by an interrupted helm blocks every later upgrade ("another
 * operation is in progress"). Roll it back to the last good revision, or uninstall it when it
 * never had one; never delete helm's release Secrets by hand.
 * Returns what was done, or undefined when the release was not pending.
 */
export async function recoverPendingRelease(t: HelmTarget, opts: { timeoutMs: number; signal?: AbortSignal }): Promise<{ action: 'rollback' | 'uninstall'; from: HistoryEntry; to?: number } | undefined> {
  const history = await releaseHistory(t, opts);
  const latest = history.at(-1);
  if (!latest || !PENDING.includes(latest.status)) return undefined;
  const good = lastGoodRevision(history.slice(0, -1));
  if (good) {
    await helmRollback(t, good.revision, opts);
    return { action: 'rollback', from: latest, to: good.revision };
  }
  await helmUninstall(t, opts);
  return { action: 'uninstall', from: latest };
}

export interface UpgradeInstallOptions {
  chart: string;
  version: string;
  /** Masked values (safe to keep on disk) and the overlay with real secrets. */
  values: object;
  secretValues?: object;
  /** answers images.*: moves what the values cannot (the chart's hard-coded CronJob image). */
  images?: ImagePolicy;
  timeoutMs: number;
  signal?: AbortSignal;
  onLine?: (line: string) => void;
}

/** Splits a byte stream into lines for onLine. */
function lineSplitter(onLine: (line: string) => void): { push(chunk: string): void; flush(): void } {
  let buf = '';
  return {
    push(chunk) {
      buf += chunk;
      let i: number;
      while ((i = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, i).replace(/\r$/, '');
        buf = buf.slice(i + 1);
        if (line.trim()) onLine(line);
      }
    },
    flush() {
      if (buf.trim()) onLine(buf);
      buf = '';
    },
  };
}

/**
 * `helm upgrade --install --wait --timeout T <rollback flag>`. Resolves with helm's result (the
 * caller explains failures by reading the cluster). The values, secrets included, reach helm on
 * standard input (`--values -`, read by helm 3 and 4 alike): nothing is written to disk, so even a
 * kill -9 of the installer leaves no secret behind.
 */
export async function helmUpgradeInstall(t: HelmTarget, o: UpgradeInstallOptions): Promise<ExecResult> {
  const args = ['upgrade', '--install', t.release, ...chartArgs(o.chart, o.version), ...target(t), '--values', '-'];
  args.push('--wait', '--timeout', `${Math.ceil(o.timeoutMs / 1000)}s`, t.helm.rollbackFlag);
  const split = o.onLine ? lineSplitter(o.onLine) : undefined;
  // Helm gets its own grace period on top of --timeout: a rollback after a failed wait takes time.
  const res = await withImagePostRenderer(t.helm, o.images, t.env, (extra) =>
    exec(t.helm.bin, [...args, ...extra.args], {
      env: extra.env,
      input: valuesDocument(o.values, o.secretValues),
      timeoutMs: o.timeoutMs * 2 + 60_000,
      signal: o.signal,
      onOutput: split ? (chunk) => split.push(chunk) : undefined,
    }),
  );
  split?.flush();
  return res;
}

/** `helm get values` (user-supplied, or all with `all`), for upgrade and doctor. */
export async function helmGetValues(t: HelmTarget, opts: { all?: boolean; revision?: number; signal?: AbortSignal } = {}): Promise<Record<string, unknown>> {
  const args = ['get', 'values', t.release, ...target(t), '-o', 'json', ...(opts.all ? ['--all'] : []), ...(opts.revision ? ['--revision', String(opts.revision)] : [])];
  const res = await exec(t.helm.bin, args, { env: t.env, timeoutMs: 60_000, signal: opts.signal });
  if (res.exitCode !== 0) throw new OperationFailed(`helm get values ${t.release} failed: ${lastErrorLine(res)}`, `run it yourself to see more: helm get values ${t.release} -n ${t.namespace}`);
  return (JSON.parse(res.stdout || '{}') ?? {}) as Record<string, unknown>;
}
