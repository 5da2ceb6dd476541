// Helpers every command shares: getting the Answers from flags, writing files safely.
import { mkdirSync, writeFileSync, chmodSync, statSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { loadAnswersFile } from '../answers/load.js';
import { applyOverrides } from '../answers/overrides.js';
import type { Answers } from '../answers/schema.js';
import type { CommandContext } from '../cli/commands.js';
import { str } from '../cli/flags.js';
import { UsageError } from '../errors.js';

export interface CommandAnswers {
  answers: Answers;
  /** Absolute path of the answers file. */
  path: string;
}

export function answersFromFlags(ctx: CommandContext, command: string): CommandAnswers {
  const file = str(ctx.args.flags, 'answers');
  if (!file) {
    throw new UsageError(
      `${command} needs --answers FILE when not run interactively`,
      `write one from examples/answers/*.yaml, or run on a terminal for the wizard`,
    );
  }
  const loaded = loadAnswersFile(file);
  const answers = applyOverrides(loaded.answers, {
    namespace: str(ctx.args.flags, 'namespace'),
    kubeContext: str(ctx.args.flags, 'kube-context'),
    chart: str(ctx.args.flags, 'chart'),
    chartVersion: str(ctx.args.flags, 'chart-version'),
  });
  return { answers, path: loaded.path };
}

/** Creates the output folder, refusing a path that exists and is not a folder. */
export function prepareOutputDir(dir: string, flag = '--output-dir'): void {
  try {
    if (!statSync(dir).isDirectory()) throw new UsageError(`${flag} ${dir} exists and is not a folder`, 'choose another path');
  } catch (err) {
    if (err instanceof UsageError) throw err;
  }
  mkdirSync(dir, { recursive: true });
}

/** Writes a file; secret files are created 0600 from the first byte (mode on open, then chmod for existing files). */
export function writeOutput(dir: string, name: string, content: string, secret = false): string {
  const path = join(dir, name);
  // A pre-existing file keeps its mode on write: remove it so a secret is never briefly 0644.
  if (secret) rmSync(path, { force: true });
  writeFileSync(path, content, { mode: secret ? 0o600 : 0o644 });
  if (secret) chmodSync(path, 0o600);
  return path;
}
