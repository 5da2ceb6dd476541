// The install as a list of small steps over one context object (create-astro style). Each step
// gets the context and a StepApi to report progress; the engine turns that into typed events and
// stops at the first failure. Steps are idempotent: running the list again converges.
import { setMaxListeners } from 'node:events';
import type { Answers } from '../answers/schema.js';
import type { BootstrapState } from '../bootstrap/state.js';
import type { SecretSources } from '../answers/secrets.js';
import type { Check } from '../checks/types.js';
import { CliError, Interrupted, OperationFailed } from '../errors.js';
import type { HelmInfo } from '../helm/binary.js';
import type { KubeClient } from '../kube/client.js';
import type { Plan } from '../plan/index.js';
import type { InstallPlan } from '../plan/resources.js';
import type { PrepareStepName } from '../prepare/types.js';
import type { OAuthKey, ServiceCert } from '../plan/material.js';
import type { InlineSecrets, Values } from '../plan/values.js';
import type { Emit, StepId } from './events.js';

/** One run of install, upgrade or the wizard's install; built by createRunContext (src/install/context.ts). */
export interface InstallContext {
  answers: Answers;
  /** Absolute path of the answers file ({file: ...} refs are relative to it). */
  answersPath: string;
  /** Inline secrets resolved from env/file/cluster refs (the MySQL password may be replaced by the existing one). */
  inlineSecrets: InlineSecrets;
  /** Built by the secrets step; masked values are safe to print. */
  plan?: Plan;
  helm: HelmInfo;
  kube: KubeClient;
  /** Arguments that point helm at the same cluster as `kube`. */
  kubeArgs: string[];
  env: NodeJS.ProcessEnv;
  secretSources: SecretSources;
  /** helm --timeout, and the wait budget of the in-cluster MySQL/Redis. */
  timeoutMs: number;
  /** How often the cluster is read while waiting (progress and failure diagnosis). */
  pollIntervalMs: number;
  /** --force: go past the refusals that protect data (fewer Redis Streams partitions). */
  force?: boolean;
  /** Restart-count window of the health checks. */
  healthWindowMs: number;
  /** Try /health through the API server's service proxy. */
  probeHttp: boolean;
  installerVersion: string;
  /** How long the smoke test waits for a new flag to reach the API gateway (default 30 s). */
  smokeEvaluationWaitMs?: number;
  signal: AbortSignal;
  /**
   * Keys a first install needs, started before preflight so the work overlaps (generateKeysInAdvance
   * in steps.ts); the secrets step uses them only for Secrets it must create.
   */
  keysInAdvance?: { serviceCert?: Promise<ServiceCert>; oauthKey?: Promise<OAuthKey> };
  /** Receives the install plan (plan.json's shape) once the secrets step has built the plan. */
  onPlan?: (plan: InstallPlan) => void;
  /** --skip-prepare: for the plan; the lanes already leave those steps out. */
  skipPrepare?: readonly PrepareStepName[];
  /** --skip-bootstrap, --skip-smoke: for the plan; the step list already leaves those steps out. */
  skipBootstrap?: boolean;
  skipSmoke?: boolean;
  /** What this run changed or reused, one human line each (told to the user on interrupt). */
  applied: string[];
  /** Filled in as steps run. */
  state: {
    namespaceCreated?: boolean;
    /** Objects this run created (not the ones it found), oldest first: what a failure leaves behind. */
    created?: CreatedObject[];
    previousRevision?: number;
    revision?: number;
    /** True while helm runs: an interrupt then means helm was signalled. */
    helmRunning?: boolean;
    checks?: Check[];
    /**
     * Values the deployed release holds that bucketeer-install did not produce (`helm upgrade
     * --set ...` by hand): carried over into the new revision. Set by upgrade's plan, or by the
     * release-state step.
     */
    handSet?: Values;
    /** The release lock, once taken (src/install/lock.ts); released when the run ends, however it ends. */
    lock?: ReleaseLock;
    /** The values of the last good revision, when already read (upgrade's plan): not read again. */
    deployedValues?: { revision: number; values: Record<string, unknown> };
    /** Bootstrap and smoke test outcome (src/bootstrap/steps.ts). */
    bootstrap?: BootstrapState;
  };
}

/** The release lock a run holds (a Lease, src/install/lock.ts). */
export interface ReleaseLock {
  holder: string;
  /** This run created the Lease: no other run held it, and none was waited for or taken over. */
  createdFresh: boolean;
  /** Set when a renewal found the lease taken by another run (this run kept going). */
  lostTo?: string;
  /** Stops renewing and deletes the lease if it is still this run's. Never throws. */
  release(): Promise<void>;
}

export interface CreatedObject {
  kind: string;
  name: string;
}

