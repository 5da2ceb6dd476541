// Shell completion scripts for bash, zsh and fish, generated from a description of the commands
// and their flags (the CLI builds it from the same flag specs that --help prints), so completion
// cannot drift from the parser.

import type { Shell } from './shells.js';

export interface CompletionFlag {
  name: string;
  short?: string;
  aliases?: string[];
  description: string;
  /** Whether the flag takes a value (anything but a boolean). */
  takesValue: boolean;
  /** The value's placeholder (FILE and DIR complete paths). */
  valueName?: string;
  /** The words the value may be. */
  values?: readonly string[];
}

export interface CompletionCommand {
  name: string;
  summary: string;
  flags: CompletionFlag[];
  /** Words a positional argument may be (completion's shell). */
  args?: readonly string[];
}

export interface CompletionModel {
  program: string;
  /** The command run when the first word is a flag. */
  defaultCommand: string;
  commands: CompletionCommand[];
}

export function completionScript(shell: Shell, m: CompletionModel): string {
  if (shell === 'bash') return bash(m);
  if (shell === 'zsh') return zsh(m);
  return fish(m);
}

const longNames = (f: CompletionFlag) => [f.name, ...(f.aliases ?? [])];
const valueKind = (f: CompletionFlag): 'words' | 'file' | 'dir' | 'free' =>
  f.values?.length ? 'words' : f.valueName === 'FILE' ? 'file' : f.valueName === 'DIR' ? 'dir' : 'free';
const fnName = (program: string) => `_${program.replace(/[^A-Za-z0-9]/g, '_')}`;

function bash(m: CompletionModel): string {
  const fn = fnName(m.program);
  const cases = m.commands.map((c) => {
    const flagWords = c.flags.flatMap((f) => [...longNames(f).map((n) => `--${n}`), ...(f.short ? [`-${f.short}`] : [])]);
    const valueCases = c.flags
      .filter((f) => f.takesValue)
      .map((f) => {
        const pattern = [...longNames(f).map((n) => `--${n}`), ...(f.short ? [`-${f.short}`] : [])].join('|');
        const kind = valueKind(f);
        const reply =
          kind === 'words' ? `COMPREPLY=($(compgen -W "${f.values!.join(' ')}" -- "$cur"))` : kind === 'file' ? 'COMPREPLY=($(compgen -f -- "$cur"))' : kind === 'dir' ? 'COMPREPLY=($(compgen -d -- "$cur"))' : 'COMPREPLY=()';
        return `        ${pattern}) ${reply}; return ;;`;
      });
    const args = c.args?.length ? `      if [[ "$cur" != -* ]]; then COMPREPLY=($(compgen -W "${c.args.join(' ')}" -- "$cur")); return; fi\n` : '';
    return `    ${c.name})
      case "$prev" in
${valueCases.join('\n') || '        __none__) ;;'}
      esac
${args}      COMPREPLY=($(compgen -W "${flagWords.join(' ')}" -- "$cur")) ;;`;
  });
  return `# bash completion for ${m.program}. Load it with:
#   source <(${m.program} completion bash)
${fn}() {
  local cur="\${COMP_WORDS[COMP_CWORD]}" prev="\${COMP_WORDS[COMP_CWORD-1]}"
  if [[ $COMP_CWORD -eq 1 && "$cur" != -* ]]; then
    COMPREPLY=($(compgen -W "${m.commands.map((c) => c.name).join(' ')}" -- "$cur"))
    return
  fi
  local cmd="\${COMP_WORDS[1]}"
  [[ "$cmd" == -* ]] && cmd=${m.defaultCommand}
  case "$cmd" in
${cases.join('\n')}
  esac
}
complete -o default -F ${fn} ${m.program}
`;
}

/** Text inside a zsh single-quoted _arguments spec: no quote, and [ ] : escaped. */
const zshText = (s: string) => s.replace(/([[\]:\\])/g, '\\$1').replace(/'/g, `'\\''`);

function zsh(m: CompletionModel): string {
  const fn = fnName(m.program);
  const spec = (f: CompletionFlag): string[] => {
    const kind = valueKind(f);
    const action = !f.takesValue ? '' : kind === 'words' ? `:${f.valueName ?? 'VALUE'}:(${f.values!.join(' ')})` : kind === 'file' ? `:${f.valueName}:_files` : kind === 'dir' ? `:${f.valueName}:_files -/` : `:${f.valueName ?? 'VALUE'}: `;
    const desc = `[${zshText(f.description)}]${action}`;
    const names = [...longNames(f).map((n) => `--${n}`), ...(f.short ? [`-${f.short}`] : [])];
    const exclusive = names.length > 1 ? `(${names.join(' ')})` : '';
    return names.map((n) => `'${exclusive}${n}${desc}'`);
  };
  const cases = m.commands.map((c) => {
    const lines = c.flags.flatMap(spec);
    if (c.args?.length) lines.push(`'1:${c.name === 'completion' ? 'shell' : 'argument'}:(${c.args.join(' ')})'`);
    return `    ${c.name})\n      _arguments -s \\\n        ${lines.join(' \\\n        ')} ;;`;
  });
  return `#compdef ${m.program}
# zsh completion for ${m.program}. Load it with:
#   source <(${m.program} completion zsh)
# or save it as _${m.program} in a folder on $fpath.
${fn}() {
  local -a commands
  commands=(
${m.commands.map((c) => `    '${c.name}:${c.summary.replace(/'/g, `'\\''`).replace(/:/g, '\\:')}'`).join('\n')}
  )
  local cmd=${m.defaultCommand}
  if (( CURRENT == 2 )) && [[ $words[2] != -* ]]; then
    _describe -t commands 'command' commands
    return
  fi
  if [[ $words[2] != -* ]]; then
    cmd=$words[2]
    shift words
    (( CURRENT-- ))
  fi
  case $cmd in
${cases.join('\n')}
  esac
}
if [[ "\${funcstack[1]}" == "${fn}" ]]; then
  ${fn} "$@"
else
  compdef ${fn} ${m.program}
fi
`;
}

const fishText = (s: string) => `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;

function fish(m: CompletionModel): string {
  const p = m.program;
  const lines = [`# fish completion for ${p}. Load it with:`, `#   ${p} completion fish | source`, `complete -c ${p} -f`];
  for (const c of m.commands) lines.push(`complete -c ${p} -n __fish_use_subcommand -a ${c.name} -d ${fishText(c.summary)}`);
  for (const c of m.commands) {
    const cond = c.name === m.defaultCommand ? `'__fish_use_subcommand; or __fish_seen_subcommand_from ${c.name}'` : `'__fish_seen_subcommand_from ${c.name}'`;
    for (const f of c.flags) {
      const kind = valueKind(f);
      const value = !f.takesValue ? '' : kind === 'words' ? ` -x -a ${fishText(f.values!.join(' '))}` : kind === 'file' || kind === 'dir' ? ' -r -F' : ' -x';
      for (const [i, n] of longNames(f).entries()) {
        lines.push(`complete -c ${p} -n ${cond}${i === 0 && f.short ? ` -s ${f.short}` : ''} -l ${n}${value} -d ${fishText(f.description)}`);
      }
    }
    if (c.args?.length) lines.push(`complete -c ${p} -n ${cond} -a ${fishText(c.args.join(' '))}`);
  }
  return `${lines.join('\n')}\n`;
}
