// install on gcp with gcp.workloadIdentity: the pods' Workload Identity is checked in preflight,
// before any change, against the local GCP IAM fake (the operator's credentials come from the
// fake's metadata server, as on a GCE VM or Cloud Shell: GCE_METADATA_HOST). A Kubernetes service account without
// roles/iam.workloadIdentityUser on the Google service account stops the install: its pods would
// get no Google credentials, and web and api exit when their topic lookup fails
// (upstream pkg/pubsub/pubsub.go and pkg/web/cmd/server.go / pkg/api/cmd/server.go at v2.3.0; the
// four service accounts are those of manifests/bucketeer/charts/*/templates/service-account.yaml).
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { BIGQUERY_PERMISSIONS, PUBSUB_PERMISSIONS, WORKLOAD_SERVICE_ACCOUNTS } from '../../src/probes/gcp-identity.js';
import { startGcpIamFake, type GcpIamState } from '../probes/peers.js';
import type { Check } from '../../src/checks/types.js';
import { example, helm, runInstall, startHarness, type Harness } from './helpers.js';

const GSA = 'bucketeer@my-bucketeer-proj.iam.gserviceaccount.com'; // the gcp example's
const member = (ns: string, ksa: string) => `serviceAccount:my-bucketeer-proj.svc.id.goog[${ns}/${ksa}]`;