/** Notes an object this run created, for the "what was left" part of a failure message. */
export function recordCreated(ctx: InstallContext, kind: string, name: string): void {
  (ctx.state.created ??= []).push({ kind, name });
}

export interface StepApi {
  progress(message: string): void;
  log(line: string): void;
}

export interface Step {
  id: StepId;
  title: string;
  /** Skipped (no events) when this returns true. */
  skip?: (ctx: InstallContext) => boolean;
  /**
   * Returns a short detail for the finished event; `{detail, warn: true}` when the step finished
   * but could not verify everything (shown as a warning, not a pass).
   */
  run: (ctx: InstallContext, api: StepApi) => Promise<string | void | StepWarning>;
}

export interface StepWarning {
  detail: string;
  warn: true;
}

/** A step failure that names the resource and the reason; exit 1. */
export class StepFailed extends OperationFailed {
  constructor(
    readonly resource: string | undefined,
    readonly reason: string,
    hint?: string,
  ) {
    super(resource ? `${resource}: ${reason}` : reason, hint);
  }
}

/**
 * Steps that may run at the same time: each lane runs its steps in order, the lanes side by side
 * (the prepare Jobs of different servers, the release-state read). The first failing lane stops
 * the others; the group then fails with that lane's error. With `settle`, a failing lane lets the
 * others finish (their outcome is still reported) before the group fails with the first error.
 */
export interface ConcurrentSteps {
  concurrent: Step[][];
  settle?: boolean;
}

export type StepList = (Step | ConcurrentSteps)[];

export async function runSteps(steps: StepList, ctx: InstallContext, emit: Emit): Promise<void> {
  for (const item of steps) {
    if (ctx.signal.aborted) throw new Interrupted();
    if ('concurrent' in item) await runConcurrently(item.concurrent, ctx, emit, item.settle ?? false);
    else await runStep(item, ctx, emit);
  }
}

async function runStep(step: Step, ctx: InstallContext, emit: Emit, stoppedBy?: () => string | undefined): Promise<void> {
  if (step.skip?.(ctx)) return;
  emit({ type: 'step-started', step: step.id, title: step.title });
  const api: StepApi = {
    progress: (message) => emit({ type: 'progress', step: step.id, message }),
    log: (line) => emit({ type: 'log', step: step.id, line }),
  };
  try {
    const out = await step.run(ctx, api);
    if (ctx.signal.aborted) throw new Interrupted();
    if (typeof out === 'object') emit({ type: 'step-finished', step: step.id, detail: out.detail, status: 'warn' });
    else emit({ type: 'step-finished', step: step.id, ...(out ? { detail: out } : {}) });
  } catch (err) {
    const interrupted = ctx.signal.aborted || (err instanceof CliError && err.exitCode === 130);
    if (interrupted) {
      const other = stoppedBy?.();
      emit({ type: 'failed', step: step.id, reason: other ? `stopped: ${other} failed` : 'interrupted' });
      throw err instanceof Interrupted ? err : new Interrupted();
    }
    if (err instanceof StepFailed) emit({ type: 'failed', step: step.id, ...(err.resource ? { resource: err.resource } : {}), reason: err.reason });
    else emit({ type: 'failed', step: step.id, reason: err instanceof Error ? err.message : String(err) });
    throw err;
  }
}

async function runConcurrently(lanes: Step[][], ctx: InstallContext, emit: Emit, settle: boolean): Promise<void> {
  const group = new AbortController();
  const signal = AbortSignal.any([ctx.signal, group.signal]);
  setMaxListeners(0, signal);
  // The lanes share the context (steps record into ctx.state and ctx.applied) but get a signal
  // that also fires when a sibling lane fails. Writes through the proxy land on ctx itself.
  const laneCtx = new Proxy(ctx, { get: (target, key, receiver) => (key === 'signal' ? signal : Reflect.get(target, key, receiver)) });
  let firstFailure: { step: string; error: unknown } | undefined;
  const stoppedBy = () => (ctx.signal.aborted ? undefined : firstFailure?.step);
  // Settled groups fail with the failure of the earliest lane, whatever finished first.
  const failures: { lane: number; error: unknown }[] = [];
  await Promise.all(
    lanes.map(async (lane, index) => {
      let current = '';
      try {
        for (const step of lane) {
          if (signal.aborted) return;
          current = step.title;
          await runStep(step, laneCtx, emit, stoppedBy);
        }
      } catch (error) {
        if (signal.aborted) return;
        failures.push({ lane: index, error });
        if (!firstFailure && !settle) {
          firstFailure = { step: current, error };
          group.abort();
        }
      }
    }),
  );
  if (ctx.signal.aborted) throw new Interrupted();
  if (firstFailure) throw firstFailure.error;
  if (failures.length) throw failures.sort((a, b) => a.lane - b.lane)[0].error;
}
