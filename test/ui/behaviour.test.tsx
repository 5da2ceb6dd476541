// Esc back, inline validation from the schema, probes still running or failing, a failed install,
// Ctrl-C (at once while asking, after a confirmation while applying) and {file: ...} secrets.
import { vi } from 'vitest';

vi.hoisted(() => {
  process.env.CI = 'false';
});

import { describe, expect, it } from 'vitest';
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { parseAnswers } from '../../src/answers/load.js';
import type { WizardFact } from '../../src/ui/ports.js';
import { cleanupAfterEach, DEMO_ORGANIZATION, DEMO_ORGANIZATION_SAVE_AND_QUIT, DEMO_SIGN_IN, fakeEngine, fakeProbes, HOSTS, IN_CLUSTER_TO_INGRESS, KEY, play, startWizard, type ScriptStep, type Session } from './harness.js';

const { tempDir, sessions } = cleanupAfterEach();

const KUBE: WizardFact = { kind: 'kube-context', context: 'kind-dev', platform: 'other', reachable: true };

/** From the first screen to the review, for a plain in-cluster install with demo sign-in. */
const TO_REVIEW: ScriptStep[] = [
  ...IN_CLUSTER_TO_INGRESS,
  ...HOSTS,
  { on: 'How will people sign in' },
  ...DEMO_SIGN_IN,
  ...DEMO_ORGANIZATION,
  { on: 'How big?' },
];
const TO_INSTALL: ScriptStep[] = [...TO_REVIEW, { on: 'Save the answers file' }, { on: 'Where should the answers file go?' }, { on: /❯ Install now into kind-dev/ }];

/** A wizard on the kind-dev context, played along TO_REVIEW up to `question` and waiting there. */
async function wizardAt(question: string, env: NodeJS.ProcessEnv = {}, cwd = tempDir()): Promise<Session> {
  const s = startWizard({ probes: fakeProbes([KUBE]), cwd, env });
  sessions.push(s);
  const at = TO_REVIEW.findIndex((step) => step.on === question);
  if (at < 0) throw new Error(`no step on the way to the review asks "${question}"`);
  await play(s, TO_REVIEW.slice(0, at));
  await s.waitFor(question);
  return s;
}

