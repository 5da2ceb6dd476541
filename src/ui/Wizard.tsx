// The wizard's state machine: environment -> questions -> review -> save -> install or render
// -> health -> final screen. Every question records a raw string (flow.ts); the answers are
// derived from them, so Esc can step back any number of times without losing or corrupting
// anything. Exit codes are reported through onExit (Ink resolves waitUntilExit on Ctrl-C as on
// success, so the caller must not infer the outcome from that).
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { useInput } from 'ink';
import { resolve } from 'node:path';
import type { Check } from '../checks/types.js';
import { ExitCode, exitCodeOf, signalExitCode } from '../errors.js';
import { DEMO_PASSWORD_PUBLIC } from '../plan/values.js';
import { buildDraft, detection, progressOf, questionsFor, SECRETS, type Question, type SecretId, type SelectItem, type Values } from './flow.js';
import type { InstallEvent, InstallResult, WizardFact, WizardPorts, WizardPresets } from './ports.js';
import { fileExists, saveAnswers, savePathProblem, type SaveResult } from './save.js';
import { displayPath, replayCommand, reviewWarnings, summaryRows, unsetSecretEnvs, valuesPreview } from './summary.js';
import { validateAnswers } from './validate.js';
import { EnvironmentScreen } from './components/EnvironmentScreen.js';
import { QuestionScreen } from './components/QuestionScreen.js';
import { ReviewScreen, SaveScreen, ValuesScreen } from './components/ReviewScreens.js';
import { ActionScreen, FinalScreen, HealthScreen, InstallScreen, LOG_LINES, type Failure, type StepState } from './components/ApplyScreens.js';

export interface WizardProps {
  ports: WizardPorts;
  cwd: string;
  env: NodeJS.ProcessEnv;
  /** Called once with the exit code and, for an early quit, a line to print after the UI. */
  onExit: (code: number, message?: string) => void;
  /** The answers file the save screen proposes (relative to cwd). */
  answersFile?: string;
  /** Install flags given with the wizard: they prefill questions or go into the answers file. */
  presets?: WizardPresets;
  /**
   * Subscribes to the process's SIGINT/SIGTERM (a key press is not a signal: `kill`, a closing
   * supervisor). A signal acts as a confirmed Ctrl-C: it stops an install (helm is stopped and
   * awaited) or leaves at once, with the signal's exit code. Returns the unsubscribe.
   */
  onSignal?: (handler: (sig: NodeJS.Signals) => void) => () => void;
}

type Final = { title: string; status: 'pass' | 'warn' | 'fail'; lines: [string, string][]; steps: string[]; code: number };

type Phase =
  | { name: 'ask' }
  | { name: 'installing'; started: number; steps: StepState[]; log: string[]; stopping: boolean }
  | { name: 'rendering' }
  | { name: 'health'; checks: Check[]; final: Final }
  | { name: 'final'; final: Final };

const FIXED_STEPS = ['review', 'save', 'action'] as const;

