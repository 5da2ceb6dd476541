import { UsageError } from '../errors.js';
import { closest } from '../util/suggest.js';
import { PLATFORM_IDS } from '../platforms/index.js';

export type FlagType = 'string' | 'boolean' | 'list';

export interface FlagSpec {
  name: string;
  short?: string;
  type: FlagType;
  description: string;
  valueName?: string;
  /** Other long names accepted for this flag (kubectl's --context for --kube-context). */
  aliases?: string[];
  /** The words the value may be (--output): listed in --help and offered by shell completion. */
  values?: readonly string[];
}

export type ParsedFlags = Record<string, string | boolean | string[] | undefined>;

export interface ParsedArgs {
  flags: ParsedFlags;
  positionals: string[];
}

/**
 * A small argv parser: `--flag value`, `--flag=value`, `-n value`, `--no-x` is not supported on
 * purpose (helm and kubectl do not have it either). Unknown flags are a usage error with a
 * suggestion.
 */
export function parseFlags(argv: readonly string[], specs: readonly FlagSpec[], command: string): ParsedArgs {
  const byName = new Map(specs.flatMap((s) => [s.name, ...(s.aliases ?? [])].map((n) => [n, s] as const)));
  const byShort = new Map(specs.filter((s) => s.short).map((s) => [s.short!, s]));
  const flags: ParsedFlags = {};
  const positionals: string[] = [];

  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--') {
      positionals.push(...argv.slice(i + 1));
      break;
    }
    let spec: FlagSpec | undefined;
    let inlineValue: string | undefined;
    let shown = arg;
    if (arg.startsWith('--')) {
      const eq = arg.indexOf('=');
      const name = eq === -1 ? arg.slice(2) : arg.slice(2, eq);
      inlineValue = eq === -1 ? undefined : arg.slice(eq + 1);
      shown = `--${name}`;
      spec = byName.get(name);
      if (!spec) {
        const guess = closest(name, [...byName.keys()]);
        throw new UsageError(
          `unknown flag ${shown} for "${command}"${guess ? `; did you mean --${guess}?` : ''}`,
          `run \`bucketeer-install ${command} --help\` for the flags it accepts`,
        );
      }
    } else if (arg.startsWith('-') && arg.length > 1) {
      const short = arg.slice(1, 2);
      shown = `-${short}`;
      spec = byShort.get(short);
      if (arg.length > 2) inlineValue = arg.slice(2).replace(/^=/, '');
      if (!spec) {
        throw new UsageError(
          `unknown flag ${arg} for "${command}"`,
          `run \`bucketeer-install ${command} --help\` for the flags it accepts`,
        );
      }
    } else {
      positionals.push(arg);
      continue;
    }

    if (spec.type === 'boolean') {
      if (inlineValue !== undefined && !['true', 'false'].includes(inlineValue)) {
        throw new UsageError(`flag ${shown} takes no value (got "${inlineValue}")`, `write ${shown} alone`);
      }
      flags[spec.name] = inlineValue !== 'false';
      continue;
    }
    let value = inlineValue;
    if (value === undefined) {
      const next = argv[i + 1];
      if (next === undefined || (next.startsWith('-') && next !== '-')) {
        throw new UsageError(
          `flag ${shown} needs a value`,
          `write ${shown} ${spec.valueName ?? 'VALUE'}`,
        );
      }
      value = next;
      i++;
    }
    if (value === '') {
      throw new UsageError(`flag ${shown} needs a non-empty value`, `write ${shown} ${spec.valueName ?? 'VALUE'}`);
    }
    if (spec.type === 'list') {
      const list = (flags[spec.name] as string[] | undefined) ?? [];
      list.push(value);
      flags[spec.name] = list;
    } else {
      flags[spec.name] = value;
    }
  }
  return { flags, positionals };
}

export function str(flags: ParsedFlags, name: string): string | undefined {
  const v = flags[name];
  return typeof v === 'string' ? v : undefined;
}

export function bool(flags: ParsedFlags, name: string): boolean {
  return flags[name] === true;
}

export function list(flags: ParsedFlags, name: string): string[] {
  const v = flags[name];
  return Array.isArray(v) ? v : [];
}

/** A flag that takes one of a few words: the error lists them all and names the command. */
export function oneOf<T extends string>(flags: ParsedFlags, name: string, allowed: readonly T[], command: string): T | undefined {
  const v = str(flags, name);
  if (v === undefined || (allowed as readonly string[]).includes(v)) return v as T | undefined;
  throw new UsageError(`flag --${name} must be ${wordList(allowed)} for ${command} (got "${v}")`, `write ${allowed.map((a) => `--${name} ${a}`).join(', ')}`);
}

/** --platform's values as help and errors list them: the platform list, alphabetically. */
export const PLATFORM_FLAG_VALUES = [...PLATFORM_IDS].sort();

/** --output: the same words mean the same everywhere (text for people, json one document, ndjson one event a line). */
export const OUTPUT_FORMATS = ['text', 'json', 'ndjson'] as const;
export type OutputFormat = (typeof OUTPUT_FORMATS)[number];

/**
 * The formats each command prints. install and upgrade: progress on stderr, a result as text,
 * one JSON document at the end (upgrade's holds its plan) or ndjson events (upgrade's plan as its
 * own line before it changes anything); doctor: a report of checks (no events to stream).
 */
export const COMMAND_OUTPUTS = {
  install: OUTPUT_FORMATS,
  upgrade: OUTPUT_FORMATS,
  doctor: ['text', 'json'],
  version: ['text', 'json'],
  images: ['text', 'json'],
} as const satisfies Record<string, readonly OutputFormat[]>;

/** "text, json or ndjson" */
export function wordList(words: readonly string[]): string {
  return `${words.slice(0, -1).join(', ')}${words.length > 1 ? ' or ' : ''}${words.at(-1)}`;
}

export { parseDuration } from '../util/duration.js';