describe('wizard behaviour', () => {
  it('Esc goes back one step at a time and keeps every answer', async () => {
    const s = startWizard({ probes: fakeProbes([KUBE]), cwd: tempDir(), env: { BUCKETEER_DEMO_PASSWORD: 'x' } });
    sessions.push(s);
    await play(s, [
      { on: 'What is already there' },
      { on: 'Where does the cluster run?', key: KEY.up },
      { on: /❯ AWS \(EKS\)/ },
      { on: 'AWS region', type: 'eu-west-1' },
      { on: 'AWS profile' },
    ]);
    await s.waitFor('Which kubeconfig context');
    await s.press(KEY.escape, 'AWS profile');
    await s.press(KEY.escape, 'AWS region');
    // The typed region is still there.
    expect(s.frame()).toContain('› eu-west-1');
    await s.press(KEY.escape, 'Where does the cluster run?');
    // And the platform choice too.
    expect(s.frame()).toMatch(/❯ AWS \(EKS\)/);
    // Changing the platform drops the aws questions from the way forward and back.
    await play(s, [{ on: /❯ AWS \(EKS\)/, key: KEY.down }, { on: /❯ Any other Kubernetes/ }]);
    await s.waitFor('Which kubeconfig context');
    await s.press(KEY.escape, 'Where does the cluster run?');
    expect(s.frame()).not.toContain('AWS region');
  });

  it('shows the schema message at the field and stays there until the value is valid', async () => {
    const s = await wizardAt('Host name of the admin console');
    await s.type('Bucketeer_Example');
    await s.press(KEY.enter, '✗ must be a DNS name such as bucketeer.example.com');
    expect(s.frame()).toContain('Host name of the admin console');
    // Fix it: the error goes away as soon as the field changes.
    await s.clearField();
    await s.waitFor(/› e\.g\. bucketeer\.example\.com/);
    expect(s.frame()).not.toContain('✗');
    await s.type('bucketeer.example.com');
    await s.press(KEY.enter, 'Host name SDKs call');
    // A cross-field rule of the schema (apiHost must differ from webHost), also at the field.
    await s.clearField();
    // An empty required field.
    await s.press(KEY.enter, '✗ is required');
    await s.type('bucketeer.example.com');
    await s.press(KEY.enter, '✗ must differ from ingress.webHost');
    expect(s.frame()).toContain('Host name SDKs call');
  });

  it('a number field that is not a whole number says so', async () => {
    const s = await wizardAt('Number of stream partitions');
    await s.clearField();
    await s.type('1.5');
    await s.press(KEY.enter, '✗ must be a whole number');
    expect(s.frame()).not.toMatch(/expected number/);
    expect(s.frame()).toContain('Number of stream partitions');
  });

  it('text fields take readline keys and bursts without losing a character', async () => {
    const s = await wizardAt('Host name of the admin console');
    await s.type('console.example.com');
    // One chunk: Ctrl-A, "my", Ctrl-E, three Backspaces, "org" (as a fast typist or a paste sends it).
    s.write('\x01my\x05\x7f\x7f\x7forg');
    await s.waitFor('› myconsole.example.org');
    s.write('\x15'); // Ctrl-U: the whole line before the cursor
    await s.waitFor(/› e\.g\. bucketeer\.example\.com/);
    await s.type('a.example.com');
    s.write('\x17'); // Ctrl-W deletes the word before the cursor (here, all of it)
    await s.waitFor(/› e\.g\. bucketeer\.example\.com/);
    await s.type('bucketeer.example.com');
    await s.press(KEY.enter, 'Host name SDKs call');
  });

  it('a secret left blank and not exported: Install now is not offered (it would fail at its first step)', async () => {
    const engine = fakeEngine([], { ok: true });
    const s = startWizard({ probes: fakeProbes([KUBE]), engine, cwd: tempDir(), env: {} });
    sessions.push(s);
    // Left empty "to set it yourself before installing".
    const afterSource = TO_REVIEW.findIndex((st) => st.on === 'Where should the demo sign-in password come from?') + 1;
    await play(s, [...TO_REVIEW.slice(0, afterSource), { on: 'Type the demo sign-in password' }, ...TO_REVIEW.slice(afterSource), { on: 'Save the answers file' }]);
    await s.waitFor('Where should the answers file go?');
    await s.press(KEY.enter, /BUCKETEER_DEMO_PASSWORD is not set, so installing now is not offered/);
    expect(s.frame()).not.toContain('Install now');
    expect(s.frame()).toContain('Render the files');
  });

  it('shows spinners while probes run, then the facts as they arrive; Enter does not wait', async () => {
    const probes = fakeProbes([KUBE], { hold: true });
    const s = startWizard({ probes, cwd: tempDir(), env: {} });
    sessions.push(s);
    await s.waitFor('kind-dev');
    expect(s.frame()).toContain('looking…');
    probes.release();
    await s.waitFor('none found');
    expect(s.frame()).toMatch(/✓ Kubernetes/);
    await s.press(KEY.enter, 'Where does the cluster run?');
  });

  it('a probe that throws is reported, and the wizard carries on', async () => {
    const s = startWizard({
      probes: {
        run: async () => {
          throw new Error('kubeconfig is not valid YAML');
        },
      },
      cwd: tempDir(),
      env: {},
    });
    sessions.push(s);
    await s.waitFor('probes stopped: kubeconfig is not valid YAML');
    await s.press(KEY.enter, 'Where does the cluster run?');
  });

  it('an install that fails names the resource and the reason, and exits 1', async () => {
    const cwd = tempDir();
    const engine = fakeEngine(
      [
        { type: 'step-started', step: 'helm', title: 'helm upgrade --install bucketeer' },
        { type: 'log', line: 'Error: UPGRADE FAILED: context deadline exceeded' },
        { type: 'failed', step: 'helm', resource: 'Deployment bucketeer/bucketeer-api', reason: 'ImagePullBackOff: ghcr.io/bucketeer-io/bucketeer-api:v2.3.0 not found' },
      ],
      { ok: false },
    );
    const s = startWizard({ probes: fakeProbes([KUBE]), engine, cwd, env: { BUCKETEER_DEMO_PASSWORD: 'x' } });
    sessions.push(s);
    await play(s, TO_INSTALL);
    await s.waitFor('Install failed at: helm upgrade --install bucketeer');
    // Long lines wrap at 80 columns: compare with the line breaks folded.
    const f = s.frame().replace(/\s+/g, ' ');
    expect(f).toContain('Resource Deployment bucketeer/bucketeer-api');
    expect(f).toContain('Reason ImagePullBackOff: ghcr.io/bucketeer-io/bucketeer-api:v2.3.0 not found');
    expect(f).toContain('npx bucketeer-install install --answers bucketeer-answers.yaml');
    expect((await s.exit).code).toBe(1);
  });

  it('an install refused for bad input exits with the engine\'s code (2, as --answers does), and names no resource it does not have', async () => {
    const engine = fakeEngine([{ type: 'failed', step: 'preflight', reason: 'auth.demoSignIn.password: environment variable BUCKETEER_DEMO_PASSWORD is not set' }], { ok: false, exitCode: 2 });
    const s = startWizard({ probes: fakeProbes([KUBE]), engine, cwd: tempDir(), env: { BUCKETEER_DEMO_PASSWORD: 'x' } });
    sessions.push(s);
    await play(s, TO_INSTALL);
    await s.waitFor('Install failed at: preflight');
    const f = s.frame().replace(/\s+/g, ' ');
    expect(f).toContain('Reason auth.demoSignIn.password: environment variable BUCKETEER_DEMO_PASSWORD is not set');
    expect(f).not.toContain('Resource');
    expect((await s.exit).code).toBe(2);
  });

  it('Ctrl-C while asking leaves at once with 130, nothing applied', async () => {
    const s = await wizardAt('Namespace for Bucketeer');
    s.write(KEY.ctrlC);
    expect(await s.exit).toEqual({ code: 130, message: 'Interrupted: nothing was applied.' });
  });

  it('Ctrl-C while installing asks first; "n" carries on, "y" stops the engine and exits 130', async () => {
    const engine = fakeEngine([{ type: 'step-started', step: 'helm', title: 'helm upgrade --install bucketeer' }], { ok: true }, { waitForAbort: true });
    const s = startWizard({ probes: fakeProbes([KUBE]), engine, cwd: tempDir(), env: { BUCKETEER_DEMO_PASSWORD: 'x' } });
    sessions.push(s);
    await play(s, TO_INSTALL);
    await s.waitFor('helm upgrade --install bucketeer');
    await s.press(KEY.ctrlC, 'Stop the install?');
    await s.press('n', 'Ctrl-C stop (asks first)');
    expect(s.frame()).not.toContain('Stop the install?');
    expect(engine.aborted()).toBe(false);
    await s.press(KEY.ctrlC, 'Stop the install?');
    await s.press('y', 'Install stopped');
    expect(engine.aborted()).toBe(true);
    expect((await s.exit).code).toBe(130);
  });

  it('SIGTERM while installing stops the engine without asking and exits 143', async () => {
    const engine = fakeEngine([{ type: 'step-started', step: 'helm', title: 'helm upgrade --install bucketeer' }], { ok: true }, { waitForAbort: true });
    let raise: ((sig: NodeJS.Signals) => void) | undefined;
    const onSignal = (h: (sig: NodeJS.Signals) => void) => {
      raise = h;
      return () => (raise = undefined);
    };
    const s = startWizard({ probes: fakeProbes([KUBE]), engine, cwd: tempDir(), env: { BUCKETEER_DEMO_PASSWORD: 'x' }, onSignal });
    sessions.push(s);
    await play(s, TO_INSTALL);
    await s.waitFor('helm upgrade --install bucketeer');
    raise!('SIGTERM');
    await s.waitFor('Install stopped');
    expect(s.frames().some((f) => f.includes('Stop the install?'))).toBe(false);
    expect(engine.aborted()).toBe(true);
    expect((await s.exit).code).toBe(143);
  });

  it('the review shows the chart values with secrets masked, and Esc returns to it', async () => {
    const s = startWizard({ probes: fakeProbes([KUBE]), cwd: tempDir(), env: { BUCKETEER_DEMO_PASSWORD: 'demo-secret-value' } });
    sessions.push(s);
    await play(s, [...TO_REVIEW, { on: /❯ Save the answers file/, key: KEY.down }, { on: /❯ View the chart values/ }]);
    await s.waitFor(/lines 1-\d+ of \d+/);
    await s.press(KEY.down, /lines 2-\d+ of \d+/);
    await s.press(KEY.escape, 'Save the answers file');
    const all = s.frames().join('\n');
    expect(all).toContain('Chart values');
    expect(all).not.toContain('demo-secret-value');
  });

  /** A wizard with the MySQL password in the environment, at the demo sign-in password's source question. */
  async function atDemoPasswordSource() {
    const cwd = tempDir();
    const s = await wizardAt('Where should the demo sign-in password come from?', { BUCKETEER_DB_PASSWORD: 'x' }, cwd);
    return { s, cwd };
  }

  /** From the first organization's name: saves the answers file and quits without installing. */
  async function saveAndQuit(s: Session) {
    await play(s, DEMO_ORGANIZATION_SAVE_AND_QUIT);
    await s.waitFor('Answers saved');
    expect((await s.exit).code).toBe(0);
  }

  it('a secret typed for a {file: ...} reference goes to a 0600 file, never into the answers', async () => {
    const { s, cwd } = await atDemoPasswordSource();
    await play(s, [
      { on: 'Where should the demo sign-in password come from?', key: KEY.down },
      { on: /❯ A 0600 file: bucketeer-secrets\/demo-password/ },
      // A double quote would break the chart's quoting: refused at the field.
      { on: 'Type the demo sign-in password', type: 'bad"pass', shown: '********' },
    ]);
    await s.waitFor('✗ the value contains a double quote');
    await s.clearField();
    await play(s, [
      { on: 'Type the demo sign-in password', type: 'file-secret-42', shown: '**************' },
    ]);
    await saveAndQuit(s);
    const answersPath = join(cwd, 'bucketeer-answers.yaml');
    const text = readFileSync(answersPath, 'utf8');
    expect(text).not.toContain('file-secret-42');
    expect(parseAnswers(text, 'saved').auth.demoSignIn.password).toEqual({ file: 'bucketeer-secrets/demo-password' });
    const secretFile = join(cwd, 'bucketeer-secrets', 'demo-password');
    expect(readFileSync(secretFile, 'utf8')).toBe('file-secret-42\n');
    expect(statSync(secretFile).mode & 0o777).toBe(0o600);
  });

  it('a secret can point at an existing Kubernetes Secret: its name is checked at the field, the answers keep {secret: {name, key}}', async () => {
    const { s, cwd } = await atDemoPasswordSource();
    await play(s, [
      { on: 'Where should the demo sign-in password come from?', key: KEY.down },
      { on: /❯ A 0600 file/, key: KEY.down },
      { on: /❯ A Kubernetes Secret in the namespace/ },
    ]);
    await s.waitFor('Name of the Secret that holds the demo sign-in password');
    expect(s.frame()).toContain('bucketeer-demo');
    await s.clearField();
    await play(s, [{ on: 'Name of the Secret that holds the demo sign-in password', type: 'Demo_Secret' }]);
    await s.waitFor("must be lower-case letters, digits and '-'");
    await s.clearField();
    await play(s, [
      { on: 'Name of the Secret that holds the demo sign-in password', type: 'team-demo-login' },
      { on: 'Key in that Secret' },
    ]);
    await saveAndQuit(s);
    const saved = parseAnswers(readFileSync(join(cwd, 'bucketeer-answers.yaml'), 'utf8'), 'saved');
    expect(saved.auth.demoSignIn.password).toEqual({ secret: { name: 'team-demo-login', key: 'password' } });
  });
});
