// The CLI's replacement for Node's warning printer (src/util/warnings.ts): nothing without
// --debug; under --debug one line per distinct warning, the AWS SDK's Node version notice never,
// and nothing while the wizard holds the terminal until it lets go.
import { afterAll, describe, expect, it } from 'vitest';
import { handleWarnings, holdWarnings } from '../../src/util/warnings.js';

const saved = process.listeners('warning');
afterAll(() => {
  process.removeAllListeners('warning');
  for (const l of saved) process.on('warning', l);
});

/** process.emitWarning delivers on the next tick. */
const tick = () => new Promise((r) => setImmediate(r));

const AWS_NOTICE = `NodeVersionSupportWarning: The AWS SDK for JavaScript (v3)
versions published after the first week of January 2027
will require node >=22. You are running node v20.20.2.`;

describe('handleWarnings', () => {
  it('without --debug drops every warning', async () => {
    const lines: string[] = [];
    handleWarnings({ debug: false, write: (l) => lines.push(l) });
    process.emitWarning('received unexpected error', 'MetadataLookupWarning');
    process.emitWarning(AWS_NOTICE);
    await tick();
    expect(lines).toEqual([]);
  });

  it('under --debug prints a multi-line warning once as one line, and never the AWS SDK Node notice', async () => {
    const lines: string[] = [];
    handleWarnings({ debug: true, write: (l) => lines.push(l) });
    process.emitWarning('first line\nsecond line', 'MetadataLookupWarning');
    process.emitWarning('first line\nsecond line', 'MetadataLookupWarning');
    process.emitWarning(AWS_NOTICE);
    await tick();
    expect(lines).toEqual(['warning: MetadataLookupWarning: first line\n']);
  });

  it('holds warnings while the wizard owns the terminal and prints them when it lets go', async () => {
    const lines: string[] = [];
    handleWarnings({ debug: true, write: (l) => lines.push(l) });
    const release = holdWarnings();
    process.emitWarning('listener leak', { type: 'MaxListenersExceededWarning', code: 'X1' });
    await tick();
    expect(lines).toEqual([]);
    release();
    expect(lines).toEqual(['warning: MaxListenersExceededWarning [X1]: listener leak\n']);
    process.emitWarning('after', 'LateWarning');
    await tick();
    expect(lines).toHaveLength(2);
  });
});
