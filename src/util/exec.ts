// One way to run subprocesses: a binary and an argument array, never a shell (so nothing is ever
// parsed from user input), with a timeout and cancellation.
import { EnvironmentError, Interrupted } from '../errors.js';

export interface ExecResult {
  stdout: string;
  stderr: string;
  exitCode: number;
}

/** The last line a failed command printed (stderr, else stdout), without helm's `Error: ` prefix. */
export function lastErrorLine(res: ExecResult): string {
  return (res.stderr || res.stdout).trim().split('\n').filter(Boolean).pop()?.replace(/^Error: /, '') ?? `exit ${res.exitCode}`;
}

export interface ExecOptions {
  timeoutMs?: number;
  env?: NodeJS.ProcessEnv;
  input?: string;
  signal?: AbortSignal;
  /** Called with each chunk of stdout/stderr as it arrives (progress views use it). */
  onOutput?: (chunk: string, stream: 'stdout' | 'stderr') => void;
}

/** Where --debug shows each subprocess; unset (the default), nothing is shown. */
let trace: ((line: string) => void) | undefined;

export function traceCommands(sink: ((line: string) => void) | undefined): void {
  trace = sink;
}

// Flags whose value is a secret, in any tool's spelling (--password, --token, --client-secret).
const SECRET_FLAG = /pass|secret|token|credential|private/i;

/**
 * A command as one line a person can paste into a shell, with secret values masked: the value of
 * a secret-looking flag (`--token X`, `--password=X`, `--set db.pass=X`) and URL credentials.
 * Standard input and the environment are never shown.
 */
export function describeCommand(bin: string, args: readonly string[]): string {
  // `--set key=value`: the value is masked when the key names a secret.
  const maskSet = (kv: string) => kv.replace(/^([^=]+)=.*$/s, (all, key: string) => (SECRET_FLAG.test(key) ? `${key}=***` : all));
  const shown: string[] = [];
  let next: 'secret' | 'set' | undefined;
  for (const arg of args) {
    let a = arg.replace(/(:\/\/[^:/@\s]*:)[^@\s]+@/g, '$1***@');
    if (next) {
      a = next === 'secret' ? '***' : maskSet(a);
      next = undefined;
    } else if (/^--?[A-Za-z][^=]*=/.test(a)) {
      const flag = a.slice(0, a.indexOf('='));
      const value = a.slice(a.indexOf('=') + 1);
      if (SECRET_FLAG.test(flag)) a = `${flag}=***`;
      else if (flag.startsWith('--set')) a = `${flag}=${maskSet(value)}`;
    } else if (/^--?[A-Za-z]/.test(a)) {
      next = SECRET_FLAG.test(a) ? 'secret' : a.startsWith('--set') ? 'set' : undefined;
    }
    shown.push(a);
  }
  const quote = (x: string) => (/^[\w@%+=:,./*-]+$/.test(x) ? x : `'${x.replace(/'/g, `'\\''`)}'`);
  return [bin, ...shown].map(quote).join(' ');
}

export async function exec(bin: string, args: readonly string[], opts: ExecOptions = {}): Promise<ExecResult> {
  const started = Date.now();
  trace?.(`debug: run ${describeCommand(bin, args)}${opts.input !== undefined ? ` (stdin: ${Buffer.byteLength(opts.input)} bytes, not shown)` : ''}${opts.timeoutMs ? ` (timeout ${Math.round(opts.timeoutMs / 1000)}s)` : ''}\n`);
  const name = bin.split('/').pop();
  try {
    const result = await run(bin, args, opts);
    trace?.(`debug: ${name} exited ${result.exitCode} after ${Date.now() - started} ms\n`);
    return result;
  } catch (err) {
    trace?.(`debug: ${name} did not run to its end: ${(err as Error).message}\n`);
    throw err;
  }
}

async function run(bin: string, args: readonly string[], opts: ExecOptions): Promise<ExecResult> {
  const { spawn } = await import('node:child_process');
  // A Ctrl-C that lands just before the spawn must not let the child run unsupervised.
  if (opts.signal?.aborted) throw new Interrupted();
  return new Promise<ExecResult>((resolve, reject) => {
    // No shell: a shell adds nothing to an argument array, and bash would source ~/.bashrc when its
    // standard input is a socket (as Node's pipes are) and SHLVL is unset, or $BASH_ENV always.
    const child = spawn(bin, [...args], { env: opts.env ?? process.env, stdio: ['pipe', 'pipe', 'pipe'] });
    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    let timedOut = false;
    child.stdout.on('data', (d: Buffer) => {
      stdout.push(d);
      opts.onOutput?.(d.toString(), 'stdout');
    });
    child.stderr.on('data', (d: Buffer) => {
      stderr.push(d);
      opts.onOutput?.(d.toString(), 'stderr');
    });
    // A child that exits without reading its input closes the pipe: not an error of ours.
    child.stdin.on('error', () => undefined);
    child.stdin.end(opts.input);
    const stop = () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    };
    const timer = opts.timeoutMs
      ? setTimeout(() => {
          timedOut = true;
          stop();
        }, opts.timeoutMs)
      : undefined;
    // Cancellation: listening right after the spawn means an abort just before it cannot be missed
    // (helm would otherwise run on to its --timeout).
    opts.signal?.addEventListener('abort', stop, { once: true });
    if (opts.signal?.aborted) stop();
    const done = () => {
      clearTimeout(timer);
      opts.signal?.removeEventListener('abort', stop);
    };
    child.on('error', (err: NodeJS.ErrnoException) => {
      done();
      reject(err.code === 'ENOENT' ? new EnvironmentError(`${bin} not found`, `install ${bin} or put it on PATH`) : err);
    });
    child.on('close', (code, signal) => {
      done();
      const out = Buffer.concat(stdout).toString('utf8');
      const err = Buffer.concat(stderr).toString('utf8');
      if (timedOut) resolve({ stdout: out, stderr: `${err}\ntimed out after ${Math.round(opts.timeoutMs! / 1000)}s`, exitCode: 124 });
      else resolve({ stdout: out, stderr: err, exitCode: code ?? (signal ? 128 : 1) });
    });
  });
}
