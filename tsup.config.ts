import { readFileSync } from 'node:fs';
import { defineConfig } from 'tsup';

const pkg = JSON.parse(readFileSync('package.json', 'utf8')) as { version: string };

// One bundle per command so `--version` and `--help` parse only the entry chunk.
export default defineConfig({
  entry: { cli: 'src/cli.ts' },
  format: ['esm'],
  target: 'node20',
  platform: 'node',
  splitting: true,
  sourcemap: false,
  clean: true,
  outDir: 'dist',
  // Dependencies stay external for now; bundling them is the start-up issue's work.
  skipNodeModulesBundle: true,
  env: { NODE_ENV: 'production' },
  define: { __BUCKETEER_INSTALL_VERSION__: JSON.stringify(pkg.version) },
});
