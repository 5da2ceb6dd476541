// One order for every setting that a flag, an answers file and the answers stored with a release
// can each give: flag > answers file > stored answers > default (src/settings.ts). install,
// upgrade, render, doctor and doctor --pre all decide through here.
import { loadAnswersFile, type LoadedAnswers } from './answers/load.js';
import { applyOverrides, type AnswerOverrides } from './answers/overrides.js';
import type { Answers } from './answers/schema.js';
import { DEFAULT_NAMESPACE, DEFAULT_RELEASE } from './settings.js';

/** The flags that name where a release lives. */
export interface TargetFlags {
  namespace?: string;
  release?: string;
  kubeContext?: string;
}

/** Where a release lives, decided. */
export interface Target {
  namespace: string;
  release: string;
  /** Unset: the kubeconfig's current context. */
  kubeContext?: string;
}

/**
 * Flag > answers file > stored answers > default. `answers` are in that order of precedence:
 * the answers file first, then the stored answers (either may be missing).
 */
export function resolveTarget(flags: TargetFlags, ...answers: (Answers | undefined)[]): Target {
  const first = <T>(pick: (a: Answers) => T | undefined): T | undefined => answers.map((a) => (a ? pick(a) : undefined)).find((v) => v !== undefined);
  return {
    namespace: flags.namespace ?? first((a) => a.kubernetes.namespace) ?? DEFAULT_NAMESPACE,
    release: flags.release ?? first((a) => a.release.name) ?? DEFAULT_RELEASE,
    kubeContext: flags.kubeContext ?? first((a) => a.kubernetes.context),
  };
}

/** An answers file with the flags that override it applied (a bad flag value names the flag). */
export function loadAnswersWithFlags(file: string, flags: AnswerOverrides): LoadedAnswers {
  const loaded = loadAnswersFile(file);
  return { answers: applyOverrides(loaded.answers, flags), path: loaded.path };
}
