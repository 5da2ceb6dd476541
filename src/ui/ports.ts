// What the wizard needs from the rest of the installer, as small typed ports. The screens only
// see these shapes: the real probes and the install engine are adapted to them by
// src/commands/install.ts, and tests pass fakes. Nothing here imports an SDK.
import type { Answers } from '../answers/schema.js';
import type { Check } from '../checks/types.js';
import type { PlatformFinding } from '../platforms/index.js';

export type Sizing = Answers['sizing'];

/**
 * Names a probe reports under, so a failure lands on the right row of the environment screen:
 * "kubernetes", "capacity", or a cloud probe's short name (cloudProbeName in src/probes/clouds.ts:
 * "aws", "rds", "cloudsql").
 */
export type ProbeName = string;

/** One thing a probe found. Probes report facts as they find them; order does not matter. */
export type WizardFact =
  /** What a cloud's probes found (its credentials' identity, a managed MySQL or Redis): each platform's own kinds. */
  | PlatformFinding
  /**
   * The kubeconfig context in use; platform: the managed Kubernetes it is (a platform's clusterKind,
   * "gke"), else "other"; reachable false when its API server did not answer.
   */
  | { kind: 'kube-context'; context: string; platform: string; reachable?: boolean }
  /** Whether the cluster's allocatable CPU/memory fits a sizing profile; detail is one line. */
  | { kind: 'capacity'; sizing: Sizing; fits: boolean; detail: string }
  /**
   * A probe that found nothing: message is the cause, fix the command or step that helps.
   * missing: nothing is configured for it (no credentials, no kubeconfig), rather than something
   * configured that fails; not a failure unless the cluster's platform needs it.
   */
  | { kind: 'probe-failed'; probe: ProbeName; message: string; fix?: string; missing?: boolean };

export interface WizardProbes {
  /**
   * Runs every probe, calling onFact for each finding (as soon as it is known) and for each probe
   * that failed. Resolves when all probes are done; must stop promptly when signal aborts. Never
   * rejects for a probe's own failure (report {kind: 'probe-failed'} instead).
   */
  run(onFact: (fact: WizardFact) => void, signal: AbortSignal): Promise<void>;
}

/** What the wizard hands the engine once the answers file is saved. */
export interface InstallRequest {
  answers: Answers;
  /** Absolute path of the saved answers file; {file: ...} secret refs resolve relative to it. */
  answersPath: string;
  /**
   * The process environment plus secrets typed into the wizard for {env: NAME} references. Those
   * typed values exist only here, in memory, for this one install.
   */
  env: NodeJS.ProcessEnv;
}

export type InstallEvent =
  | { type: 'step-started'; step: string; title: string }
  | { type: 'progress'; step: string; message: string }
  /** checks: what a checking step (preflight) checked, every outcome. */
  | { type: 'step-finished'; step: string; status?: 'warn'; checks?: Check[] }
  /** resource: what failed, e.g. "Deployment bucketeer/api" or "helm release bucketeer". */
  | { type: 'failed'; step: string; resource?: string; reason: string }
  /** One line of helm (or kubectl) output; secrets must already be redacted. */
  | { type: 'log'; line: string };

export interface InstallResult {
  ok: boolean;
  /** The exit code a failure maps to, as for `install --answers` (2 bad input, 3 missing environment); 1 when absent. */
  exitCode?: number;
  /** Post-install health checks (src/checks); shown on the health screen. */
  checks?: Check[];
}

export interface InstallEngine {
  /**
   * Applies the install, reporting progress through onEvent. Resolves {ok: false} after a
   * 'failed' event; on abort it stops at the next safe point and resolves {ok: false}.
   */
  run(request: InstallRequest, onEvent: (e: InstallEvent) => void, signal: AbortSignal): Promise<InstallResult>;
}

/** Writes values.yaml (secrets masked) and the in-cluster manifests into outDir, as `render` does. */
export type RenderFiles = (answers: Answers, answersPath: string, outDir: string) => Promise<string[]>;

/**
 * Install flags given on the command line with the wizard. Each prefills its question (the user
 * can still change it) or, where the wizard asks nothing, goes into the saved answers file.
 */
export interface WizardPresets {
  /** --kube-context: the context question's first choice. */
  kubeContext?: string;
  /** --namespace: the namespace question's answer. */
  namespace?: string;
  /** --chart and --chart-version: no question; saved as release.chart and release.version. */
  chart?: string;
  chartVersion?: string;
  /** --release: the helm release name written into the answers. */
  release?: string;
}

export interface WizardPorts {
  /** Absent until the probes are wired: the wizard then asks without detected defaults. */
  probes?: WizardProbes;
  /** Absent until the engine is wired: the wizard then offers to render the files instead. */
  engine?: InstallEngine;
  renderFiles: RenderFiles;
}
