// The built CLI in a real terminal: a tmux session (100x30) running `bucketeer-install ARGS`, with
// the screen captured, keys sent, and the exit code and terminal modes read after it exits.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { binPath } from './cli.js';

export const TMUX = ['/usr/bin/tmux', '/usr/local/bin/tmux'].find((p) => existsSync(p));
if (!TMUX) console.warn('tmux is not installed: the real-terminal tests are SKIPPED (apt-get install tmux; .ci/run does)');

export interface Term {
  capture: (escapes?: boolean) => string;
  /** Resolves once the text shows and the terminal is in raw mode (the CLI reads keys). */
  waitFor: (text: string | RegExp) => Promise<string>;
  keys: (...keys: string[]) => void;
  /** Sends a signal to the CLI process itself (not a key: what `kill` or a supervisor sends). */
  signal: (sig: NodeJS.Signals) => void;
  exitCode: () => Promise<number>;
  /** `stty -a` as it was right after the CLI exited. */
  sttyAfter: () => string;
  dir: string;
}

const cleanups: (() => void)[] = [];

/** Call from afterEach: ends every session started since. */
export function stopTerms(): void {
  for (const c of cleanups.splice(0)) c();
}

const shellQuote = (s: string) => `'${s.replaceAll("'", `'\\''`)}'`;

export function startTerm(opts: { args?: string[]; env?: NodeJS.ProcessEnv } = {}): Term {
  const dir = mkdtempSync(join(tmpdir(), 'cli-tty-'));
  const sock = join(dir, 'tmux.sock');
  const codeFile = join(dir, 'exit-code');
  // CI is left out of the environment on purpose: with it set the CLI must not prompt.
  const env = { PATH: process.env.PATH ?? '', HOME: dir, TERM: 'xterm-256color', KUBECONFIG: '/nonexistent/kubeconfig', ...opts.env };
  const tmux = (...args: string[]) => execFileSync(TMUX!, ['-S', sock, ...args], { env, encoding: 'utf8' });
  // After the CLI: the exit code, and the terminal modes it left behind (raw mode must be undone).
  const cli = [process.execPath, binPath, ...(opts.args ?? [])].map(shellQuote).join(' ');
  const command = `env -u CI ${cli}; code=$?; stty -a > ${join(dir, 'stty')}; echo $code > ${codeFile}; sleep 30`;
  tmux('new-session', '-d', '-s', 'cli', '-x', '100', '-y', '30', '-c', dir, command);
  cleanups.push(() => {
    try {
      tmux('kill-server');
    } catch {
      // already gone
    }
    rmSync(dir, { recursive: true, force: true });
  });
  const paneTty = () => tmux('display-message', '-p', '-t', 'cli', '#{pane_tty}').trim();
  const capture = (escapes = false) => tmux('capture-pane', '-p', ...(escapes ? ['-e'] : []), '-t', 'cli');
  return {
    dir,
    capture,
    keys: (...keys) => void tmux('send-keys', '-t', 'cli', ...keys),
    signal: (sig) => {
      // The pane runs a shell whose child is the CLI (node).
      const shell = tmux('display-message', '-p', '-t', 'cli', '#{pane_pid}').trim();
      const child = execFileSync('ps', ['-o', 'pid=', '--ppid', shell], { encoding: 'utf8' }).trim().split(/\s+/)[0];
      if (!child) throw new Error('the CLI is not running in the terminal');
      process.kill(Number(child), sig);
    },
    waitFor: async (text) => {
      const deadline = Date.now() + 15_000;
      for (;;) {
        const screen = capture();
        if (typeof text === 'string' ? screen.includes(text) : text.test(screen)) {
          // Keys typed before the CLI switches the terminal to raw mode would be read in cooked
          // mode (Enter arrives as "\n" and is not Enter), so wait for raw mode first; then give
          // the new screen a moment to attach its key handler (a busy CI machine is slow at it).
          while (!/(^|\s)-icanon(\s|$)/m.test(execFileSync('stty', ['-a', '-F', paneTty()], { encoding: 'utf8' }))) {
            if (Date.now() > deadline) throw new Error('the terminal never switched to raw mode');
            await new Promise((r) => setTimeout(r, 20));
          }
          await new Promise((r) => setTimeout(r, 150));
          return screen;
        }
        if (Date.now() > deadline) throw new Error(`timed out waiting for ${String(text)} in the terminal; it shows:\n${screen}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    },
    sttyAfter: () => readFileSync(join(dir, 'stty'), 'utf8'),
    exitCode: async () => {
      const deadline = Date.now() + 60_000;
      while (!existsSync(codeFile) || readFileSync(codeFile, 'utf8').trim() === '') {
        if (Date.now() > deadline) throw new Error('the CLI did not exit');
        await new Promise((r) => setTimeout(r, 50));
      }
      return Number(readFileSync(codeFile, 'utf8').trim());
    },
  };
}
