// The install's progress as a typed event stream. The engine emits; the wizard renders them in
// Ink, `--output ndjson` prints each as one JSON line, and the text renderer writes lines (with a
// spinner on a terminal) to stderr.
import type { Check } from '../checks/types.js';
import { CliError } from '../errors.js';
import { STATUS_COLOR, STATUS_MARK } from '../checks/marks.js';
import { checkLines, renderText, useColor } from '../checks/render.js';
import { summarize } from '../checks/types.js';

export type StepId = string;

export type InstallEvent =
  | { type: 'step-started'; step: StepId; title: string }
  | { type: 'progress'; step: StepId; message: string }
  /**
   * status 'warn': finished, but something could not be verified (the detail, or a check that
   * warned, says what). `checks`: what a checking step (preflight) checked, every outcome.
   */
  | { type: 'step-finished'; step: StepId; detail?: string; status?: 'warn'; checks?: Check[] }
  | { type: 'failed'; step: StepId; resource?: string; reason: string; checks?: Check[] }
  | { type: 'log'; step: StepId; line: string };

/** The last line of `--output ndjson`. */
export interface ResultEvent {
  type: 'result';
  status: 'ok' | 'failed' | 'interrupted';
  exitCode: number;
  /** The health checks after the install (empty when the run stopped before them). */
  checks: Check[];
  /** The read-only checks before the first change (cluster, permissions, middleware, identity), every outcome. */
  preflight: Check[];
  /** What the run changed in the cluster (created, reused, applied). */
  applied: string[];
  error?: { message: string; hint?: string };
  release?: { name: string; namespace: string; revision?: number; chartVersion: string };
  /** Set by --dry-run: the run stopped after printing its plan and changed nothing. */
  dryRun?: true;
}

export type Emit = (event: InstallEvent) => void;

/** install's and upgrade's --output: text for people, json one document at the end, ndjson one event a line. */
export type RunOutput = 'text' | 'json' | 'ndjson';

/** Prints every event as one JSON line (stdout). */
export function ndjsonSink(out: NodeJS.WritableStream): Emit {
  return (e) => out.write(`${JSON.stringify(e)}\n`);
}

const FRAMES = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];

export interface TextSink {
  emit: Emit;
  /** Stops the spinner (call before writing the summary). */
  stop(): void;
}

/**
 * Human progress on stderr. On a terminal the running steps share one spinner line that progress
 * messages update in place; elsewhere every event is a plain line. Steps may run side by side
 * (the prepare lanes): then progress lines name their step.
 */
export function textSink(err: NodeJS.WritableStream, opts: { tty: boolean; color: boolean }): TextSink {
  const paint = (code: string, s: string) => (opts.color ? `\x1b[${code}m${s}\x1b[0m` : s);
  let timer: NodeJS.Timeout | undefined;
  let frame = 0;
  // Running steps in start order; the spinner shows the one that spoke last.
  const running = new Map<string, { title: string; message?: string }>();
  let latest: string | undefined;
  const titles = new Map<string, string>();
  const clearLine = () => opts.tty && err.write('\r\x1b[2K');
  const draw = () => {
    const step = (latest && running.get(latest)) ?? [...running.values()].at(-1);
    if (!step) return;
    clearLine();
    const cols = (err as NodeJS.WriteStream).columns ?? 100;
    const others = running.size > 1 ? ` (+${running.size - 1} running)` : '';
    const text = `${FRAMES[frame++ % FRAMES.length]} ${step.title}${others}${step.message ? `: ${step.message}` : ''}`;
    err.write(text.length > cols - 1 ? `${text.slice(0, cols - 2)}…` : text);
  };
  const line = (text: string) => {
    clearLine();
    err.write(`${text}\n`);
    if (opts.tty && running.size) draw();
  };
  // A step's checks that did not pass, one line each under the step's line (passes stay quiet).
  const checksBelow = (checks: Check[] | undefined) => {
    for (const c of checks ?? []) if (c.status === 'warn' || c.status === 'fail') for (const l of checkLines(c, opts)) line(`  ${l}`);
  };
  const settle = (step: string) => {
    running.delete(step);
    if (latest === step) latest = undefined;
    if (!running.size && timer) {
      clearInterval(timer);
      timer = undefined;
    }
  };
  return {
    stop: () => {
      if (timer) clearInterval(timer);
      timer = undefined;
      if (running.size) clearLine();
      running.clear();
    },
    emit: (e) => {
      switch (e.type) {
        case 'step-started':
          titles.set(e.step, e.title);
          running.set(e.step, { title: e.title });
          latest = e.step;
          if (opts.tty) {
            draw();
            timer ??= setInterval(draw, 100);
            timer.unref?.();
          } else err.write(`• ${e.title}\n`);
          break;
        case 'progress': {
          const step = running.get(e.step);
          if (opts.tty && step) {
            step.message = e.message;
            latest = e.step;
            draw();
          } else err.write(`  ${running.size > 1 ? `${titles.get(e.step) ?? e.step}: ` : ''}${e.message}\n`);
          break;
        }
        case 'log':
          line(`  ${paint('90', `${e.step}: ${e.line}`)}`);
          break;
        case 'step-finished':
          settle(e.step);
          line(`${e.status === 'warn' ? paint(STATUS_COLOR.warn, STATUS_MARK.warn) : paint(STATUS_COLOR.pass, STATUS_MARK.pass)} ${titles.get(e.step) ?? e.step}${e.detail ? paint('90', ` (${e.detail})`) : ''}`);
          checksBelow(e.checks);
          break;
        case 'failed':
          settle(e.step);
          line(`${paint(STATUS_COLOR.fail, STATUS_MARK.fail)} ${titles.get(e.step) ?? e.step}: ${e.resource ? `${e.resource}: ` : ''}${e.reason}`);
          // The failure the line names is not repeated; its hint ends the error message.
          checksBelow(e.checks?.filter((c) => !(c.status === 'fail' && c.title === e.resource && c.detail === e.reason)));
          break;
      }
    },
  };
}

