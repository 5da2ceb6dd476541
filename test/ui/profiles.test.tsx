// The whole wizard, driven by keystrokes, once per profile: the saved answers file must validate
// and equal the matching examples/answers/*.yaml after the schema parse (one Answers type for
// the wizard and --answers).
import { vi } from 'vitest';

// Ink writes only the last frame when CI is set (is-in-ci is read on import): hoisted before it.
vi.hoisted(() => {
  process.env.CI = 'false';
});

import { describe, expect, it } from 'vitest';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { parseAnswers } from '../../src/answers/load.js';
import { renderToDir } from '../../src/render/files.js';
import type { InstallEvent, WizardFact } from '../../src/ui/ports.js';
import { cleanupAfterEach, COLUMNS, DEMO_ORGANIZATION, DEMO_SIGN_IN, fakeEngine, fakeProbes, GOOGLE_SIGN_IN_AND_ORGANIZATION, HOSTS, KEY, play, ROWS, startWizard, STREAMS_AND_MYSQL_WAREHOUSE, type ScriptStep, type Session } from './harness.js';
import { repoRoot } from '../helpers/tools.js';

const example = (name: string) => parseAnswers(readFileSync(join(repoRoot, 'examples/answers', `${name}.yaml`), 'utf8'), name);
const saved = (path: string) => parseAnswers(readFileSync(path, 'utf8'), path);

const { tempDir, sessions } = cleanupAfterEach();

/** Every frame fits an 80x24 terminal. */
function expectFits(s: Session) {
  for (const f of s.frames()) {
    const lines = f.replace(/\n+$/, '').split('\n');
    expect(lines.length).toBeLessThanOrEqual(ROWS);
    for (const l of lines) expect(l.trimEnd().length).toBeLessThanOrEqual(COLUMNS);
  }
}

const OK_EVENTS: InstallEvent[] = [
  // A preflight that warns lists what warned, with its hint, under its line.
  { type: 'step-started', step: 'preflight', title: 'Preflight' },
  {
    type: 'step-finished',
    step: 'preflight',
    status: 'warn',
    checks: [
      { category: 'preflight', id: 'preflight.helm', title: 'helm', status: 'pass', detail: 'v4.1.4' },
      { category: 'preflight', id: 'gcp.workload-identity', title: 'Workload Identity binding', status: 'warn', detail: 'could not read the policy', hint: 'grant roles/iam.securityReviewer to read it' },
    ],
  },
  { type: 'step-started', step: 'secrets', title: 'Create the generated Secrets' },
  { type: 'step-finished', step: 'secrets' },
  // Finished without verifying everything: drawn with the warning mark, not a tick.
  { type: 'step-started', step: 'prepare-redis', title: 'Prepare redis' },
  { type: 'step-finished', step: 'prepare-redis', status: 'warn' },
  { type: 'step-started', step: 'helm', title: 'helm upgrade --install bucketeer' },
  { type: 'log', line: 'Release "bucketeer" does not exist. Installing it now.' },
  { type: 'progress', step: 'helm', message: 'waiting for Deployment bucketeer/api' },
  { type: 'log', line: 'STATUS: deployed' },
  { type: 'step-finished', step: 'helm' },
];

