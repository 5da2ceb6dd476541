// The generated Secrets the chart only references, checked for shape and meaning: the service
// certificate (SANs, expiry, key pair), the OAuth RSA key pair, and the service token (an RS256 JWT
// that must verify with the OAuth public key and whose `exp` is an RFC 3339 string). Pure
// functions over PEM/JWT text plus one reader; nothing here writes.
import { X509Certificate, createPrivateKey, createPublicKey, verify, type KeyObject } from 'node:crypto';
import type { Check } from '../checks/types.js';
import { resourcePath, type KubeClient } from '../kube/client.js';
import type { Secret } from '../kube/types.js';

const CATEGORY = 'secrets';
const DOC = 'https://github.com/bucketeer-io/bucketeer-install#doctor';
export const EXPIRY_WARN_DAYS = 30;
const DAY = 86_400_000;

export interface SecretNamesInUse {
  serviceCert: string;
  oauthKey: string;
  serviceToken: string;
}

export const decodeKey = (s: Secret | undefined, key: string): string | undefined => {
  const v = s?.data?.[key];
  return v === undefined ? undefined : Buffer.from(v, 'base64').toString('utf8');
};

/** The SAN DNS names of a certificate ("DNS:a, DNS:b" -> [a, b]). */
export function dnsSans(cert: X509Certificate): string[] {
  return (cert.subjectAltName ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.startsWith('DNS:'))
    .map((s) => s.slice(4));
}

export function serviceCertChecks(name: string, crtPem: string | undefined, keyPem: string | undefined, namespace: string, now = new Date()): Check[] {
  const base = { category: CATEGORY, docUrl: DOC };
  const regen = `kubectl delete secret -n ${namespace} ${name}; then bucketeer-install upgrade --yes generates a new one (the services restart)`;
  if (!crtPem || !keyPem) {
    return [{ ...base, id: 'secrets.service-cert.keys', title: `Secret ${name} holds tls.crt and tls.key`, status: 'fail', detail: `missing key ${[!crtPem && 'tls.crt', !keyPem && 'tls.key'].filter(Boolean).join(', ')}`, hint: regen }];
  }
  let cert: X509Certificate;
  try {
    cert = new X509Certificate(crtPem);
  } catch (e) {
    return [{ ...base, id: 'secrets.service-cert.parse', title: `Secret ${name} tls.crt is a certificate`, status: 'fail', detail: `does not parse: ${(e as Error).message}`, hint: regen }];
  }
  const checks: Check[] = [];
  const sans = dnsSans(cert);
  const need = ['localhost', `*.${namespace}.svc.cluster.local`];
  const missing = need.filter((n) => !sans.includes(n));
  checks.push(
    missing.length
      ? { ...base, id: 'secrets.service-cert.sans', title: 'service certificate names', status: 'fail', detail: `SANs lack ${missing.join(', ')} (has ${sans.join(', ') || 'none'}); the services dial each other by these names`, hint: regen, facts: { sans } }
      : { ...base, id: 'secrets.service-cert.sans', title: 'service certificate names', status: 'pass', detail: `SANs include ${need.join(', ')}`, facts: { sans } },
  );
  const notAfter = new Date(cert.validTo);
  const notBefore = new Date(cert.validFrom);
  const days = Math.floor((notAfter.getTime() - now.getTime()) / DAY);
  const when = notAfter.toISOString().slice(0, 10);
  const expiry: Check =
    notAfter.getTime() <= now.getTime()
      ? { ...base, id: 'secrets.service-cert.expiry', title: 'service certificate validity', status: 'fail', detail: `expired on ${when}`, hint: regen }
      : notBefore.getTime() > now.getTime()
        ? { ...base, id: 'secrets.service-cert.expiry', title: 'service certificate validity', status: 'fail', detail: `not valid before ${notBefore.toISOString()}`, hint: 'check the clock of this machine and of the cluster nodes' }
        : days < EXPIRY_WARN_DAYS
          ? { ...base, id: 'secrets.service-cert.expiry', title: 'service certificate validity', status: 'warn', detail: `expires in ${days} days (${when})`, hint: regen }
          : { ...base, id: 'secrets.service-cert.expiry', title: 'service certificate validity', status: 'pass', detail: `valid until ${when} (${days} days)` };
  expiry.facts = { notAfter: notAfter.toISOString(), daysLeft: days };
  checks.push(expiry);
  try {
    const matches = cert.checkPrivateKey(createPrivateKey(keyPem));
    checks.push(
      matches
        ? { ...base, id: 'secrets.service-cert.key', title: 'service certificate and key match', status: 'pass' }
        : { ...base, id: 'secrets.service-cert.key', title: 'service certificate and key match', status: 'fail', detail: 'tls.key is not the key of tls.crt', hint: regen },
    );
  } catch (e) {
    checks.push({ ...base, id: 'secrets.service-cert.key', title: 'service certificate and key match', status: 'fail', detail: `tls.key does not parse: ${(e as Error).message}`, hint: regen });
  }
  return checks;
}

