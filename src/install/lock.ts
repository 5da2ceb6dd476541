// One run at a time per release. install and upgrade take a coordination.k8s.io/v1 Lease named
// `<release>-bucketeer-install-lock` in the release namespace, renew it while they run and delete
// it at the end (failure and Ctrl-C included). A second run waits a bounded time for it, then
// refuses naming the holder (exit 1). A lease its holder stopped renewing (a run killed with -9,
// a machine gone) is taken over once its leaseDurationSeconds have passed; only a run holding the
// lease treats a pending-* release as interrupted.
import { hostname } from 'node:os';
import { Interrupted, OperationFailed } from '../errors.js';
import { isAlreadyExists, type KubeClient } from '../kube/client.js';
import type { KubeObject } from '../kube/types.js';
import { installerLabels } from '../plan/ownership.js';
import type { InstallContext, ReleaseLock, Step } from './engine.js';

export type { ReleaseLock };

export const LEASE_DURATION_SECONDS = 30;
/** How long a second run waits for the lock before it refuses. */
export const DEFAULT_LOCK_WAIT_MS = 60_000;

export const lockName = (release: string) => `${release}-bucketeer-install-lock`;

const leasePath = (namespace: string, name?: string) => `/apis/coordination.k8s.io/v1/namespaces/${encodeURIComponent(namespace)}/leases${name ? `/${encodeURIComponent(name)}` : ''}`;

export interface Lease extends KubeObject {
  spec?: { holderIdentity?: string; leaseDurationSeconds?: number; acquireTime?: string; renewTime?: string; leaseTransitions?: number };
}

/** MicroTime, as the Lease API wants it: RFC 3339 with microseconds. */
const microTime = (d = new Date()) => d.toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');

