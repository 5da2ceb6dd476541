// plan(answers, secrets) -> what to create: chart values (masked and real), Secret manifests and
// the in-cluster middleware. Pure apart from key generation, which callers may inject.
import type { Answers } from '../answers/schema.js';
import { resolveSecretRefs, secretRefsOf, type SecretSources } from '../answers/secrets.js';
import { inClusterManifests, mysqlName, type Manifest } from './in-cluster.js';
import { generateMaterial, randomPassword, type Material } from './material.js';
import { assertInlineSecretsSafe, MASK, planValues, secretNamesFor, type InlineSecrets, type Values } from './values.js';
import { everyInlineSecret } from '../chart/facts.js';
import { withImagePolicy } from './images.js';
import { installerLabels } from './ownership.js';

export interface Plan {
  answers: Answers;
  namespace: string;
  releaseName: string;
  chart: { ref: string; version: string };
  /** Values with every secret masked: safe to print, diff and write to disk. */
  values: Values;
  /** Only the secret-bearing keys, with real values; absent when secrets were not resolved. */
  secretValues?: Values;
  /** Secrets to create (generated material, in-cluster passwords); data present only when resolved. */
  secrets: Manifest[];
  /** In-cluster MySQL and Redis, in apply order. */
  inCluster: Manifest[];
}

export const MASKED_SECRETS: InlineSecrets = everyInlineSecret(() => MASK);

/**
 * Reads every referenced secret; in-cluster MySQL without a reference gets a generated one.
 * Each value is checked for the template the chart writes it into (exit 2 naming its key), so a
 * bad value stops a run before its first change.
 */
export async function resolveInlineSecrets(answers: Answers, src: SecretSources): Promise<InlineSecrets> {
  const values = await resolveSecretRefs(secretRefsOf(answers), src);
  const secrets: InlineSecrets = {
    dbPassword: values.get('database.password') ?? randomPassword(),
    googleClientSecret: values.get('auth.google.clientSecret'),
    demoSignInPassword: values.get('auth.demoSignIn.password'),
    warehousePassword: values.get('warehouse.password'),
  };
  assertInlineSecretsSafe(secrets);
  return secrets;
}

/** The leaves of `real` that differ from `masked`: the overlay helm gets on its standard input. */
export function secretOverlay(masked: unknown, real: unknown): Values | undefined {
  if (real && typeof real === 'object' && !Array.isArray(real)) {
    const out: Values = {};
    for (const [k, v] of Object.entries(real)) {
      const sub = secretOverlay((masked as Values | undefined)?.[k], v);
      if (sub !== undefined) out[k] = sub;
    }
    return Object.keys(out).length ? out : undefined;
  }
  return JSON.stringify(masked) === JSON.stringify(real) ? undefined : (real as Values);
}

function secretManifest(name: string, namespace: string, release: string, type: string, data: Record<string, string> | undefined, purpose: string): Manifest {
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: {
      name,
      namespace,
      labels: installerLabels(release),
      annotations: { 'bucketeer.io/purpose': purpose },
    },
    type,
    stringData: data ?? {},
  };
}

export interface PlanOptions {
  /** Real inline secrets; omit for a masked plan (render without --include-secrets). */
  inlineSecrets?: InlineSecrets;
  /** Generated material; omit to leave Secret data empty. */
  material?: Material;
  /** In-cluster MySQL root password (generated when omitted). */
  mysqlRootPassword?: string;
}

export function buildPlan(answers: Answers, opts: PlanOptions = {}): Plan {
  const ns = answers.kubernetes.namespace;
  const rel = answers.release.name;
  const values = planValues(answers, MASKED_SECRETS);
  const real = opts.inlineSecrets ? planValues(answers, opts.inlineSecrets) : undefined;
  const names = secretNamesFor(answers);
  const m = opts.material;
  const secrets: Manifest[] = [];
  if (!answers.existingSecrets.serviceCert) {
    secrets.push(secretManifest(names.serviceCert, ns, rel, 'kubernetes.io/tls', m?.serviceCert && { 'tls.crt': m.serviceCert.crt, 'tls.key': m.serviceCert.key, 'ca.crt': m.serviceCert.caCrt }, 'service TLS certificate (all four services)'));
  }
  if (!answers.existingSecrets.oauthKey) {
    secrets.push(secretManifest(names.oauthKey, ns, rel, 'Opaque', m?.oauthKey && { 'public.pem': m.oauthKey.publicPem, 'private.pem': m.oauthKey.privatePem }, 'OAuth RSA key pair'));
  }
  if (!answers.existingSecrets.serviceToken) {
    secrets.push(secretManifest(names.serviceToken, ns, rel, 'Opaque', m?.serviceToken ? { token: m.serviceToken } : undefined, 'service token (RS256 JWT)'));
  }
  const ic = inClusterManifests(answers);
  if (answers.database.mode === 'in-cluster') {
    secrets.push(
      secretManifest(mysqlName(answers), ns, rel, 'Opaque', opts.inlineSecrets && { password: opts.inlineSecrets.dbPassword, 'root-password': opts.mysqlRootPassword ?? randomPassword() }, 'in-cluster MySQL passwords'),
    );
  }
  return {
    answers,
    namespace: ns,
    releaseName: answers.release.name,
    chart: { ref: answers.release.chart, version: answers.release.version },
    values,
    secretValues: real ? secretOverlay(values, real) : undefined,
    secrets,
    inCluster: [...ic.mysql, ...ic.redis].map((m) => withImagePolicy(m, answers)),
  };
}

export { generateMaterial };
