import { describe, expect, it } from 'vitest';
import { X509Certificate, createPublicKey, verify } from 'node:crypto';
import { generateOAuthKey, generateServiceCert, signServiceToken } from '../../src/plan/material.js';

describe('generated secret material', () => {
  it('service certificate: SANs, chain and key match', async () => {
    const sans = ['localhost', '*.bk.svc.cluster.local', '*.bk.svc', 'bucketeer.example.com'];
    const c = await generateServiceCert(sans);
    const leaf = new X509Certificate(c.crt);
    const ca = new X509Certificate(c.caCrt);
    expect(leaf.subjectAltName?.split(', ').sort()).toEqual(sans.map((s) => `DNS:${s}`).sort());
    expect(leaf.checkIssued(ca)).toBe(true);
    expect(leaf.verify(ca.publicKey)).toBe(true);
    expect(leaf.checkPrivateKey(require('node:crypto').createPrivateKey(c.key))).toBe(true);
    expect(ca.ca).toBe(true);
    expect(new Date(leaf.validTo).getTime()).toBeGreaterThan(Date.now() + 365 * 86_400_000);
  });

  it('service token: RS256, Bucketeer claims, RFC 3339 times, verifies with the public key', async () => {
    const k = await generateOAuthKey();
    const now = new Date('2026-01-02T03:04:05Z');
    const token = await signServiceToken(k.privatePem, 'https://bucketeer.example.com', 'bucketeer', now);
    const [h, p, s] = token.split('.');
    expect(JSON.parse(Buffer.from(h, 'base64url').toString())).toMatchObject({ alg: 'RS256' });
    const claims = JSON.parse(Buffer.from(p, 'base64url').toString());
    expect(claims).toMatchObject({ iss: 'https://bucketeer.example.com', aud: 'bucketeer', is_service_token: true, is_system_admin: true, iat: '2026-01-02T03:04:05Z', exp: '2036-01-02T03:04:05Z' });
    const ok = verify('RSA-SHA256', Buffer.from(`${h}.${p}`), createPublicKey(k.publicPem), Buffer.from(s, 'base64url'));
    expect(ok).toBe(true);
  });
});