export interface LockOptions {
  namespace: string;
  release: string;
  command: 'install' | 'upgrade' | 'uninstall';
  waitMs?: number;
  durationSeconds?: number;
  signal: AbortSignal;
  /** Told once when the lock is held by another run and this one starts waiting. */
  onWait?: (message: string) => void;
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const t = setTimeout(done, ms);
    function done() {
      clearTimeout(t);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}

/** "host pid 123 (install)" and when it took the lock, for the messages. */
export function describeHolder(lease: Lease): string {
  const s = lease.spec ?? {};
  return `${s.holderIdentity ?? 'an unknown run'}${s.acquireTime ? ` since ${s.acquireTime.replace(/\.\d+Z$/, 'Z')}` : ''}`;
}

async function put(kube: KubeClient, namespace: string, lease: Lease): Promise<{ ok: true; lease: Lease } | { ok: false; status: number }> {
  const res = await kube.request<Lease>({ method: 'PUT', path: leasePath(namespace, lease.metadata.name), body: lease });
  if (res.status >= 200 && res.status < 300) return { ok: true, lease: res.body! };
  if (res.status === 409 || res.status === 404) return { ok: false, status: res.status };
  throw kube.httpError({ method: 'PUT', path: leasePath(namespace, lease.metadata.name) }, res as never);
}

export async function acquireReleaseLock(kube: KubeClient, o: LockOptions): Promise<ReleaseLock> {
  const name = lockName(o.release);
  const durationSeconds = o.durationSeconds ?? LEASE_DURATION_SECONDS;
  const holder = `${hostname()} pid ${process.pid} (${o.command})`;
  const deadline = Date.now() + (o.waitMs ?? DEFAULT_LOCK_WAIT_MS);
  // The holder's clock may differ from ours: a lease is also stale when we have watched it go
  // unrenewed for its whole duration (as client-go's leader election judges it).
  let observed: { resourceVersion?: string; since: number } | undefined;
  let toldWaiting = false;
  let lease: Lease | undefined;
  let createdFresh = false;

  for (;;) {
    if (o.signal.aborted) throw new Interrupted();
    const current = await kube.get<Lease>(leasePath(o.namespace, name), { signal: o.signal });
    const now = new Date();
    if (!current) {
      try {
        lease = await kube.create<Lease>(leasePath(o.namespace), {
          apiVersion: 'coordination.k8s.io/v1',
          kind: 'Lease',
          metadata: { name, namespace: o.namespace, labels: installerLabels(o.release) },
          spec: { holderIdentity: holder, leaseDurationSeconds: durationSeconds, acquireTime: microTime(now), renewTime: microTime(now), leaseTransitions: 0 },
        } as Lease, { signal: o.signal });
        createdFresh = !toldWaiting;
        break;
      } catch (e) {
        if (!isAlreadyExists(e)) throw e;
        continue; // another run created it a moment ago: read it
      }
    }
    const spec = current.spec ?? {};
    const durationMs = (spec.leaseDurationSeconds ?? durationSeconds) * 1000;
    if (observed?.resourceVersion !== current.metadata.resourceVersion) observed = { resourceVersion: current.metadata.resourceVersion, since: Date.now() };
    const renewed = Date.parse(spec.renewTime ?? spec.acquireTime ?? '');
    // By the holder's timestamps, with a margin of one more duration for clock skew.
    const staleByClock = !Number.isFinite(renewed) || now.getTime() > renewed + 2 * durationMs;
    const staleByWatching = Date.now() - observed!.since > durationMs;
    if (!spec.holderIdentity || staleByClock || staleByWatching) {
      const taken = await put(kube, o.namespace, {
        ...current,
        spec: { holderIdentity: holder, leaseDurationSeconds: durationSeconds, acquireTime: microTime(now), renewTime: microTime(now), leaseTransitions: (spec.leaseTransitions ?? 0) + 1 },
      });
      if (taken.ok) {
        lease = taken.lease;
        break;
      }
      continue; // someone else moved first (409) or it was deleted (404): look again
    }
    if (Date.now() >= deadline) {
      throw new OperationFailed(
        `release ${o.release} in namespace ${o.namespace} is being changed by another run: ${describeHolder(current)} (Lease ${name})`,
        `wait for that run to finish, then run the same command again; if it was killed, its lock is taken over ${spec.leaseDurationSeconds ?? durationSeconds}s after its last renewal (${spec.renewTime ?? '?'})`,
      );
    }
    if (!toldWaiting) {
      toldWaiting = true;
      o.onWait?.(`waiting for another run to finish: ${describeHolder(current)} holds Lease ${name} (up to ${Math.round((deadline - Date.now()) / 1000)}s)`);
    }
    await sleep(Math.min(1_000, Math.max(0, deadline - Date.now())), o.signal);
  }
  return holdLease(kube, o.namespace, lease, holder, durationSeconds, createdFresh);
}

/** Renews every third of the duration until released. */
function holdLease(kube: KubeClient, namespace: string, acquired: Lease, holder: string, durationSeconds: number, createdFresh: boolean): ReleaseLock {
  let lease = acquired;
  let renewing: Promise<void> = Promise.resolve();
  const lock: ReleaseLock = {
    holder,
    createdFresh,
    async release() {
      clearInterval(timer);
      await renewing;
      if (lock.lostTo) return;
      try {
        const current = await kube.get<Lease>(leasePath(namespace, lease.metadata.name), { timeoutMs: 5_000 });
        if (current?.spec?.holderIdentity === holder) await kube.delete(leasePath(namespace, lease.metadata.name));
      } catch {
        // Not deleted: it expires after leaseDurationSeconds and the next run takes it over.
      }
    },
  };
  const renew = async () => {
    try {
      const r = await put(kube, namespace, { ...lease, spec: { ...lease.spec, renewTime: microTime() } });
      if (r.ok) lease = r.lease;
      else {
        const current = await kube.get<Lease>(leasePath(namespace, lease.metadata.name));
        if (current?.spec?.holderIdentity === holder) lease = current;
        else {
          lock.lostTo = current ? describeHolder(current) : 'nobody (the Lease was deleted)';
          clearInterval(timer);
        }
      }
    } catch {
      // A missed renewal is retried at the next tick; the lease lasts three of them.
    }
  };
  const timer = setInterval(() => {
    renewing = renewing.then(renew);
  }, (durationSeconds * 1000) / 3);
  timer.unref();
  return lock;
}

/**
 * The lock as a step: after the namespace exists (the Lease lives in it) and before the release
 * state is read. The run that owns ctx releases it (releaseLockOf) when it ends, however it ends.
 */
export function lockStep(command: LockOptions['command'], waitMs?: number): Step {
  return {
    id: 'lock',
    title: 'Lock the release (one run at a time)',
    async run(ctx, api) {
      const lock = await acquireReleaseLock(ctx.kube, {
        namespace: ctx.answers.kubernetes.namespace,
        release: ctx.answers.release.name,
        command,
        waitMs,
        signal: ctx.signal,
        onWait: (m) => api.progress(m),
      });
      ctx.state.lock = lock;
      return `Lease ${lockName(ctx.answers.release.name)} held by ${lock.holder}`;
    },
  };
}

export async function releaseLockOf(ctx: InstallContext | undefined): Promise<void> {
  const lock = ctx?.state.lock;
  if (!lock) return;
  ctx.state.lock = undefined;
  await lock.release();
}