export function Wizard(props: WizardProps) {
  const { ports, cwd, env } = props;
  const [facts, setFacts] = useState<WizardFact[]>([]);
  const [probes, setProbes] = useState<'running' | 'done' | 'absent'>(ports.probes ? 'running' : 'absent');
  const [values, setValues] = useState<Values>({});
  const [secretValues, setSecretValues] = useState<Record<string, string>>({});
  const [step, setStep] = useState('environment');
  const [history, setHistory] = useState<string[]>([]);
  const [phase, setPhase] = useState<Phase>({ name: 'ask' });
  const [saved, setSaved] = useState<SaveResult>();
  const [confirmQuit, setConfirmQuit] = useState(false);
  const probeAbort = useRef(new AbortController());
  const installAbort = useRef<AbortController | undefined>(undefined);
  const interrupted = useRef(false);
  /** The exit code of a stop: 130 for Ctrl-C and SIGINT, 143 for SIGTERM. */
  const stopCode = useRef<number>(ExitCode.interrupted);
  const exited = useRef(false);

  const exit = useCallback(
    (code: number, message?: string) => {
      if (exited.current) return;
      exited.current = true;
      probeAbort.current.abort();
      props.onExit(code, message);
    },
    [props],
  );

  useEffect(() => {
    if (!ports.probes) return;
    const signal = probeAbort.current.signal;
    ports.probes
      .run((f) => {
        if (!signal.aborted) setFacts((fs) => [...fs, f]);
      }, signal)
      .catch((err: unknown) => setFacts((fs) => [...fs, { kind: 'probe-failed', probe: 'kubernetes', message: `probes stopped: ${(err as Error).message}` }]))
      .finally(() => {
        if (!signal.aborted) setProbes('done');
      });
    return () => probeAbort.current.abort();
  }, [ports.probes]);

  const presets = props.presets;
  const ctx = useMemo(() => ({ facts, env, presets }), [facts, env, presets]);
  const questions = useMemo(() => questionsFor(values, ctx), [values, ctx]);
  const flowOf = (qs: Question[]) => ['environment', ...qs.map((q) => q.id), ...FIXED_STEPS];
  const flow = flowOf(questions);
  const draft = useMemo(() => buildDraft(values, presets), [values, presets]);
  const validation = useMemo(() => validateAnswers(draft), [draft]);
  const answersFile = props.answersFile ?? 'bucketeer-answers.yaml';
  const replay = replayCommand(saved?.answersPath ?? resolve(cwd, answersFile), cwd);

  const goNext = (from: string, nextValues: Values) => {
    const nextFlow = flowOf(questionsFor(nextValues, ctx));
    const i = nextFlow.indexOf(from);
    setHistory((h) => [...h, from]);
    setStep(nextFlow[i + 1] ?? 'review');
  };

  const goTo = (target: string) => {
    setHistory((h) => [...h, step]);
    setStep(target);
  };

  const back = () => {
    const h = [...history];
    while (h.length) {
      const prev = h.pop()!;
      // A step that no longer applies (the platform changed) is skipped on the way back.
      if (flow.includes(prev) || prev === 'values') {
        setHistory(h);
        setStep(prev);
        return;
      }
    }
  };

  useInput((input, key) => {
    if (confirmQuit) {
      if (input === 'y' || input === 'Y') {
        setConfirmQuit(false);
        interrupted.current = true;
        installAbort.current?.abort();
        setPhase((p) => (p.name === 'installing' ? { ...p, stopping: true } : p));
      } else if (input === 'n' || input === 'N' || key.escape || key.return || (key.ctrl && input === 'c')) {
        setConfirmQuit(false);
      }
      return;
    }
    if (key.ctrl && input === 'c') {
      if (phase.name === 'installing') {
        if (!phase.stopping) setConfirmQuit(true);
        return;
      }
      exit(130, phase.name === 'ask' ? 'Interrupted: nothing was applied.' : undefined);
      return;
    }
    if (key.escape && phase.name === 'ask' && step !== 'environment') back();
  });

  // A signal is a Ctrl-C already confirmed. The handler reads the phase through a ref: it is
  // subscribed once, and the phase changes under it.
  const phaseRef = useRef(phase);
  phaseRef.current = phase;
  const { onSignal } = props;
  useEffect(
    () =>
      onSignal?.((sig) => {
        stopCode.current = signalExitCode(sig);
        const p = phaseRef.current;
        if (p.name === 'installing') {
          setConfirmQuit(false);
          interrupted.current = true;
          installAbort.current?.abort();
          setPhase((q) => (q.name === 'installing' ? { ...q, stopping: true } : q));
          return;
        }
        exit(stopCode.current, p.name === 'ask' ? 'Interrupted: nothing was applied.' : undefined);
      }),
    [onSignal, exit],
  );

  // The last screen stays on the terminal; leave once it has been drawn.
  useEffect(() => {
    if (phase.name !== 'final') return;
    const t = setTimeout(() => exit(phase.final.code), 0);
    return () => clearTimeout(t);
  }, [phase, exit]);

  const answers = validation.answers;
  const target = answers ? `${answers.kubernetes.context ?? 'the current context'} / ${answers.kubernetes.namespace}` : '';

  const installedFinal = (checks: Check[] | undefined): Final => {
    const a = answers!;
    const failed = (checks ?? []).filter((c) => c.status === 'fail').length;
    const signIn = a.auth.google ? `sign in at https://${a.ingress.webHost} with Google (register https://${a.ingress.webHost}/auth/callback as a redirect URI)` : `sign in at https://${a.ingress.webHost} as ${a.auth.demoSignIn.email} (${DEMO_PASSWORD_PUBLIC})`;
    return {
      title: failed ? `Bucketeer is installed, but ${failed} health check${failed > 1 ? 's' : ''} failed` : 'Bucketeer is installed',
      status: failed ? 'fail' : checks === undefined ? 'warn' : 'pass',
      lines: [
        ['Console', `https://${a.ingress.webHost}`],
        ['API', `https://${a.ingress.apiHost}`],
      ],
      steps: [
        `point DNS for both hosts at the Ingress address: kubectl -n ${a.kubernetes.namespace} get ingress`,
        signIn,
        ...(checks === undefined ? ['no health checks were reported; watch the pods: kubectl -n ' + a.kubernetes.namespace + ' get pods'] : []),
      ],
      code: failed ? 1 : 0,
    };
  };

  const startInstall = async () => {
    const engine = ports.engine!;
    const ac = new AbortController();
    installAbort.current = ac;
    let failure: Failure | undefined;
    const titles = new Map<string, string>();
    setPhase({ name: 'installing', started: Date.now(), steps: [], log: [], stopping: false });
    const onEvent = (e: InstallEvent) => {
      if (e.type === 'step-started') titles.set(e.step, e.title);
      if (e.type === 'failed') failure = { step: e.step, title: titles.get(e.step), resource: e.resource, reason: e.reason };
      setPhase((p) => (p.name === 'installing' ? applyEvent(p, e) : p));
    };
    const typedEnv: NodeJS.ProcessEnv = {};
    for (const id of Object.keys(SECRETS) as SecretId[]) {
      const typed = secretValues[`secret.${id}.value`];
      if (values[`secret.${id}.how`] === 'env' && typed) typedEnv[SECRETS[id].env] = typed;
    }
    let result: InstallResult;
    try {
      result = await engine.run({ answers: answers!, answersPath: saved!.answersPath, env: { ...env, ...typedEnv } }, onEvent, ac.signal);
    } catch (err) {
      result = { ok: false };
      failure ??= { step: 'install', reason: (err as Error).message };
    }
    setConfirmQuit(false);
    if (interrupted.current) {
      setPhase({ name: 'final', final: { title: 'Install stopped', status: 'warn', lines: [], steps: ['what was applied stays; run the same command again to resume'], code: stopCode.current } });
      return;
    }
    if (!result.ok) {
      const f = failure ?? { step: 'install', reason: 'the install engine reported a failure without a reason' };
      setPhase({
        name: 'final',
        final: {
          title: `Install failed at: ${f.title ?? f.step}`,
          status: 'fail',
          lines: [...(f.resource ? [['Resource', f.resource] as [string, string]] : []), ['Reason', f.reason]],
          steps: ['fix the cause above, then run the command below: it resumes where this stopped'],
          code: result.exitCode ?? 1,
        },
      });
      return;
    }
    const final = installedFinal(result.checks);
    if (result.checks?.length) setPhase({ name: 'health', checks: result.checks, final });
    else setPhase({ name: 'final', final });
  };

  const startRender = async () => {
    const outDir = resolve(cwd, 'bucketeer-render');
    setPhase({ name: 'rendering' });
    try {
      const written = await ports.renderFiles(answers!, saved!.answersPath, outDir);
      const a = answers!;
      setPhase({
        name: 'final',
        final: {
          title: 'Files rendered (secrets masked)',
          status: 'pass',
          lines: written.map((f) => ['wrote', displayPath(f, cwd)] as [string, string]),
          steps: [
            'when the cluster is reachable, install with the command below (it creates the Secrets too)',
            ...(a.database.mode === 'in-cluster' || a.redis.mode === 'in-cluster' ? [`or by hand: kubectl -n ${a.kubernetes.namespace} apply -f ${displayPath(resolve(outDir, 'in-cluster.yaml'), cwd)} first`] : []),
            `full manifests: npx bucketeer-install render --answers ${displayPath(saved!.answersPath, cwd)} --chart ${a.release.chart} --chart-version ${a.release.version}`,
          ],
          code: 0,
        },
      });
    } catch (err) {
      setPhase({ name: 'final', final: { title: 'Rendering failed', status: 'fail', lines: [['Reason', (err as Error).message]], steps: [], code: exitCodeOf(err) } });
    }
  };

  // ---- screens ----
  if (phase.name === 'installing') {
    return <InstallScreen target={target} started={phase.started} steps={phase.steps} log={phase.log} stopping={phase.stopping} confirmQuit={confirmQuit} />;
  }
  if (phase.name === 'rendering') return <FinalScreen title="Rendering…" status="warn" lines={[]} steps={[]} replay={replay} />;
  if (phase.name === 'health') return <HealthScreen checks={phase.checks} onContinue={() => setPhase({ name: 'final', final: phase.final })} />;
  if (phase.name === 'final') return <FinalScreen {...phase.final} replay={replay} />;

  if (step === 'environment') {
    return <EnvironmentScreen facts={facts} probes={probes} onContinue={() => goNext('environment', values)} />;
  }
  const question = questions.find((q) => q.id === step);
  if (question) {
    const { n, total } = progressOf(question.id, values, ctx);
    return (
      <QuestionScreen
        key={question.id}
        question={question}
        progress={`${n}/${total}`}
        secretInitial={secretValues[question.id]}
        onSelect={(item: SelectItem) => {
          const changed = values[question.id] !== item.value;
          const next = { ...values, ...(changed ? item.sets : {}), [question.id]: item.value };
          setValues(next);
          goNext(question.id, next);
        }}
        onText={(text) => {
          if (question.kind === 'text' && question.mask) {
            setSecretValues((s) => ({ ...s, [question.id]: text }));
            goNext(question.id, values);
            return;
          }
          const next = { ...values, [question.id]: text };
          setValues(next);
          goNext(question.id, next);
        }}
      />
    );
  }
  if (step === 'review' || step === 'values') {
    if (step === 'values' && answers) {
      const preview = valuesPreview(answers);
      return <ValuesScreen lines={preview.lines} error={preview.error} onClose={back} />;
    }
    const warnings = answers ? reviewWarnings({ answers, values, facts, env, secretValues }) : [];
    const preview = answers ? valuesPreview(answers) : undefined;
    return (
      <ReviewScreen
        answers={preview?.error ? undefined : answers}
        rows={answers ? summaryRows(answers) : []}
        warnings={warnings}
        problems={[...validation.problems, ...(preview?.error ? [preview.error] : [])]}
        onChoose={(what) => goTo(what)}
      />
    );
  }
  if (step === 'save') {
    return (
      <SaveScreen
        initial={saved ? displayPath(saved.answersPath, cwd) : answersFile}
        validate={(p) => savePathProblem(resolve(cwd, p))}
        // Coming back with Esc to re-save the file written a moment ago needs no overwrite prompt.
        exists={(p) => resolve(cwd, p) !== saved?.answersPath && fileExists(resolve(cwd, p))}
        onSave={(p) => {
          try {
            const path = resolve(cwd, p);
            setSaved(saveAnswers(path, draft, values, secretValues, replayCommand(path, cwd)));
            goTo('action');
            return undefined;
          } catch (err) {
            return (err as Error).message;
          }
        }}
      />
    );
  }
  // step === 'action'
  const d = detection(facts);
  // A secret left blank for "set it yourself" is not there yet: installing now would only fail at
  // its first step, so the install is offered once it is exported (the replay command below).
  const unset = answers ? unsetSecretEnvs({ answers, values, env, secretValues }) : [];
  const canInstall = Boolean(ports.engine) && d.clusterReachable && unset.length === 0;
  const notes = !ports.engine
    ? ['Installing from the wizard is not wired into this build yet.']
    : !d.clusterReachable
      ? ['No cluster answered, so installing now is not offered.']
      : unset.length
        ? [`${unset.join(' and ')} ${unset.length > 1 ? 'are' : 'is'} not set, so installing now is not offered: export ${unset.length > 1 ? 'them' : 'it'} and run the command below (or go back with Esc and type the value).`]
        : [];
  const items: SelectItem[] = [
    ...(canInstall ? [{ label: `Install now into ${target}`, value: 'install', hint: 'helm upgrade --install, then health checks' }] : []),
    { label: 'Render the files into ./bucketeer-render', value: 'render', hint: 'values.yaml (secrets masked) and in-cluster manifests; no cluster needed' },
    { label: 'Quit', value: 'quit', hint: `install later: ${replay}` },
  ];
  return (
    <ActionScreen
      saved={(saved?.written ?? []).map((f) => displayPath(f, cwd))}
      notes={notes}
      items={items}
      onChoose={(v) => {
        if (v === 'install') void startInstall();
        else if (v === 'render') void startRender();
        else setPhase({ name: 'final', final: { title: 'Answers saved', status: 'pass', lines: [], steps: ['install when ready with the command below'], code: 0 } });
      }}
    />
  );
}

function applyEvent(p: Extract<Phase, { name: 'installing' }>, e: InstallEvent): Phase {
  const steps = [...p.steps];
  const at = (step: string) => steps.findIndex((s) => s.step === step);
  switch (e.type) {
    case 'step-started':
      steps.push({ step: e.step, title: e.title, status: 'running' });
      return { ...p, steps };
    case 'progress': {
      const i = at(e.step);
      if (i >= 0) steps[i] = { ...steps[i], message: e.message };
      return { ...p, steps };
    }
    case 'step-finished': {
      const i = at(e.step);
      const notes = e.checks?.filter((c) => c.status === 'warn' || c.status === 'fail');
      if (i >= 0) steps[i] = { ...steps[i], status: e.status === 'warn' ? 'warn' : 'done', message: undefined, ...(notes?.length ? { notes } : {}) };
      return { ...p, steps };
    }
    case 'failed': {
      const i = at(e.step);
      if (i >= 0) steps[i] = { ...steps[i], status: 'failed', message: e.reason };
      return { ...p, steps };
    }
    case 'log':
      return { ...p, log: [...p.log, e.line].slice(-LOG_LINES) };
  }
}
