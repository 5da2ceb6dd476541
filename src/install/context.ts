// The one place the run context of install, upgrade and the wizard's install is built: the same
// secret sources, cluster secret reader and defaults for all three. What differs between them
// (the answers' origin, whether a database.password other than the deployed one is refused or
// ignored, state already read) is a parameter.
import { join } from 'node:path';
import { answersBaseDir, type SecretSources } from '../answers/secrets.js';
import type { Answers } from '../answers/schema.js';
import type { HelmInfo } from '../helm/binary.js';
import { resourcePath, type KubeClient } from '../kube/client.js';
import type { Secret } from '../kube/types.js';
import { mysqlName } from '../plan/in-cluster.js';
import { resolveInlineSecrets } from '../plan/index.js';
import type { InlineSecrets } from '../plan/values.js';
import { DEFAULT_HEALTH_WINDOW_MS } from '../settings.js';
import { version as installerVersion } from '../version.js';
import type { InstallContext } from './engine.js';
import { clusterSecretReader } from './steps.js';
import { changedDbPassword, refuseChangedDbPassword } from './guards.js';

/** The answers path of answers read back from the cluster (upgrade without --answers). */
export const STORED_ANSWERS = '(stored)';

/**
 * Where secret refs are read from: the installer's own environment, and {file: ...} refs relative
 * to the answers file's folder or, for answers read back from the cluster, the current folder (the
 * original folder is not stored; it belongs to another machine).
 */
export function localSecretSources(env: NodeJS.ProcessEnv, answersPath: string, cwd: string): SecretSources {
  if (answersPath !== STORED_ANSWERS) return { env, baseDir: answersBaseDir(answersPath) };
  return { env, baseDir: cwd, baseDirIs: 'the current folder, as the answers came from the cluster: run upgrade from the folder of the original answers file, or pass --answers FILE' };
}

/** The local sources plus the reader of {secret: {name, key}} refs in the release's namespace. */
export function runSecretSources(sources: SecretSources, kube: KubeClient, namespace: string, signal: AbortSignal): SecretSources {
  return { ...sources, readClusterSecret: clusterSecretReader(kube, namespace, signal) };
}

/**
 * The inline secrets of a run, the in-cluster MySQL's password being the one it was created with
 * (its Secret, when it exists). A database.password in the answers that differs from it is refused
 * by install, read-only, before any change; upgrade keeps the deployed one (its stored answers may
 * read the password from another machine's environment) and is told why (`onKept`).
 */
export async function resolveRunSecrets(
  answers: Answers,
  sources: SecretSources,
  o: { kube: KubeClient; signal: AbortSignal; differentDbPassword: 'refused' } | { kube: KubeClient; signal: AbortSignal; differentDbPassword: 'kept'; onKept: (note: string) => void },
): Promise<InlineSecrets> {
  const inlineSecrets = await resolveInlineSecrets(answers, sources);
  if (answers.database.mode !== 'in-cluster') return inlineSecrets;
  const existing = await o.kube.get<Secret>(resourcePath('Secret', answers.kubernetes.namespace, mysqlName(answers)), { signal: o.signal });
  const current = existing?.data?.password ? Buffer.from(existing.data.password, 'base64').toString('utf8') : undefined;
  if (o.differentDbPassword === 'refused') refuseChangedDbPassword(answers, inlineSecrets, current);
  else {
    const differs = changedDbPassword(answers, inlineSecrets, current);
    if (differs) o.onKept(`${differs}: the deployed password is kept (the in-cluster MySQL cannot change it this way)`);
  }
  return current ? { ...inlineSecrets, dbPassword: current } : inlineSecrets;
}

export interface RunContextOptions {
  answers: Answers;
  /** Absolute path of the answers file, or STORED_ANSWERS. */
  answersPath: string;
  cwd: string;
  /** The installer's environment: secret refs {env: NAME} are read from it. */
  env: NodeJS.ProcessEnv;
  /** What helm and credential plugins run with (withoutSecretEnv of env). */
  childEnv: NodeJS.ProcessEnv;
  kube: KubeClient;
  helm: HelmInfo;
  inlineSecrets: InlineSecrets;
  signal: AbortSignal;
  timeoutMs: number;
  healthWindowMs?: number;
  pollIntervalMs?: number;
  probeHttp?: boolean;
  force?: boolean;
  smokeEvaluationWaitMs?: number;
  keysInAdvance?: InstallContext['keysInAdvance'];
  onPlan?: InstallContext['onPlan'];
  skipPrepare?: InstallContext['skipPrepare'];
  skipBootstrap?: boolean;
  skipSmoke?: boolean;
  /** What the run knows before its steps (upgrade's plan read the deployed values). */
  state?: InstallContext['state'];
}

export function createRunContext(o: RunContextOptions): InstallContext {
  const namespace = o.answers.kubernetes.namespace;
  return {
    answers: o.answers,
    answersPath: o.answersPath === STORED_ANSWERS ? join(o.cwd, '(stored answers)') : o.answersPath,
    inlineSecrets: o.inlineSecrets,
    helm: o.helm,
    kube: o.kube,
    kubeArgs: o.kube.helmKubeArgs(),
    env: o.childEnv,
    secretSources: runSecretSources(localSecretSources(o.env, o.answersPath, o.cwd), o.kube, namespace, o.signal),
    timeoutMs: o.timeoutMs,
    pollIntervalMs: o.pollIntervalMs ?? 1_000,
    healthWindowMs: o.healthWindowMs ?? DEFAULT_HEALTH_WINDOW_MS,
    force: o.force,
    probeHttp: o.probeHttp ?? true,
    installerVersion,
    smokeEvaluationWaitMs: o.smokeEvaluationWaitMs,
    signal: o.signal,
    keysInAdvance: o.keysInAdvance,
    onPlan: o.onPlan,
    skipPrepare: o.skipPrepare,
    skipBootstrap: o.skipBootstrap,
    skipSmoke: o.skipSmoke,
    applied: [],
    state: o.state ?? {},
  };
}
