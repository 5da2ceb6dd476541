// GKE Workload Identity of Bucketeer's pods (doctor --pre on gcp with gcp.workloadIdentity),
// through the real google-auth-library client against the local GCP IAM fake.
//
// Upstream facts at v2.3.0 this relies on:
// - manifests/bucketeer/charts/{api,web,batch,subscriber}/templates/service-account.yaml: one
//   ServiceAccount per workload, rendered only when serviceAccount.annotations is set, named by
//   each subchart's fullnameOverride (values.yaml: api, web, batch-server, subscriber) in
//   .Values.namespace.
// - pkg/pubsub/pubsub.go: topic Exists/CreateTopic, subscription Exists/CreateSubscription/Update,
//   DeleteSubscription; pkg/pubsub/publisher/publisher.go: Publish; pkg/pubsub/puller/puller.go:
//   Receive (subscriptions.consume).
// - pkg/api/cmd/server.go (startCacheInvalidator): api creates a subscription per pod,
//   api-cache-invalidator-<hostname>, and deletes it on shutdown (topics.attachSubscription,
//   subscriptions.create/delete).
// - pkg/storage/v2/bigquery/writer/client.go: managedwriter default stream (tables.updateData);
//   pkg/storage/v2/bigquery/querier/client.go: queries (jobs.create, tables.getData).
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { OAuth2Client } from 'google-auth-library';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Check } from '../../src/checks/types.js';
import { BIGQUERY_PERMISSIONS, PUBSUB_PERMISSIONS, WORKLOAD_SERVICE_ACCOUNTS } from '../../src/probes/gcp-identity.js';
import { gcpProbes } from '../../src/probes/gcp.js';
import { runProbes } from '../../src/probes/runner.js';
import { runCli } from '../helpers/cli.js';
import { startGcpIamFake, type GcpIamState } from './peers.js';

const GSA = 'bucketeer@my-proj.iam.gserviceaccount.com';
const NS = 'bucketeer';
const member = (ksa: string) => `serviceAccount:my-proj.svc.id.goog[${NS}/${ksa}]`;
const byId = (checks: Check[], id: string) => checks.find((c) => c.id === id)!;

function operator(): OAuth2Client {
  const c = new OAuth2Client();
  c.setCredentials({ access_token: 'operator-token', expiry_date: Date.now() + 3_600_000 });
  return c;
}

function fullState(): GcpIamState {
  return {
    serviceAccountPolicies: { [GSA]: { bindings: [{ role: 'roles/iam.workloadIdentityUser', members: WORKLOAD_SERVICE_ACCOUNTS.map(member) }] } },
    projectPolicies: {},
    impersonation: { [GSA]: true },
    projectPermissions: { [GSA]: [...PUBSUB_PERMISSIONS, ...BIGQUERY_PERMISSIONS] },
    topicPermissions: {},
    datasets: {},
  };
}

