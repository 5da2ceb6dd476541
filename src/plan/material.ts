// Generated secret material: the service certificate (CA + leaf), the OAuth RSA key pair and the
// service token. node:crypto has no X.509 builder, so @peculiar/x509 builds the certificates;
// jose signs the JWT (RS256) because its claims need RFC 3339 strings, which jose passes through.
import { webcrypto, randomBytes, generateKeyPair, createPrivateKey } from 'node:crypto';
import { promisify } from 'node:util';
import type { Answers } from '../answers/schema.js';
import { endpointsFor } from './values.js';

export interface ServiceCert {
  caCrt: string;
  crt: string;
  key: string;
}

export interface OAuthKey {
  publicPem: string;
  privatePem: string;
}

export interface Material {
  serviceCert?: ServiceCert;
  oauthKey?: OAuthKey;
  serviceToken?: string;
}

/** SANs the service certificate needs: localhost (clients dial localhost:9001), the namespace wildcards (CronJobs call web.<ns>.svc.cluster.local), the hosts (ingress passthrough shows browsers this certificate). */
export function serviceCertSans(answers: Answers): string[] {
  const ns = answers.kubernetes.namespace;
  return [...new Set(['localhost', `*.${ns}.svc.cluster.local`, `*.${ns}.svc`, answers.ingress.webHost, answers.ingress.apiHost])];
}

const toPem = (der: ArrayBuffer, label: string) =>
  `-----BEGIN ${label}-----\n${Buffer.from(der).toString('base64').replace(/(.{64})/g, '$1\n').replace(/\n$/, '')}\n-----END ${label}-----\n`;

export async function generateServiceCert(sans: string[], now = new Date(), days = 825): Promise<ServiceCert> {
  const x509 = await import('@peculiar/x509');
  const crypto = webcrypto as unknown as Crypto;
  x509.cryptoProvider.set(crypto);
  const alg = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;
  const notAfter = new Date(now.getTime() + days * 86_400_000);
  const caKeys = await crypto.subtle.generateKey(alg, true, ['sign', 'verify']);
  const ca = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: randomBytes(16).toString('hex').replace(/^[89a-f]/, '1'),
    name: 'CN=bucketeer-install CA',
    notBefore: new Date(now.getTime() - 60_000),
    notAfter,
    keys: caKeys,
    signingAlgorithm: alg,
    extensions: [
      new x509.BasicConstraintsExtension(true, 0, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
      await x509.SubjectKeyIdentifierExtension.create(caKeys.publicKey),
    ],
  });
  const leafKeys = await crypto.subtle.generateKey(alg, true, ['sign', 'verify']);
  const leaf = await x509.X509CertificateGenerator.create({
    serialNumber: randomBytes(16).toString('hex').replace(/^[89a-f]/, '1'),
    subject: `CN=${sans.find((s) => !s.startsWith('*') && s !== 'localhost') ?? 'localhost'}`,
    issuer: ca.subject,
    notBefore: new Date(now.getTime() - 60_000),
    notAfter,
    signingKey: caKeys.privateKey,
    publicKey: leafKeys.publicKey,
    signingAlgorithm: alg,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment, true),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth, x509.ExtendedKeyUsage.clientAuth]),
      new x509.SubjectAlternativeNameExtension(sans.map((value) => ({ type: 'dns' as const, value }))),
      await x509.AuthorityKeyIdentifierExtension.create(caKeys.publicKey),
    ],
  });
  const pkcs8 = await crypto.subtle.exportKey('pkcs8', leafKeys.privateKey);
  return {
    caCrt: ca.toString('pem') + '\n',
    // Clients trust only tls.crt, so the chain goes in with the leaf first.
    crt: `${leaf.toString('pem')}\n${ca.toString('pem')}\n`,
    key: toPem(pkcs8, 'PRIVATE KEY'),
  };
}

/** RSA 2048 made on libuv's thread pool, so the event loop (and other steps) keep running. */
export async function generateOAuthKey(): Promise<OAuthKey> {
  const { publicKey, privateKey } = await promisify(generateKeyPair)('rsa', { modulusLength: 2048 });
  return {
    publicPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
    privatePem: privateKey.export({ type: 'pkcs1', format: 'pem' }).toString(),
  };
}

/** RS256 JWT with Bucketeer's service-token claims; exp/iat are RFC 3339 strings, not numbers. */
export async function signServiceToken(privatePem: string, issuer: string, audience: string, now = new Date(), years = 10): Promise<string> {
  const { SignJWT } = await import('jose');
  const exp = new Date(now.getTime());
  exp.setUTCFullYear(exp.getUTCFullYear() + years);
  const rfc3339 = (d: Date) => d.toISOString().replace(/\.\d{3}Z$/, 'Z');
  return new SignJWT({
    iss: issuer,
    aud: audience,
    sub: 'bucketeer-install',
    email: 'service-token@bucketeer.local',
    is_service_token: true,
    is_system_admin: true,
    iat: rfc3339(now) as unknown as number,
    exp: rfc3339(exp) as unknown as number,
  })
    .setProtectedHeader({ alg: 'RS256', typ: 'JWT' })
    .sign(createPrivateKey(privatePem));
}

/** Material for every secret the answers do not point at an existing Secret for. */
export async function generateMaterial(answers: Answers, now = new Date()): Promise<Material> {
  const ep = endpointsFor(answers);
  const out: Material = {};
  if (!answers.existingSecrets.serviceCert) out.serviceCert = await generateServiceCert(serviceCertSans(answers), now);
  if (!answers.existingSecrets.oauthKey) out.oauthKey = await generateOAuthKey();
  if (!answers.existingSecrets.serviceToken) {
    if (!out.oauthKey) {
      // Signing needs the private key of the existing OAuth Secret; the install engine reads it
      // from the cluster and calls signServiceToken itself.
      return out;
    }
    out.serviceToken = await signServiceToken(out.oauthKey.privatePem, ep.oauthIssuer, ep.oauthAudience, now);
  }
  return out;
}

export function randomPassword(bytes = 24): string {
  // base64url: no character the chart or a URL would need escaped.
  return randomBytes(bytes).toString('base64url');
}