/** The closing `result` event of install and upgrade, from what the run knows at its end. */
export function resultEvent(
  status: ResultEvent['status'],
  exitCode: number,
  checks: Check[],
  run: { applied?: string[]; preflight?: Check[]; error?: Error; release: NonNullable<ResultEvent['release']> },
): ResultEvent {
  const e = run.error;
  return {
    type: 'result',
    status,
    exitCode,
    checks,
    preflight: run.preflight ?? [],
    applied: run.applied ?? [],
    ...(e ? { error: { message: e.message, ...(e instanceof CliError && e.hint ? { hint: e.hint } : {}) } } : {}),
    release: run.release,
  };
}

/**
 * Where a run's events go for an --output format: text progress on stderr (live on a terminal);
 * json: plain progress on stderr, the result document later on stdout; ndjson: every event a
 * line on stdout. `text` is set only for the text format (stop it before printing the summary).
 */
export function progressFor(output: RunOutput, io: { stdout: NodeJS.WritableStream; stderr: NodeJS.WritableStream; env: NodeJS.ProcessEnv }): { text?: TextSink; emit: Emit } {
  if (output === 'ndjson') return { emit: ndjsonSink(io.stdout) };
  const tty = output === 'text' && Boolean((io.stderr as NodeJS.WriteStream).isTTY);
  const sink = textSink(io.stderr, output === 'text' ? { tty, color: useColor(io.stderr, io.env) } : { tty: false, color: false });
  return { text: output === 'text' ? sink : undefined, emit: sink.emit };
}

/** The closing result event, bound to what the run knows when it ends (what was applied, the preflight, the release). */
export function resultReporter(now: () => { applied?: string[]; preflight?: Check[]; release: NonNullable<ResultEvent['release']> }) {
  return (status: ResultEvent['status'], exitCode: number, checks: Check[], error?: Error): ResultEvent => resultEvent(status, exitCode, checks, { ...now(), error });
}

/**
 * Passes every event on and keeps the checks the run's checking steps reported (preflight, and
 * upgrade's preflight of the answers), for the result's `preflight`.
 */
export function recordingChecks(emit: Emit): { emit: Emit; checks: () => Check[] } {
  const byId = new Map<string, Check>();
  return {
    emit: (e) => {
      if ((e.type === 'step-finished' || e.type === 'failed') && e.checks) for (const c of e.checks) byId.set(c.id, c);
      emit(e);
    },
    checks: () => [...byId.values()],
  };
}

/** A document on stdout: indented for json, one line for ndjson. */
export function writeJson(out: NodeJS.WritableStream, output: Exclude<RunOutput, 'text'>, doc: object): void {
  out.write(output === 'ndjson' ? `${JSON.stringify(doc)}\n` : `${JSON.stringify(doc, null, 2)}\n`);
}

/**
 * What install and upgrade print on stdout when they fail or are interrupted (the error itself
 * goes to stderr): the result document (json, ndjson), or the checks that ran (text).
 */
export function writeFailure(output: RunOutput, io: { stdout: NodeJS.WritableStream; env: NodeJS.ProcessEnv }, result: ResultEvent): void {
  if (output !== 'text') writeJson(io.stdout, output, result);
  else if (result.checks.length) io.stdout.write(renderText(summarize(result.checks), { color: useColor(io.stdout, io.env) }));
}
