// Runtime warnings that dependencies raise with process.emitWarning. Node's own printer writes a
// multi-line "(node:PID) Warning: ..." to stderr whenever one is raised, which tears through the
// wizard's screen and says nothing a user can act on. The CLI replaces that printer: without
// --debug warnings are dropped; with --debug each distinct one is printed once, as one line, and
// while the wizard owns the terminal they are held and printed after it exits.

/** Warnings that are known and not actionable here, never printed. */
const IGNORED: RegExp[] = [
  // The AWS SDK announces that its future releases will need a newer Node; the installer pins the
  // SDK it ships with, so this says nothing about this run.
  /NodeVersionSupportWarning/,
];

export interface WarningPrinter {
  /** Holds warnings until the returned function is called, which prints the ones held. */
  hold(): () => void;
}

let printer: WarningPrinter = { hold: () => () => undefined };

/** The one line a warning is shown as: its name and the first line of its message. */
export function warningLine(w: Error): string {
  const first = w.message.split('\n', 1)[0]!.trim();
  const code = (w as Error & { code?: string }).code;
  return `warning: ${w.name}${code ? ` [${code}]` : ''}: ${first}`;
}

/** Replaces Node's warning printer for the whole process (see above). */
export function handleWarnings(opts: { debug: boolean; write: (line: string) => void }): WarningPrinter {
  process.removeAllListeners('warning');
  const seen = new Set<string>();
  let held: string[] | undefined;
  process.on('warning', (w: Error) => {
    if (!opts.debug) return;
    if (IGNORED.some((re) => re.test(w.name) || re.test(w.message))) return;
    const line = warningLine(w);
    if (seen.has(line)) return;
    seen.add(line);
    if (held) held.push(line);
    else opts.write(`${line}\n`);
  });
  printer = {
    hold() {
      held ??= [];
      return () => {
        const lines = held ?? [];
        held = undefined;
        for (const line of lines) opts.write(`${line}\n`);
      };
    },
  };
  return printer;
}

/** Holds warnings while something owns the terminal (the wizard); call the result when it is done. */
export function holdWarnings(): () => void {
  return printer.hold();
}