describe.skipIf(!helm)('install: GKE Workload Identity in preflight', () => {
  let h: Harness;
  let fake: Awaited<ReturnType<typeof startGcpIamFake>>;
  const state: GcpIamState = { serviceAccountPolicies: {}, projectPolicies: {}, impersonation: { [GSA]: true }, projectPermissions: { [GSA]: [...PUBSUB_PERMISSIONS, ...BIGQUERY_PERMISSIONS] }, topicPermissions: {}, datasets: {} };
  let env: NodeJS.ProcessEnv;
  let answers: string;

  beforeAll(async () => {
    [h, fake] = await Promise.all([startHarness(), startGcpIamFake(state)]);
    // No ADC file (an empty gcloud config folder): the metadata server is the source.
    const gcloudDir = join(h.dir, 'gcloud');
    mkdirSync(gcloudDir);
    env = { CLOUDSDK_CONFIG: gcloudDir, GCE_METADATA_HOST: `127.0.0.1:${fake.port}`, BUCKETEER_INSTALL_GCP_ENDPOINT: fake.url };
    // The gcp example with the namespace the tests use (the bindings name it).
    const a = parse(readFileSync(example('gcp'), 'utf8'));
    a.kubernetes.namespace = 'wi-missing';
    answers = join(h.dir, 'gcp-wi.yaml');
    writeFileSync(answers, stringify(a));
  });
  afterAll(async () => {
    await Promise.all([h?.close(), fake?.stop()]);
  });

  const skipPrepare = ['--skip-prepare', 'messaging', '--skip-prepare', 'warehouse'];

  it('a Kubernetes service account without the binding: exit 3 naming it and the gcloud command; no namespace created', async () => {
    const ns = 'wi-missing';
    state.serviceAccountPolicies[GSA] = { bindings: [{ role: 'roles/iam.workloadIdentityUser', members: WORKLOAD_SERVICE_ACCOUNTS.filter((k) => k !== 'subscriber').map((k) => member(ns, k)) }] };
    const r = await runInstall(h, { namespace: ns, answers, env, extra: skipPrepare });
    expect(r.code, r.stderr).toBe(3);
    expect(r.stderr).toContain(`preflight: Workload Identity bindings on ${GSA}: roles/iam.workloadIdentityUser is not granted to ${ns}/subscriber`);
    expect(r.stderr).toContain(`gcloud iam service-accounts add-iam-policy-binding ${GSA} --project my-bucketeer-proj --role=roles/iam.workloadIdentityUser --member="${member(ns, 'subscriber')}"`);
    expect(h.sim.objects.get('namespace', undefined, ns)).toBeUndefined();
    expect(fake.requests.some((q) => q.startsWith('POST /v1/projects/-/serviceAccounts/') && q.endsWith(':getIamPolicy'))).toBe(true);
  });

  it('a permission the GSA lacks: exit 3 with the gcloud projects add-iam-policy-binding command; no namespace created', async () => {
    const ns = 'wi-perm';
    state.serviceAccountPolicies[GSA] = { bindings: [{ role: 'roles/iam.workloadIdentityUser', members: WORKLOAD_SERVICE_ACCOUNTS.map((k) => member(ns, k)) }] };
    state.projectPermissions[GSA] = [...PUBSUB_PERMISSIONS];
    const r = await runInstall(h, { namespace: ns, answers, env, extra: skipPrepare });
    expect(r.code, r.stderr).toBe(3);
    expect(r.stderr).toContain(`preflight: permissions of ${GSA}: missing: bigquery.tables.updateData`);
    expect(r.stderr).toContain(`gcloud projects add-iam-policy-binding my-bucketeer-proj --member=serviceAccount:${GSA} --role=roles/bigquery.dataEditor`);
    expect(h.sim.objects.get('namespace', undefined, ns)).toBeUndefined();
  });

  it('all four bound and every permission held: the install goes ahead', async () => {
    const ns = 'wi-ok';
    state.serviceAccountPolicies[GSA] = { bindings: [{ role: 'roles/iam.workloadIdentityUser', members: WORKLOAD_SERVICE_ACCOUNTS.map((k) => member(ns, k)) }] };
    state.projectPermissions[GSA] = [...PUBSUB_PERMISSIONS, ...BIGQUERY_PERMISSIONS];
    const r = await runInstall(h, { namespace: ns, answers, env, extra: skipPrepare });
    expect(r.code, r.stderr).toBe(0);
    expect(h.sim.objects.get('serviceaccount', ns, 'subscriber')?.metadata?.annotations?.['iam.gke.io/gcp-service-account']).toBe(GSA);
  });

  // A preflight check that warns does not stop the install, and is shown: a line under the
  // preflight step in text, the check in -o json's `preflight`.
  it('permissions that cannot be read (no impersonation, project policy denied): a warning in text and -o json; the install goes ahead (exit 0)', async () => {
    const ns = 'wi-unread';
    state.serviceAccountPolicies[GSA] = { bindings: [{ role: 'roles/iam.workloadIdentityUser', members: WORKLOAD_SERVICE_ACCOUNTS.map((k) => member(ns, k)) }] };
    state.impersonation[GSA] = false;
    try {
      const r = await runInstall(h, { namespace: ns, answers, env, extra: skipPrepare });
      expect(r.code, r.stderr).toBe(0);
      const lines = r.stderr.split('\n');
      expect(lines).toContainEqual(expect.stringMatching(/^! Preflight \(helm /));
      expect(lines).toContainEqual(expect.stringMatching(new RegExp(`^  ! permissions of ${GSA.replace(/[.]/g, '\\.')}: could not determine: the identity in use may not impersonate it`)));
      expect(lines).toContainEqual(expect.stringMatching(/^ {6}let the identity in use test it: gcloud iam service-accounts add-iam-policy-binding /));
      // The bindings passed: no line for them.
      expect(r.stderr).not.toContain('Workload Identity bindings on');

      const j = await runInstall(h, { namespace: ns, answers, env, extra: [...skipPrepare, '-o', 'json'] });
      expect(j.code, j.stderr).toBe(0);
      const doc = JSON.parse(j.stdout) as { status: string; checks: Check[]; preflight: Check[] };
      expect(doc.status).toBe('ok');
      expect(doc.preflight.find((c) => c.id === 'preflight.identity.permissions')).toMatchObject({ status: 'warn', facts: { method: 'none' } });
      expect(doc.preflight.find((c) => c.id === 'preflight.identity.binding')?.status).toBe('pass');
      expect(doc.checks.length).toBeGreaterThan(0);
    } finally {
      state.impersonation[GSA] = true;
    }
  });
});