export function oauthKeyCheck(name: string, publicPem: string | undefined, privatePem: string | undefined, namespace: string): { check: Check; publicKey?: KeyObject } {
  const base = { category: CATEGORY, id: 'secrets.oauth-key', title: `OAuth key pair (Secret ${name})`, docUrl: DOC };
  const fix = `recreate Secret ${name} with a matching public.pem/private.pem (or delete it and Secret of the service token, then bucketeer-install upgrade --yes)`;
  if (!publicPem || !privatePem) return { check: { ...base, status: 'fail', detail: `missing key ${[!publicPem && 'public.pem', !privatePem && 'private.pem'].filter(Boolean).join(', ')}`, hint: fix } };
  let pub: KeyObject;
  let priv: KeyObject;
  try {
    pub = createPublicKey(publicPem);
    priv = createPrivateKey(privatePem);
  } catch (e) {
    return { check: { ...base, status: 'fail', detail: `does not parse: ${(e as Error).message}`, hint: fix } };
  }
  const derived = createPublicKey(priv).export({ type: 'spki', format: 'der' });
  if (!derived.equals(pub.export({ type: 'spki', format: 'der' }))) {
    return { check: { ...base, status: 'fail', detail: 'public.pem is not the public half of private.pem: sign-in tokens would not verify', hint: fix }, publicKey: pub };
  }
  const bits = pub.asymmetricKeyDetails?.modulusLength;
  void namespace;
  return { check: { ...base, status: 'pass', detail: `${pub.asymmetricKeyType?.toUpperCase()}${bits ? ` ${bits} bits` : ''}, public and private halves match` }, publicKey: pub };
}

const b64url = (s: string) => Buffer.from(s.replace(/-/g, '+').replace(/_/g, '/'), 'base64');

/** RFC 3339 string (what Bucketeer writes) or, leniently, NumericDate seconds. */
function claimTime(v: unknown): Date | undefined {
  if (typeof v === 'string') {
    const d = new Date(v);
    return /^\d{4}-\d\d-\d\dT/.test(v) && !Number.isNaN(d.getTime()) ? d : undefined;
  }
  if (typeof v === 'number') return new Date(v * 1000);
  return undefined;
}

