// The install as a list of small steps over one context object (create-astro style). Each step
// gets the context and a StepApi to report progress; the engine turns that into typed events and
// stops at the first failure. Steps are idempotent: running the list again converges.
import type { Answers } from '../answers/schema.js';
import type { SecretSources } from '../answers/secrets.js';
import type { Check } from '../checks/types.js';
import { CliError, Interrupted, OperationFailed } from '../errors.js';
import type { HelmInfo } from '../helm/binary.js';
import type { KubeClient } from '../kube/client.js';
import type { Plan } from '../plan/index.js';
import type { InlineSecrets } from '../plan/values.js';
import type { Emit, StepId } from './events.js';

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
  /** Restart-count window of the health checks. */
  healthWindowMs: number;
  /** Try /health through the API server's service proxy. */
  probeHttp: boolean;
  installerVersion: string;
  signal: AbortSignal;
  /** Extra steps (e.g. preparing the database) run after the middleware and before helm. */
  prepareSteps: Step[];
  /** What this run changed or reused, one human line each (told to the user on interrupt). */
  applied: string[];
  /** Filled in as steps run. */
  state: {
    namespaceCreated?: boolean;
    previousRevision?: number;
    revision?: number;
    /** True while helm runs: an interrupt then means helm was signalled. */
    helmRunning?: boolean;
    checks?: Check[];
  };
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
  /** Returns a short detail for the finished event. */
  run: (ctx: InstallContext, api: StepApi) => Promise<string | void>;
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

export async function runSteps(steps: Step[], ctx: InstallContext, emit: Emit): Promise<void> {
  for (const step of steps) {
    if (ctx.signal.aborted) throw new Interrupted();
    if (step.skip?.(ctx)) continue;
    emit({ type: 'step-started', step: step.id, title: step.title });
    const api: StepApi = {
      progress: (message) => emit({ type: 'progress', step: step.id, message }),
      log: (line) => emit({ type: 'log', step: step.id, line }),
    };
    try {
      const detail = await step.run(ctx, api);
      if (ctx.signal.aborted) throw new Interrupted();
      emit({ type: 'step-finished', step: step.id, ...(detail ? { detail } : {}) });
    } catch (err) {
      const interrupted = ctx.signal.aborted || (err instanceof CliError && err.exitCode === 130);
      if (interrupted) {
        emit({ type: 'failed', step: step.id, reason: 'interrupted' });
        throw err instanceof Interrupted ? err : new Interrupted();
      }
      if (err instanceof StepFailed) emit({ type: 'failed', step: step.id, ...(err.resource ? { resource: err.resource } : {}), reason: err.reason });
      else emit({ type: 'failed', step: step.id, reason: err instanceof Error ? err.message : String(err) });
      throw err;
    }
  }
}
