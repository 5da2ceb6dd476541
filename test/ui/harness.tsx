// Drives the wizard with keystrokes through ink-testing-library, with fake probes and a fake
// install engine. Keys are named constants; every keystroke waits for the screen it leads to
// (waitFor), never for a fixed time.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach } from 'vitest';
import { Box } from 'ink';
import { render } from 'ink-testing-library';
import { Wizard } from '../../src/ui/Wizard.js';
import type { InstallEngine, InstallEvent, InstallRequest, InstallResult, RenderFiles, WizardFact, WizardPorts, WizardProbes } from '../../src/ui/ports.js';

export const KEY = {
  up: '\u001B[A',
  down: '\u001B[B',
  enter: '\r',
  escape: '\u001B',
  ctrlC: '\u0003',
  backspace: '\u007F',
} as const;

/** Terminal size the wizard must fit (README promise: 80x24 and wider). */
export const COLUMNS = 80;
export const ROWS = 24;

// eslint-disable-next-line no-control-regex
const ANSI = /\u001B\[[0-9;?]*[A-Za-z]/g;
export const plain = (s: string | undefined) => (s ?? '').replace(ANSI, '');

/** Probes that report the given facts one by one, then finish (or wait for release()). */
export function fakeProbes(facts: WizardFact[], opts: { hold?: boolean } = {}): WizardProbes & { release: () => void; signals: AbortSignal[] } {
  let release!: () => void;
  const held = new Promise<void>((r) => (release = r));
  const signals: AbortSignal[] = [];
  return {
    signals,
    release: () => release(),
    async run(onFact, signal) {
      signals.push(signal);
      for (const f of facts) {
        await new Promise((r) => setImmediate(r));
        onFact(f);
      }
      if (opts.hold) await Promise.race([held, new Promise((r) => signal.addEventListener('abort', r))]);
    },
  };
}

export interface FakeEngine extends InstallEngine {
  requests: InstallRequest[];
  aborted: () => boolean;
}

/** An engine that plays the given events; with waitForAbort it then blocks until aborted. */
export function fakeEngine(events: InstallEvent[], result: InstallResult, opts: { waitForAbort?: boolean } = {}): FakeEngine {
  const requests: InstallRequest[] = [];
  let sawAbort = false;
  return {
    requests,
    aborted: () => sawAbort,
    async run(request, onEvent, signal) {
      requests.push(request);
      for (const e of events) {
        await new Promise((r) => setImmediate(r));
        onEvent(e);
      }
      if (opts.waitForAbort) {
        await new Promise<void>((r) => signal.addEventListener('abort', () => r()));
        sawAbort = true;
        onEvent({ type: 'log', line: 'stopping: waiting for helm to finish its current operation' });
        return { ok: false };
      }
      return result;
    },
  };
}

/**
 * One screen of a scripted run: wait for `on`, optionally type, then press `key` (default Enter).
 * One key per step: a second key sent before the screen re-renders would reach a stale handler.
 */
export interface ScriptStep {
  on: string | RegExp;
  type?: string;
  /** What the typed text looks like on screen (asterisks for masked fields). */
  shown?: string;
  key?: string;
}

/** A reachable cluster on another Kubernetes: the first screens as offered, up to the MySQL question. */
export const KUBERNETES_AS_DETECTED: readonly ScriptStep[] = [
  { on: 'What is already there' },
  { on: 'Where does the cluster run?' },
  { on: 'Which kubeconfig context' },
  { on: 'Namespace for Bucketeer' },
];

/** The MySQL warehouse's own database, as offered: the database name + _warehouse. */
export const MYSQL_WAREHOUSE_DATABASE: readonly ScriptStep[] = [{ on: 'MySQL database for the event tables' }];

/**
 * Script parts that several wizard tests walk through the same way. The in-cluster path with every
 * default taken, from the first screen to the ingress questions (Redis Streams messaging, the
 * MySQL warehouse).
 */
/** Redis Streams messaging from its partition count, then the MySQL warehouse as offered. */
export const STREAMS_AND_MYSQL_WAREHOUSE: readonly ScriptStep[] = [
  { on: 'Number of stream partitions' },
  { on: 'Expected events per second' },
  { on: 'Where should experiment events' },
  ...MYSQL_WAREHOUSE_DATABASE,
];

export const IN_CLUSTER_TO_INGRESS: readonly ScriptStep[] = [
  ...KUBERNETES_AS_DETECTED,
  { on: 'Where does MySQL 8 live?' },
  { on: 'Where should the MySQL password come from?' },
  { on: 'Where does Redis' },
  { on: 'Which ordering should messaging be set up for?' },
  ...STREAMS_AND_MYSQL_WAREHOUSE,
];

/** The console host typed (the API host defaults from it), TLS as offered. */
export const HOSTS: readonly ScriptStep[] = [
  { on: 'Host name of the admin console', type: 'bucketeer.example.com' },
  { on: 'Host name SDKs call' },
  { on: 'TLS for both hosts' },
];

/** Demo sign-in: the email typed, the password source as offered. */
export const DEMO_SIGN_IN: readonly ScriptStep[] = [
  { on: 'Demo sign-in email', type: 'admin@example.com' },
  { on: 'Where should the demo sign-in password come from?' },
];

/** The first organization, its owner defaulting to the demo sign-in email. */
export const DEMO_ORGANIZATION: readonly ScriptStep[] = [{ on: 'Name of the first organization' }, { on: 'default: the demo sign-in email' }];

/** From the review: save the answers file where offered and quit without installing or rendering. */
export const SAVE_AND_QUIT: readonly ScriptStep[] = [
  { on: 'Save the answers file' },
  { on: 'Where should the answers file go?' },
  { on: /❯ Render the files/, key: KEY.down },
  { on: /❯ Quit/ },
];

/** From the first organization (demo sign-in): size as offered, then SAVE_AND_QUIT. */
export const DEMO_ORGANIZATION_SAVE_AND_QUIT: readonly ScriptStep[] = [...DEMO_ORGANIZATION, { on: 'How big?' }, ...SAVE_AND_QUIT];

/** Google sign-in with the client secret from GOOGLE_CLIENT_SECRET, then the first organization and its owner. */
export const GOOGLE_SIGN_IN_AND_ORGANIZATION: readonly ScriptStep[] = [
  { on: 'Google OAuth client id', type: '1234567890-abc.apps.googleusercontent.com' },
  { on: 'GOOGLE_CLIENT_SECRET is set' },
  { on: 'Name of the first organization' },
  { on: 'Owner email of the organization', type: 'admin@example.com' },
];

/** Plays a script; each step's `on` proves the previous key landed on the right screen. */
export async function play(s: Session, script: readonly ScriptStep[]): Promise<void> {
  for (const step of script) {
    await s.waitFor(step.on);
    if (step.type !== undefined) await s.type(step.type, step.shown);
    s.write(step.key ?? KEY.enter);
  }
}

export interface Session {
  /** Writes raw input without waiting (play() waits on the next step instead). */
  write: (key: string) => void;
  frame: () => string;
  frames: () => string[];
  /** Writes one key (or a typed string) and waits until the screen shows `until`. */
  press: (key: string, until: string | RegExp) => Promise<void>;
  /** Types text and waits until it (or `shown`, e.g. asterisks for a masked field) is on screen. */
  type: (text: string, shown?: string) => Promise<void>;
  waitFor: (what: string | RegExp, timeoutMs?: number) => Promise<void>;
  /** What the text field shows after its prompt (asterisks when masked; '' when empty). */
  field: () => string;
  /** Backspaces until the field is empty, one key per render. */
  clearField: () => Promise<void>;
  exit: Promise<{ code: number; message?: string }>;
  unmount: () => void;
}

export function startWizard(opts: {
  probes?: WizardProbes;
  engine?: InstallEngine;
  renderFiles?: RenderFiles;
  cwd: string;
  env?: NodeJS.ProcessEnv;
  /** Stands in for the process's signals (see WizardProps.onSignal). */
  onSignal?: (handler: (sig: NodeJS.Signals) => void) => () => void;
}): Session {
  let resolveExit!: (v: { code: number; message?: string }) => void;
  const exit = new Promise<{ code: number; message?: string }>((r) => (resolveExit = r));
  const ports: WizardPorts = {
    probes: opts.probes,
    engine: opts.engine,
    renderFiles: opts.renderFiles ?? (async () => []),
  };
  // A fixed-width box stands in for an 80-column terminal: text wraps exactly as it would there.
  const inst = render(
    <Box width={COLUMNS}>
      <Wizard ports={ports} cwd={opts.cwd} env={opts.env ?? {}} onSignal={opts.onSignal} onExit={(code, message) => resolveExit({ code, message })} />
    </Box>,
  );
  const frame = () => plain(inst.lastFrame());
  const waitFor = async (what: string | RegExp, timeoutMs = 5000) => {
    const deadline = Date.now() + timeoutMs;
    const hit = () => (typeof what === 'string' ? frame().includes(what) : what.test(frame()));
    while (!hit()) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${String(what)}; the screen shows:\n${frame()}`);
      await new Promise((r) => setTimeout(r, 5));
    }
    // Let React run the effects of that render, so the next key reaches the new screen's handler.
    await new Promise((r) => setTimeout(r, 10));
  };
  const field = () => {
    const line = frame().split('\n').find((l) => /^\s*› /.test(l)) ?? '';
    const v = line.replace(/^\s*› /, '').trimEnd();
    return v.startsWith('e.g. ') ? '' : v;
  };
  const clearField = async () => {
    while (field() !== '') {
      const before = field();
      inst.stdin.write(KEY.backspace);
      const deadline = Date.now() + 5000;
      while (field() === before) {
        if (Date.now() > deadline) throw new Error(`backspace did not change the field: ${before}`);
        await new Promise((r) => setTimeout(r, 5));
      }
      await new Promise((r) => setTimeout(r, 10));
    }
  };
  return {
    frame,
    field,
    clearField,
    frames: () => inst.frames.map(plain),
    write: (key) => inst.stdin.write(key),
    press: async (key, until) => {
      inst.stdin.write(key);
      await waitFor(until);
    },
    type: async (text, shown = text) => {
      inst.stdin.write(text);
      // After the prompt, so a placeholder showing the same text cannot match.
      await waitFor(`› ${shown}`);
    },
    waitFor,
    exit,
    unmount: () => inst.unmount(),
  };
}

/** Temp folders and wizard sessions, cleaned up after each test of the file that calls this. */
export function cleanupAfterEach(): { tempDir: () => string; sessions: Session[] } {
  const dirs: string[] = [];
  const sessions: Session[] = [];
  afterEach(() => {
    for (const s of sessions.splice(0)) s.unmount();
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });
  return {
    tempDir: () => {
      const d = mkdtempSync(join(tmpdir(), 'wizard-'));
      dirs.push(d);
      return d;
    },
    sessions,
  };
}
