// Ctrl-C for commands that change the cluster: the first SIGINT/SIGTERM aborts the run (helm is
// signalled and awaited by the steps), a second one leaves at once. The exit code is the shell's
// for the signal: 130 for SIGINT, 143 for SIGTERM.
import { setMaxListeners } from 'node:events';
import { signalExitCode } from '../errors.js';

export interface InterruptHandle {
  signal: AbortSignal;
  /** The first signal received, once one was. */
  received(): NodeJS.Signals | undefined;
  /** Removes the signal handlers; call when the run is over. */
  dispose(): void;
}

export function handleInterrupts(stderr: NodeJS.WritableStream, opts: { stopProgress?: () => void; message: (sig: NodeJS.Signals) => string }): InterruptHandle {
  const abort = new AbortController();
  // Every step, probe and subprocess of the run listens on this one signal.
  setMaxListeners(0, abort.signal);
  let signals = 0;
  let first: NodeJS.Signals | undefined;
  const onSignal = (sig: NodeJS.Signals) => {
    if (++signals === 1) {
      first = sig;
      opts.stopProgress?.();
      stderr.write(`\n${opts.message(sig)} (press Ctrl-C again to force)\n`);
      abort.abort();
      return;
    }
    stderr.write('forced exit: helm may still be running; run the same command again once it has stopped\n');
    process.exit(signalExitCode(first));
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  return {
    signal: abort.signal,
    received: () => first,
    dispose: () => {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    },
  };
}
