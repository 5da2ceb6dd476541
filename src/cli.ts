// The CLI entry. It must stay light: no Ink, React or cloud SDK at module scope (a test checks
// this); commands are imported only when they run.
import { commands, globalFlags, type CommandSpec } from './cli/commands.js';
import { parseFlags, bool, wordList } from './cli/flags.js';
import { UsageError, ExitCode, formatError, exitCodeOf } from './errors.js';
import { traceCommands } from './util/exec.js';
import { closest } from './util/suggest.js';
import { version } from './version.js';
import { askYesNo } from './cli/prompt.js';
import { handleInterrupts } from './install/interrupt.js';
import { handleWarnings } from './util/warnings.js';

const exitCodesHelp = `Exit codes:
  0    success
  1    the install, upgrade or doctor found a failure
  2    bad input (flags or answers file); nothing was changed
  3    something the environment lacks (helm, cluster, credentials)
  130  interrupted (Ctrl-C or SIGINT)
  143  terminated (SIGTERM), stopped as for Ctrl-C`;

export function rootHelp(): string {
  const width = Math.max(...commands.map((c) => c.name.length));
  return `bucketeer-install ${version}: install and operate a self-hosted Bucketeer

Usage:
  bucketeer-install [command] [flags]

Commands:
${commands.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`).join('\n')}

Flags:
  -h, --help     help for any command
      --version  print the version
      --debug    show stack traces and the commands run (helm, credential plugins)

Run 'bucketeer-install <command> --help' for a command's flags.

${exitCodesHelp}
`;
}

export function commandHelp(cmd: CommandSpec): string {
  const all = [...cmd.flags, ...globalFlags];
  const label = (fl: (typeof all)[number]) =>
    `${fl.short ? `-${fl.short}, ` : '    '}--${fl.name}${fl.type === 'boolean' ? '' : ` ${fl.valueName ?? 'VALUE'}`}`;
  const width = Math.max(...all.map((fl) => label(fl).length));
  const examples = cmd.examples.length
    ? `Examples:\n${cmd.examples.map((e) => `  # ${e.description}\n  ${e.command}`).join('\n\n')}\n\n`
    : '';
  return `${cmd.summary}

Usage:
  ${cmd.usage}

Flags:
${all.map((fl) => `  ${label(fl).padEnd(width)}  ${fl.description}`).join('\n')}

${examples}${exitCodesHelp}
`;
}

function resolveCommand(argv: string[]): { spec: CommandSpec; rest: string[] } {
  const first = argv[0];
  if (first === undefined || first.startsWith('-')) {
    return { spec: commands.find((c) => c.name === 'install')!, rest: argv };
  }
  const spec = commands.find((c) => c.name === first);
  if (!spec) {
    const guess = closest(first, commands.map((c) => c.name));
    throw new UsageError(
      `unknown command "${first}"${guess ? `; did you mean "${guess}"?` : ''}`,
      `run \`bucketeer-install --help\` for the list of commands`,
    );
  }
  return { spec, rest: argv.slice(1) };
}

export async function main(argv: string[]): Promise<number> {
  const debug = argv.includes('--debug');
  // Dependencies' runtime warnings (the AWS SDK's Node version notice, listener counts) are not
  // something a user can act on: dropped, or one line each under --debug.
  handleWarnings({ debug, write: (line) => process.stderr.write(line) });
  try {
    if (argv.length === 1 && argv[0] === '--version') {
      process.stdout.write(`${version}\n`);
      return ExitCode.ok;
    }
    if (argv.length === 0 || (argv.length === 1 && (argv[0] === '--help' || argv[0] === '-h' || argv[0] === 'help'))) {
      // With no arguments on a terminal the wizard starts; without one, show help is not enough:
      // the install command itself says which flag is missing.
      if (argv.length === 0) return await runCommand(commands.find((c) => c.name === 'install')!, [], debug);
      process.stdout.write(rootHelp());
      return ExitCode.ok;
    }
    if (argv[0] === 'help' && argv[1]) {
      const { spec } = resolveCommand([argv[1]]);
      process.stdout.write(commandHelp(spec));
      return ExitCode.ok;
    }
    // Hidden: the image post-renderer helm runs (src/helm/post-renderer.ts), not a user command.
    if (argv[0] === 'post-render') return await (await import('./images/post-render.js')).runPostRender(argv.slice(1));
    const { spec, rest } = resolveCommand(argv);
    return await runCommand(spec, rest, debug);
  } catch (err) {
    process.stderr.write(`${formatError(err, debug)}\n`);
    return exitCodeOf(err);
  }
}

async function runCommand(spec: CommandSpec, rest: string[], debug: boolean): Promise<number> {
  const args = parseFlags(rest, [...spec.flags, ...globalFlags], spec.name);
  if (bool(args.flags, 'help')) {
    process.stdout.write(commandHelp(spec));
    return ExitCode.ok;
  }
  if (spec.args) {
    const [value, extra] = args.positionals;
    if (value === undefined || !spec.args.values.includes(value) || extra !== undefined) {
      throw new UsageError(
        value === undefined ? `${spec.name} needs ${spec.args.name}` : `${spec.name}: ${spec.args.name} must be ${wordList(spec.args.values)} (got "${extra ?? value}")`,
        `write ${spec.args.values.map((v) => `bucketeer-install ${spec.name} ${v}`).join(', ')}`,
      );
    }
  } else if (args.positionals.length > 0) {
    throw new UsageError(
      `unexpected argument "${args.positionals[0]}" for "${spec.name}"`,
      `run \`bucketeer-install ${spec.name} --help\` for its usage`,
    );
  }
  const mod = await spec.load();
  // --debug shows each subprocess (helm, credential plugins) on stderr, secret values masked.
  if (debug) traceCommands((line) => process.stderr.write(line));
  const env = process.env;
  const interactive = Boolean(process.stdin.isTTY && process.stderr.isTTY) && !isCI(env);
  return mod.run({
    args,
    stdout: process.stdout,
    stderr: process.stderr,
    env,
    cwd: process.cwd(),
    interactive,
    debug,
    catalog: { commands, globalFlags },
    confirm: (question, signal) => askYesNo(question, process.stderr, process.stdin, signal),
    interrupts: (opts) => handleInterrupts(process.stderr, opts),
  });
}

export function isCI(env: NodeJS.ProcessEnv): boolean {
  const v = env.CI;
  return v !== undefined && v !== '' && v !== '0' && v.toLowerCase() !== 'false';
}
