#!/usr/bin/env node
// The entry stays tiny: everything heavy is loaded by the command that needs it.
import('../dist/cli.js')
  .then((cli) => cli.main(process.argv.slice(2)))
  .then((code) => {
    process.exitCode = code;
  });
