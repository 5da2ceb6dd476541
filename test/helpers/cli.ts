import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { repoRoot } from './tools.js';

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export const binPath = join(repoRoot, 'bin', 'bucketeer-install.js');

/** Runs the built CLI as a user would, with a clean environment unless `env` adds to it. */
export function runCli(args: string[], opts: { env?: NodeJS.ProcessEnv; cwd?: string; input?: string; timeoutMs?: number } = {}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [binPath, ...args], {
      cwd: opts.cwd ?? repoRoot,
      env: { PATH: process.env.PATH, HOME: process.env.HOME, KUBECONFIG: '/nonexistent/kubeconfig', ...opts.env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 60_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
    child.stdin.end(opts.input ?? '');
  });
}
