// Loaded with `node --require`: writes "signal-ready" to stdout as soon as the entry script's own
// code has run (the first turn of the event loop, while the CLI bundle loads), so a test can
// signal the earliest moment a program can catch a signal. Before that, Node itself is starting.
'use strict';
setImmediate(() => process.stdout.write('signal-ready\n'));
