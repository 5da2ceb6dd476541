// What a service that talks to a person needs from the process. The CLI builds it (src/cli.ts);
// tests can swap any part. Services below the CLI take this instead of parsed flags, so they never
// import the CLI layer.
import type { InterruptHandle } from './install/interrupt.js';

export interface ServiceIO {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  env: NodeJS.ProcessEnv;
  cwd: string;
  /** True when stdin and stderr are terminals and CI is not set: a question can be asked. */
  interactive: boolean;
  /**
   * The y/N question before a change: false on no or end of input; rejects with CancelledAtPrompt
   * on Ctrl-C, or when `signal` aborts (SIGTERM arrives while it waits).
   */
  confirm(question: string, signal?: AbortSignal): Promise<boolean>;
  /** Ctrl-C/SIGTERM handling for a run that changes the cluster: the first signal aborts, a second exits. */
  interrupts(opts: { stopProgress?: () => void; message: (sig: NodeJS.Signals) => string }): InterruptHandle;
}
