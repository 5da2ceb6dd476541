// uninstall: flags -> UninstallOptions, then src/uninstall/run.ts (loaded only when it runs).
import type { CommandContext } from '../cli/context.js';
import { bool, parseDuration, str } from '../cli/flags.js';
import { DEFAULT_TIMEOUT_MS } from '../settings.js';

export async function run(ctx: CommandContext): Promise<number> {
  const f = ctx.args.flags;
  const timeout = str(f, 'timeout');
  const { runUninstall } = await import('../uninstall/run.js');
  return runUninstall(
    {
      release: str(f, 'release'),
      namespace: str(f, 'namespace'),
      kubeContext: str(f, 'kube-context'),
      kubeconfig: str(f, 'kubeconfig'),
      yes: bool(f, 'yes'),
      purge: bool(f, 'purge'),
      timeoutMs: timeout ? parseDuration(timeout, 'timeout') : DEFAULT_TIMEOUT_MS,
    },
    ctx,
  );
}
