import { readFileSync } from 'node:fs';
import { isBuiltin } from 'node:module';
import { defineConfig } from 'tsup';
import type { Plugin } from 'esbuild';
// @ts-expect-error: a plain .mjs build script, without type declarations
import { writeThirdParty } from './scripts/third-party.mjs';

const pkg = JSON.parse(readFileSync('package.json', 'utf8')) as { name: string; version: string };

// One bundle with a chunk per command: `--version` and `--help` parse only the entry chunk, and
// each command loads only the chunks it imports. Dependencies are bundled (npx then downloads one
// package instead of hundreds); only what cannot be bundled stays external (see README).
const IDENTIFIER = /^[A-Za-z_$][\w$]*$/;

// With code splitting, esbuild turns `await import('cjs-package')` into a chunk whose only export is
// `default`, so `const { GoogleAuth } = await import('google-auth-library')` gets undefined (Node
// itself would give the named exports). Each dynamic import of a package therefore goes through a
// small ESM facade that re-exports, by name, what Node's own import() of that package exposes.
const dynamicImportFacades: Plugin = {
  name: 'dynamic-import-facades',
  setup(build) {
    build.onResolve({ filter: /^[^./]/, namespace: 'file' }, async (args) => {
      if (args.kind !== 'dynamic-import' || isBuiltin(args.path)) return undefined;
      let names: string[];
      try {
        names = Object.keys((await import(args.path)) as object);
      } catch {
        return undefined; // not importable from the project root: leave it to esbuild as it is
      }
      return { path: args.path, namespace: 'dynamic-import-facade', pluginData: { resolveDir: args.resolveDir, names } };
    });
    build.onLoad({ filter: /.*/, namespace: 'dynamic-import-facade' }, async (args) => {
      const { resolveDir, names } = args.pluginData as { resolveDir: string; names: string[] };
      const spec = JSON.stringify(args.path);
      const named = names.filter((n) => n !== 'default' && IDENTIFIER.test(n));
      // Node may load a dual package's CommonJS build (which has a default) where esbuild picks its
      // ESM build (which may not): re-export a default only when the file esbuild bundles has one.
      const target = await build.resolve(args.path, { kind: 'import-statement', resolveDir });
      const source = target.path && !target.external ? readFileSync(target.path, 'utf8') : '';
      const esm = /^\s*(export|import)\s/m.test(source);
      const hasDefault = names.includes('default') && (!esm || /^\s*export\s+default\b|\bas default\b/m.test(source));
      return {
        contents: [
          `import * as ns from ${spec};`,
          named.length ? `export const { ${named.join(', ')} } = ns;` : '',
          hasDefault ? 'export default ns.default;' : '',
        ].join('\n'),
        resolveDir,
        loader: 'js',
      };
    });
  },
};

export default defineConfig({
  entry: { cli: 'src/cli.ts' },
  format: ['esm'],
  target: 'node20',
  platform: 'node',
  splitting: true,
  // Smaller download and faster parse; stack traces are only shown with --debug anyway.
  minify: true,
  sourcemap: false,
  clean: true,
  outDir: 'dist',
  // Ink imports react-devtools-core only when DEV=true; it is not installed, so it stays an
  // external import that Ink itself catches (it then says to install it). All else is bundled.
  noExternal: [/^(?!react-devtools-core$)/],
  external: ['react-devtools-core'],
  // Bundled CommonJS dependencies call require() for Node built-ins and use __dirname; an ESM
  // chunk has neither, so every chunk gets them from its own URL.
  banner: {
    js: [
      "import { createRequire as __bundleCreateRequire } from 'node:module';",
      "import { fileURLToPath as __bundleFileURLToPath } from 'node:url';",
      "import { dirname as __bundleDirname } from 'node:path';",
      'const require = __bundleCreateRequire(import.meta.url);',
      'const __filename = __bundleFileURLToPath(import.meta.url);',
      'const __dirname = __bundleDirname(__filename);',
    ].join('\n'),
  },
  esbuildPlugins: [dynamicImportFacades],
  env: { NODE_ENV: 'production' },
  define: { __BUCKETEER_INSTALL_VERSION__: JSON.stringify(pkg.version) },
  // The metafile says which packages the bundle contains: their licenses go into
  // dist/THIRD_PARTY_NOTICES.md and a CycloneDX SBOM (dist/sbom.cdx.json) is written from the lockfile.
  metafile: true,
  onSuccess: async () => {
    writeThirdParty({ root: '.', distDir: 'dist', metafilePath: 'dist/metafile-esm.json', projectName: pkg.name, projectVersion: pkg.version });
  },
});
