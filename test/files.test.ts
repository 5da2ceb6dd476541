// readRegularFile: what the answers file and {file:} secrets are read with. It must return at once
// for a FIFO without a writer and for endless devices, and read /proc files that report size 0.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readRegularFile } from '../src/util/files.js';

describe('readRegularFile', () => {
  const dir = mkdtempSync(join(tmpdir(), 'files-'));

  it('reads a regular file', () => {
    writeFileSync(join(dir, 'a'), 'secret\n');
    const r = readRegularFile(join(dir, 'a'), 100);
    expect(r.ok && r.data.toString()).toBe('secret\n');
  });

  it('refuses a FIFO without blocking, a device, a directory; says missing and too large', () => {
    execFileSync('mkfifo', [join(dir, 'pipe')]);
    expect(readRegularFile(join(dir, 'pipe'), 100)).toMatchObject({ ok: false, kind: 'not-regular', what: 'a named pipe (FIFO)' });
    expect(readRegularFile('/dev/zero', 100)).toMatchObject({ ok: false, kind: 'not-regular', what: 'a character device' });
    expect(readRegularFile(dir, 100)).toMatchObject({ ok: false, kind: 'not-regular', what: 'a directory' });
    expect(readRegularFile(join(dir, 'nope'), 100)).toMatchObject({ ok: false, kind: 'missing' });
    writeFileSync(join(dir, 'big'), 'x'.repeat(101));
    expect(readRegularFile(join(dir, 'big'), 100)).toMatchObject({ ok: false, kind: 'too-large', bytes: 101 });
  });

  it('reads a /proc file that reports size 0, within the cap, and stops at the cap', () => {
    const r = readRegularFile('/proc/self/status', 1024 * 1024);
    expect(r.ok && r.data.toString()).toMatch(/^Name:/);
    expect(readRegularFile('/proc/self/status', 10)).toMatchObject({ ok: false, kind: 'too-large' });
  });
});