export function serviceTokenCheck(name: string, token: string | undefined, publicKey: KeyObject | undefined, expect: { issuer?: string; audience?: string }, now = new Date()): Check {
  const base = { category: CATEGORY, id: 'secrets.service-token', title: `service token (Secret ${name})`, docUrl: DOC };
  const fix = `delete Secret ${name} and run bucketeer-install upgrade --yes: a new token is signed with the OAuth key`;
  if (!token?.trim()) return { ...base, status: 'fail', detail: 'missing key token', hint: fix };
  const parts = token.trim().split('.');
  if (parts.length !== 3) return { ...base, status: 'fail', detail: 'is not a JWT (three dot-separated parts)', hint: fix };
  let header: { alg?: string };
  let claims: Record<string, unknown>;
  try {
    header = JSON.parse(b64url(parts[0]).toString('utf8'));
    claims = JSON.parse(b64url(parts[1]).toString('utf8'));
  } catch {
    return { ...base, status: 'fail', detail: 'header or claims are not base64url JSON', hint: fix };
  }
  if (header.alg !== 'RS256') return { ...base, status: 'fail', detail: `alg is ${header.alg ?? 'missing'}, Bucketeer verifies RS256`, hint: fix };
  if (!publicKey) return { ...base, status: 'skip', detail: 'the OAuth public key is not usable, so the signature cannot be verified (see the OAuth key check)' };
  const ok = verify('RSA-SHA256', Buffer.from(`${parts[0]}.${parts[1]}`), publicKey, b64url(parts[2]));
  if (!ok) return { ...base, status: 'fail', detail: 'the signature does not verify with the OAuth public key: the services reject this token', hint: fix };
  const exp = claimTime(claims.exp);
  if (!exp) return { ...base, status: 'fail', detail: `exp is ${JSON.stringify(claims.exp)}, not an RFC 3339 time`, hint: fix };
  if (exp.getTime() <= now.getTime()) return { ...base, status: 'fail', detail: `expired on ${exp.toISOString()}`, hint: fix };
  const off = [
    expect.issuer && claims.iss !== expect.issuer ? `iss ${JSON.stringify(claims.iss)} is not ${expect.issuer}` : undefined,
    expect.audience && claims.aud !== expect.audience && !(Array.isArray(claims.aud) && claims.aud.includes(expect.audience)) ? `aud ${JSON.stringify(claims.aud)} is not ${expect.audience}` : undefined,
  ].filter(Boolean);
  if (off.length) return { ...base, status: 'fail', detail: `${off.join('; ')} (the chart's oauth issuer/audience)`, hint: fix };
  const days = Math.floor((exp.getTime() - now.getTime()) / DAY);
  if (days < EXPIRY_WARN_DAYS) return { ...base, status: 'warn', detail: `verifies, but expires in ${days} days (${exp.toISOString()})`, hint: fix };
  return { ...base, status: 'pass', detail: `RS256 signature verifies with the OAuth public key; expires ${exp.toISOString().slice(0, 10)}`, facts: { exp: exp.toISOString() } };
}

/** Reads the three Secrets and checks them; a missing Secret is a failure naming it. */
export async function secretChecks(kube: KubeClient, namespace: string, names: SecretNamesInUse, expect: { issuer?: string; audience?: string }, signal?: AbortSignal): Promise<Check[]> {
  const get = (n: string) => kube.get<Secret>(resourcePath('Secret', namespace, n), { signal });
  const [cert, oauth, token] = await Promise.all([get(names.serviceCert), get(names.oauthKey), get(names.serviceToken)]);
  const missing = (n: string, what: string, id: string): Check => ({
    category: CATEGORY,
    id,
    title: `Secret ${n} (${what}) present`,
    status: 'fail',
    detail: `not found in namespace ${namespace}: the pods that mount it cannot start`,
    hint: `bucketeer-install upgrade --yes creates a missing generated Secret (or restore it from your backup)`,
    docUrl: DOC,
  });
  const checks: Check[] = [];
  checks.push(...(cert ? serviceCertChecks(names.serviceCert, decodeKey(cert, 'tls.crt'), decodeKey(cert, 'tls.key'), namespace) : [missing(names.serviceCert, 'service certificate', 'secrets.service-cert.present')]));
  let publicKey: KeyObject | undefined;
  if (oauth) {
    const r = oauthKeyCheck(names.oauthKey, decodeKey(oauth, 'public.pem'), decodeKey(oauth, 'private.pem'), namespace);
    checks.push(r.check);
    publicKey = r.check.status === 'pass' ? r.publicKey : undefined;
  } else checks.push(missing(names.oauthKey, 'OAuth key', 'secrets.oauth-key.present'));
  checks.push(token ? serviceTokenCheck(names.serviceToken, decodeKey(token, 'token'), publicKey, expect) : missing(names.serviceToken, 'service token', 'secrets.service-token.present'));
  return checks;
}