describe('GKE Workload Identity check against the local GCP IAM fake', () => {
  let fake: Awaited<ReturnType<typeof startGcpIamFake>>;
  let state: GcpIamState;
  beforeAll(async () => {
    state = fullState();
    fake = await startGcpIamFake(state);
  });
  afterAll(async () => fake?.stop());
  beforeEach(() => Object.assign(state, fullState()));

  const run = async (wi: { pubsub?: boolean; bigquery?: boolean } = { pubsub: true, bigquery: true }) => {
    const probe = gcpProbes({
      env: { BUCKETEER_INSTALL_GCP_ENDPOINT: fake.url },
      project: 'my-proj',
      authClient: operator(),
      workloadIdentity: { serviceAccount: GSA, namespace: NS, pubsub: Boolean(wi.pubsub), bigquery: wi.bigquery ? { project: 'my-proj', dataset: 'bucketeer_events' } : undefined },
    }).find((p) => p.id === 'gcp.identity')!;
    const [r] = await runProbes([probe], { timeoutMs: 10_000 });
    expect(r.outcome).toBe('ok');
    return r.checks;
  };

  it('all four bindings and every permission (tested as the GSA with a minted token): pass', async () => {
    const checks = await run();
    expect(byId(checks, 'gcp.identity.binding')).toMatchObject({ status: 'pass', detail: expect.stringContaining('bucketeer/api, bucketeer/web, bucketeer/batch-server, bucketeer/subscriber') });
    const perms = byId(checks, 'gcp.identity.permissions');
    expect(perms).toMatchObject({ status: 'pass', facts: { method: 'testIamPermissions', missing: [] } });
    expect(perms.detail).toContain('generateAccessToken');
    // The permissions were asked with the minted token, not the operator's.
    expect(fake.requests).toContain(`POST /v1/projects/-/serviceAccounts/${encodeURIComponent(GSA)}:generateAccessToken`);
    expect(fake.requests).toContain('POST /v1/projects/my-proj:testIamPermissions');
  });

  it('one Kubernetes service account not bound: fail naming it, with the gcloud command', async () => {
    state.serviceAccountPolicies[GSA].bindings[0].members = WORKLOAD_SERVICE_ACCOUNTS.filter((k) => k !== 'batch-server').map(member);
    const c = byId(await run(), 'gcp.identity.binding');
    expect(c.status).toBe('fail');
    expect(c.detail).toContain('not granted to bucketeer/batch-server');
    expect(c.detail).not.toContain('bucketeer/api');
    expect(c.hint).toBe(
      `gcloud iam service-accounts add-iam-policy-binding ${GSA} --project my-proj --role=roles/iam.workloadIdentityUser --member="serviceAccount:my-proj.svc.id.goog[bucketeer/batch-server]"`,
    );
    expect(c.facts).toEqual({ missing: ['batch-server'] });
  });

  it('a conditional binding does not count; an unknown service account fails; an unreadable policy warns', async () => {
    state.serviceAccountPolicies[GSA].bindings[0].condition = { expression: 'request.time < timestamp("2020-01-01T00:00:00Z")' };
    expect(byId(await run(), 'gcp.identity.binding').facts).toEqual({ missing: [...WORKLOAD_SERVICE_ACCOUNTS] });
    delete state.serviceAccountPolicies[GSA];
    const gone = byId(await run(), 'gcp.identity.binding');
    expect(gone).toMatchObject({ status: 'fail', detail: `the Google service account ${GSA} does not exist` });
    expect(gone.hint).toContain('gcloud iam service-accounts create bucketeer --project my-proj');
  });

  it('permissions missing (tested as the GSA): fail listing them with the gcloud commands per role', async () => {
    state.projectPermissions[GSA] = PUBSUB_PERMISSIONS.filter((p) => p !== 'pubsub.topics.attachSubscription' && p !== 'pubsub.subscriptions.delete');
    const c = byId(await run(), 'gcp.identity.permissions');
    expect(c.status).toBe('fail');
    expect(c.facts).toMatchObject({ method: 'testIamPermissions' });
    expect(c.detail).toContain('missing: pubsub.topics.attachSubscription, pubsub.subscriptions.delete, bigquery.tables.updateData');
    expect(c.hint).toBe(
      [
        `gcloud projects add-iam-policy-binding my-proj --member=serviceAccount:${GSA} --role=roles/pubsub.editor`,
        `gcloud projects add-iam-policy-binding my-proj --member=serviceAccount:${GSA} --role=roles/bigquery.dataEditor`,
        `gcloud projects add-iam-policy-binding my-proj --member=serviceAccount:${GSA} --role=roles/bigquery.jobUser`,
      ].join('; '),
    );
  });

  it('grants below the project count: every topic for the topic permissions, the dataset access list for table data', async () => {
    state.projectPermissions[GSA] = [...PUBSUB_PERMISSIONS.filter((p) => p !== 'pubsub.topics.publish'), 'bigquery.jobs.create'];
    state.datasets['my-proj/bucketeer_events'] = { access: [{ role: 'WRITER', userByEmail: GSA }] };
    const topics = ['domain', 'bulk-segment-users-received', 'goal', 'evaluation', 'metrics', 'cache-invalidation'];
    for (const t of topics) state.topicPermissions[`my-proj/${t}`] = { [GSA]: ['pubsub.topics.publish'] };
    expect(byId(await run(), 'gcp.identity.permissions')).toMatchObject({ status: 'pass' });
    // The dataset's access list unreadable and the table permissions not on the project: unknown, a warning.
    state.datasets['my-proj/bucketeer_events'] = 'denied';
    const unread = byId(await run(), 'gcp.identity.permissions');
    expect(unread).toMatchObject({ status: 'warn', facts: { missing: ['bigquery.tables.updateData', 'bigquery.tables.getData', 'bigquery.tables.get'] } });
    expect(unread.detail).toContain('could not read dataset my-proj.bucketeer_events: permission denied (bigquery.datasets.get');
    state.datasets['my-proj/bucketeer_events'] = { access: [{ role: 'WRITER', userByEmail: GSA }] };
    // One topic without the grant: publishing there would be denied.
    state.topicPermissions['my-proj/goal'] = { [GSA]: [] };
    expect(byId(await run(), 'gcp.identity.permissions')).toMatchObject({ status: 'fail', facts: { missing: ['pubsub.topics.publish'] } });
  });

  it('impersonation denied: reads the roles bound in the project IAM policy and says so', async () => {
    state.impersonation[GSA] = false;
    state.projectPolicies['my-proj'] = { bindings: [{ role: 'roles/pubsub.editor', members: [`serviceAccount:${GSA}`] }, { role: 'roles/bigquery.dataEditor', members: [`serviceAccount:${GSA}`] }, { role: 'roles/bigquery.jobUser', members: ['user:someone@example.com'] }] };
    const c = byId(await run(), 'gcp.identity.permissions');
    expect(c.status).toBe('fail');
    expect(c.facts).toEqual({ method: 'project-policy', missing: ['bigquery.jobs.create'] });
    expect(c.detail).toContain('read from the project IAM policy');
    expect(c.detail).toContain('may not impersonate it (iam.serviceAccounts.getAccessToken)');
    expect(c.hint).toBe(`gcloud projects add-iam-policy-binding my-proj --member=serviceAccount:${GSA} --role=roles/bigquery.jobUser`);
    state.projectPolicies['my-proj'].bindings.push({ role: 'roles/bigquery.jobUser', members: [`serviceAccount:${GSA}`] });
    expect(byId(await run(), 'gcp.identity.permissions')).toMatchObject({ status: 'pass', facts: { method: 'project-policy' } });
  });

  it('neither impersonation nor the project policy readable: warn (could not determine) with how to let it be tested', async () => {
    state.impersonation[GSA] = false;
    const c = byId(await run(), 'gcp.identity.permissions');
    expect(c.status).toBe('warn');
    expect(c.detail).toMatch(/^could not determine: .*resourcemanager\.projects\.getIamPolicy/);
    expect(c.hint).toContain('--role=roles/iam.serviceAccountTokenCreator');
  });

  it('only Pub/Sub in the answers: BigQuery permissions are not asked for', async () => {
    state.projectPermissions[GSA] = [...PUBSUB_PERMISSIONS];
    expect(byId(await run({ pubsub: true }), 'gcp.identity.permissions')).toMatchObject({ status: 'pass' });
    expect(byId(await run({ bigquery: true }), 'gcp.identity.permissions')).toMatchObject({ status: 'fail', facts: { missing: [...BIGQUERY_PERMISSIONS] } });
  });

  it('an IAM endpoint that does not answer: the probe times out as a warning, not a verdict', async () => {
    fake.setDelay(3_000);
    try {
      const probe = gcpProbes({ env: { BUCKETEER_INSTALL_GCP_ENDPOINT_IAM: fake.url, BUCKETEER_INSTALL_GCP_ENDPOINT_IAMCREDENTIALS: fake.url, BUCKETEER_INSTALL_GCP_ENDPOINT: 'http://127.0.0.1:9' }, project: 'my-proj', authClient: operator(), workloadIdentity: { serviceAccount: GSA, namespace: NS, pubsub: true } }).find((p) => p.id === 'gcp.identity')!;
      const [r] = await runProbes([probe], { timeoutMs: 500 });
      expect(r.outcome).toBe('timeout');
      expect(r.checks[0]).toMatchObject({ status: 'warn', detail: 'no answer within 500ms' });
    } finally {
      fake.setDelay(0);
    }
  });
});

