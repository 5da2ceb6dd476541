// Error kinds map one-to-one to exit codes (see README "Exit codes").
// A user-caused error carries one line of cause and one line of what to do; no stack trace
// unless --debug.

export const ExitCode = {
  ok: 0,
  failure: 1,
  badInput: 2,
  environment: 3,
  /** Ctrl-C or SIGINT: 128 + 2, as a shell reports a command stopped by it. */
  interrupted: 130,
  /** SIGTERM: 128 + 15, as a shell (and kubectl, helm) report a command stopped by it. */
  terminated: 143,
} as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: ExitCode,
    readonly hint?: string,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

/** Bad flags or answers file: exit 2, nothing changed anywhere. */
export class UsageError extends CliError {
  constructor(message: string, hint?: string) {
    super(message, ExitCode.badInput, hint);
  }
}

/** Something the environment lacks (helm, cluster, credentials): exit 3. */
export class EnvironmentError extends CliError {
  constructor(message: string, hint?: string) {
    super(message, ExitCode.environment, hint);
  }
}

/** The install/upgrade/doctor ran and found a failure: exit 1. */
export class OperationFailed extends CliError {
  constructor(message: string, hint?: string) {
    super(message, ExitCode.failure, hint);
  }
}

export class Interrupted extends CliError {
  constructor(message = 'interrupted', hint?: string, exitCode: ExitCode = ExitCode.interrupted) {
    super(message, exitCode, hint);
  }
}

/** The exit code of a run stopped by this signal (the shell's 128 + signal number). */
export function signalExitCode(sig: NodeJS.Signals | undefined): ExitCode {
  return sig === 'SIGTERM' ? ExitCode.terminated : ExitCode.interrupted;
}

/** Ctrl-C at a y/N prompt: nothing was changed, so callers report it as it is. */
export class CancelledAtPrompt extends Interrupted {
  constructor() {
    super('cancelled at the prompt; nothing was changed');
  }
}

/** Several answers-file problems reported at once. */
export class AnswersError extends UsageError {
  constructor(
    readonly problems: string[],
    readonly file: string,
  ) {
    super(
      problems.length === 1
        ? `${file}: ${problems[0]}`
        : `${file}: ${problems.length} problems\n${problems.map((p) => `  - ${p}`).join('\n')}`,
      'fix the answers file and run again (`bucketeer-install schema` prints what each key accepts)',
    );
  }
}

export function formatError(err: unknown, debug: boolean): string {
  if (err instanceof CliError) {
    const lines = [`Error: ${err.message}`];
    if (err.hint) lines.push(`  ${err.hint}`);
    if (debug && err.stack) lines.push(err.stack);
    return lines.join('\n');
  }
  const e = err instanceof Error ? err : new Error(String(err));
  if (debug) return `Error: ${e.stack ?? e.message}`;
  return `Error: ${e.message}\n  this is a bug in bucketeer-install; run again with --debug and report the output`;
}

export function exitCodeOf(err: unknown): ExitCode {
  return err instanceof CliError ? err.exitCode : ExitCode.failure;
}
