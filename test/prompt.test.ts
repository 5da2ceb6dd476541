// The y/N prompt before a change (src/cli/prompt.ts): a SIGTERM while it waits (the run's abort
// signal) ends it like Ctrl-C does, so a terminated run never hangs at the question.
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { askYesNo } from '../src/cli/prompt.js';
import { CancelledAtPrompt } from '../src/errors.js';

describe('askYesNo', () => {
  it('answers y as yes and end of input as no', async () => {
    const input = new PassThrough();
    const yes = askYesNo('Continue? ', new PassThrough(), input);
    input.write('y\n');
    expect(await yes).toBe(true);
    const input2 = new PassThrough();
    const no = askYesNo('Continue? ', new PassThrough(), input2);
    input2.end();
    expect(await no).toBe(false);
  });

  it('rejects with CancelledAtPrompt when the signal aborts while it waits, and lets go of the input', async () => {
    const input = new PassThrough();
    const abort = new AbortController();
    const asked = askYesNo('Continue? ', new PassThrough(), input, abort.signal);
    setTimeout(() => abort.abort(), 20);
    await expect(asked).rejects.toBeInstanceOf(CancelledAtPrompt);
    // readline paused its input when it closed: nothing keeps reading (and the process alive).
    expect(input.isPaused()).toBe(true);
  });

  it('an already aborted signal does not ask at all', async () => {
    const abort = new AbortController();
    abort.abort();
    await expect(askYesNo('Continue? ', new PassThrough(), new PassThrough(), abort.signal)).rejects.toBeInstanceOf(CancelledAtPrompt);
  });
});
