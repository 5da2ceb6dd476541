// The one list of platforms. Adding one is a module implementing Platform (./types.ts) and its
// entry here (plus, for a cloud, its findings' type in PlatformFinding, its probes in
// src/probes/<id>.ts and their entry in src/probes/clouds.ts); the answers schema, --platform,
// detection, doctor --pre, the plan's values, the prepare hints and the wizard read this list.
import { aws, type AwsFinding } from './aws.js';
import { gcp, type GcpFinding } from './gcp.js';
import { other } from './other.js';
import type { KubernetesFacts } from '../probes/types.js';
import type { Platform } from './types.js';

export type { AnswersBlock, Platform, PlatformAnswers, PlatformIssue } from './types.js';

/** In the wizard's order; `other` last, the fallback when nothing is detected. */
export const PLATFORMS = [gcp, aws, other] as const satisfies readonly Platform[];

export type PlatformId = (typeof PLATFORMS)[number]['id'];

/** What the clouds' probes found, as the wizard keeps it: each cloud's own kinds. */
export type PlatformFinding = GcpFinding | AwsFinding;

/** The ids, for the answers schema's enum and --platform. */
export const PLATFORM_IDS = PLATFORMS.map((p) => p.id) as [PlatformId, ...PlatformId[]];

export function platformById(id: string): Platform {
  const p = PLATFORMS.find((x) => x.id === id);
  if (!p) throw new Error(`unknown platform ${id}`);
  return p;
}

/** The platform a managed cluster runs on (GKE -> gcp, EKS -> aws), if any. */
export function platformOfCluster(kind: string | undefined): Platform | undefined {
  return kind === undefined ? undefined : PLATFORMS.find((p) => p.clusterKind === kind);
}

/**
 * Which platform a preflight should probe when the user did not say: a managed cluster's context
 * (GKE, EKS) decides; otherwise the one cloud whose credentials the user set up, else other.
 */
export function detectPlatform(env: NodeJS.ProcessEnv, kube?: Pick<KubernetesFacts, 'platform'>): PlatformId {
  const managed = platformOfCluster(kube?.platform);
  if (managed) return managed.id as PlatformId;
  const withCredentials = PLATFORMS.filter((p) => 'hasExplicitCredentials' in p && p.hasExplicitCredentials?.(env));
  return withCredentials.length === 1 ? withCredentials[0].id : 'other';
}
