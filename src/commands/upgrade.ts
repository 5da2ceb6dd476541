// upgrade: read what is deployed, show the values and resource diff, ask, apply, verify, roll back
// on failure. Flags become UpgradeOptions here; the work is in src/upgrade/run.ts (loaded only when
// the command runs).
import type { CommandContext } from '../cli/context.js';
import { bool, COMMAND_OUTPUTS, list, oneOf, parseDuration, str } from '../cli/flags.js';
import { loadAnswersFile } from '../answers/load.js';
import { DEFAULT_HEALTH_WINDOW_MS, DEFAULT_TIMEOUT_MS } from '../settings.js';
import type { UpgradeOptions } from '../upgrade/run.js';

/** Every flag is checked here, so bad input fails before the cluster is read. */
export async function parseUpgradeFlags(ctx: CommandContext): Promise<UpgradeOptions> {
  const f = ctx.args.flags;
  const output = oneOf(f, 'output', COMMAND_OUTPUTS.upgrade, 'upgrade') ?? 'text';
  const { parseSkipPrepare } = await import('../prepare/types.js');
  const skipPrepare = parseSkipPrepare(list(f, 'skip-prepare'));
  const timeoutMs = str(f, 'timeout') ? parseDuration(str(f, 'timeout')!, 'timeout') : DEFAULT_TIMEOUT_MS;
  const healthWindowMs = str(f, 'health-window') ? parseDuration(str(f, 'health-window')!, 'health-window') : DEFAULT_HEALTH_WINDOW_MS;
  const answersFile = str(f, 'answers');
  return {
    answersFile: answersFile === undefined ? undefined : loadAnswersFile(answersFile),
    chart: str(f, 'chart'),
    chartVersion: str(f, 'chart-version'),
    kubeContext: str(f, 'kube-context'),
    kubeconfig: str(f, 'kubeconfig'),
    namespace: str(f, 'namespace'),
    release: str(f, 'release'),
    yes: bool(f, 'yes'),
    dryRun: bool(f, 'dry-run'),
    force: bool(f, 'force'),
    skipPrepare,
    recreateSubscriptions: bool(f, 'recreate-subscriptions'),
    timeoutMs,
    healthWindowMs,
    skipSmoke: bool(f, 'skip-smoke'),
    output,
  };
}

export async function run(ctx: CommandContext): Promise<number> {
  const options = await parseUpgradeFlags(ctx);
  const { runUpgrade } = await import('../upgrade/run.js');
  return runUpgrade(options, ctx);
}
