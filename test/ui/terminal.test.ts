// The built CLI in a real terminal (tmux): the wizard starts without --answers when CI is unset,
// keys move through steps, Esc goes back, Ctrl-C exits 130, and NO_COLOR removes every style.
import { afterEach, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { binPath } from '../helpers/cli.js';

const TMUX = ['/usr/bin/tmux', '/usr/local/bin/tmux'].find((p) => existsSync(p));
if (!TMUX) console.warn('tmux is not installed: the real-terminal wizard tests are SKIPPED (apt-get install tmux; .ci/run does)');

interface Term {
  capture: (escapes?: boolean) => string;
  waitFor: (text: string | RegExp) => Promise<string>;
  keys: (...keys: string[]) => void;
  exitCode: () => Promise<number>;
  /** `stty -a` as it was right after the CLI exited. */
  sttyAfter: () => string;
  dir: string;
}

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const c of cleanups.splice(0)) c();
});

function startTerm(extraEnv: Record<string, string> = {}): Term {
  const dir = mkdtempSync(join(tmpdir(), 'wizard-tty-'));
  const sock = join(dir, 'tmux.sock');
  const codeFile = join(dir, 'exit-code');
  // CI is left out of the environment on purpose: with it set the wizard must not start.
  const env = { PATH: process.env.PATH ?? '', HOME: dir, TERM: 'xterm-256color', KUBECONFIG: '/nonexistent/kubeconfig', ...extraEnv };
  const tmux = (...args: string[]) => execFileSync(TMUX!, ['-S', sock, ...args], { env, encoding: 'utf8' });
  // After the CLI: the exit code, and the terminal modes it left behind (raw mode must be undone).
  const command = `env -u CI ${process.execPath} ${binPath}; code=$?; stty -a > ${join(dir, 'stty')}; echo $code > ${codeFile}`;
  tmux('new-session', '-d', '-s', 'wizard', '-x', '100', '-y', '30', '-c', dir, command);
  cleanups.push(() => {
    try {
      tmux('kill-server');
    } catch {
      // already gone: the command ended and the session with it
    }
    rmSync(dir, { recursive: true, force: true });
  });
  const paneTty = () => tmux('display-message', '-p', '-t', 'wizard', '#{pane_tty}').trim();
  const capture = (escapes = false) => tmux('capture-pane', '-p', ...(escapes ? ['-e'] : []), '-t', 'wizard');
  return {
    dir,
    capture,
    keys: (...keys) => void tmux('send-keys', '-t', 'wizard', ...keys),
    waitFor: async (text) => {
      const deadline = Date.now() + 15_000;
      for (;;) {
        const screen = capture();
        if (typeof text === 'string' ? screen.includes(text) : text.test(screen)) {
          // Keys typed before Ink switches the terminal to raw mode would be read in cooked mode
          // (Enter arrives as "\n" and is not Enter), so wait for raw mode first; then give the
          // new screen a moment to attach its key handler (a busy CI machine is slow at it).
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
      const deadline = Date.now() + 15_000;
      while (!existsSync(codeFile) || readFileSync(codeFile, 'utf8').trim() === '') {
        if (Date.now() > deadline) throw new Error('the CLI did not exit after Ctrl-C');
        await new Promise((r) => setTimeout(r, 50));
      }
      return Number(readFileSync(codeFile, 'utf8').trim());
    },
  };
}

describe.skipIf(!TMUX)('wizard in a real terminal (tmux 100x30)', () => {
  it('starts on a terminal, moves through steps with keys, goes back with Esc, and Ctrl-C exits 130', async () => {
    const t = startTerm();
    await t.waitFor('What is already there');
    // Styles are on by default (so the NO_COLOR test below can fail).
    expect(t.capture(true)).toMatch(/\u001B\[[0-9;]*m/);
    t.keys('Enter');
    await t.waitFor('Where does the cluster run?');
    t.keys('Enter');
    await t.waitFor('Namespace for Bucketeer');
    t.keys('Enter');
    await t.waitFor('Where does MySQL 8 live?');
    t.keys('Escape');
    await t.waitFor('Namespace for Bucketeer');
    t.keys('C-c');
    expect(await t.exitCode()).toBe(130);
    // The terminal is back in cooked mode with echo on.
    expect(t.sttyAfter()).toMatch(/(^|\s)icanon(\s|$)/m);
    expect(t.sttyAfter()).toMatch(/(^|\s)echo(\s|$)/m);
  });

  it('honours NO_COLOR: no colour or style sequences on screen', async () => {
    const t = startTerm({ NO_COLOR: '1' });
    await t.waitFor('What is already there');
    t.keys('Enter');
    await t.waitFor('Where does the cluster run?');
    expect(t.capture(true)).not.toMatch(/\u001B\[[0-9;]*m/);
    t.keys('C-c');
    expect(await t.exitCode()).toBe(130);
  });
});
