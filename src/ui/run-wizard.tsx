// Entry of the interactive wizard, imported lazily by the install command: Ink and React load
// only here. Ink and its chalk read the colour level when they are first imported, so NO_COLOR is
// applied (as FORCE_COLOR=0) before importing them.
import type { WizardPorts, WizardPresets } from './ports.js';
import { signalExitCode } from '../errors.js';

export interface RunWizardOptions {
  ports: WizardPorts;
  /** Install flags given with the wizard (see WizardPresets). */
  presets?: WizardPresets;
  cwd: string;
  env: NodeJS.ProcessEnv;
  /** Where the UI draws; stderr by default, so stdout stays free for machine output. */
  stdout?: NodeJS.WriteStream;
  stdin?: NodeJS.ReadStream;
}

/** The environment screen's opening lines, as the first frame shows them (see EnvironmentScreen). */
const PRE_FRAME = ' bucketeer-install · Environment\n\n What is already there\n';

/** Runs the wizard to its end and returns the exit code (130 when the user left with Ctrl-C). */
export async function runWizard(opts: RunWizardOptions): Promise<number> {
  if (opts.env.NO_COLOR !== undefined && opts.env.NO_COLOR !== '') process.env.FORCE_COLOR = '0';
  const out = opts.stdout ?? process.stderr;
  // Ink, React and the layout engine take ~150 ms to start: draw the first screen's header as plain
  // text now, and let Ink's first frame replace it in place (cursor up, erase) when it is ready.
  const preFrame = out.isTTY ? PRE_FRAME : undefined;
  if (preFrame) out.write(preFrame);
  // The wizard owns the terminal: --debug's subprocess lines would draw over its screen.
  // Warnings are held for the same reason, and printed once the screen is gone.
  const [{ traceCommands }, { holdWarnings }] = await Promise.all([import('../util/exec.js'), import('../util/warnings.js')]);
  traceCommands(undefined);
  const releaseWarnings = holdWarnings();
  const [{ render }, { createElement }, { Wizard }] = await Promise.all([import('ink'), import('react'), import('./Wizard.js')]);
  if (preFrame) out.write(`\x1b[${preFrame.split('\n').length - 1}A\r\x1b[0J`);
  let code: number | undefined;
  let message: string | undefined;
  // SIGINT/SIGTERM from outside (Ctrl-C in raw mode is a key, not a signal): the wizard stops as
  // for a confirmed Ctrl-C. Node's default would kill the process with the terminal still in raw
  // mode and helm left running. A second signal leaves at once, the terminal restored.
  const handlers = new Set<(sig: NodeJS.Signals) => void>();
  let signals = 0;
  const onSignal = (sig: NodeJS.Signals) => {
    if (++signals > 1) {
      instance.unmount();
      out.write('forced exit: helm may still be running; run the same command again once it has stopped\n');
      process.exit(code ?? signalExitCode(sig));
    }
    for (const h of handlers) h(sig);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  const instance = render(
    createElement(Wizard, {
      ports: opts.ports,
      presets: opts.presets,
      cwd: opts.cwd,
      env: opts.env,
      onSignal: (h: (sig: NodeJS.Signals) => void) => {
        handlers.add(h);
        return () => handlers.delete(h);
      },
      onExit: (c: number, m?: string) => {
        code = c;
        message = m;
        instance.unmount();
      },
    }),
    { stdout: out, stdin: opts.stdin ?? process.stdin, exitOnCtrlC: false, patchConsole: true },
  );
  // waitUntilExit resolves the same way for every unmount: the code set by onExit is the truth,
  // and an unmount without one (a signal) counts as interrupted.
  await instance.waitUntilExit().catch(() => undefined);
  process.off('SIGINT', onSignal);
  process.off('SIGTERM', onSignal);
  if (message) out.write(`${message}\n`);
  releaseWarnings();
  return code ?? 130;
}
