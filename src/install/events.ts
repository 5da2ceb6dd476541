// The install's progress as a typed event stream. The engine emits; the wizard renders them in
// Ink, `--output ndjson` prints each as one JSON line, and the text renderer writes lines (with a
// spinner on a terminal) to stderr.
import type { Check } from '../checks/types.js';
import { CliError } from '../errors.js';

export type StepId = string;

export type InstallEvent =
  | { type: 'step-started'; step: StepId; title: string }
  | { type: 'progress'; step: StepId; message: string }
  | { type: 'step-finished'; step: StepId; detail?: string }
  | { type: 'failed'; step: StepId; resource?: string; reason: string }
  | { type: 'log'; step: StepId; line: string };

/** The last line of `--output ndjson`. */
export interface ResultEvent {
  type: 'result';
  status: 'ok' | 'failed' | 'interrupted';
  exitCode: number;
  checks: Check[];
  /** What the run changed in the cluster (created, reused, applied). */
  applied: string[];
  error?: { message: string; hint?: string };
  release?: { name: string; namespace: string; revision?: number; chartVersion: string };
}

export type Emit = (event: InstallEvent) => void;

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
 * Human progress on stderr. On a terminal the running step has a spinner on its own line that
 * progress messages update in place; elsewhere every event is a plain line.
 */
export function textSink(err: NodeJS.WritableStream, opts: { tty: boolean; color: boolean }): TextSink {
  const paint = (code: string, s: string) => (opts.color ? `\x1b[${code}m${s}\x1b[0m` : s);
  let timer: NodeJS.Timeout | undefined;
  let frame = 0;
  let current: { title: string; message?: string } | undefined;
  const clearLine = () => opts.tty && err.write('\r\x1b[2K');
  const draw = () => {
    if (!current) return;
    clearLine();
    const cols = (err as NodeJS.WriteStream).columns ?? 100;
    const text = `${FRAMES[frame++ % FRAMES.length]} ${current.title}${current.message ? `: ${current.message}` : ''}`;
    err.write(text.length > cols - 1 ? `${text.slice(0, cols - 2)}…` : text);
  };
  const stopSpinner = () => {
    if (timer) clearInterval(timer);
    timer = undefined;
    if (current) clearLine();
  };
  const titles = new Map<string, string>();
  return {
    stop: () => {
      stopSpinner();
      current = undefined;
    },
    emit: (e) => {
      switch (e.type) {
        case 'step-started':
          titles.set(e.step, e.title);
          if (opts.tty) {
            current = { title: e.title };
            draw();
            timer ??= setInterval(draw, 100);
            timer.unref?.();
          } else err.write(`• ${e.title}\n`);
          break;
        case 'progress':
          if (opts.tty && current) {
            current.message = e.message;
            draw();
          } else err.write(`  ${e.message}\n`);
          break;
        case 'log':
          if (opts.tty) clearLine();
          err.write(`  ${paint('90', `${e.step}: ${e.line}`)}\n`);
          if (opts.tty) draw();
          break;
        case 'step-finished':
          stopSpinner();
          current = undefined;
          err.write(`${paint('32', '✓')} ${titles.get(e.step) ?? e.step}${e.detail ? paint('90', ` (${e.detail})`) : ''}\n`);
          break;
        case 'failed':
          stopSpinner();
          current = undefined;
          err.write(`${paint('31', '✗')} ${titles.get(e.step) ?? e.step}: ${e.resource ? `${e.resource}: ` : ''}${e.reason}\n`);
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
  run: { applied?: string[]; error?: Error; release: NonNullable<ResultEvent['release']> },
): ResultEvent {
  const e = run.error;
  return {
    type: 'result',
    status,
    exitCode,
    checks,
    applied: run.applied ?? [],
    ...(e ? { error: { message: e.message, ...(e instanceof CliError && e.hint ? { hint: e.hint } : {}) } } : {}),
    release: run.release,
  };
}
