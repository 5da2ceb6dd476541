// One way to run subprocesses: zx with argument arrays (zx quotes each element), a timeout, and
// cancellation. Never build a shell string from user input.
import { EnvironmentError, Interrupted } from '../errors.js';

export interface ExecResult {
  stdout: string;
  stderr: string;
  exitCode: number;
}

export interface ExecOptions {
  timeoutMs?: number;
  env?: NodeJS.ProcessEnv;
  input?: string;
  signal?: AbortSignal;
  /** Called with each chunk of stdout/stderr as it arrives (progress views use it). */
  onOutput?: (chunk: string, stream: 'stdout' | 'stderr') => void;
}

export async function exec(bin: string, args: readonly string[], opts: ExecOptions = {}): Promise<ExecResult> {
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
