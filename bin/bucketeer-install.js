#!/usr/bin/env node
// The entry stays tiny: everything heavy is loaded by the command that needs it. This file is
// CommonJS (bin/package.json) so that `--version`, answered here without loading the CLI, does not
// even start Node's ES module loader: it costs about as much as `node -e 0`.
'use strict';
const argv = process.argv.slice(2);
if (argv.length === 1 && argv[0] === '--version') {
  process.stdout.write(`${require('../package.json').version}\n`);
} else {
  stopOnSignalUntilACommandHandlesIt();
  // Node 22.1+ keeps compiled code of the bundle on disk between runs; older Nodes lack it.
  require('node:module').enableCompileCache?.();
  import('../dist/cli.js')
    .then((cli) => cli.main(argv))
    .then((code) => {
      process.exitCode = code;
    });
}

// Loading the CLI and reading the answers take a moment before a command installs its own
// Ctrl-C/SIGTERM handling; a signal then would get Node's default (killed, no word said). Every
// command installs its handler before its first change, so until then a signal means nothing was
// changed: say so and exit as a shell would (130, 143). The first SIGINT/SIGTERM listener anything
// else adds takes over, so a signal is never handled twice, nor ignored.
function stopOnSignalUntilACommandHandlesIt() {
  const signals = ['SIGINT', 'SIGTERM'];
  const stop = (sig) => {
    process.stderr.write(`${sig} received: interrupted before anything changed\n`);
    process.exit(sig === 'SIGTERM' ? 143 : 130);
  };
  const handOver = (event) => {
    if (!signals.includes(event)) return;
    process.off('newListener', handOver);
    // Once the new listener is in place (newListener runs just before it is added): removing the
    // last listener of a signal would make Node stop watching that signal, and the new one would
    // then never be called.
    queueMicrotask(() => {
      for (const sig of signals) process.off(sig, stop);
    });
  };
  for (const sig of signals) process.on(sig, stop);
  process.on('newListener', handOver);
}
