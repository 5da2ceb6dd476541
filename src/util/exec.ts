// One way to run subprocesses: zx with argument arrays (zx quotes each element), a timeout, and
// cancellation. Never build a shell string from user input.
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
  const { $ } = await import('zx');
  // A Ctrl-C that lands just before the spawn must not let the child run unsupervised.
  if (opts.signal?.aborted) throw new Interrupted();
  const p = $({
    nothrow: true,
    quiet: true,
    verbose: false,
    env: opts.env ?? process.env,
    input: opts.input,
    timeout: opts.timeoutMs,
    timeoutSignal: 'SIGTERM',
  })`${bin} ${args}`;
  if (opts.onOutput) {
    p.stdout.on('data', (d: Buffer) => opts.onOutput!(d.toString(), 'stdout'));
    p.stderr.on('data', (d: Buffer) => opts.onOutput!(d.toString(), 'stderr'));
  }
  // Cancellation is ours, not zx's signal option: listening here, right after the spawn, means an
  // abort just before it cannot be missed (helm would otherwise run on to its --timeout).
  const onAbort = () => void p.kill('SIGTERM').catch(() => undefined);
  opts.signal?.addEventListener('abort', onAbort, { once: true });
  if (opts.signal?.aborted) onAbort();
  let out;
  try {
    out = await p;
  } catch (err) {
    // zx rejects (even with nothrow) when the binary cannot be spawned.
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new EnvironmentError(`${bin} not found`, `install ${bin} or put it on PATH`);
    throw err;
  } finally {
    opts.signal?.removeEventListener('abort', onAbort);
  }
  if (out.exitCode === null && opts.timeoutMs) {
    return { stdout: out.stdout, stderr: `${out.stderr}\ntimed out after ${Math.round(opts.timeoutMs / 1000)}s`, exitCode: 124 };
  }
  return { stdout: out.stdout, stderr: out.stderr, exitCode: out.exitCode ?? (out.signal ? 128 : 1) };
}
