// render: answers -> values.yaml (+ manifests.yaml with --chart, + in-cluster.yaml), no cluster.
import { resolve } from 'node:path';
import type { CommandContext } from '../cli/context.js';
import { bool, str } from '../cli/flags.js';
import { answersFromFlags } from './shared.js';
import { renderToDir } from '../render/files.js';

export async function run(ctx: CommandContext): Promise<number> {
  const { answers, path } = answersFromFlags(ctx, 'render');
  const outDir = resolve(ctx.cwd, str(ctx.args.flags, 'output-dir') ?? 'bucketeer-render');
  const { written, removed, notes } = await renderToDir(answers, outDir, {
    env: ctx.env,
    answersPath: path,
    chart: str(ctx.args.flags, 'chart'),
    includeSecrets: bool(ctx.args.flags, 'include-secrets'),
  });
  for (const f of removed) ctx.stdout.write(`removed ${f} (from an earlier render)\n`);
  for (const f of written) ctx.stdout.write(`wrote ${f}\n`);
  for (const n of notes) ctx.stderr.write(`note: ${n}\n`);
  return 0;
}
