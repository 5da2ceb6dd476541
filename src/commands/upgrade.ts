// upgrade: read what is deployed, show the values and resource diff, ask, apply, verify, roll back
// on failure. Flags become UpgradeOptions here; the work is in src/upgrade/run.ts (loaded only when
// the command runs).
import type { CommandContext } from '../cli/context.js';
import { bool, list, parseDuration, str } from '../cli/flags.js';
import { UsageError } from '../errors.js';
import { DEFAULT_HEALTH_WINDOW_MS, DEFAULT_TIMEOUT_MS } from '../settings.js';
import type { UpgradeOptions } from '../upgrade/run.js';

/** Every flag is checked here, so bad input fails before the cluster is read. */
export async function parseUpgradeFlags(ctx: CommandContext): Promise<UpgradeOptions> {
  const f = ctx.args.flags;
  const output = str(f, 'output') ?? 'text';
  if (output !== 'text' && output !== 'ndjson') throw new UsageError(`--output must be text or ndjson for upgrade (got "${output}")`, 'pass --output text (default) or --output ndjson');
  const { parseSkipPrepare } = await import('../install/prepare.js');
  return {
    answersFile: str(f, 'answers'),
    chart: str(f, 'chart'),
    chartVersion: str(f, 'chart-version'),
    kubeContext: str(f, 'kube-context'),
    kubeconfig: str(f, 'kubeconfig'),
    namespace: str(f, 'namespace'),
    release: str(f, 'release'),
    yes: bool(f, 'yes'),
    force: bool(f, 'force'),
    skipPrepare: parseSkipPrepare(list(f, 'skip-prepare')),
    recreateSubscriptions: bool(f, 'recreate-subscriptions'),
    timeoutMs: str(f, 'timeout') ? parseDuration(str(f, 'timeout')!, 'timeout') : DEFAULT_TIMEOUT_MS,
    healthWindowMs: str(f, 'health-window') ? parseDuration(str(f, 'health-window')!, 'health-window') : DEFAULT_HEALTH_WINDOW_MS,
    output,
  };
}

export async function run(ctx: CommandContext): Promise<number> {
  const options = await parseUpgradeFlags(ctx);
  const { runUpgrade } = await import('../upgrade/run.js');
  return runUpgrade(options, ctx);
}