describe('doctor --pre --platform gcp --answers (the gcp example, Workload Identity set)', () => {
  const gsa = 'bucketeer@my-bucketeer-proj.iam.gserviceaccount.com';
  const ns = 'wi-doctor';
  const m = (ksa: string) => `serviceAccount:my-bucketeer-proj.svc.id.goog[${ns}/${ksa}]`;
  let fake: Awaited<ReturnType<typeof startGcpIamFake>>;
  beforeAll(async () => {
    fake = await startGcpIamFake({
      serviceAccountPolicies: { [gsa]: { bindings: [{ role: 'roles/iam.workloadIdentityUser', members: ['api', 'web', 'subscriber'].map(m) }] } },
      projectPolicies: {},
      impersonation: { [gsa]: true },
      projectPermissions: { [gsa]: [...PUBSUB_PERMISSIONS, ...BIGQUERY_PERMISSIONS] },
      topicPermissions: {},
      datasets: {},
    });
  });
  afterAll(async () => fake?.stop());

  it('a missing binding is a failing check (exit 1) naming the service account and the gcloud command; -n names the namespace', async () => {
    // The operator's credentials come from the fake's metadata server (no ADC file).
    const env = { CLOUDSDK_CONFIG: mkdtempSync(join(tmpdir(), 'gcloud-')), GCE_METADATA_HOST: `127.0.0.1:${fake.port}`, BUCKETEER_INSTALL_GCP_ENDPOINT: fake.url };
    const r = await runCli(['doctor', '--pre', '--platform', 'gcp', '--answers', 'examples/answers/gcp.yaml', '-n', ns, '-o', 'json', '--probe-timeout', '20s'], { env });
    expect(r.code).toBe(1);
    const report = JSON.parse(r.stdout) as { checks: Check[] };
    const binding = byId(report.checks, 'gcp.identity.binding');
    expect(binding).toMatchObject({ status: 'fail', facts: { missing: ['batch-server'] } });
    expect(binding.hint).toContain(`--member="${m('batch-server')}"`);
    expect(byId(report.checks, 'gcp.identity.permissions')).toMatchObject({ status: 'pass', facts: { method: 'testIamPermissions' } });
  });
});
