// Which objects of a namespace bucketeer-install made for a release. Every object it creates
// carries app.kubernetes.io/managed-by=bucketeer-install and app.kubernetes.io/instance=<release>
// (helm's meaning of "instance": the release), so a release's objects are found by that exact
// label, never by a `<release>-` name prefix: release `bucketeer` must not take the objects of
// release `bucketeer-foo` in the same namespace.
//
// Earlier versions of the installer labelled less: the generated Secrets and the SDK key Secret had
// no instance label, the in-cluster MySQL and Redis had their own name (<release>-mysql) in it, and
// the claims of their StatefulSets had only the selector's labels. Those are recognised by their
// exact names, derived from the release.
import { sdkKeysSecretName } from '../bootstrap/bootstrap.js';
import type { KubeObject } from '../kube/types.js';
import { inClusterServerNames } from './in-cluster.js';
import { generatedSecretNames } from './values.js';

export const MANAGED_BY = 'bucketeer-install';
export const MANAGED_BY_LABEL = 'app.kubernetes.io/managed-by';
export const INSTANCE_LABEL = 'app.kubernetes.io/instance';

/** The ConfigMap that keeps a release's answers (secrets as references) for upgrade and doctor. */
export const storedAnswersName = (release: string) => `${release}-bucketeer-install`;

/** The labels of every object the installer creates for a release. */
export const installerLabels = (release: string): Record<string, string> => ({ [MANAGED_BY_LABEL]: MANAGED_BY, [INSTANCE_LABEL]: release });

/** The label selector of those objects. */
export const releaseSelector = (release: string) => `${MANAGED_BY_LABEL}=${MANAGED_BY},${INSTANCE_LABEL}=${release}`;

/** The claims of the in-cluster servers' StatefulSets: template `data`, one replica each. */
export function inClusterClaimNames(release: string): string[] {
  return Object.values(inClusterServerNames(release)).map((server) => `data-${server}-0`);
}

/**
 * The exact names of the objects earlier versions created for the release without its instance
 * label: the generated Secrets, the SDK key Secret, and the in-cluster servers (Secret,
 * StatefulSet, Service, the ConfigMaps templates/ names `<server>-init` and `<server>-config`, and
 * their claims).
 */
export function unlabelledNames(release: string): Set<string> {
  const servers = inClusterServerNames(release);
  return new Set([
    ...Object.values(generatedSecretNames(release)),
    sdkKeysSecretName(release),
    servers.mysql,
    `${servers.mysql}-init`,
    servers.redis,
    `${servers.redis}-config`,
    ...inClusterClaimNames(release),
  ]);
}

/**
 * Whether bucketeer-install made the object for this release: labelled with it exactly, or, made
 * by an earlier version, one of its exact names with the labels that version gave it (the
 * installer's label without an instance, or the in-cluster server's name as the instance; claims
 * had the server's instance label only).
 */
export function madeForRelease(o: KubeObject, release: string): boolean {
  const labels = o.metadata.labels ?? {};
  const instance = labels[INSTANCE_LABEL];
  if (labels[MANAGED_BY_LABEL] === MANAGED_BY && instance === release) return true;
  if (!unlabelledNames(release).has(o.metadata.name)) return false;
  if (instance === undefined) return labels[MANAGED_BY_LABEL] === MANAGED_BY;
  return Object.values(inClusterServerNames(release)).includes(instance);
}