describe('wizard profiles', () => {
  it('gcp: detected Cloud SQL, Memorystore and Pub/Sub, installs, shows health and the replay command', async () => {
    const cwd = tempDir();
    const facts: WizardFact[] = [
      { kind: 'gcp-project', id: 'my-bucketeer-proj', account: 'me@example.com' },
      { kind: 'kube-context', context: 'gke_my-bucketeer-proj_asia-northeast1_prod', platform: 'gke', reachable: true },
      { kind: 'cloudsql-instance', name: 'bucketeer-db', privateIp: '10.20.0.3' },
      { kind: 'memorystore-instance', name: 'bucketeer-redis', host: '10.20.1.4', port: 6379, maxmemoryPolicy: 'noeviction' },
      { kind: 'capacity', sizing: 'medium', fits: true, detail: '6 CPU, 20Gi free' },
    ];
    const engine = fakeEngine(OK_EVENTS, {
      ok: true,
      checks: [
        { category: 'release', id: 'release.deployed', title: 'helm release deployed', status: 'pass' },
        { category: 'workloads', id: 'workloads.ready', title: 'Deployments ready', status: 'pass', detail: '4/4' },
      ],
    });
    const env = { BUCKETEER_DB_PASSWORD: 'db-pass-from-env', GOOGLE_CLIENT_SECRET: 'gcs-from-env' };
    const s = startWizard({ probes: fakeProbes(facts), engine, cwd, env });
    sessions.push(s);
    await s.waitFor('Cloud SQL bucketeer-db: 10.20.0.3');
    await s.waitFor('6 CPU, 20Gi free');
    const script: ScriptStep[] = [
      { on: 'What is already there' },
      { on: /default: GKE context gke_my-bucketeer-proj/ },
      { on: 'default: from your gcloud credentials' },
      { on: 'default: from context gke_my-bucketeer-proj_asia-northeast1_prod' },
      { on: 'Workload Identity service account' },
      { on: 'Which kubeconfig context' },
      { on: 'Namespace for Bucketeer' },
      { on: 'default: found in project my-bucketeer-proj' },
      { on: 'Database name' },
      { on: 'MySQL user' },
      { on: 'BUCKETEER_DB_PASSWORD is set' },
      { on: 'maxmemory-policy noeviction ✓' },
      { on: 'Which message bus' },
      { on: 'Which ordering should messaging be set up for?' },
      { on: 'Expected events per second', type: '500' },
      { on: 'Where should experiment events' },
      { on: 'BigQuery dataset' },
      { on: 'BigQuery location' },
      { on: 'Host name of the admin console', type: 'bucketeer.example.com' },
      { on: 'api.bucketeer.example.com' },
      { on: 'TLS for both hosts' },
      { on: 'static IP name for the console' },
      { on: 'static IP name for the API' },
      { on: 'How will people sign in' },
      ...GOOGLE_SIGN_IN_AND_ORGANIZATION,
      { on: /default: the cluster fits medium/ },
      { on: 'Save the answers file' },
      { on: 'Where should the answers file go?' },
      { on: /Install now into gke_my-bucketeer-proj_asia-northeast1_prod/ },
      { on: 'The install is healthy' },
    ];
    await play(s, script);
    await s.waitFor('Bucketeer is installed');
    const final = s.frame();
    expect(final).toContain('https://bucketeer.example.com');
    expect(final).toContain('https://api.bucketeer.example.com');
    expect(final).toContain('npx bucketeer-install install --answers bucketeer-answers.yaml');
    expect(await s.exit).toEqual({ code: 0, message: undefined });

    const path = join(cwd, 'bucketeer-answers.yaml');
    expect(readFileSync(path, 'utf8')).toMatch(/^# yaml-language-server: \$schema=\.\/answers\.schema\.json\n/);
    expect(existsSync(join(cwd, 'answers.schema.json'))).toBe(true);
    expect(saved(path)).toEqual(example('gcp'));
    // The engine got the same answers, the saved file's path and the environment.
    expect(engine.requests).toHaveLength(1);
    expect(engine.requests[0].answers).toEqual(example('gcp'));
    expect(engine.requests[0].answersPath).toBe(path);
    expect(engine.requests[0].env.BUCKETEER_DB_PASSWORD).toBe('db-pass-from-env');
    // The install screen showed steps and helm's last lines.
    expect(s.frames().some((f) => f.includes('helm upgrade --install bucketeer') && f.includes('STATUS: deployed'))).toBe(true);
    expect(s.frames().some((f) => /! Prepare redis/.test(f) && /✓ Create the generated Secrets/.test(f))).toBe(true);
    const preflight = s.frames().find((f) => f.includes('! Preflight'));
    expect(preflight).toMatch(/! Preflight\n\s+! Workload Identity binding · could not read the policy\n\s+grant roles\/iam.securityReviewer to read it/);
    expect(preflight).not.toContain('v4.1.4');
    expectFits(s);
  });

  it('aws: RDS and ElastiCache found; a password typed for an env reference stays in memory', async () => {
    const cwd = tempDir();
    const facts: WizardFact[] = [
      { kind: 'aws-identity', account: '123456789012', arn: 'arn:aws:iam::123456789012:user/me', profile: 'default' },
      { kind: 'kube-context', context: 'arn:aws:eks:ap-northeast-1:123456789012:cluster/prod', platform: 'eks' },
      { kind: 'rds-instance', id: 'bucketeer', endpoint: 'bucketeer.abcdefghij.ap-northeast-1.rds.amazonaws.com', port: 3306 },
      { kind: 'elasticache-group', id: 'bucketeer', endpoint: 'bucketeer.abc123.ng.0001.apne1.cache.amazonaws.com', port: 6379, maxmemoryPolicy: 'volatile-lru' },
      { kind: 'capacity', sizing: 'medium', fits: true, detail: '8 CPU, 30Gi free' },
    ];
    const engine = fakeEngine(OK_EVENTS, { ok: true, checks: [{ category: 'release', id: 'release.deployed', title: 'helm release deployed', status: 'pass' }] });
    const env = { GOOGLE_CLIENT_SECRET: 'gcs-from-env' };
    const s = startWizard({ probes: fakeProbes(facts), engine, cwd, env });
    sessions.push(s);
    await s.waitFor('8 CPU, 30Gi free');
    await play(s, [
      { on: 'What is already there' },
      { on: /default: EKS context arn:aws:eks/ },
      { on: 'default: from context arn:aws:eks:ap-northeast-1' },
      { on: 'AWS profile' },
      { on: 'Which kubeconfig context' },
      { on: 'Namespace for Bucketeer' },
      { on: 'found in account 123456789012' },
      { on: 'Database name' },
      { on: 'MySQL user' },
      { on: 'Where should the MySQL password come from?' },
      { on: 'Type the MySQL password', type: 'typed-db-pass', shown: '*************' },
      { on: 'maxmemory-policy volatile-lru ✗ must be noeviction' },
      { on: 'Per partition' },
      ...STREAMS_AND_MYSQL_WAREHOUSE,
      ...HOSTS,
      { on: 'How will people sign in' },
      ...GOOGLE_SIGN_IN_AND_ORGANIZATION,
      { on: 'How big?' },
    ]);
    // The review warns about the eviction policy of the chosen ElastiCache group.
    await s.waitFor('Save the answers file');
    expect(s.frame()).toContain('maxmemory-policy is volatile-lru');
    await play(s, [{ on: 'Save the answers file' }, { on: 'Where should the answers file go?' }, { on: /Install now into arn:aws:eks/ }, { on: 'The install is healthy' }]);
    expect((await s.exit).code).toBe(0);

    const path = join(cwd, 'bucketeer-answers.yaml');
    expect(saved(path)).toEqual(example('aws'));
    const text = readFileSync(path, 'utf8');
    expect(text).not.toContain('typed-db-pass');
    expect(s.frames().join('\n')).not.toContain('typed-db-pass');
    // Typed for {env: BUCKETEER_DB_PASSWORD}: handed to this install only, through its env.
    expect(engine.requests[0].env.BUCKETEER_DB_PASSWORD).toBe('typed-db-pass');
    expect(existsSync(join(cwd, 'bucketeer-secrets'))).toBe(false);
    expectFits(s);
  });

  it('in-cluster: no cluster reachable and probes failing; renders the files and says what next', async () => {
    const cwd = tempDir();
    const facts: WizardFact[] = [
      { kind: 'probe-failed', probe: 'kubernetes', message: 'no kubeconfig at /nonexistent/kubeconfig' },
      { kind: 'probe-failed', probe: 'aws', message: 'no AWS credentials' },
    ];
    const renderFiles = async (answers: Parameters<typeof renderToDir>[0], answersPath: string, outDir: string) => (await renderToDir(answers, outDir, { env: {}, answersPath })).written;
    const s = startWizard({ probes: fakeProbes(facts), engine: fakeEngine([], { ok: true }), renderFiles, cwd });
    sessions.push(s);
    // The failed probe is shown on its row, with its message.
    await s.waitFor('✗ kubernetes: no kubeconfig at /nonexistent/kubeconfig');
    await s.waitFor(/✗ Kubernetes/);
    await play(s, [
      { on: 'What is already there' },
      { on: 'default: nothing detected' },
      { on: 'Namespace for Bucketeer' },
      { on: 'default: no managed MySQL found' },
      { on: 'Generate one', key: KEY.down },
      { on: /❯ Environment variable BUCKETEER_DB_PASSWORD/ },
      // Left empty: the user sets it before installing.
      { on: 'Type the MySQL password' },
      { on: 'no managed Redis found' },
      { on: 'Per partition' },
      ...STREAMS_AND_MYSQL_WAREHOUSE,
      ...HOSTS,
      { on: /❯ Demo sign-in/ },
      ...DEMO_SIGN_IN,
      { on: 'Type the demo sign-in password', type: 'demo-pass-1', shown: '***********' },
      ...DEMO_ORGANIZATION,
      { on: 'default: cluster capacity unknown' },
    ]);
    await s.waitFor('Save the answers file');
    const review = s.frame();
    expect(review).toContain('kubernetes probe failed: no kubeconfig');
    expect(review).toContain('BUCKETEER_DB_PASSWORD is not set');
    expect(review).toContain('no cluster answered');
    await play(s, [{ on: 'Save the answers file' }, { on: 'Where should the answers file go?' }, { on: 'What now?' }]);
    // No cluster: installing is not offered, rendering is.
    expect(s.frame()).not.toContain('Install now');
    expect(s.frame()).toContain('No cluster answered');
    await play(s, [{ on: /❯ Render the files into \.\/bucketeer-render/ }]);
    await s.waitFor('Files rendered');
    const final = s.frame();
    expect(final).toContain('bucketeer-render/values.yaml');
    expect(final).toContain('npx bucketeer-install install --answers bucketeer-answers.yaml');
    expect((await s.exit).code).toBe(0);
    expect(statSync(join(cwd, 'bucketeer-render', 'values.yaml')).isFile()).toBe(true);
    expect(statSync(join(cwd, 'bucketeer-render', 'in-cluster.yaml')).isFile()).toBe(true);
    expect(readFileSync(join(cwd, 'bucketeer-render', 'values.yaml'), 'utf8')).not.toContain('demo-pass-1');
    expect(saved(join(cwd, 'bucketeer-answers.yaml'))).toEqual(example('in-cluster'));
    expectFits(s);
  });
});
