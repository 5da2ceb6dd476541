// The environment subprocesses (helm, kubeconfig credential plugins) run with: the installer's own,
// minus the variables that the answers name as secret sources ({env: NAME}). Helm and the plugins
// never need them, and a plugin or a helm post-renderer should not be able to read them.
import type { Answers } from '../answers/schema.js';
import { secretRefsOf } from '../answers/secrets.js';

export function secretEnvNames(answers: Answers): Set<string> {
  return new Set(secretRefsOf(answers).flatMap(({ ref }) => ('env' in ref ? [ref.env] : [])));
}

export function withoutSecretEnv(env: NodeJS.ProcessEnv, ...answers: (Answers | undefined)[]): NodeJS.ProcessEnv {
  const names = new Set(answers.flatMap((a) => (a ? [...secretEnvNames(a)] : [])));
  return Object.fromEntries(Object.entries(env).filter(([k]) => !names.has(k)));
}
