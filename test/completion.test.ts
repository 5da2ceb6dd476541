// `completion bash|zsh|fish`: generated from the flag specs --help prints, so every command, flag
// and enum value (--output's formats, --skip-prepare's steps) is offered; bash really loads it.
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { commands, globalFlags } from '../src/cli/commands.js';
import { binPath, runCli } from './helpers/cli.js';

/** What bash completes for a command line (COMP_WORDS/COMP_CWORD as bash sets them), via the generated function. */
function bashComplete(script: string, words: string[]): string[] {
  const program = `${script}
COMP_WORDS=(${words.map((w) => `'${w}'`).join(' ')})
COMP_CWORD=${words.length - 1}
_bucketeer_install
printf '%s\\n' "\${COMPREPLY[@]}"`;
  const r = spawnSync('bash', ['--norc', '--noprofile', '-c', program], { encoding: 'utf8' });
  expect(r.status, r.stderr).toBe(0);
  return r.stdout.split('\n').filter(Boolean);
}

describe('completion', () => {
  it('bash: defines a completion for bucketeer-install that bash loads', async () => {
    const r = await runCli(['completion', 'bash']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^complete -o default -F _bucketeer_install bucketeer-install$/m);
    const loaded = spawnSync('bash', ['--norc', '--noprofile', '-c', `source <("${process.execPath}" "${binPath}" completion bash) && complete -p bucketeer-install`], { encoding: 'utf8', env: { PATH: process.env.PATH } });
    expect(loaded.status, loaded.stderr).toBe(0);
    expect(loaded.stdout.trim()).toBe('complete -o default -F _bucketeer_install bucketeer-install');
  });

  it('bash: completes commands, flags with their aliases, and enum values', async () => {
    const script = (await runCli(['completion', 'bash'])).stdout;
    expect(bashComplete(script, ['bucketeer-install', ''])).toEqual(commands.map((c) => c.name));
    expect(bashComplete(script, ['bucketeer-install', 'un'])).toEqual(['uninstall']);
    expect(bashComplete(script, ['bucketeer-install', 'uninstall', '--p'])).toEqual(['--purge']);
    expect(bashComplete(script, ['bucketeer-install', 'upgrade', '--con'])).toEqual(['--context']);
    expect(bashComplete(script, ['bucketeer-install', 'upgrade', '-o', ''])).toEqual(['text', 'json', 'ndjson']);
    expect(bashComplete(script, ['bucketeer-install', 'version', '-o', ''])).toEqual(['text', 'json']);
    expect(bashComplete(script, ['bucketeer-install', 'install', '--output', 'j'])).toEqual(['json']);
    expect(bashComplete(script, ['bucketeer-install', '--answers', 'x.yaml', '--skip-prepare', 'm'])).toEqual(['messaging']);
    expect(bashComplete(script, ['bucketeer-install', 'doctor', '--platform', ''])).toEqual(['aws', 'gcp', 'other']);
    expect(bashComplete(script, ['bucketeer-install', 'completion', ''])).toEqual(['bash', 'zsh', 'fish']);
    // Every flag of every command, from the same specs as --help.
    for (const c of commands) {
      const offered = bashComplete(script, ['bucketeer-install', c.name, '-']);
      for (const f of [...c.flags, ...globalFlags]) expect(offered, `${c.name} --${f.name}`).toContain(`--${f.name}`);
    }
  });

  it.each(['zsh', 'fish'])('%s: names every command and flag', async (shell) => {
    const r = await runCli(['completion', shell]);
    expect(r.code, r.stderr).toBe(0);
    for (const c of commands) {
      expect(r.stdout).toContain(c.name);
      for (const f of c.flags) expect(r.stdout, `${c.name} --${f.name}`).toMatch(shell === 'zsh' ? new RegExp(`--${f.name}\\[`) : new RegExp(`-l ${f.name}\\b`));
    }
    expect(r.stdout).toContain(shell === 'zsh' ? '(text json ndjson)' : "-a 'text json ndjson'");
  });

  const has = (shell: string) => spawnSync('sh', ['-c', `command -v ${shell}`]).status === 0;
  it.skipIf(!has('zsh'))('zsh parses the zsh script (zsh -n)', async () => {
    const r = spawnSync('zsh', ['-n', '-c', (await runCli(['completion', 'zsh'])).stdout], { encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
  });
  it.skipIf(!has('fish'))('fish parses the fish script (fish -n)', async () => {
    const r = spawnSync('fish', ['-n', '-c', (await runCli(['completion', 'fish'])).stdout], { encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
  });

  it('an unknown or missing shell is exit 2 naming the shells', async () => {
    const r = await runCli(['completion', 'powershell']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('SHELL must be bash, zsh or fish (got "powershell")');
    expect((await runCli(['completion'])).code).toBe(2);
  });
});

