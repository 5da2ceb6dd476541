// doctor --pre checks that the answers' images.pullSecrets exist in the release namespace as
// registry Secrets (kubelet reads only kubernetes.io/dockerconfigjson or dockercfg Secrets as
// imagePullSecrets), against kubesim.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import type { Check } from '../../src/checks/types.js';
import { runCli } from '../helpers/cli.js';
import { repoRoot } from '../helpers/tools.js';
import { startKubesim, type Kubesim } from '../kubesim/server.js';

describe('doctor --pre: image pull secrets', () => {
  let sim: Kubesim;
  const dir = mkdtempSync(join(tmpdir(), 'pull-secrets-'));
  const answers = join(dir, 'answers.yaml');
  beforeAll(async () => {
    sim = await startKubesim();
    const a = parse(readFileSync(join(repoRoot, 'examples', 'answers', 'in-cluster.yaml'), 'utf8'));
    a.kubernetes = { namespace: 'pulls' };
    a.images = { registry: 'mirror.example.internal/bkt', pullSecrets: ['regcred', 'second'] };
    writeFileSync(answers, stringify(a));
    sim.objects.put({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'pulls' } });
  });
  afterAll(async () => {
    await sim?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const check = async () => {
    const r = await runCli(['doctor', '--pre', '--platform', 'other', '--kubeconfig', sim.kubeconfigPath, '--answers', answers, '-o', 'json']);
    const report = JSON.parse(r.stdout) as { checks: Check[] };
    return { code: r.code, check: report.checks.find((c) => c.id === 'kubernetes.pullsecrets') };
  };
  const registrySecret = (name: string, type = 'kubernetes.io/dockerconfigjson') =>
    sim.objects.put({ apiVersion: 'v1', kind: 'Secret', metadata: { name, namespace: 'pulls' }, type, data: { '.dockerconfigjson': Buffer.from('{"auths":{}}').toString('base64') } });

  it('a missing one fails (exit 1) with the command that creates it; a wrong type warns; both present passes', async () => {
    registrySecret('regcred');
    const missing = await check();
    expect(missing.code).toBe(1);
    expect(missing.check).toMatchObject({ status: 'fail', detail: expect.stringContaining('missing: second') });
    expect(missing.check?.hint).toContain('create secret docker-registry second -n pulls');

    registrySecret('second', 'Opaque');
    const wrong = await check();
    expect(wrong.check).toMatchObject({ status: 'warn', detail: 'not registry Secrets: second (Opaque)' });

    registrySecret('second');
    const ok = await check();
    expect(ok.check).toMatchObject({ status: 'pass', detail: 'regcred, second present (registry Secrets)' });
  });

  it('answers without images.pullSecrets: no such check', async () => {
    const r = await runCli(['doctor', '--pre', '--platform', 'other', '--kubeconfig', sim.kubeconfigPath, '--answers', join(repoRoot, 'examples', 'answers', 'in-cluster.yaml'), '-o', 'json']);
    expect((JSON.parse(r.stdout) as { checks: Check[] }).checks.map((c) => c.id)).not.toContain('kubernetes.pullsecrets');
  });
});
