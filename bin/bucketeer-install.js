#!/usr/bin/env node
// The entry stays tiny: everything heavy is loaded by the command that needs it. This file is
// CommonJS (bin/package.json) so that `--version`, answered here without loading the CLI, does not
// even start Node's ES module loader: it costs about as much as `node -e 0`.
'use strict';
const argv = process.argv.slice(2);
if (argv.length === 1 && argv[0] === '--version') {
  process.stdout.write(`${require('../package.json').version}\n`);
} else {
  // Node 22.1+ keeps compiled code of the bundle on disk between runs; older Nodes lack it.
  require('node:module').enableCompileCache?.();
  import('../dist/cli.js')
    .then((cli) => cli.main(argv))
    .then((code) => {
      process.exitCode = code;
    });
}
