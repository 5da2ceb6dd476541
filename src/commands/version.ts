// version: flags -> VersionOptions, then src/versions/report.ts. `--version` (no command) stays the
// bin stub's instant answer; this command also asks helm and the cluster.
import type { CommandContext } from '../cli/context.js';
import { COMMAND_OUTPUTS, oneOf, parseDuration, str } from '../cli/flags.js';
import { DEFAULT_VERSION_TIMEOUT_MS } from '../settings.js';

export async function run(ctx: CommandContext): Promise<number> {
  const f = ctx.args.flags;
  const output = oneOf(f, 'output', COMMAND_OUTPUTS.version, 'version') ?? 'text';
  const timeout = str(f, 'timeout');
  const { versionReport, formatVersionReport } = await import('../versions/report.js');
  const report = await versionReport({
    kubeContext: str(f, 'kube-context'),
    kubeconfig: str(f, 'kubeconfig'),
    namespace: str(f, 'namespace'),
    release: str(f, 'release'),
    timeoutMs: timeout ? parseDuration(timeout, 'timeout') : DEFAULT_VERSION_TIMEOUT_MS,
    env: ctx.env,
    cwd: ctx.cwd,
  });
  ctx.stdout.write(output === 'json' ? `${JSON.stringify(report, null, 2)}\n` : formatVersionReport(report));
  return 0;
}
